"""One model file: weights, configs, tokenizer, CMVN statistics (as buffers) and metadata.

The file is a plain ``torch.save`` of tensors and builtin types, read back with
``torch.load(weights_only=True)`` so that a file holding arbitrary pickled objects is refused.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from . import __version__
from .audio import PathLike
from .config import ConfigError, from_dict
from .features import FeatureConfig
from .model import CTCModel, ModelConfig
from .text import Tokenizer, tokenizer_from_state

FORMAT = "openasr-ctc-model"
FORMAT_VERSION = 1
DEFAULT_MODEL = Path(__file__).parent / "assets" / "en_default.pt"


class ModelFileError(Exception):
    """A model file that is missing, damaged, unsafe, or from an incompatible version."""


@dataclass
class PackagedModel:
    model: CTCModel
    tokenizer: Tokenizer
    feature_config: FeatureConfig
    metadata: dict[str, Any] = field(default_factory=dict)


def atomic_save(obj: Any, path: PathLike) -> None:
    """``torch.save`` to a temporary file in the same folder, then rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_load(path: PathLike) -> dict:
    """``torch.load(weights_only=True)`` with one clear error for every way a file can be bad."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    if path.stat().st_size == 0:
        raise ModelFileError(f"{path}: model file is empty")
    try:
        with warnings.catch_warnings():  # e.g. "Detected pickle protocol 4" for a file that is no checkpoint
            warnings.simplefilter("ignore", UserWarning)
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ModelFileError(
            f"{path}: refused: not a file of tensors and plain data (it holds other objects, whose loading "
            "could run arbitrary code, or is not a checkpoint at all)"
        ) from None
    except Exception as e:  # arbitrary bytes reach torch's unpickler: KeyError, IndexError, RuntimeError, ...
        reason = type(e).__name__ + (f": {str(e).splitlines()[0]}" if str(e).strip() else "")
        raise ModelFileError(f"{path}: not a readable model file, truncated or corrupt ({reason})") from None
    if not isinstance(obj, dict):
        raise ModelFileError(f"{path}: not a model file of this toolkit")
    return obj


def save_model(packaged: PackagedModel, path: PathLike) -> None:
    model = packaged.model
    atomic_save(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "toolkit_version": __version__,
            "model_config": dataclasses.asdict(model.config),
            "feature_config": dataclasses.asdict(packaged.feature_config),
            "tokenizer": packaged.tokenizer.state_dict(),
            "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "metadata": packaged.metadata,
        },
        path,
    )


def load_model_file(path: PathLike) -> PackagedModel:
    """Load a model file written by :func:`save_model`.

    Raises:
        ModelFileError: missing, truncated, unsafe, not ours, or from an incompatible version.
    """
    obj = safe_load(path)
    if obj.get("format") != FORMAT:
        kind = "a training checkpoint; package it with `asr package`" if "optimizer" in obj else "not a model file"
        raise ModelFileError(f"{path}: {kind} of this toolkit")
    version = obj.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model format version {version} (toolkit {obj.get('toolkit_version', '?')}) "
            f"is not supported by this toolkit ({__version__}, format {FORMAT_VERSION})"
        )
    try:
        model_config = from_dict(ModelConfig, obj["model_config"])
        feature_config = from_dict(FeatureConfig, obj["feature_config"])
        tokenizer = tokenizer_from_state(obj["tokenizer"])
        model = CTCModel(model_config)
        model.load_state_dict(obj["state_dict"])
    except (KeyError, ConfigError, ValueError, RuntimeError) as e:
        raise ModelFileError(f"{path}: model file is inconsistent ({str(e).splitlines()[0]})") from None
    if tokenizer.vocab_size != model_config.vocab_size:
        raise ModelFileError(f"{path}: tokenizer has {tokenizer.vocab_size} tokens, model {model_config.vocab_size}")
    model.eval()
    return PackagedModel(model, tokenizer, feature_config, dict(obj.get("metadata") or {}))
