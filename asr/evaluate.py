"""Word and character error rates with substitution, deletion and insertion counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import jiwer

from .text import normalize


def error_rate(errors: int, reference_length: int) -> float:
    """Errors over reference length; an empty reference with errors (insertions) counts as rate 1."""
    return errors / reference_length if reference_length else float(errors > 0)


@dataclass(frozen=True)
class ErrorCounts:
    substitutions: int
    deletions: int
    insertions: int
    hits: int

    @property
    def reference_length(self) -> int:
        return self.substitutions + self.deletions + self.hits

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        return error_rate(self.errors, self.reference_length)


@dataclass(frozen=True)
class Score:
    words: ErrorCounts
    chars: ErrorCounts
    sentences: int
    sentence_errors: int

    @property
    def wer(self) -> float:
        return self.words.rate

    @property
    def cer(self) -> float:
        return self.chars.rate

    @property
    def ser(self) -> float:
        return self.sentence_errors / self.sentences if self.sentences else 0.0

    def summary(self) -> dict:
        return {
            "utterances": self.sentences,
            "wer": self.wer,
            "cer": self.cer,
            "ser": self.ser,
            "words": {**asdict(self.words), "reference": self.words.reference_length},
            "chars": {**asdict(self.chars), "reference": self.chars.reference_length},
        }


def _counts(refs: list[list[str]], hyps: list[list[str]]) -> ErrorCounts:
    s = d = i = h = 0
    pairs = [(r, hy) for r, hy in zip(refs, hyps)]
    # jiwer rejects empty references; their errors are all insertions.
    for r, hy in pairs:
        if not r:
            i += len(hy)
    nonempty = [(r, hy) for r, hy in pairs if r]
    if nonempty:
        out = jiwer.process_words([" ".join(r) for r, _ in nonempty], [" ".join(hy) for _, hy in nonempty])
        s, d, i, h = s + out.substitutions, d + out.deletions, i + out.insertions, h + out.hits
    return ErrorCounts(s, d, i, h)


def score(references: Sequence[str], hypotheses: Sequence[str], normalise: bool = True) -> Score:
    """Score hypotheses against references, both passed through the same normaliser.

    CER counts characters including the spaces between words.
    """
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    norm = normalize if normalise else (lambda t: " ".join(t.split()))
    refs = [norm(r) for r in references]
    hyps = [norm(h) for h in hypotheses]
    # Characters become "words" for jiwer; spaces are written as '|' so they count too.
    words = _counts([r.split() for r in refs], [h.split() for h in hyps])
    chars = _counts([list(r.replace(" ", "|")) for r in refs], [list(h.replace(" ", "|")) for h in hyps])
    return Score(words, chars, len(refs), sum(r != h for r, h in zip(refs, hyps)))
