"""Choosing where to run: CUDA when present, CPU otherwise."""

from __future__ import annotations

import contextlib

import torch


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


def needs_grad_scaler(device: torch.device, enabled: bool) -> bool:
    return enabled and device.type == "cuda" and not torch.cuda.is_bf16_supported()
