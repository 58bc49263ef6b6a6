"""Tuning the LM weight and word insertion bonus of beam search on a dev set."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Sequence

import torch
from tqdm import tqdm

from .decoding import DecodingConfig, build_decoder
from .evaluate import score
from .transcribe import Transcriber


@dataclass(frozen=True)
class TuningPoint:
    lm_weight: float
    word_score: float
    wer: float
    cer: float


def tune_lm(
    model: Transcriber,
    log_probs: Sequence[torch.Tensor],
    references: Sequence[str],
    base: DecodingConfig,
    lm_weights: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
    word_scores: Sequence[float] = (-1.0, 0.0, 1.0, 2.0, 3.0),
    progress: bool = True,
) -> tuple[DecodingConfig, list[TuningPoint]]:
    """Grid search: decode precomputed ``log_probs`` (each ``(time, vocab)``) with every setting.

    Returns the setting with the lowest WER (CER breaks ties) and every point tried.
    """
    if len(log_probs) != len(references) or not references:
        raise ValueError("need the same, non-zero number of log-prob matrices and references")
    points = []
    grid = list(itertools.product(lm_weights, word_scores))
    for lm_weight, word_score in tqdm(grid, desc="tuning", unit="setting", disable=not progress):
        config = dataclasses.replace(base, method="beam", lm_weight=lm_weight, word_score=word_score)
        decoder = build_decoder(config, model.packaged.tokenizer, model.frame_shift)
        hyps = [decoder.decode(lp).text for lp in log_probs]
        s = score(references, hyps)
        points.append(TuningPoint(lm_weight, word_score, s.wer, s.cer))
    best = min(points, key=lambda p: (p.wer, p.cer))
    return dataclasses.replace(base, method="beam", lm_weight=best.lm_weight, word_score=best.word_score), points
