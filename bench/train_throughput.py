#!/usr/bin/env python3
"""Training throughput: audio seconds trained per wall second.

Measurements of the same model and batches (the first N batches of an epoch of MANIFEST):
  pipeline     the full path: FLAC decoding, log-mels, SpecAugment/VTLP, forward, backward, step
  wave-aug     the same plus speed perturbation and noise mixing on the fly (train.wave_augment)
  shards       log-mels read from an on-disk sharded cache (`asr features`, train.feature_shards)
  cached       log-mels cached in memory (train.cache_features), after a warm-up epoch
  bare         the model step alone on random tensors of the same shapes: the upper bound
and, with --bf16, the bare step and the cached pipeline under CPU bf16 autocast. With --device cuda the
model steps on the GPU under CUDA autocast (bf16 where supported), as `asr train` does there.
Usage: python bench/train_throughput.py MANIFEST [--config conf/en_default.yaml] [--batches 20] [--device cpu]
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from asr.augment import AugmentConfig, Augmenter
from asr.config import load_config
from asr.data import DurationBatchSampler, SpeechDataset, collate, read_manifest
from asr.feature_cache import FeatureShards
from asr.device import autocast, select_device
from asr.features import FeatureAugment
from asr.inference import ctc_loss
from asr.model import CTCModel
from asr.text import CharTokenizer


def step(model, optimizer, batch, augment, device, bf16=False) -> None:
    batch = batch.to(device)
    with autocast(device, True, bf16):
        log_probs, lengths = model(batch.features, batch.feature_lengths, augment)
    loss = ctc_loss(log_probs.float(), lengths, batch)
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()


def run(loader, model, optimizer, augment, hop_seconds, bf16=False) -> float:
    device = next(model.parameters()).device
    audio, start = 0.0, time.perf_counter()
    for batch in loader:
        step(model, optimizer, batch, augment, device, bf16)
        audio += float(batch.feature_lengths.sum()) * hop_seconds
    if device.type == "cuda":
        torch.cuda.synchronize(device)  # the GPU runs behind the host; count its queued work too
    return audio / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--config", type=Path, default=Path("conf/en_default.yaml"))
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--bf16", action="store_true")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    args = parser.parse_args()
    try:
        device = select_device(args.device)
    except ValueError as e:
        parser.error(str(e))
    if args.bf16 and device.type != "cpu":
        parser.error("--bf16 is CPU autocast; on CUDA every step already runs under autocast")
    cfg = load_config(args.config)
    tc = cfg.train
    tokenizer = CharTokenizer()
    model = CTCModel(dataclasses.replace(cfg.model, vocab_size=tokenizer.vocab_size)).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    augment = FeatureAugment(tc.spec_augment, tuple(tc.vtlp_range) if tc.vtlp_range else None)
    hop = cfg.features.frame_seconds

    utts = read_manifest(args.manifest)
    sampler = DurationBatchSampler([u.duration for u in utts], tc.max_batch_seconds, tc.num_buckets, seed=0)
    batches = list(sampler)[: args.batches]
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} threads"
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, {where}, "
          f"{args.config}, {len(batches)} batches of up to {tc.max_batch_seconds:.0f} s\n")
    print("| measurement | audio s per wall s | share of bare |")
    print("|---|---|---|")

    def loader(dataset):
        return DataLoader(dataset, batch_sampler=batches, collate_fn=collate, num_workers=args.workers)

    pipeline = run(loader(SpeechDataset(utts, tokenizer, cfg.features)), model, optimizer, augment, hop)
    wave = AugmentConfig(speed_prob=0.5, noise_prob=0.5, reverb_prob=0.0, telephone_prob=0.0)
    wave_set = SpeechDataset(utts, tokenizer, cfg.features, augmenter=Augmenter(wave))
    wave_aug = run(loader(wave_set), model, optimizer, augment, hop)
    used = [utts[i] for b in batches for i in b]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        shards, _ = FeatureShards.write(used, tmp, cfg.features, progress=False)
        shard_write = time.perf_counter() - start
        shard_set = SpeechDataset(utts, tokenizer, cfg.features, feature_shards=shards)
        sharded = run(loader(shard_set), model, optimizer, augment, hop)
    cached_set = SpeechDataset(utts, tokenizer, cfg.features, cache_features=True)
    for b in batches:  # warm the cache, as the first epoch does
        for i in b:
            cached_set.features(i)
    cached = run(DataLoader(cached_set, batch_sampler=batches, collate_fn=collate), model, optimizer, augment, hop)
    random_batches = []
    for b in DataLoader(cached_set, batch_sampler=batches, collate_fn=collate):
        random_batches.append(dataclasses.replace(b, features=torch.randn_like(b.features)).to(device))
    bare = run(random_batches, model, optimizer, None, hop)
    rows = [("pipeline (FLAC, features, SpecAugment/VTLP, step)", pipeline),
            ("pipeline + speed perturbation and noise on the fly", wave_aug),
            ("features from on-disk shards", sharded), ("features cached in memory", cached),
            ("bare model step (random tensors)", bare)]
    if args.bf16:
        rows.append(("features cached in memory, CPU bf16 autocast",
                     run(DataLoader(cached_set, batch_sampler=batches, collate_fn=collate), model, optimizer,
                         augment, hop, True)))
        rows.append(("bare model step, CPU bf16 autocast", run(random_batches, model, optimizer, None, hop, True)))
    for name, value in rows:
        print(f"| {name} | {value:.1f} | {100 * value / bare:.0f}% |")
    audio = sum(u.duration for u in used)
    print(f"\nwriting the shards of these {len(used)} utterances ({audio / 60:.1f} min of audio) took "
          f"{shard_write:.1f} s ({audio / shard_write:.0f}x real time)")


if __name__ == "__main__":
    main()
