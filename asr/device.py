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


def autocast(device: torch.device, enabled: bool) -> contextlib.AbstractContextManager:
    """Mixed precision on CUDA (bf16 where supported, fp16 otherwise); plain fp32 on CPU."""
    if not enabled or device.type != "cuda":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.autocast("cuda", dtype=dtype)


def needs_grad_scaler(device: torch.device, enabled: bool) -> bool:
    return enabled and device.type == "cuda" and not torch.cuda.is_bf16_supported()
