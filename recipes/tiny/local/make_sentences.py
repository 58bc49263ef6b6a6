#!/usr/bin/env python3
"""Sentences of a small GRID-like grammar (command colour preposition letter digit adverb).

Writes disjoint train, dev and test sentence lists, so that dev and test measure generalisation to
unseen word combinations, not memorised sentences.
"""

import argparse
import itertools
import random
from pathlib import Path

COMMANDS = ["bin", "lay", "place", "set"]
COLOURS = ["blue", "green", "red", "white"]
PREPOSITIONS = ["at", "by", "in", "with"]
LETTERS = list("abcdefghijklmnopqrstuvxyz")  # GRID leaves out w
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ADVERBS = ["again", "now", "please", "soon"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--train", type=int, default=400)
    parser.add_argument("--dev", type=int, default=40)
    parser.add_argument("--test", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    grammar = list(itertools.product(COMMANDS, COLOURS, PREPOSITIONS, LETTERS, DIGITS, ADVERBS))
    chosen = random.Random(args.seed).sample(grammar, args.train + args.dev + args.test)
    sentences = [" ".join(words) for words in chosen]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    splits = {"train": sentences[: args.train], "dev": sentences[args.train : args.train + args.dev],
              "test": sentences[args.train + args.dev :]}
    for name, lines in splits.items():
        (args.out_dir / f"{name}.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
