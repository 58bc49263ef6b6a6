"""Mixing manifests with weights, e.g. synthetic speech with a little real speech repeated."""

from __future__ import annotations

import random
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from ..audio import PathLike
from ..data import Utterance, read_manifest, write_manifest


def weighted(utterances: Sequence[Utterance], weight: float, rng: random.Random) -> list[Utterance]:
    """Repeat ``int(weight)`` times and add a random ``weight % 1`` share: weight 2.5 gives 2.5× the data."""
    if weight < 0:
        raise ValueError("weights must be >= 0")
    whole, fraction = divmod(weight, 1.0)
    out = [u for _ in range(int(whole)) for u in utterances]
    out += rng.sample(list(utterances), int(round(fraction * len(utterances))))
    return out


def mix_manifests(sources: Sequence[tuple[PathLike, float]], out: PathLike, seed: int = 0,
                  skip_broken: bool = False) -> dict[str, int]:
    """Write one manifest holding each source at its weight; returns utterance counts per source."""
    rng = random.Random(seed)
    rows, counts = [], {}
    for path, weight in sources:
        chosen = weighted(read_manifest(path, skip_broken=skip_broken), weight, rng)
        counts[str(path)] = len(chosen)
        seen: dict[str, int] = {}
        for u in chosen:
            n = seen.get(u.id, 0)
            seen[u.id] = n + 1
            row = {k: v for k, v in asdict(u).items() if v is not None and not (k == "offset" and v == 0.0)}
            row["audio_filepath"] = str(Path(u.audio_filepath).absolute())
            row["id"] = u.id if n == 0 else f"{u.id}-r{n}"
            rows.append(row)
    rng.shuffle(rows)
    write_manifest(out, rows)
    return counts


def parse_weighted(spec: str) -> tuple[Path, float]:
    """``path.jsonl`` or ``path.jsonl:2.5``."""
    path, sep, weight = spec.rpartition(":")
    if not sep or not path:
        return Path(spec), 1.0
    try:
        return Path(path), float(weight)
    except ValueError:
        return Path(spec), 1.0
