"""Waveform augmentation that makes synthetic speech sound less synthetic.

Speed perturbation, additive coloured or
babble noise at an exact SNR, reverberation with simulated room impulse responses, and a
telephone channel (8 kHz, 300–3400 Hz, μ-law); vocal-tract-length perturbation works on features
(:func:`asr.features.vtlp`). All functions take and return mono float32
waveforms ``(samples,)`` at ``sample_rate`` and draw randomness only from the ``rng`` given.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import soxr

from .audio import SAMPLE_RATE, AudioError, PathLike
from .data import ManifestError, load_utterance, read_manifest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AugmentConfig:
    """Probabilities and ranges of each augmentation; every one is optional (probability 0)."""

    speed_prob: float = 0.5
    speed_range: tuple[float, float] = (0.9, 1.1)
    noise_prob: float = 0.5
    snr_range: tuple[float, float] = (5.0, 30.0)  # dB
    babble_share: float = 0.3  # of noisy utterances, the share with babble instead of coloured noise
    reverb_prob: float = 0.3
    telephone_prob: float = 0.1
    gain_range: tuple[float, float] = (-6.0, 6.0)  # dB, applied to every utterance


def load_noises(manifest: PathLike, max_seconds: float = 3600.0) -> list[np.ndarray]:
    """Noise recordings listed in a NeMo manifest (``text`` may be empty), as 16 kHz mono waveforms.

    Files that fail to load are skipped with a warning; at most ``max_seconds`` are kept in memory.

    Raises:
        ValueError: no noise could be loaded.
    """
    clips, total = [], 0.0
    try:
        utterances = read_manifest(manifest, skip_broken=True)
    except ManifestError as e:
        raise ValueError(str(e)) from None
    for utt in utterances:
        try:
            clip = load_utterance(utt)
        except AudioError as e:
            log.warning("noise %s skipped: %s", utt.audio_filepath, e)
            continue
        clips.append(clip)
        total += len(clip) / SAMPLE_RATE
        if total >= max_seconds:
            break
    if not clips:
        raise ValueError(f"{manifest}: no noise recording could be loaded")
    return clips


def speed_perturb(audio: np.ndarray, factor: float, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Play ``factor`` times faster (tempo and pitch together, as Kaldi's speed perturbation)."""
    if factor <= 0:
        raise ValueError("speed factor must be positive")
    if factor == 1.0:
        return audio
    # Resampling to rate/factor and playing at rate shortens the audio by `factor`.
    return soxr.resample(audio, sample_rate, sample_rate / factor, quality="HQ").astype(np.float32)


