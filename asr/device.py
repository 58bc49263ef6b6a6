"""Choosing where to run: CUDA when present, CPU otherwise."""

from __future__ import annotations

import contextlib
import copy
import logging
import time

import torch
from torch import nn

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


def cpu_bf16_speedup(model: nn.Module, n_features: int, batch: int = 8, frames: int = 500,
                     repeats: int = 3) -> float:
    """fp32 time over bf16-autocast time of one CPU training step (forward + backward) of ``model``.

    ``model(features (batch, time, n_features), lengths (batch,))`` must return a tuple whose first item
    is a tensor. The step runs on a copy, so the model, its gradients and the RNG are left untouched.
    A value above 1 means bf16 is faster here. The two are timed in turn and each keeps its fastest
    step, so that a burst of other load slows both alike: timed one after the other, the same machine
    once read 1.09x at the start of one run and 1.50x five minutes later.
    """
    if n_features < 1 or batch < 1 or frames < 1 or repeats < 1:
        raise ValueError(f"n_features, batch, frames and repeats must be positive, got "
                         f"{n_features}, {batch}, {frames}, {repeats}")
    probe = copy.deepcopy(model).cpu().train()
    lengths = torch.full((batch,), frames, dtype=torch.long)

    def step_seconds(features: torch.Tensor, bf16: bool) -> float:
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = probe(features, lengths)[0]
        out.float().sum().backward()
        probe.zero_grad(set_to_none=True)
        return time.perf_counter() - start

    with torch.random.fork_rng():  # the random batch and the copy's dropout draw from a fork
        features = torch.randn(batch, frames, n_features)
        step_seconds(features, False), step_seconds(features, True)  # warm-up: oneDNN builds its kernels
        fp32 = bf16 = float("inf")
        for _ in range(repeats):
            fp32 = min(fp32, step_seconds(features, False))
            bf16 = min(bf16, step_seconds(features, True))
        return fp32 / bf16


# bf16 must beat fp32 by this much to be used: a probe of a few seconds has some noise.
MIN_BF16_SPEEDUP = 1.1


def cpu_autocast_wanted(requested: bool, model: nn.Module | None = None, n_features: int = 0,
                        **probe_shape: int) -> bool:
    """``train.amp_cpu`` as it applies on this machine.

    Honoured only where the CPU has native bf16 and, when ``model`` is given, where a timed step of it
    (``cpu_bf16_speedup``, of the ``batch`` and ``frames`` in ``probe_shape``) is faster under bf16: native
    bf16 alone does not promise that (a 3x BiLSTM-256 step was 2x faster under bf16 on an AMD EPYC with
    AVX512-BF16, but 1.4x slower on an Intel Xeon with AVX512-BF16 and no AMX; RESULTS.md, "Spot
    measurements"). Time a batch the size of the real ones: bf16's gain grows with the batch.
    """
    if not requested:
        return False
    if not cpu_bf16_native():
        log.warning("train.amp_cpu is set but this CPU has no native bf16 (AVX512-BF16 or AMX): "
                    "training in fp32, which is many times faster here")
        return False
    if model is None:
        return True
    speedup = cpu_bf16_speedup(model, n_features, **probe_shape)
    if speedup < MIN_BF16_SPEEDUP:
        log.warning("train.amp_cpu is set but a bf16 step is %.2fx as fast as fp32 on this CPU "
                    "(below %.1fx): training in fp32", speedup, MIN_BF16_SPEEDUP)
        return False
    log.info("train.amp_cpu: a bf16 step is %.2fx as fast as fp32 on this CPU; training under bf16 autocast",
             speedup)
    return True


def needs_grad_scaler(device: torch.device, enabled: bool) -> bool:
    return enabled and device.type == "cuda" and not torch.cuda.is_bf16_supported()
