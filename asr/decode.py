"""Decoding CTC output into text with word times and confidences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from .text import BLANK_ID, Tokenizer

_WORD_BOUNDARY = "\u2581"  # sentencepiece's word-start marker


@dataclass(frozen=True)
class Word:
    word: str
    start: float  # seconds
    end: float  # seconds
    confidence: float  # mean posterior of the word's tokens, in [0, 1]


@dataclass(frozen=True)
class Hypothesis:
    text: str
    words: tuple[Word, ...]
    token_ids: tuple[int, ...]
    token_frames: tuple[int, ...]  # first output frame of each token
    score: float  # sum of the chosen frames' log-probabilities


@dataclass(frozen=True)
class TokenSpan:
    id: int
    start_frame: int
    end_frame: int  # inclusive
    confidence: float


def words_from_spans(spans: Sequence[TokenSpan], tokenizer: Tokenizer, frame_shift: float) -> tuple[Word, ...]:
    """Group token spans into words; spaces (char) or ``▁`` (sentencepiece) separate words."""
    words: list[Word] = []
    current: list[tuple[str, TokenSpan]] = []

    def flush() -> None:
        if current:
            text = "".join(t for t, _ in current)
            first, last = current[0][1], current[-1][1]
            confidence = sum(s.confidence for _, s in current) / len(current)
            words.append(Word(text, first.start_frame * frame_shift, (last.end_frame + 1) * frame_shift, confidence))
            current.clear()

    for span in spans:
        piece = tokenizer.token(span.id).replace(_WORD_BOUNDARY, " ")
        if piece.startswith(" "):
            flush()
        piece = piece.strip()
        if piece:
            current.append((piece, span))
        elif not tokenizer.token(span.id).startswith(_WORD_BOUNDARY):
            flush()  # a space token ends the word
    flush()
    return tuple(words)


class GreedyDecoder:
    """Best path: argmax per frame, merge repeats, drop blanks."""

    def __init__(self, tokenizer: Tokenizer, frame_shift: float):
        self.tokenizer = tokenizer
        self.frame_shift = frame_shift

    def spans(self, log_probs: torch.Tensor) -> list[TokenSpan]:
        """``log_probs (time, vocab)`` of one utterance, already cut to its length."""
        best_lp, best = log_probs.max(dim=-1)
        best_l, probs = best.tolist(), best_lp.exp().tolist()
        spans: list[TokenSpan] = []
        prev = BLANK_ID
        start, confs = 0, []
        for t, tok in enumerate(best_l):
            if tok != prev:
                if prev != BLANK_ID:
                    spans.append(TokenSpan(prev, start, t - 1, sum(confs) / len(confs)))
                start, confs = t, []
            confs.append(probs[t])
            prev = tok
        if prev != BLANK_ID:
            spans.append(TokenSpan(prev, start, len(best_l) - 1, sum(confs) / len(confs)))
        return spans

    def decode(self, log_probs: torch.Tensor) -> Hypothesis:
        if log_probs.dim() != 2:
            raise ValueError(f"expected log_probs (time, vocab), got {tuple(log_probs.shape)}")
        spans = self.spans(log_probs)
        ids = [s.id for s in spans]
        return Hypothesis(
            text=self.tokenizer.decode(ids).strip(),
            words=words_from_spans(spans, self.tokenizer, self.frame_shift),
            token_ids=tuple(ids),
            token_frames=tuple(s.start_frame for s in spans),
            score=float(log_probs.max(dim=-1).values.sum()) if log_probs.numel() else 0.0,
        )

    def decode_batch(self, log_probs: torch.Tensor, lengths: torch.Tensor) -> list[Hypothesis]:
        """``log_probs (batch, time, vocab)``, ``lengths (batch,)``."""
        log_probs = log_probs.detach().float().cpu()
        return [self.decode(log_probs[b, : int(lengths[b])]) for b in range(log_probs.shape[0])]