def coloured_noise(num_samples: int, rng: np.random.Generator, exponent: float = 1.0) -> np.ndarray:
    """Noise with power spectrum ``1/f**exponent``: 0 white, 1 pink, 2 brown. Unit RMS."""
    spectrum = rng.standard_normal(num_samples // 2 + 1) + 1j * rng.standard_normal(num_samples // 2 + 1)
    freqs = np.fft.rfftfreq(num_samples)
    freqs[0] = freqs[1] if num_samples > 1 else 1.0
    noise = np.fft.irfft(spectrum / freqs ** (exponent / 2), n=num_samples)
    return (noise / (np.sqrt(np.mean(noise**2)) + 1e-12)).astype(np.float32)


def add_noise(audio: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Mix ``noise`` (looped or cut to length) into ``audio`` at exactly ``snr_db``."""
    if noise.size == 0:
        raise ValueError("noise has no samples")
    reps = int(np.ceil(len(audio) / len(noise)))
    noise = np.tile(noise, reps)[: len(audio)]
    signal_power = float(np.mean(audio.astype(np.float64) ** 2))
    noise_power = float(np.mean(noise.astype(np.float64) ** 2))
    if signal_power == 0.0 or noise_power == 0.0:
        return audio
    scale = np.sqrt(signal_power / (noise_power * 10 ** (snr_db / 10)))
    return (audio + scale * noise).astype(np.float32)


def babble(others: Sequence[np.ndarray], num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Several other utterances summed, each at a random offset: cocktail-party noise."""
    out = np.zeros(num_samples, np.float32)
    for other in others:
        if other.size == 0:
            continue
        start = int(rng.integers(0, max(1, len(other))))
        looped = np.tile(np.roll(other, -start), int(np.ceil(num_samples / len(other))))[:num_samples]
        out += looped / (np.sqrt(np.mean(looped**2)) + 1e-9)
    return out


def simulate_rirs(count: int, seed: int = 0, sample_rate: int = SAMPLE_RATE) -> list[np.ndarray]:
    """Room impulse responses of random shoebox rooms (image method, pyroomacoustics).

    Rooms 3–10 m × 3–8 m × 2.4–4 m, RT60 0.15–0.8 s, source and microphone placed at random.
    """
    import pyroomacoustics as pra

    rng = np.random.default_rng(seed)
    rirs = []
    while len(rirs) < count:
        dims = np.array([rng.uniform(3, 10), rng.uniform(3, 8), rng.uniform(2.4, 4.0)])
        rt60 = rng.uniform(0.15, 0.8)
        try:
            absorption, max_order = pra.inverse_sabine(rt60, dims)
        except ValueError:  # this RT60 is impossible for this room
            continue
        room = pra.ShoeBox(dims, fs=sample_rate, materials=pra.Material(absorption), max_order=min(max_order, 30))
        room.add_source(rng.uniform(0.5, dims - 0.5))
        room.add_microphone(rng.uniform(0.5, dims - 0.5))
        room.compute_rir()
        rir = np.asarray(room.rir[0][0], np.float32)
        rirs.append(rir / (np.abs(rir).max() + 1e-9))
    return rirs


def load_or_make_rirs(path: PathLike, count: int = 200, seed: int = 0) -> list[np.ndarray]:
    """A cached bank of simulated RIRs (simulating one takes ~0.1–0.5 s)."""
    path = Path(path)
    if path.is_file():
        with np.load(path) as bank:
            return [bank[k] for k in sorted(bank.files, key=int)]
    rirs = simulate_rirs(count, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **{str(i): r for i, r in enumerate(rirs)})
    tmp.replace(path)
    return rirs


def reverberate(audio: np.ndarray, rir: np.ndarray) -> np.ndarray:
    """Convolve with ``rir``, aligned on its direct path, keeping the input's length and peak level."""
    from scipy.signal import fftconvolve

    onset = int(np.argmax(np.abs(rir)))
    wet = fftconvolve(audio, rir[onset:], mode="full")[: len(audio)]
    peak_in, peak_out = np.abs(audio).max(), np.abs(wet).max()
    return (wet * (peak_in / peak_out) if peak_out > 0 else wet).astype(np.float32)


def telephone(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A narrow-band phone channel: 300–3400 Hz, 8 kHz, 8-bit μ-law, back to ``sample_rate``."""
    from scipy.signal import butter, sosfilt

    narrow = soxr.resample(audio, sample_rate, 8000, quality="HQ")
    narrow = sosfilt(butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos"), narrow)
    peak = np.abs(narrow).max()
    narrow = narrow / peak * 0.9 if peak > 0 else narrow
    mu = 255.0
    encoded = np.sign(narrow) * np.log1p(mu * np.abs(narrow)) / np.log1p(mu)
    quantised = np.round((encoded + 1) / 2 * mu) / mu * 2 - 1
    decoded = np.sign(quantised) * ((1 + mu) ** np.abs(quantised) - 1) / mu
    return soxr.resample(decoded.astype(np.float32), 8000, sample_rate, quality="HQ").astype(np.float32)


class Augmenter:
    """Draws a chain of augmentations per utterance from :class:`AugmentConfig`."""

    def __init__(self, config: AugmentConfig, rirs: Sequence[np.ndarray] = (), sample_rate: int = SAMPLE_RATE,
                 noises: Sequence[np.ndarray] = ()):
        """``noises``: recorded noise clips to mix in instead of coloured noise (see :func:`load_noises`)."""
        self.config = config
        self.rirs = list(rirs)
        self.sample_rate = sample_rate
        self.noises = [n for n in noises if n.size > 0]

    def __call__(self, audio: np.ndarray, rng: np.random.Generator,
                 babble_sources: Sequence[np.ndarray] = ()) -> tuple[np.ndarray, list[str]]:
        """Return the augmented waveform and the names of the effects applied, in order."""
        c, applied = self.config, []
        if rng.random() < c.speed_prob:
            factor = float(rng.uniform(*c.speed_range))
            audio = speed_perturb(audio, factor, self.sample_rate)
            applied.append(f"speed{factor:.2f}")
        if self.rirs and rng.random() < c.reverb_prob:
            audio = reverberate(audio, self.rirs[int(rng.integers(len(self.rirs)))])
            applied.append("reverb")
        if rng.random() < c.noise_prob:
            snr = float(rng.uniform(*c.snr_range))
            if babble_sources and rng.random() < c.babble_share:
                noise = babble(babble_sources, len(audio), rng)
                applied.append(f"babble{snr:.0f}dB")
            elif self.noises:
                clip = self.noises[int(rng.integers(len(self.noises)))]
                noise = np.roll(clip, -int(rng.integers(len(clip))))  # a random start; add_noise loops it
                applied.append(f"recorded@{snr:.0f}dB")
            else:
                exponent = float(rng.choice([0.0, 1.0, 2.0]))
                noise = coloured_noise(len(audio), rng, exponent)
                applied.append(f"noise{exponent:.0f}@{snr:.0f}dB")
            audio = add_noise(audio, noise, snr)
        if rng.random() < c.telephone_prob:
            audio = telephone(audio, self.sample_rate)
            applied.append("telephone")
        gain = 10 ** (float(rng.uniform(*c.gain_range)) / 20)
        audio = audio * gain
        peak = np.abs(audio).max()
        if peak > 0.99:  # never clip: scale down instead
            audio = audio * (0.99 / peak)
        return audio.astype(np.float32), applied
