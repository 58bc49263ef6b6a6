"""Paired bootstrap (Bisani & Ney, 2004) of two systems' word errors on the same utterances.

Reads two ``hyps.jsonl`` files written by ``asr evaluate`` on one manifest, resamples the utterances with
replacement and reports the 95% interval of (B's errors - A's errors) and how often B comes out worse.

    python bench/paired_bootstrap.py A/hyps.jsonl B/hyps.jsonl [--samples 10000] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path


def word_errors(path: Path) -> dict[str, int]:
    """Utterance id -> word errors, from an ``asr evaluate`` hyps.jsonl."""
    with path.open(encoding="utf-8") as f:
        return {row["id"]: int(row["errors"]) for row in map(json.loads, f)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="the baseline's hyps.jsonl")
    parser.add_argument("b", type=Path, help="the candidate's hyps.jsonl")
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        a, b = word_errors(args.a), word_errors(args.b)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"error: cannot read an `asr evaluate` hyps.jsonl: {e!r}", file=sys.stderr)
        return 1
    if a.keys() != b.keys():
        print(f"error: the two files cover different utterances ({len(a.keys() ^ b.keys())} differ)", file=sys.stderr)
        return 1
    if not a:
        print("error: no utterances to compare", file=sys.stderr)
        return 1
    diffs = [b[i] - a[i] for i in sorted(a)]
    rng = random.Random(args.seed)
    n = len(diffs)
    sums = sorted(sum(rng.choice(diffs) for _ in range(n)) for _ in range(args.samples))
    low, high = sums[int(0.025 * args.samples)], sums[int(0.975 * args.samples) - 1]
    worse = sum(s > 0 for s in sums) / args.samples
    print(f"{n} utterances; errors A {sum(a.values())}, B {sum(b.values())}; "
          f"{sum(d != 0 for d in diffs)} utterances differ")
    print(f"B - A: {sum(diffs):+d} words, 95% interval [{low:+d}, {high:+d}]; B worse in {worse:.1%} of resamples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
