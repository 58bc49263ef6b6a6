#!/usr/bin/env python3
"""Encoder RNN forward + backward: a packed sequence against `asr.model.bidirectional_rnn`.

The model's bidirectional RNN (config `model`) on random (batch, time, feature) inputs with lengths spread
over the lower half to all of `time`, as duration-bucketed training batches have. Each row is the median
of `--repeats` timed runs after one warm-up; with native CPU bf16 (or --bf16) the same under bf16 autocast,
and on `--device cuda` the same under CUDA autocast. Both paths give the same outputs (tests/test_model.py
checks it); this measures only their cost.
Usage: python bench/rnn_step.py [--config conf/en_default.yaml] [--batch 32] [--time 250] [--repeats 5] [--device cpu]
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import statistics
import time
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from asr.config import load_config
from asr.device import autocast, cpu_bf16_native, select_device
from asr.model import CTCModel, ModelConfig, bidirectional_rnn
from asr.text import CharTokenizer


def packed(rnn: nn.Module, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """What `CTCModel` did before `bidirectional_rnn`: pack, run, unpack."""
    seq = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    return nn.utils.rnn.pad_packed_sequence(rnn(seq)[0], batch_first=True, total_length=x.shape[1])[0]


def timed(run: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor], rnn: nn.Module,
          x: torch.Tensor, lengths: torch.Tensor, bf16: bool, repeats: int) -> tuple[float, float]:
    """Median (forward, backward) seconds over ``repeats`` runs, after one warm-up run."""
    forward, backward = [], []
    sync = torch.cuda.synchronize if x.is_cuda else (lambda: None)  # the GPU runs behind the host
    for i in range(repeats + 1):
        rnn.zero_grad(set_to_none=True)
        start = time.perf_counter()
        with autocast(x.device, True, bf16):
            out = run(rnn, x, lengths)
        sync()
        mid = time.perf_counter()
        out.float().square().mean().backward()
        sync()
        end = time.perf_counter()
        if i:
            forward.append(mid - start)
            backward.append(end - mid)
    return statistics.median(forward), statistics.median(backward)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("conf/en_default.yaml"))
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--time", type=int, default=250, help="frames after the front-end")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--bf16", action="store_true", help="time bf16 autocast even without native bf16")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    args = parser.parse_args()
    try:
        device = select_device(args.device)
    except ValueError as e:
        parser.error(str(e))
    cfg: ModelConfig = load_config(args.config).model
    model = CTCModel(dataclasses.replace(cfg, vocab_size=CharTokenizer().vocab_size)).to(device).train()
    rnn = model.rnn
    torch.manual_seed(0)
    x = torch.randn(args.batch, args.time, rnn.input_size, device=device)
    lengths = torch.randint(args.time // 2, args.time + 1, (args.batch,), device=device)
    lengths[0] = args.time
    cuda = device.type == "cuda"
    # CUDA autocast is bf16 (or fp16) wherever it runs; on the CPU bf16 pays only with native support
    precisions = [False, True] if cuda or args.bf16 or cpu_bf16_native() else [False]
    where = torch.cuda.get_device_name(device) if cuda else (
        f"{platform.processor() or 'cpu'}, {torch.get_num_threads()} threads, native bf16: {cpu_bf16_native()}")
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, {where}; "
          f"{cfg.num_layers}x bidirectional {cfg.rnn_type.upper()}-{cfg.hidden_size} on "
          f"({args.batch}, {args.time}, {rnn.input_size}), lengths {int(lengths.min())}-{args.time}, "
          f"median of {args.repeats}\n")
    print("| path | precision | forward s | backward s | step s |")
    print("|---|---|---|---|---|")
    for bf16 in precisions:
        for name, run in (("packed sequence", packed), ("bidirectional_rnn (padded)", bidirectional_rnn)):
            fwd, bwd = timed(run, rnn, x, lengths, bf16, args.repeats)
            precision = ("autocast" if cuda else "bf16 autocast") if bf16 else "fp32"
            print(f"| {name} | {precision} | {fwd:.4f} | {bwd:.4f} | {fwd + bwd:.4f} |")


if __name__ == "__main__":
    main()
