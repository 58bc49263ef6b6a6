"""Averaging model files (the last or best N epochs): a cheap ensemble that usually lowers WER."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import torch

from .audio import PathLike
from .package import ModelFileError, PackagedModel, load_model_file


def average_models(paths: Sequence[PathLike]) -> PackagedModel:
    """The element-wise mean of the parameters of model files with the same architecture."""
    if not paths:
        raise ModelFileError("no model files to average")
    models = [load_model_file(p) for p in paths]
    first = models[0]
    for path, m in zip(paths[1:], models[1:]):
        if m.model.config != first.model.config or m.tokenizer.state_dict() != first.tokenizer.state_dict():
            raise ModelFileError(f"{path}: a different model or tokenizer than {paths[0]}: cannot average")
    states = [m.model.state_dict() for m in models]
    averaged = {}
    for key, value in states[0].items():
        if value.is_floating_point():
            averaged[key] = torch.stack([s[key].float() for s in states]).mean(0).to(value.dtype)
        else:
            averaged[key] = value
    first.model.load_state_dict(averaged)
    # the paths as given: epochs of different runs share their file names
    metadata = {**first.metadata, "averaged_from": [str(p) for p in paths]}
    return dataclasses.replace(first, metadata=metadata)


def epoch_models(exp_dir: PathLike, last: int | None = None, best: int | None = None) -> list[Path]:
    """The last N (by epoch) or best N (by dev WER in their metadata) ``epoch-*.pt`` files of a run."""
    files = sorted(Path(exp_dir).glob("epoch-*.pt"), key=lambda p: int(p.stem.split("-")[1]))
    if not files:
        raise ModelFileError(f"{exp_dir}: no epoch-*.pt model files (train.keep_last keeps them)")
    if best:
        scored = [(load_model_file(p).metadata.get("dev_wer", float("inf")), p) for p in files]
        return [p for _, p in sorted(scored, key=lambda x: x[0])[:best]]
    return files[-(last or len(files)):]
