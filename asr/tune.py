"""Tuning the LM weight and word insertion bonus of beam search on a dev set."""

from __future__ import annotations

import dataclasses
import itertools
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from tqdm import tqdm

from .audio import AudioError, PathLike
from .data import read_manifest
from .decoding import DecodingConfig, build_decoder
from .evaluate import Score, score
from .text import Tokenizer, normalize
from .transcribe import Transcriber


@dataclass(frozen=True)
class DevLogProbs:
    """A dev set run through the acoustic model once, to be decoded many times."""

    log_probs: list[torch.Tensor]  # each (time, vocab)
    references: list[str]  # normalised
    sets: list[int]  # each utterance's manifest, an index into names
    names: list[str]  # the manifests with at least one readable utterance


def dev_log_probs(model: Transcriber, manifests: Sequence[PathLike],
                  on_error: Callable[[str], None] = lambda message: None) -> DevLogProbs:
    """Log-probabilities of every readable utterance of ``manifests``; each manifest is one set.

    An unreadable utterance, or a manifest with none readable, is reported to ``on_error`` and
    left out. Raises ``ManifestError`` for a broken manifest and ``ValueError`` when nothing is left.
    """
    dev = DevLogProbs([], [], [], [])
    for manifest in manifests:
        before = len(dev.references)
        for u in read_manifest(manifest):
            try:
                dev.log_probs.append(model.log_probs(model.load(u.audio_filepath)))
            except AudioError as e:
                on_error(str(e))
                continue
            dev.references.append(normalize(u.text))
            dev.sets.append(len(dev.names))
        if len(dev.references) > before:
            dev.names.append(str(manifest))
        else:
            on_error(f"{manifest}: no utterance could be read; left out")
    if not dev.references:
        raise ValueError("no dev utterance could be read")
    return dev


def score_sets(references: Sequence[str], hypotheses: Sequence[str], sets: Sequence[int]) -> list[Score]:
    """The score of each dev set (0, 1, ...), given each utterance's set index."""
    return [score([r for r, i in zip(references, sets) if i == k], [h for h, i in zip(hypotheses, sets) if i == k])
            for k in range(max(sets) + 1)]


@dataclass(frozen=True)
class TuningPoint:
    lm_weight: float
    word_score: float
    wer: float  # the objective: the mean of the dev sets' WERs (with one set, its WER)
    cer: float
    set_wers: tuple[float, ...] = ()  # per dev set, in the order of their indices


def tune_lm(
    model: Transcriber,
    log_probs: Sequence[torch.Tensor],
    references: Sequence[str],
    base: DecodingConfig,
    lm_weights: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
    word_scores: Sequence[float] = (-1.0, 0.0, 1.0, 2.0, 3.0),
    progress: bool = True,
    workers: int | None = None,
    sets: Sequence[int] | None = None,
) -> tuple[DecodingConfig, list[TuningPoint]]:
    """Grid search: decode precomputed ``log_probs`` (each ``(time, vocab)``) with every setting.

    Settings are tried in ``workers`` parallel processes (default: all cores), each decoding the
    whole dev set. ``sets`` gives each utterance's dev set (0, 1, ...): the objective is then the
    mean of the sets' WERs, so that a small set (real speech beside much synthetic) weighs as much
    as a large one. Returns the setting with the lowest objective (CER breaks ties) and every point tried.
    """
    if len(log_probs) != len(references) or not references:
        raise ValueError("need the same, non-zero number of log-prob matrices and references")
    sets = list(sets) if sets is not None else [0] * len(references)
    if len(sets) != len(references) or sorted(set(sets)) != list(range(max(sets) + 1)):
        raise ValueError("sets must give each utterance a set index, 0 to n-1, each used at least once")
    grid = [dataclasses.replace(base, method="beam", lm_weight=w, word_score=s)
            for w, s in itertools.product(lm_weights, word_scores)]
    workers = min(len(grid), workers or os.cpu_count() or 1)
    job = (model.packaged.tokenizer, model.frame_shift, [lp.cpu() for lp in log_probs], list(references), sets)
    if workers > 1:
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=job) as pool:
            scores = list(tqdm(pool.map(_score_setting, grid), total=len(grid), desc="tuning", unit="setting",
                               disable=not progress))
    else:
        _init_worker(*job)
        scores = [_score_setting(c) for c in tqdm(grid, desc="tuning", unit="setting", disable=not progress)]
    points = [_point(c, per_set) for c, per_set in zip(grid, scores)]
    best = min(points, key=lambda p: (p.wer, p.cer))
    return dataclasses.replace(base, method="beam", lm_weight=best.lm_weight, word_score=best.word_score), points


def _point(config: DecodingConfig, per_set: Sequence[tuple[float, float]]) -> TuningPoint:
    wers, cers = zip(*per_set)
    return TuningPoint(config.lm_weight, config.word_score, sum(wers) / len(wers), sum(cers) / len(cers),
                       tuple(wers))


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


_JOB: tuple | None = None  # (tokenizer, frame_shift, log_probs, references, sets), set once per process


def _init_worker(tokenizer: Tokenizer, frame_shift: float, log_probs: list[torch.Tensor],
                 references: list[str], sets: list[int]) -> None:
    global _JOB
    torch.set_num_threads(1)
    _JOB = (tokenizer, frame_shift, log_probs, references, sets)


def _score_setting(config: DecodingConfig) -> list[tuple[float, float]]:
    """(WER, CER) of each dev set."""
    assert _JOB is not None
    tokenizer, frame_shift, log_probs, references, sets = _JOB
    decoder = build_decoder(config, tokenizer, frame_shift)
    hypotheses = [decoder.decode(lp).text for lp in log_probs]
    return [(s.wer, s.cer) for s in score_sets(references, hypotheses, sets)]
