"""Tuning the LM weight and word insertion bonus of beam search on a dev set."""

from __future__ import annotations

import dataclasses
import itertools
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Sequence

import torch
from tqdm import tqdm

from .decoding import DecodingConfig, build_decoder
from .evaluate import score
from .text import Tokenizer
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
    workers: int | None = None,
) -> tuple[DecodingConfig, list[TuningPoint]]:
    """Grid search: decode precomputed ``log_probs`` (each ``(time, vocab)``) with every setting.

    Settings are tried in ``workers`` parallel processes (default: all cores), each decoding the
    whole dev set. Returns the setting with the lowest WER (CER breaks ties) and every point tried.
    """
    if len(log_probs) != len(references) or not references:
        raise ValueError("need the same, non-zero number of log-prob matrices and references")
    grid = [dataclasses.replace(base, method="beam", lm_weight=w, word_score=s)
            for w, s in itertools.product(lm_weights, word_scores)]
    workers = min(len(grid), workers or os.cpu_count() or 1)
    job = (model.packaged.tokenizer, model.frame_shift, [lp.cpu() for lp in log_probs], list(references))
    if workers > 1:
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=job) as pool:
            scores = list(tqdm(pool.map(_score_setting, grid), total=len(grid), desc="tuning", unit="setting",
                               disable=not progress))
    else:
        _init_worker(*job)
        scores = [_score_setting(c) for c in tqdm(grid, desc="tuning", unit="setting", disable=not progress)]
    points = [TuningPoint(c.lm_weight, c.word_score, wer, cer) for c, (wer, cer) in zip(grid, scores)]
    best = min(points, key=lambda p: (p.wer, p.cer))
    return dataclasses.replace(base, method="beam", lm_weight=best.lm_weight, word_score=best.word_score), points


def grid_edges(best: DecodingConfig, lm_weights: Sequence[float], word_scores: Sequence[float]) -> list[str]:
    """Warnings for a best setting on the edge of the grid, where the optimum may lie beyond it.

    An LM weight of 0 (no LM) is a natural lower bound, so a best weight of 0 is not an edge.
    """
    edges = []
    for name, value, tried, floor in (("lm_weight", best.lm_weight, lm_weights, 0.0),
                                      ("word_score", best.word_score, word_scores, None)):
        if len(set(tried)) < 2:
            continue
        if value == max(tried):
            edges.append(f"{name} {value:g} is the largest tried; try larger values")
        elif value == min(tried) and value != floor:
            edges.append(f"{name} {value:g} is the smallest tried; try smaller values")
    return edges


_JOB: tuple | None = None  # (tokenizer, frame_shift, log_probs, references), set once per process


def _init_worker(tokenizer: Tokenizer, frame_shift: float, log_probs: list[torch.Tensor],
                 references: list[str]) -> None:
    global _JOB
    torch.set_num_threads(1)
    _JOB = (tokenizer, frame_shift, log_probs, references)


def _score_setting(config: DecodingConfig) -> tuple[float, float]:
    assert _JOB is not None
    tokenizer, frame_shift, log_probs, references = _JOB
    decoder = build_decoder(config, tokenizer, frame_shift)
    s = score(references, [decoder.decode(lp).text for lp in log_probs])
    return s.wer, s.cer
