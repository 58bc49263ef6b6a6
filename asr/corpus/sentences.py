"""Sentences for synthesis and language models: read, normalise, filter, de-duplicate, hold out."""

from __future__ import annotations

import collections
import csv
import gzip
import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from ..audio import PathLike
from ..text import normalize


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def read_lines(path: PathLike) -> Iterator[str]:
    """Lines of a text file (``.gz`` or plain), one sentence a line.

    LJSpeech's ``metadata.csv`` (``ID|text|normalised text``) yields its third column.
    """
    path = Path(path)
    with _open_text(path) as f:
        if "metadata" in path.name and ".csv" in path.name:
            for row in csv.reader(f, delimiter="|", quoting=csv.QUOTE_NONE):
                if len(row) >= 3:
                    yield row[2]
        else:
            yield from (line.rstrip("\n") for line in f)


@dataclass(frozen=True)
class SentenceStats:
    read: int
    kept: int
    too_short: int
    too_long: int
    duplicates: int
    held_out: int
    vocabulary: int


def prepare_sentences(
    sources: Iterable[PathLike],
    exclude: Iterable[str] = (),
    min_words: int = 3,
    max_words: int = 24,
    max_chars: int = 200,
) -> tuple[list[str], SentenceStats]:
    """Normalised, length-filtered, de-duplicated sentences from ``sources``, in reading order.

    Sentences in ``exclude`` (any evaluation set's transcripts; normalised here) are dropped, so
    that no evaluation sentence is ever synthesised or put in a language model.
    """
    held = {normalize(s) for s in exclude}
    seen: set[str] = set()
    kept: list[str] = []
    counts = collections.Counter()
    for source in sources:
        for line in read_lines(source):
            counts["read"] += 1
            text = normalize(line)
            n = len(text.split())
            if n < min_words:
                counts["too_short"] += 1
            elif n > max_words or len(text) > max_chars:
                counts["too_long"] += 1
            elif text in held:
                counts["held_out"] += 1
            elif text in seen:
                counts["duplicates"] += 1
            else:
                seen.add(text)
                kept.append(text)
    vocabulary = len({w for s in kept for w in s.split()})
    stats = SentenceStats(counts["read"], len(kept), counts["too_short"], counts["too_long"], counts["duplicates"],
                          counts["held_out"], vocabulary)
    return kept, stats


def coverage(sentences: Sequence[str], evaluation: Sequence[str]) -> float:
    """Share of the evaluation word tokens whose word occurs in ``sentences`` (out-of-vocabulary rate = 1 - this)."""
    vocab = {w for s in sentences for w in s.split()}
    tokens = [w for s in evaluation for w in normalize(s).split()]
    return sum(w in vocab for w in tokens) / len(tokens) if tokens else 1.0


def sample_sentences(sentences: Sequence[str], count: int, seed: int = 0) -> list[str]:
    """``count`` sentences drawn without replacement (all of them, shuffled, when there are fewer)."""
    pool = list(sentences)
    random.Random(seed).shuffle(pool)
    return pool[:count]
