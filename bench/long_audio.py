#!/usr/bin/env python3
"""Real-time factor and peak memory of `transcribe_file` on 1 min, 10 min and 1 h recordings.

Each length runs in a fresh process, so that peak RSS (ru_maxrss) belongs to that length alone.
The recordings are made from a manifest's utterances joined with 0.5 s pauses (cycled to length).
Usage: python bench/long_audio.py --model M --manifest test.jsonl [--minutes 1 10 60]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from asr.audio import SAMPLE_RATE, load_audio
from asr.data import read_manifest


def make_recording(manifest: Path, minutes: float, path: Path) -> None:
    utts = read_manifest(manifest)
    pause = np.zeros(SAMPLE_RATE // 2, np.float32)
    target = int(minutes * 60 * SAMPLE_RATE)
    written = 0
    with sf.SoundFile(str(path), "w", SAMPLE_RATE, 1, "PCM_16") as f:
        i = 0
        while written < target:
            audio = np.concatenate([load_audio(utts[i % len(utts)].audio_filepath), pause])[: target - written]
            f.write(audio)
            written += len(audio)
            i += 1


def measure(model: str, path: str) -> None:
    """Child process: transcribe one file, print JSON with timings and peak RSS."""
    from asr.transcribe import Transcriber

    t = Transcriber.from_file(model)
    start = time.perf_counter()
    result = t.transcribe_file(path)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"audio": result.duration, "seconds": seconds, "peak_mb": peak_mb,
                      "segments": len(result.segments), "words": len(result.words)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 10, 60])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(*args.child)
        return
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, model {args.model}\n")
    print("| audio | segments | wall (s) | real-time factor | peak RSS (MB) |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            path = Path(tmp) / f"{minutes:g}min.wav"
            make_recording(args.manifest, minutes, path)
            out = subprocess.run([sys.executable, __file__, "--model", args.model, "--manifest", str(args.manifest),
                                  "--child", args.model, str(path)], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {minutes:g} min | {r['segments']} | {r['seconds']:.1f} | {r['seconds'] / r['audio']:.4f} | "
                  f"{r['peak_mb']:.0f} |", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
