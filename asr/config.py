"""Experiment configuration: dataclasses with defaults, read from and written to YAML."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .audio import PathLike
from .augment import AugmentConfig
from .features import FeatureConfig, SpecAugmentConfig
from .model import ModelConfig


class ConfigError(Exception):
    """A configuration file that is missing, malformed or names unknown options."""


@dataclass(frozen=True)
class TokenizerConfig:
    kind: str = "char"  # "char" | "bpe" | "unigram"
    vocab_size: int = 256  # sentencepiece only


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 30
    max_batch_seconds: float = 160.0  # total audio per batch (longest utterance x batch size)
    max_batch_size: int | None = None
    num_buckets: int = 10
    sortagrad: bool = False  # first epoch ordered short to long
    lr: float = 1e-3
    weight_decay: float = 1e-2
    warmup_steps: int = 500
    schedule: str = "cosine"  # after warm-up: "cosine" | "onecycle" (linear down) | "plateau" | "constant"
    min_lr_ratio: float = 0.05
    plateau_factor: float = 0.5  # "plateau": multiply the LR by this after `plateau_patience` epochs
    plateau_patience: int = 1  # without a better dev WER
    early_stopping_patience: int | None = None  # stop after this many epochs without a better dev WER
    keep_last: int = 3  # epoch-N.pt model files kept (for `asr average`)
    tensorboard: bool = False  # also log to OUT/tensorboard (needs the tensorboard package)
    grad_clip: float = 5.0
    spec_augment: SpecAugmentConfig | None = field(default_factory=SpecAugmentConfig)
    vtlp_range: list[float] | None = None  # vocal-tract-length warp factors, e.g. [0.9, 1.1]
    cache_features: bool = False  # keep log-mels (or, with wave_augment, waveforms) in memory after first use
    wave_augment: AugmentConfig | None = None  # speed/noise/reverb/telephone, drawn per utterance and epoch
    noise_manifest: str | None = None  # recorded noise for wave_augment (coloured noise when unset)
    feature_shards: str | None = None  # log-mels precomputed by `asr features` (unused with wave_augment)
    num_workers: int = 1
    amp: bool = True  # autocast on CUDA (bf16 where supported, else fp16)
    amp_cpu: bool = False  # bf16 autocast on the CPU too, where a timed step shows it faster (asr.device);
    # a declined one is timed again at each epoch, in case other work slowed the first probe
    device: str = "auto"  # "auto" | "cpu" | "cuda" | "cuda:N"
    seed: int = 1234
    log_every: int = 20  # steps between rows of the step log
    checkpoint_every: int = 0  # steps between mid-epoch checkpoints (0: at epoch ends only)

    def __post_init__(self) -> None:
        if self.schedule not in ("cosine", "onecycle", "plateau", "constant"):
            raise ValueError(f"schedule must be cosine, onecycle, plateau or constant, got {self.schedule!r}")
        if self.epochs < 1 or self.max_batch_seconds <= 0 or self.lr <= 0:
            raise ValueError("epochs >= 1, max_batch_seconds > 0 and lr > 0 are required")


@dataclass(frozen=True)
class ExperimentConfig:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


def from_dict(cls: type, data: Any, where: str = "") -> Any:
    """Build dataclass ``cls`` from nested dicts, rejecting unknown keys."""
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise ConfigError(f"{where or 'config'}: expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{where or 'config'}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}")
    kwargs = {}
    for key, value in data.items():
        name = f"{where}.{key}".lstrip(".")
        target = _dataclass_in(hints[key])
        if target and value is not None:
            kwargs[key] = from_dict(target, value, name)
        else:
            kwargs[key] = _scalar(hints[key], value, name)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where or 'config'}: {e}") from None


def _scalar(hint: Any, value: Any, where: str) -> Any:
    """Check a value whose field is a bool, int, float or str (or that or None).

    PyYAML reads YAML 1.1, where ``1e-3`` (no dot) is a string, not a float: such strings are taken
    as the numbers they spell rather than failing later inside the trainer. Other values of the wrong
    type are a clear error. Lists, tuples and unions of several types pass as they are.
    """
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    kinds = [a for a in (typing.get_args(hint) if union else (hint,)) if a is not type(None)]
    if value is None or len(kinds) != 1 or kinds[0] not in (bool, int, float, str):
        return value
    kind = kinds[0]
    if kind is float and isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            return float(value)
        except ValueError:
            pass
    elif isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return value
    raise ConfigError(f"{where}: expected {'a number' if kind is float else kind.__name__}, got {value!r}")


def _dataclass_in(hint: Any) -> type | None:
    if dataclasses.is_dataclass(hint):
        return hint
    for arg in typing.get_args(hint):
        if dataclasses.is_dataclass(arg):
            return arg
    return None


def to_dict(config: Any) -> dict:
    return dataclasses.asdict(config)


def load_config(path: PathLike | None, overrides: dict | None = None) -> ExperimentConfig:
    """Read an experiment config from YAML (``None``: defaults), then apply ``overrides``."""
    data: dict = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file")
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as e:
            raise ConfigError(f"{path}: not valid YAML ({e})") from None
    for dotted, value in (overrides or {}).items():
        node = data
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return from_dict(ExperimentConfig, data)


def save_config(config: ExperimentConfig, path: PathLike) -> None:
    Path(path).write_text(yaml.safe_dump(to_dict(config), sort_keys=False))
