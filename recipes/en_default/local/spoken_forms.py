#!/usr/bin/env python3
"""Short utterances that book sentences lack: digit strings, numbers, spelled words, commands.

Real users say "three one four", "c a t", "yes", "enter five two"; read-aloud sentences almost never
contain them, so a model trained on sentences alone deletes isolated digits and letters. This
writes such lines (one per line, normalised text) for TTS and the LM; evaluation sentences are
removed afterwards by ``asr corpus text --exclude-manifest`` like every other text source.
Usage: spoken_forms.py WORDS.txt --count N [--seed S] > OUT.txt
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
COMMANDS = ["yes", "no", "okay", "stop", "go", "start", "enter", "repeat", "cancel", "help", "erase", "delete",
            "next", "back", "up", "down", "left", "right", "call", "dial", "select", "open", "close"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def number_words(n: int) -> str:
    """0 <= n < 10000 in words: 2431 -> 'two thousand four hundred thirty one'."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return TEENS[n - 10]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + DIGITS[n % 10])
    if n < 1000:
        rest = "" if n % 100 == 0 else " " + number_words(n % 100)
        return DIGITS[n // 100] + " hundred" + rest
    rest = "" if n % 1000 == 0 else " " + number_words(n % 1000)
    return DIGITS[n // 1000] + " thousand" + rest


def digit_string(rng: random.Random, low: int = 1, high: int = 7) -> str:
    digits = [DIGITS[rng.randrange(10)] for _ in range(rng.randint(low, high))]
    return " ".join("oh" if d == "zero" and rng.random() < 0.3 else d for d in digits)


def spelled(rng: random.Random, words: list[str]) -> str:
    if words and rng.random() < 0.6:
        return " ".join(rng.choice(words))  # a real word, letter by letter
    return " ".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 8)))


def spoken_form(rng: random.Random, words: list[str]) -> str:
    kind = rng.random()
    if kind < 0.30:
        return digit_string(rng)
    if kind < 0.45:
        return number_words(rng.randrange(10000) if rng.random() < 0.5 else rng.randrange(100))
    if kind < 0.65:
        return spelled(rng, words)
    if kind < 0.80:
        return spelled(rng, []) + " " + digit_string(rng, 1, 4)  # an identifier: letters then digits
    if kind < 0.90:
        return rng.choice(COMMANDS)
    return rng.choice(COMMANDS) + " " + (digit_string(rng, 1, 5) if rng.random() < 0.7 else spelled(rng, words))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("words", type=Path, help="text whose words (3-10 letters) may be spelled out")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    vocabulary = sorted({w for line in args.words.open() for w in line.split() if 3 <= len(w) <= 10 and w.isalpha()})
    rng = random.Random(args.seed)
    for _ in range(args.count):
        sys.stdout.write(spoken_form(rng, vocabulary) + "\n")


if __name__ == "__main__":
    main()
