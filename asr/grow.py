"""Growing a trained model deeper: new encoder layers stacked on trained ones (progressive stacking).

A bigger encoder trained from scratch on two CPU cores needs as many CPU-hours as its smaller parent took;
started from the parent's trained layers it needs only to fit the new ones. The new layers go on top of the
trained ones, under the output layer, which keeps its trained weights: the lower layers' features are kept
as they were, and the output layer adapts to the new top layer during training.
"""

from __future__ import annotations

import dataclasses

import torch

from .model import CTCModel
from .package import ModelFileError, PackagedModel

def deepen(packaged: PackagedModel, num_layers: int, seed: int = 0) -> PackagedModel:
    """A copy of ``packaged`` with ``num_layers`` encoder layers: its own layers at the bottom, the rest new
    (PyTorch's default initialisation, seeded by ``seed``); CMVN, front-end and output layer copied."""
    old = packaged.model
    if num_layers <= old.config.num_layers:
        raise ModelFileError(f"the model has {old.config.num_layers} encoder layers already: give more than that "
                             f"(got {num_layers})")
    config = dataclasses.replace(old.config, num_layers=num_layers)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = CTCModel(config)
    # The new layers keep their fresh weights; every parent weight must find its place (strict load).
    state = model.state_dict()
    state.update(old.state_dict())
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise ModelFileError(f"cannot grow this model: {str(e).splitlines()[0]}") from None
    model.eval()
    metadata = {"parameters": model.num_parameters(), "grown_from_layers": old.config.num_layers}
    return dataclasses.replace(packaged, model=model, metadata=metadata)
