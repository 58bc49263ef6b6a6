#!/usr/bin/env python3
"""Dev score and decoder speed of beam search over beam widths, token beams and thresholds.

The acoustic model runs once per utterance; every setting then decodes the same log-probabilities
in this one process, so the decoder real-time factors are comparable with each other (the model's
own RTF is printed once, above the table). With several dev manifests the score is the mean of
their WERs, as in ``asr lm tune``. Rows print as they finish.
Usage: python bench/beam_search.py DEV [DEV ...] --model M --lm LM [--beams "256 512"]
       [--token-beams "0 8"] [--thresholds "20 25"] [--lm-weight W --word-score S]
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time
from pathlib import Path

import torch

from asr.decoding import DecodingConfig, build_decoder, load_decoding_config
from asr.transcribe import Transcriber
from asr.tune import dev_log_probs, score_sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifests", type=Path, nargs="+")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--lm", type=Path, help="KenLM binary (default: the model's tuned one, else none)")
    parser.add_argument("--beams", default="256 512", help="beam widths")
    parser.add_argument("--token-beams", default="0 8", help="tokens tried per frame; 0: all")
    parser.add_argument("--thresholds", default="25", help="beam thresholds")
    parser.add_argument("--lm-weight", type=float, help="default: the model's tuned value, else 0.5")
    parser.add_argument("--word-score", type=float, help="default: the model's tuned value, else 0")
    args = parser.parse_args()

    torch.set_num_threads(1)  # the decoder is single-threaded; so is the model here, for a fair split
    model = Transcriber.from_file(args.model, decoding=DecodingConfig())
    start = time.perf_counter()
    dev = dev_log_probs(model, args.manifests, on_error=lambda message: print(f"error: {message}"))
    model_seconds = time.perf_counter() - start
    audio_seconds = sum(len(lp) for lp in dev.log_probs) * model.frame_shift

    tuned = load_decoding_config(args.model) or DecodingConfig()
    lm = str(args.lm) if args.lm else tuned.lm
    lm_weight = args.lm_weight if args.lm_weight is not None else tuned.lm_weight
    word_score = args.word_score if args.word_score is not None else tuned.word_score
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, 1 thread; {', '.join(dev.names)}: "
          f"{len(dev.references)} utterances, {audio_seconds / 60:.1f} min; LM {lm}, weight {lm_weight}, "
          f"word score {word_score}; acoustic model RTF {model_seconds / audio_seconds:.4f} (incl. audio loading)\n")
    sets = " | ".join(f"WER {Path(n).parent.name}/{Path(n).stem}" for n in dev.names)
    print(f"| beam | tokens a frame | threshold | {sets} | score | decoder RTF |")
    print("|---|---|---|" + "---|" * len(dev.names) + "---|---|", flush=True)
    grid = itertools.product([int(x) for x in args.beams.split()], [int(x) for x in args.token_beams.split()],
                             [float(x) for x in args.thresholds.split()])
    for beam, tokens, threshold in grid:
        config = DecodingConfig(method="beam", beam_size=beam, beam_size_token=tokens or None,
                                beam_threshold=threshold, lm=lm, lm_weight=lm_weight, word_score=word_score)
        decoder = build_decoder(config, model.packaged.tokenizer, model.frame_shift)
        start = time.perf_counter()
        hypotheses = [decoder.decode(lp).text for lp in dev.log_probs]
        decoder_seconds = time.perf_counter() - start
        wers = [s.wer for s in score_sets(dev.references, hypotheses, dev.sets)]
        cells = " | ".join(f"{100 * w:.2f}%" for w in wers)
        print(f"| {beam} | {tokens or 'all'} | {threshold:g} | {cells} | {100 * sum(wers) / len(wers):.2f}% | "
              f"{decoder_seconds / audio_seconds:.4f} |", flush=True)


if __name__ == "__main__":
    main()
