#!/usr/bin/env python3
"""Throughput of each installed TTS engine: audio seconds made per wall second, on all cores.

Usage: python bench/tts_throughput.py [--sentences data/en_default/text/train.txt] [--per-engine 60]
Prints a markdown table for RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from asr.corpus.sentences import sample_sentences
from asr.corpus.tts import available_engines, synthesize_corpus

FALLBACK = [
    "the quick brown fox jumps over the lazy dog",
    "she sells sea shells by the sea shore every summer",
    "seven hundred people waited outside the old railway station",
    "please call stella and ask her to bring these things with her from the store",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=Path)
    parser.add_argument("--per-engine", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    pool = FALLBACK
    if args.sentences and args.sentences.is_file():
        pool = [s for s in args.sentences.read_text().splitlines() if s]
    sentences = sample_sentences(pool * (1 + args.per_engine // len(pool)), args.per_engine, seed=0)

    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, {args.jobs} processes, "
          f"{args.per_engine} utterances per engine\n")
    print("| engine | voices | utterances | audio (s) | wall (s) | audio s per wall s |")
    print("|---|---|---|---|---|---|")
    total_audio = total_wall = 0.0
    for engine in available_engines():
        voices = engine.voices()
        with tempfile.TemporaryDirectory() as tmp:
            start = time.time()
            manifest, failures = synthesize_corpus(sentences, tmp, voices, seed=1, jobs=args.jobs, progress=False)
            wall = time.time() - start
            audio = sum(float(line.split('"duration": ')[1].split(",")[0]) for line in manifest.read_text().splitlines())
        total_audio += audio
        total_wall += wall
        print(f"| {engine.name} | {len(voices)} | {len(sentences) - len(failures)} | {audio:.0f} | {wall:.1f} | "
              f"{audio / wall:.0f} |")
    print(f"| all | | | {total_audio:.0f} | {total_wall:.1f} | {total_audio / total_wall:.0f} |")


if __name__ == "__main__":
    main()
