#!/usr/bin/env python3
"""Split the kit's LJSpeech training manifest: the last utterances become a real-speech dev set.

LJSpeech's own test split (LJ002-0121…0200) stays untouched for the final evaluation.
"""

import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--dev", type=int, default=25, help="utterances for dev, taken from the end")
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.manifest.read_text().splitlines() if line.strip()]
    for row in rows:  # absolute paths: the new manifests live elsewhere
        row["audio_filepath"] = str((args.manifest.parent / row["audio_filepath"]).absolute())
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, part in (("lj_train", rows[: -args.dev]), ("lj_dev", rows[-args.dev :])):
        with open(args.out_dir / f"{name}.jsonl", "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in part)
        print(f"{len(part):5d} -> {args.out_dir / name}.jsonl")


if __name__ == "__main__":
    main()
