"""Log-mel features, global mean/variance normalisation, and SpecAugment."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from . import audio as A


@dataclass(frozen=True)
class FeatureConfig:
    sample_rate: int = A.SAMPLE_RATE
    n_fft: int = A.N_FFT
    hop_length: int = A.HOP_LENGTH
    n_mels: int = A.N_MELS
    f_min: float = 20.0
    f_max: float | None = None  # None: Nyquist
    log_floor: float = 1e-6

    @property
    def frame_seconds(self) -> float:
        """Seconds between feature frames (the hop); a model's output frame is ``reduction`` of these."""
        return self.hop_length / self.sample_rate


@dataclass(frozen=True)
class SpecAugmentConfig:
    freq_masks: int = 2
    freq_width: int = 15  # bins
    time_masks: int = 2
    time_width: float = 0.05  # fraction of the utterance, at most
    max_time_width: int = 40  # frames


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """HTK mel scale."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(n_freqs: int, n_mels: int, sample_rate: int, f_min: float, f_max: float) -> torch.Tensor:
    """Triangular HTK mel filters.

    Returns:
        ``(n_freqs, n_mels)`` matrix mapping a power spectrum to mel bands.
    """
    if not 0 <= f_min < f_max <= sample_rate / 2:
        raise ValueError(f"need 0 <= f_min < f_max <= {sample_rate / 2}, got {f_min}, {f_max}")
    freqs = np.linspace(0.0, sample_rate / 2, n_freqs)
    edges = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    lower, center, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None, :] - lower) / (center - lower)
    falling = (upper - freqs[None, :]) / (upper - center)
    fb = np.maximum(0.0, np.minimum(rising, falling))
    return torch.from_numpy(fb.T.astype(np.float32))


class LogMel(nn.Module):
    """Waveform to log-mel spectrogram.

    Input ``(samples,)`` or ``(batch, samples)``; output ``(frames, n_mels)`` or
    ``(batch, frames, n_mels)`` with ``frames = samples // hop_length + 1``.
    """

    def __init__(self, config: FeatureConfig = FeatureConfig()):
        super().__init__()
        self.config = config
        f_max = config.f_max or config.sample_rate / 2
        self.register_buffer("window", torch.hann_window(config.n_fft), persistent=False)
        self.register_buffer(
            "filters",
            mel_filterbank(config.n_fft // 2 + 1, config.n_mels, config.sample_rate, config.f_min, f_max),
            persistent=False,
        )

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        if waveform.dim() not in (1, 2):
            raise ValueError(f"expected (samples,) or (batch, samples), got {tuple(waveform.shape)}")
        spec = torch.stft(
            waveform.float(),
            self.config.n_fft,
            self.config.hop_length,
            window=self.window,
            center=True,
            pad_mode="reflect" if waveform.shape[-1] > self.config.n_fft // 2 else "constant",
            return_complex=True,
        )
        power = spec.abs().pow(2)  # (..., freq, frames)
        mel = torch.matmul(power.transpose(-1, -2), self.filters)
        return torch.log(mel + self.config.log_floor)

    def num_frames(self, num_samples: int) -> int:
        return num_samples // self.config.hop_length + 1


def log_mel(waveform: np.ndarray | torch.Tensor, config: FeatureConfig = FeatureConfig()) -> torch.Tensor:
    """Convenience wrapper: a mono waveform ``(samples,)`` to ``(frames, n_mels)``."""
    wav = torch.as_tensor(np.asarray(waveform, dtype=np.float32)) if not torch.is_tensor(waveform) else waveform
    return _extractor(config)(wav)


_EXTRACTORS: dict[FeatureConfig, LogMel] = {}


def _extractor(config: FeatureConfig) -> LogMel:
    if config not in _EXTRACTORS:
        _EXTRACTORS[config] = LogMel(config)
    return _EXTRACTORS[config]


class GlobalCMVN(nn.Module):
    """Per-bin mean/variance normalisation with statistics from the training set.

    The statistics are buffers, so they travel inside the model file.
    """

    def __init__(self, n_mels: int = A.N_MELS):
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_mels))
        self.register_buffer("std", torch.ones(n_mels))

    def set_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        self.mean.copy_(mean)
        self.std.copy_(std)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """``(..., time, n_mels)`` in, same shape out."""
        return (features - self.mean) / self.std


class CMVNAccumulator:
    """Running sums for global CMVN over any number of utterances."""

    def __init__(self, n_mels: int = A.N_MELS):
        self.sum = torch.zeros(n_mels, dtype=torch.float64)
        self.sum_sq = torch.zeros(n_mels, dtype=torch.float64)
        self.frames = 0

    def update(self, features: torch.Tensor) -> None:
        """Add ``(frames, n_mels)`` features."""
        f = features.double()
        self.sum += f.sum(0)
        self.sum_sq += (f * f).sum(0)
        self.frames += f.shape[0]

    def stats(self, min_std: float = 1e-3) -> tuple[torch.Tensor, torch.Tensor]:
        if self.frames == 0:
            raise ValueError("no frames accumulated: cannot compute CMVN statistics")
        mean = self.sum / self.frames
        var = (self.sum_sq / self.frames - mean * mean).clamp_min(min_std**2)
        return mean.float(), var.sqrt().float()


def vtlp(features: torch.Tensor, alpha: float) -> torch.Tensor:
    """Vocal-tract-length perturbation on log-mels ``(..., time, n_mels)``: warp the frequency axis by ``alpha``.

    ``alpha > 1`` moves spectral content up (a shorter vocal tract), ``< 1`` down.
    """
    n_mels = features.shape[-1]
    source = torch.arange(n_mels, dtype=torch.float32, device=features.device) / alpha
    source = source.clamp(0, n_mels - 1)
    low = source.floor().long()
    high = (low + 1).clamp(max=n_mels - 1)
    frac = (source - low.float()).to(features.dtype)
    return features[..., low] * (1 - frac) + features[..., high] * frac


class SpecAugment(nn.Module):
    """Frequency and time masking (Park et al., 2019) on normalised features.

    Masked values are set to 0, the mean after CMVN. Input ``(batch, time, n_mels)`` and
    ``lengths (batch,)``; time masks stay inside each utterance's own length.
    """

    def __init__(self, config: SpecAugmentConfig = SpecAugmentConfig()):
        super().__init__()
        self.config = config

    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if features.dim() != 3:
            raise ValueError(f"expected (batch, time, n_mels), got {tuple(features.shape)}")
        cfg = self.config
        batch, _, n_mels = features.shape
        out = features.clone()
        for b in range(batch):
            for _ in range(cfg.freq_masks):
                width = int(torch.randint(0, cfg.freq_width + 1, ()).item())
                if width and width < n_mels:
                    start = int(torch.randint(0, n_mels - width + 1, ()).item())
                    out[b, :, start : start + width] = 0.0
            length = int(lengths[b])
            max_width = min(cfg.max_time_width, int(math.floor(cfg.time_width * length)))
            for _ in range(cfg.time_masks):
                width = int(torch.randint(0, max_width + 1, ()).item()) if max_width > 0 else 0
                if width and width < length:
                    start = int(torch.randint(0, length - width + 1, ()).item())
                    out[b, start : start + width, :] = 0.0
        return out


class FeatureAugment(nn.Module):
    """On-the-fly augmentation of a batch of normalised features: VTLP per utterance, then SpecAugment.

    Called by the model between CMVN and the front-end: ``(batch, time, n_mels)``, ``lengths (batch,)``.
    """

    def __init__(self, spec_augment: SpecAugmentConfig | None, vtlp_range: tuple[float, float] | None = None):
        super().__init__()
        self.spec_augment = SpecAugment(spec_augment) if spec_augment is not None else None
        self.vtlp_range = vtlp_range

    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.vtlp_range is not None:
            low, high = self.vtlp_range
            alphas = torch.empty(features.shape[0]).uniform_(low, high).tolist()
            features = torch.stack([vtlp(f, a) for f, a in zip(features, alphas)])
        if self.spec_augment is not None:
            features = self.spec_augment(features, lengths)
        return features
