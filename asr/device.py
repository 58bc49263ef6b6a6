"""Choosing where to run: CUDA when present, CPU otherwise."""

from __future__ import annotations

import contextlib
import logging

import torch

log = logging.getLogger(__name__)


def select_device(name: str = "auto") -> torch.device:
    """``"auto"`` picks CUDA when available; an explicit CUDA request without CUDA is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available")
    return device


def autocast(device: torch.device, enabled: bool, cpu_bf16: bool = False) -> contextlib.AbstractContextManager:
    """Mixed precision on CUDA (bf16 where supported, fp16 otherwise); on the CPU, bf16 only when asked
    (``train.amp_cpu``: whether it pays depends on the processor; bench/train_throughput.py measures it)."""
    if enabled and device.type == "cuda":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.autocast("cuda", dtype=dtype)
    if enabled and cpu_bf16 and device.type == "cpu":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def cpu_bf16_native() -> bool:
    """Whether this CPU computes bf16 in hardware (AVX512-BF16 or AMX). Without it, CPU autocast is not a
    speed-up but a trap: a 3x BiLSTM-256 training step took ~65 s under bf16 on an AVX2-only EPYC, against
    11-14 s in fp32 (RESULTS.md, "Spot measurements")."""
    # torch exposes these probes only under private names; a torch without them gets the safe answer.
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def cpu_autocast_wanted(requested: bool) -> bool:
    """``train.amp_cpu`` as it applies on this machine: honoured only where the CPU has native bf16."""
    if requested and not cpu_bf16_native():
        log.warning("train.amp_cpu is set but this CPU has no native bf16 (AVX512-BF16 or AMX): "
                    "training in fp32, which is many times faster here")
        return False
    return requested


def needs_grad_scaler(device: torch.device, enabled: bool) -> bool:
    return enabled and device.type == "cuda" and not torch.cuda.is_bf16_supported()
