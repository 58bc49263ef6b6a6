"""Reading audio: any file soundfile decodes, downmixed to mono and resampled to 16 kHz.

This module is the one source of truth for the audio constants the rest of the toolkit uses.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

import numpy as np
import soundfile as sf
import soxr

SAMPLE_RATE = 16_000  # the model's rate; everything is resampled to it on load
N_FFT = 400  # 25 ms window at 16 kHz
HOP_LENGTH = 160  # 10 ms hop at 16 kHz
N_MELS = 80
FRAMES_PER_SECOND = SAMPLE_RATE // HOP_LENGTH  # 100 feature frames a second

MIN_SAMPLE_RATE = 1_000
MAX_SAMPLE_RATE = 768_000

PathLike = Union[str, os.PathLike]

# Containers that soundfile (libsndfile) cannot open but users often bring.
_NEEDS_CONVERSION = {".m4a", ".mp4", ".aac", ".wma", ".webm", ".mkv", ".mov", ".avi", ".amr"}


class AudioError(Exception):
    """An audio file or array that cannot be used; the message says why, in one line."""


def load_audio(
    path: PathLike,
    sample_rate: int = SAMPLE_RATE,
    offset: float = 0.0,
    duration: float | None = None,
) -> np.ndarray:
    """Read an audio file as mono float32 in [-1, 1] at ``sample_rate``.

    Args:
        path: any file libsndfile reads (wav, flac, ogg/vorbis, opus, mp3, ...).
        sample_rate: the rate to resample to.
        offset: seconds to skip at the start.
        duration: seconds to read after ``offset`` (``None``: to the end).

    Returns:
        waveform of shape ``(samples,)``.

    Raises:
        AudioError: the file is missing, empty, not audio, corrupt, or holds unusable samples.
    """
    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: no such file")
    if path.is_dir():
        raise AudioError(f"{path}: is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: file is empty (0 bytes)")
    if path.suffix.lower() in _NEEDS_CONVERSION:
        raise AudioError(
            f"{path}: {path.suffix} files are not supported; convert first, "
            f"e.g. `ffmpeg -i {path.name} {path.stem}.wav`"
        )
    try:
        with sf.SoundFile(str(path)) as f:
            native_rate = f.samplerate
            _check_sample_rate(native_rate, str(path))
            start = int(round(offset * native_rate))
            if start:
                f.seek(min(start, f.frames))
            frames = -1 if duration is None else int(round(duration * native_rate))
            data = f.read(frames=frames, dtype="float32", always_2d=True)
    except AudioError:
        raise
    except (sf.LibsndfileError, RuntimeError, ValueError, OSError) as e:
        reason = str(e).split(":")[-1].strip() or type(e).__name__
        raise AudioError(f"{path}: not a readable audio file ({reason})") from None
    try:
        return prepare_waveform(data, native_rate, sample_rate)
    except AudioError as e:
        raise AudioError(f"{path}: {e}") from None


def prepare_waveform(audio: np.ndarray, sample_rate: int, target_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Validate an in-memory waveform, downmix it to mono and resample it.

    Args:
        audio: ``(samples,)`` or ``(samples, channels)``, float or integer PCM.
        sample_rate: the rate of ``audio``.
        target_rate: the rate to return.

    Returns:
        float32 waveform of shape ``(samples,)`` at ``target_rate``.
    """
    audio = np.asarray(audio)
    _check_sample_rate(sample_rate)
    if audio.ndim not in (1, 2):
        raise AudioError(f"expected audio of shape (samples,) or (samples, channels), got {audio.shape}")
    if np.issubdtype(audio.dtype, np.integer):
        audio = audio.astype(np.float32) / float(np.iinfo(audio.dtype).max)
    elif not np.issubdtype(audio.dtype, np.floating):
        raise AudioError(f"expected numeric samples, got dtype {audio.dtype}")
    audio = audio.astype(np.float32, copy=False)
    if audio.ndim == 2:
        audio = audio.mean(axis=1) if audio.shape[1] > 1 else audio[:, 0]
    if audio.size == 0:
        raise AudioError("audio has no samples")
    if not np.isfinite(audio).all():
        raise AudioError("audio contains NaN or infinite samples")
    if sample_rate != target_rate:
        audio = soxr.resample(audio, sample_rate, target_rate, quality="HQ").astype(np.float32, copy=False)
    # Clip rather than rescale: float files may overshoot slightly after resampling.
    return np.clip(audio, -1.0, 1.0)


def audio_info(path: PathLike) -> tuple[int, int, int]:
    """Return ``(sample_rate, frames, channels)`` of a file without decoding it."""
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as e:
        raise AudioError(f"{path}: not a readable audio file ({e})") from None
    return info.samplerate, info.frames, info.channels


def _check_sample_rate(rate: int, where: str | None = None) -> None:
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        prefix = f"{where}: " if where else ""
        raise AudioError(
            f"{prefix}unsupported sample rate {rate} Hz (expected {MIN_SAMPLE_RATE}–{MAX_SAMPLE_RATE} Hz)"
        )
