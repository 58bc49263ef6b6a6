"""Decoding settings and building the decoder they describe; tuned values live next to the model file."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import yaml

from .audio import PathLike
from .config import ConfigError, from_dict
from .decode import Decoder, GreedyDecoder
from .text import Tokenizer


@dataclass(frozen=True)
class DecodingConfig:
    method: str = "greedy"  # "greedy" | "beam"
    beam_size: int = 32
    # Tokens tried per frame, the likeliest first (None: all). A few suffice, and the time saved
    # buys a wider beam (RESULTS.md, "Beam search: the token beam buys a wider beam").
    beam_size_token: int | None = None
    beam_threshold: float = 25.0  # hypotheses this far (log-prob) below the best are dropped
    lm: str | None = None  # KenLM binary; a relative path resolves against the config's folder
    lm_weight: float = 0.5
    word_score: float = 0.0
    nbest: int = 1

    def __post_init__(self) -> None:
        if self.method not in ("greedy", "beam"):
            raise ValueError(f"decoding method must be 'greedy' or 'beam', got {self.method!r}")
        if self.beam_size < 1:
            raise ValueError(f"beam_size must be at least 1, got {self.beam_size}")
        if self.beam_size_token is not None and self.beam_size_token < 1:
            raise ValueError(f"beam_size_token must be at least 1 (or unset for all tokens), "
                             f"got {self.beam_size_token}")
        if self.beam_threshold <= 0:
            raise ValueError(f"beam_threshold must be positive, got {self.beam_threshold}")


def decoding_config_path(model_path: PathLike) -> Path:
    """``model.pt`` -> ``model.decoding.yaml``."""
    p = Path(model_path)
    return p.with_name(p.stem + ".decoding.yaml")


def load_decoding_config(model_path: PathLike) -> DecodingConfig | None:
    path = decoding_config_path(model_path)
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML ({e})") from None
    config = from_dict(DecodingConfig, data, str(path))
    if config.lm and not Path(config.lm).is_absolute():
        config = dataclasses.replace(config, lm=str(path.parent / config.lm))
    return config


def save_decoding_config(model_path: PathLike, config: DecodingConfig) -> Path:
    path = decoding_config_path(model_path)
    data = dataclasses.asdict(config)
    if config.lm:
        lm = Path(config.lm).absolute()
        try:
            data["lm"] = str(lm.relative_to(path.parent.absolute()))
        except ValueError:
            data["lm"] = str(lm)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def build_decoder(config: DecodingConfig, tokenizer: Tokenizer, frame_shift: float,
                  hotwords: tuple[tuple[str, float], ...] = (), workers: int = 1) -> Decoder:
    """The decoder ``config`` describes; beam search spreads a batch over ``workers`` processes."""
    if config.method == "greedy" and not hotwords:
        return GreedyDecoder(tokenizer, frame_shift)
    from .beam_search import BeamSearchDecoder, BeamSearchOptions

    options = BeamSearchOptions(beam_size=config.beam_size, beam_size_token=config.beam_size_token,
                                beam_threshold=config.beam_threshold,
                                lm_weight=config.lm_weight, word_score=config.word_score, nbest=config.nbest,
                                hotwords=hotwords)
    return BeamSearchDecoder(tokenizer, frame_shift, options, lm=config.lm, workers=workers)
