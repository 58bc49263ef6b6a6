#!/usr/bin/env python3
"""Our model next to pocketsphinx (CMU, en-us acoustic model + its own 3-gram LM, shipped in its PyPI
package) on the same manifests, in one run, with the same normaliser on both sides.

Usage: python bench/peers.py MANIFEST... [--model M] [--beam 32 --lm LM]   (pip install -e '.[bench]')
Prints a markdown table: WER, CER and real-time factor per system and test set.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np

from asr.audio import SAMPLE_RATE, load_audio
from asr.data import read_manifest
from asr.decoding import DecodingConfig
from asr.evaluate import score
from asr.transcribe import Transcriber


class PocketSphinx:
    name = "pocketsphinx 5 (en-us)"

    def __init__(self):
        try:
            from pocketsphinx import Decoder
        except ImportError:
            raise SystemExit("bench/peers.py needs pocketsphinx: pip install -e '.[bench]'") from None

        self.decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")

    def __call__(self, audio: np.ndarray) -> str:
        pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
        self.decoder.start_utt()
        self.decoder.process_raw(pcm, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp is not None else ""


class Ours:
    def __init__(self, model: Path | None, decoding: DecodingConfig | None):
        self.transcriber = Transcriber.from_file(model, decoding=decoding)
        d = self.transcriber.decoding
        self.name = "openasr " + (f"beam {d.beam_size}" + (" + LM" if d.lm else "") if d.method == "beam" else "greedy")

    def __call__(self, audio: np.ndarray) -> str:
        return self.transcriber.transcribe(audio, sample_rate=SAMPLE_RATE).text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("manifests", nargs="+", type=Path)
    parser.add_argument("--model", type=Path, help="default: the bundled model")
    parser.add_argument("--beam", type=int)
    parser.add_argument("--lm", type=Path)
    args = parser.parse_args()
    decoding = None
    if args.beam or args.lm:
        decoding = DecodingConfig(method="beam", beam_size=args.beam or 32, lm=str(args.lm) if args.lm else None)
    systems = [Ours(args.model, decoding), PocketSphinx()]
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}; same audio (16 kHz mono), same normaliser\n")
    print("| test set | utterances | system | WER | CER | real-time factor |")
    print("|---|---|---|---|---|---|")
    for manifest in args.manifests:
        utts = read_manifest(manifest)
        audio = [load_audio(u.audio_filepath) for u in utts]
        seconds = sum(len(a) for a in audio) / SAMPLE_RATE
        name = f"{manifest.parent.name}/{manifest.name}"
        for system in systems:
            start = time.perf_counter()
            hyps = [system(a) for a in audio]
            elapsed = time.perf_counter() - start
            s = score([u.text for u in utts], hyps)
            print(f"| {name} | {len(utts)} | {system.name} | {100 * s.wer:.2f}% | {100 * s.cer:.2f}% | "
                  f"{elapsed / seconds:.4f} |", flush=True)


if __name__ == "__main__":
    main()
