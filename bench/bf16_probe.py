#!/usr/bin/env python3
"""How far the bf16 probe's reading (asr.device.cpu_bf16_speedup) moves with the size of the batch it times.

`asr train` with train.amp_cpu times one training step in fp32 and under bf16 autocast before it starts and
trains in bf16 only if that is at least asr.device.MIN_BF16_SPEEDUP faster. This script repeats the probe on a
model shaped by the config, for each batch size given, and prints every reading and their spread, so that the
probe's batch can be chosen from measurements. Random weights and features: only the timing matters.
Utterances of asr.train.BF16_PROBE_SECONDS; the default batches are the old probe's 8 and the one training times
(asr.train.bf16_probe_shape).
Usage: python bench/bf16_probe.py [--config conf/en_default.yaml] [--layers 5] [--batches 8 48] [--runs 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import statistics

import torch

from asr.config import load_config
from asr.device import MIN_BF16_SPEEDUP, cpu_bf16_native, cpu_bf16_speedup
from asr.model import CTCModel, describe
from asr.text import CharTokenizer
from asr.train import BF16_PROBE_SECONDS, bf16_probe_shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="conf/en_default.yaml")
    parser.add_argument("--layers", type=int, default=None, help="model.num_layers (default: the config's)")
    parser.add_argument("--batches", type=int, nargs="+", default=None,
                        help="utterances in the timed batch (default: 8 and the batch training times)")
    parser.add_argument("--runs", type=int, default=3, help="probes per batch size")
    args = parser.parse_args()
    if not cpu_bf16_native():
        parser.error("this CPU has no native bf16 (AVX512-BF16 or AMX): the probe is never run here")
    cfg = load_config(args.config)
    real_batch, frames = bf16_probe_shape(cfg)
    batches = args.batches or [8, real_batch]
    if min(batches) < 1 or args.runs < 1:
        parser.error("--batches and --runs must be positive")
    model_config = dataclasses.replace(cfg.model, vocab_size=CharTokenizer().vocab_size)
    if args.layers is not None:
        model_config = dataclasses.replace(model_config, num_layers=args.layers)
    model = CTCModel(model_config).train()
    print(f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"model: {describe(model)}; utterances of {BF16_PROBE_SECONDS:g} s ({frames} frames); bar {MIN_BF16_SPEEDUP}x")
    print("| batch | audio per batch | readings (fp32 time / bf16 time) | median | spread |")
    print("|---|---|---|---|---|")
    for batch in batches:
        readings = [cpu_bf16_speedup(model, model_config.n_mels, batch=batch, frames=frames) for _ in range(args.runs)]
        print(f"| {batch} | {batch * BF16_PROBE_SECONDS:g} s | {', '.join(f'{r:.2f}x' for r in readings)} "
              f"| {statistics.median(readings):.2f}x | {max(readings) - min(readings):.2f} |", flush=True)


if __name__ == "__main__":
    main()
