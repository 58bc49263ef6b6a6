#!/usr/bin/env python3
"""WER and real-time factor of greedy, beam, and beam + LM decoding on a manifest.

The acoustic model runs once per utterance; each decoder then decodes the same log-probabilities,
so the table separates the model's time from each decoder's.
Usage: python bench/decoding.py MANIFEST --model M [--lm LM] [--beam 32] [--lm-weight W --word-score S]
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import torch

from asr.data import read_manifest
from asr.decoding import DecodingConfig, build_decoder, load_decoding_config
from asr.evaluate import score
from asr.text import normalize
from asr.transcribe import Transcriber


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--lm", type=Path)
    parser.add_argument("--beam", type=int, default=32)
    parser.add_argument("--lm-weight", type=float)
    parser.add_argument("--word-score", type=float)
    parser.add_argument("--limit", type=int, help="first N utterances only")
    args = parser.parse_args()

    model = Transcriber.from_file(args.model, decoding=DecodingConfig())
    utts = read_manifest(args.manifest)[: args.limit]
    audio_seconds, model_seconds, log_probs, refs = 0.0, 0.0, [], []
    for u in utts:
        wav = model.load(u.audio_filepath)
        start = time.perf_counter()
        log_probs.append(model.log_probs(wav))
        model_seconds += time.perf_counter() - start
        audio_seconds += len(wav) / model.sample_rate
        refs.append(normalize(u.text))

    tuned = load_decoding_config(args.model)
    lm_weight = args.lm_weight if args.lm_weight is not None else (tuned.lm_weight if tuned else 0.5)
    word_score = args.word_score if args.word_score is not None else (tuned.word_score if tuned else 0.0)
    settings = [("greedy", DecodingConfig()), (f"beam {args.beam}", DecodingConfig(method="beam", beam_size=args.beam))]
    if args.lm:
        settings.append((f"beam {args.beam} + LM (w={lm_weight}, bonus={word_score})",
                         DecodingConfig(method="beam", beam_size=args.beam, lm=str(args.lm), lm_weight=lm_weight,
                                        word_score=word_score)))
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, {torch.get_num_threads()} threads; "
          f"{args.manifest}: {len(utts)} utterances, {audio_seconds / 60:.1f} min; "
          f"acoustic model RTF {model_seconds / audio_seconds:.4f}\n")
    print("| decoding | WER | CER | decoder RTF | total RTF |")
    print("|---|---|---|---|---|")
    for name, config in settings:
        decoder = build_decoder(config, model.packaged.tokenizer, model.frame_shift)
        start = time.perf_counter()
        hyps = [decoder.decode(lp).text for lp in log_probs]
        seconds = time.perf_counter() - start
        s = score(refs, hyps)
        print(f"| {name} | {100 * s.wer:.2f}% | {100 * s.cer:.2f}% | {seconds / audio_seconds:.4f} | "
              f"{(seconds + model_seconds) / audio_seconds:.4f} |")


if __name__ == "__main__":
    main()
