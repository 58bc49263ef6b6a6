"""Forced alignment: the best CTC path that spells a known transcript (Viterbi), and its word times."""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np
import torch

from .decode import Word, spans_from_path, words_from_spans
from .segment import frame_energies_db
from .text import BLANK_ID, Tokenizer


class AlignmentError(Exception):
    """The transcript cannot be aligned to the audio (too long for it, or empty)."""


def ctc_viterbi(log_probs: torch.Tensor, targets: Sequence[int]) -> list[int]:
    """The most likely frame-level path (one token id per frame) that collapses to ``targets``.

    Args:
        log_probs: ``(time, vocab)`` CTC log-probabilities of one utterance.
        targets: token ids without blanks.

    Returns:
        path of length ``time``.
    """
    if log_probs.dim() != 2:
        raise ValueError(f"expected log_probs (time, vocab), got {tuple(log_probs.shape)}")
    if not targets:
        raise AlignmentError("nothing to align: the transcript is empty")
    if BLANK_ID in targets:
        raise ValueError("targets must not contain the blank")
    frames = log_probs.shape[0]
    repeats = sum(a == b for a, b in zip(targets, targets[1:]))
    if frames < len(targets) + repeats:
        raise AlignmentError(f"the transcript needs at least {len(targets) + repeats} frames, the audio has {frames}")
    lp = log_probs.detach().float().cpu()
    # Extended label sequence: blank, t1, blank, t2, ..., tN, blank.
    ext = torch.full((2 * len(targets) + 1,), BLANK_ID, dtype=torch.long)
    ext[1::2] = torch.tensor(targets, dtype=torch.long)
    states = ext.numel()
    neg_inf = torch.tensor(float("-inf"))
    # A skip over a blank (s-2 -> s) is allowed into a label that differs from the one two back.
    can_skip = torch.zeros(states, dtype=torch.bool)
    can_skip[2:] = (ext[2:] != BLANK_ID) & (ext[2:] != ext[:-2])
    score = torch.full((states,), float("-inf"))
    score[0] = lp[0, ext[0]]
    score[1] = lp[0, ext[1]]
    back = torch.zeros((frames, states), dtype=torch.long)
    for t in range(1, frames):
        stay = score
        step = torch.cat([neg_inf.view(1), score[:-1]])
        skip = torch.where(can_skip, torch.cat([neg_inf.repeat(2), score[:-2]]), neg_inf)
        candidates = torch.stack([stay, step, skip])  # (3, states)
        best, choice = candidates.max(dim=0)
        back[t] = choice
        score = best + lp[t, ext]
    # The path must end in the last label or the final blank.
    end = states - 1 if score[-1] >= score[-2] else states - 2
    if torch.isinf(score[end]):
        raise AlignmentError("no CTC path spells the transcript")
    path_states = [end]
    for t in range(frames - 1, 0, -1):
        end = end - int(back[t, end])
        path_states.append(end)
    path_states.reverse()
    return [int(ext[s]) for s in path_states]


def align_words(log_probs: torch.Tensor, text: str, tokenizer: Tokenizer, frame_shift: float) -> tuple[Word, ...]:
    """Word start/end times (seconds) and confidences for the normalised ``text``."""
    path = ctc_viterbi(log_probs, tokenizer.encode(text))
    spans = spans_from_path(path, log_probs)
    return words_from_spans(spans, tokenizer, frame_shift)


def refine_boundaries(words: Sequence[Word], audio: np.ndarray, sample_rate: int, frame_seconds: float = 0.005,
                      drop_db: float = 35.0, max_shift: float = 0.3) -> tuple[Word, ...]:
    """Move CTC word boundaries to the acoustic edges of the words' sound.

    CTC emits a token as a spike somewhere inside its sound, so a word's first token often fires
    after the word has begun and its last before it has ended (a final fricative's weak tail).
    Each boundary moves by at most ``max_shift`` seconds: outward through frames no quieter than
    ``drop_db`` below the word's loudest frame, up to the middle of the stretch between this word
    and its neighbour; inward through frames quieter than that (a boundary placed in silence).
    ``audio`` is the aligned mono waveform.
    """
    frame = max(1, int(frame_seconds * sample_rate))
    n = len(audio) // frame
    if n == 0 or not words:
        return tuple(words)
    energy = frame_energies_db(audio, frame)
    shift = max(1, int(round(max_shift / frame_seconds)))
    out: list[Word] = []
    for i, word in enumerate(words):
        first = min(n - 1, int(word.start / frame_seconds))
        last = min(n - 1, max(first, int(np.ceil(word.end / frame_seconds)) - 1))
        threshold = energy[first : last + 1].max() - drop_db
        inner = np.flatnonzero(energy[first : last + 1] >= threshold)  # never empty: it holds the loudest
        first, last = first + int(inner[0]), first + int(inner[-1])
        # Neighbours split the stretch between them at its middle: in connected speech the energy
        # never drops between words, and neither word may take the other's sound.
        low = max(first - shift, int(np.ceil((words[i - 1].end + word.start) / 2 / frame_seconds)) if i else 0)
        high = min(last + shift, int((word.end + words[i + 1].start) / 2 / frame_seconds) - 1
                   if i + 1 < len(words) else n - 1)
        while first - 1 >= low and energy[first - 1] >= threshold:
            first -= 1
        while last + 1 <= high and energy[last + 1] >= threshold:
            last += 1
        out.append(dataclasses.replace(word, start=first * frame_seconds, end=(last + 1) * frame_seconds))
    return tuple(out)
