"""Decoding CTC output into text with word times and confidences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

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


def spans_from_path(path: Sequence[int], log_probs: torch.Tensor) -> list[TokenSpan]:
    """Collapse a frame-level CTC path into token spans with mean posterior confidences.

    ``path`` holds one token id per frame (blanks included); ``log_probs (time, vocab)``.
    """
    probs = log_probs.exp()
    spans: list[TokenSpan] = []
    prev, start = BLANK_ID, 0
    for t, tok in enumerate(list(path) + [BLANK_ID]):
        if tok != prev:
            if prev != BLANK_ID:
                conf = float(probs[start:t, prev].mean()) if t > start else 0.0
                spans.append(TokenSpan(prev, start, t - 1, conf))
            start = t
        prev = tok
    return spans


def hypothesis_from_path(path: Sequence[int], log_probs: torch.Tensor, tokenizer: Tokenizer, frame_shift: float,
                         score: float) -> Hypothesis:
    spans = spans_from_path(path, log_probs)
    ids = [s.id for s in spans]
    return Hypothesis(
        text=" ".join(tokenizer.decode(ids).split()),
        words=words_from_spans(spans, tokenizer, frame_shift),
        token_ids=tuple(ids),
        token_frames=tuple(s.start_frame for s in spans),
        score=score,
    )


class Decoder(Protocol):
    """A decoding strategy: CTC log-probabilities in, hypotheses out."""

    def decode(self, log_probs: torch.Tensor) -> Hypothesis: ...

    def decode_batch(self, log_probs: torch.Tensor, lengths: torch.Tensor) -> list[Hypothesis]: ...


class GreedyDecoder:
    """Best path: argmax per frame, merge repeats, drop blanks."""

    def __init__(self, tokenizer: Tokenizer, frame_shift: float):
        self.tokenizer = tokenizer
        self.frame_shift = frame_shift

    def decode(self, log_probs: torch.Tensor) -> Hypothesis:
        """``log_probs (time, vocab)`` of one utterance, already cut to its length."""
        if log_probs.dim() != 2:
            raise ValueError(f"expected log_probs (time, vocab), got {tuple(log_probs.shape)}")
        best_lp, best = log_probs.max(dim=-1) if log_probs.numel() else (log_probs.new_zeros(0), [])
        return hypothesis_from_path(best.tolist() if len(best) else [], log_probs, self.tokenizer, self.frame_shift,
                                    float(best_lp.sum()) if len(best) else 0.0)

    def decode_batch(self, log_probs: torch.Tensor, lengths: torch.Tensor) -> list[Hypothesis]:
        """``log_probs (batch, time, vocab)``, ``lengths (batch,)``."""
        log_probs = log_probs.detach().float().cpu()
        return [self.decode(log_probs[b, : int(lengths[b])]) for b in range(log_probs.shape[0])]
