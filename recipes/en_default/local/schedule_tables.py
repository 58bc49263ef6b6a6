#!/usr/bin/env python3
"""RESULTS.md's two tables for one finished schedule of the lineage, and what the rule says about its candidates.

Reads the schedule's ``log.csv`` (one row per epoch, written by ``asr train``) and round.sh's log, whose
"Candidates" summary gives each candidate's models, greedy dev WER, and best beam + LM setting and scores.
The rule (RESULTS.md): the lowest score replaces the bundle only if it is below the bundle's score and its
LJSpeech dev slice is no worse than the bundle's. The script applies it; it changes nothing.

Usage: schedule_tables.py checkpoints/en_default_r42/log.csv exp/round42.log --bundle 12.47 11.79 [--slice-words 424]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

SUMMARY_START = "Candidates (best setting of each"
_AVERAGED = re.compile(r"^(\S+): averaged \d+ model\(s\): (.+)$")
_GREEDY = re.compile(r"^greedy: WER ([\d.]+)%")
_TUNED = re.compile(
    r"^lm_weight\s+([\d.]+)\s+word_score\s+(-?[\d.]+): mean WER of 2 sets ([\d.]+)% \(([\d.]+)%, ([\d.]+)%\)"
)
_MODEL = re.compile(r"en_default_(\w+?)/(?:epoch-(\d+)|final)\.pt$")


@dataclass(frozen=True)
class Candidate:
    """One averaged model of a schedule and its stage-7 result (WERs in percent)."""

    exp: str
    models: tuple[str, ...]
    greedy_wer: float
    lm_weight: float
    voices_wer: float
    slice_wer: float
    score: float

    @property
    def label(self) -> str:
        """Which epochs it averages, e.g. ``r42 epochs 2–3`` or ``r36–r42 epochs 3``."""
        found = [_MODEL.search(m) for m in self.models]
        if not all(found):
            return ", ".join(self.models)
        names = list(dict.fromkeys(m.group(1) for m in found))
        epochs = list(dict.fromkeys(m.group(2) or "final" for m in found))
        span = names[0] if len(names) == 1 else f"{names[0]}–{names[-1]}"
        return f"{span} epoch {epochs[0]}" if len(epochs) == 1 else f"{span} epochs {epochs[0]}–{epochs[-1]}"


def read_candidates(log: str) -> list[Candidate]:
    """The candidates of round.sh's last "Candidates" summary in ``log`` (carriage returns of progress bars allowed)."""
    lines = [line.strip() for line in log.replace("\r", "\n").splitlines()]
    starts = [i for i, line in enumerate(lines) if SUMMARY_START in line]
    if not starts:
        raise ValueError(f"no '{SUMMARY_START}' summary: has round.sh finished?")
    candidates, head, greedy = [], None, None
    for line in lines[starts[-1] + 1 :]:
        if m := _AVERAGED.match(line):
            head, greedy = m, None
        elif (m := _GREEDY.match(line)) and head:
            greedy = float(m.group(1))
        elif (m := _TUNED.match(line)) and head and greedy is not None:
            lm_weight, _, score, voices, lj = map(float, m.groups())
            models = tuple(p.strip() for p in head.group(2).split(","))
            candidates.append(Candidate(head.group(1), models, greedy, lm_weight, voices, lj, score))
            head = None
    if not candidates:
        raise ValueError("the candidates summary lists no complete candidate")
    return candidates


def epoch_table(log_csv: Path) -> str:
    """The per-epoch table from ``asr train``'s log.csv."""
    rows = ["| epoch | step | train loss | dev loss | dev greedy WER | dev CER | epoch time | audio s per wall s |",
            "|---|---|---|---|---|---|---|---|"]
    with open(log_csv, newline="") as f:
        for r in csv.DictReader(f):
            rows.append(
                f"| {r['epoch']} | {r['step']} | {float(r['train_loss']):.2f} | {float(r['dev_loss']):.2f} | "
                f"{100 * float(r['dev_wer']):.2f}% | {100 * float(r['dev_cer']):.2f}% | "
                f"{float(r['epoch_seconds']) / 60:.1f} min | {float(r['audio_seconds_per_second']):.1f} |"
            )
    return "\n".join(rows)


def candidate_table(candidates: list[Candidate]) -> str:
    rows = ["| candidate | dev greedy WER | best lm_weight | held-out voices | LJSpeech dev slice | **score** |",
            "|---|---|---|---|---|---|"]
    for i, c in enumerate(candidates):
        rows.append(f"| ({chr(ord('a') + i)}) {c.label} | {c.greedy_wer:.2f}% | {c.lm_weight:g} | "
                    f"{c.voices_wer:.2f}% | {c.slice_wer:.2f}% | {c.score:.2f}% |")
    return "\n".join(rows)


def verdict(candidates: list[Candidate], bundle_score: float, bundle_slice: float,
            slice_words: int | None = None) -> tuple[Candidate, bool, str]:
    """The lowest-scoring candidate, whether the rule lets it replace the bundle, and why."""
    best = min(candidates, key=lambda c: c.score)

    def errors(wer: float) -> str:
        return f" = {round(wer * slice_words / 100)} errors of {slice_words} words" if slice_words else ""

    below = best.score < bundle_score
    no_worse = best.slice_wer <= bundle_slice
    why = (f"best {best.label}: score {best.score:.2f}% {'<' if below else '>='} the bundle's {bundle_score:.2f}%; "
           f"LJSpeech slice {best.slice_wer:.2f}%{errors(best.slice_wer)} "
           f"{'<=' if no_worse else '>'} the bundle's {bundle_slice:.2f}%{errors(bundle_slice)}")
    return best, below and no_worse, why


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log_csv", type=Path, help="the schedule's log.csv")
    parser.add_argument("round_log", type=Path, help="round.sh's output (with its Candidates summary)")
    parser.add_argument("--bundle", type=float, nargs=2, metavar=("SCORE", "SLICE"), required=True,
                        help="the bundle's dev score and LJSpeech dev slice WER, in percent")
    parser.add_argument("--slice-words", type=int, help="words in the LJSpeech dev slice, to count errors")
    args = parser.parse_args()
    for path in (args.log_csv, args.round_log):
        if not path.is_file():
            sys.exit(f"error: {path} does not exist")
    try:
        candidates = read_candidates(args.round_log.read_text(errors="replace"))
    except ValueError as e:
        sys.exit(f"error: {args.round_log}: {e}")
    print(epoch_table(args.log_csv), "", candidate_table(candidates), "", sep="\n")
    best, replaces, why = verdict(candidates, *args.bundle, slice_words=args.slice_words)
    print(why)
    print(f"{best.exp} replaces the bundle" if replaces else "the bundle stays")


if __name__ == "__main__":
    main()
