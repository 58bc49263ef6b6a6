#!/usr/bin/env python3
"""Does CPU bf16 autocast change what a trained model computes? CTC loss of one batch, fp32 vs bf16.

Usage: python bench/bf16_loss.py MODEL MANIFEST [--utterances 40]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from asr.data import SpeechDataset, collate, read_manifest
from asr.device import autocast
from asr.inference import ctc_loss
from asr.package import load_model_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--utterances", type=int, default=40)
    args = parser.parse_args()
    packaged = load_model_file(args.model)
    model = packaged.model.eval()
    dataset = SpeechDataset(read_manifest(args.manifest)[: args.utterances], packaged.tokenizer,
                            packaged.feature_config)
    batch = collate([dataset[i] for i in range(len(dataset))])
    with torch.no_grad():
        for bf16 in (False, True):
            with autocast(torch.device("cpu"), True, bf16):
                log_probs, lengths = model(batch.features, batch.feature_lengths)
            loss = ctc_loss(log_probs.float(), lengths, batch)
            print(f"{'bf16 autocast' if bf16 else 'fp32':14s} CTC loss {float(loss):.3f} ({len(batch)} utterances)")


if __name__ == "__main__":
    main()
