#!/usr/bin/env python3
"""Word-boundary accuracy of forced alignment, on speech whose true boundaries are known.

Each word is synthesised on its own by espeak-ng, trimmed to its sound (samples above 2% of its peak)
and joined to the next with a pause of P seconds (P = 0: connected, no pause at all); the true
boundaries are where the pieces were put. Prints the mean and largest boundary error of the CTC
token spans as they are and after `refine_boundaries`.
Usage: python bench/alignment.py --model M [--pauses 0.25 0.05 0]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from asr.align import refine_boundaries
from asr.audio import SAMPLE_RATE, prepare_waveform
from asr.corpus.tts import EspeakNG, Prosody, Voice
from asr.transcribe import Transcriber

SENTENCES = [
    ("en-us", "the quick brown fox jumped over seven lazy dogs near the river"),
    ("en-us+f3", "she sells sea shells by the sea shore"),
    ("en", "a large fish swam past the old harbour wall"),
]


def joined_words(voice: str, words: list[str], pause: float) -> tuple[np.ndarray, list[tuple[float, float]]]:
    engine, gap = EspeakNG(), np.zeros(int(pause * SAMPLE_RATE), np.float32)
    pieces, truth, at = [gap], [], len(gap)
    for word in words:
        audio, rate = engine.synthesize(word, Voice("espeak-ng", voice), Prosody())
        audio = prepare_waveform(audio, rate, SAMPLE_RATE)
        loud = np.flatnonzero(np.abs(audio) > 0.02 * np.abs(audio).max())
        audio = audio[loud[0] : loud[-1] + 1]
        truth.append((at / SAMPLE_RATE, (at + len(audio)) / SAMPLE_RATE))
        pieces += [audio, gap]
        at += len(audio) + len(gap)
    return np.concatenate(pieces), truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--pauses", type=float, nargs="+", default=[0.25, 0.05, 0.0])
    args = parser.parse_args()
    model = Transcriber.from_file(args.model)
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, model {args.model}, "
          f"{sum(len(s.split()) for _, s in SENTENCES)} words of 3 espeak-ng voices\n")
    print("| pause between words | boundaries | mean error (ms) | largest error (ms) | within 50 ms |")
    print("|---|---|---|---|---|")
    for pause in args.pauses:
        errors: dict[str, list[float]] = {"CTC token spans": [], "refined": []}
        for voice, sentence in SENTENCES:
            words = sentence.split()
            audio, truth = joined_words(voice, words, pause)
            raw = model.align(audio, sentence, SAMPLE_RATE, refine=False)
            for name, aligned in (("CTC token spans", raw), ("refined", refine_boundaries(raw, audio, SAMPLE_RATE))):
                for w, (start, end) in zip(aligned, truth):
                    errors[name] += [abs(w.start - start), abs(w.end - end)]
        for name, e in errors.items():
            e = np.array(e) * 1000
            print(f"| {pause:g} s | {name} | {e.mean():.0f} | {e.max():.0f} | {100 * np.mean(e <= 50):.0f}% |")


if __name__ == "__main__":
    main()
