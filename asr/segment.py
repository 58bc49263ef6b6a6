"""Long recordings: read in blocks, split at pauses by an energy voice-activity detector.

Memory stays bounded by the block and segment sizes, whatever the length of the file: audio is
decoded block by block (soundfile), resampled as a stream (soxr), and each segment is handed on as
soon as it ends.

The detector works on 30 ms frames: a frame is speech when its energy is more than
``threshold_db`` above a running noise floor (the 10th percentile of recent frame energies, at
most 25 dB below the loudest of them) and above an absolute floor. Segments end at pauses of at least ``min_pause`` seconds and never exceed
``max_segment`` seconds: a longer stretch is cut at its quietest frame.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import soundfile as sf
import soxr

from .audio import SAMPLE_RATE, AudioError, PathLike, load_audio


@dataclass(frozen=True)
class VADConfig:
    frame_seconds: float = 0.03
    threshold_db: float = 12.0  # above the running noise floor
    absolute_floor_db: float = -60.0  # frames quieter than this (dBFS) are never speech
    min_pause: float = 0.3  # seconds of non-speech that end a segment
    max_segment: float = 25.0  # seconds
    padding: float = 0.15  # seconds kept around speech
    history_seconds: float = 10.0  # window for the noise-floor estimate


@dataclass(frozen=True)
class Segment:
    start: float  # seconds from the start of the file
    audio: np.ndarray  # mono float32 at 16 kHz

    @property
    def end(self) -> float:
        return self.start + len(self.audio) / SAMPLE_RATE


def stream_audio(path: PathLike, block_seconds: float = 20.0) -> Iterator[np.ndarray]:
    """Mono 16 kHz float32 blocks of a file of any length."""
    path = Path(path)
    load_audio(path, duration=0.01)  # one clear error for missing, empty or unreadable files
    try:
        info = sf.info(str(path))
        resampler = soxr.ResampleStream(info.samplerate, SAMPLE_RATE, 1, dtype="float32", quality="HQ") \
            if info.samplerate != SAMPLE_RATE else None
        block = max(1, int(block_seconds * info.samplerate))
        for chunk in sf.blocks(str(path), blocksize=block, dtype="float32", always_2d=True):
            mono = chunk.mean(axis=1).astype(np.float32)
            if not np.isfinite(mono).all():
                raise AudioError(f"{path}: audio contains NaN or infinite samples")
            yield resampler.resample_chunk(mono) if resampler else mono
        if resampler:
            tail = resampler.resample_chunk(np.zeros(0, np.float32), last=True)
            if tail.size:
                yield tail
    except (sf.LibsndfileError, RuntimeError) as e:
        raise AudioError(f"{path}: not a readable audio file ({e})") from None


def frame_energies_db(audio: np.ndarray, frame: int) -> np.ndarray:
    n = len(audio) // frame
    frames = audio[: n * frame].reshape(n, frame).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def is_silent(audio: np.ndarray, config: VADConfig = VADConfig()) -> bool:
    """True when no frame of ``audio`` (16 kHz) is louder than the detector's absolute floor."""
    frame = int(config.frame_seconds * SAMPLE_RATE)
    padded = np.pad(audio, (0, (-len(audio)) % frame))
    return padded.size == 0 or float(frame_energies_db(padded, frame).max()) <= config.absolute_floor_db


def split_speech(blocks: Iterator[np.ndarray], config: VADConfig = VADConfig()) -> Iterator[Segment]:
    """Speech segments of a stream of 16 kHz blocks, with their start times."""
    frame = int(config.frame_seconds * SAMPLE_RATE)
    pad = int(round(config.padding / config.frame_seconds))
    pause = max(1, int(round(config.min_pause / config.frame_seconds)))
    max_frames = int(config.max_segment / config.frame_seconds)
    history: collections.deque[float] = collections.deque(maxlen=int(config.history_seconds / config.frame_seconds))
    buffer = np.zeros(0, np.float32)  # samples not yet assigned to frames
    frames: list[np.ndarray] = []  # frames of the current candidate segment
    speech: list[bool] = []
    first_frame = 0  # index (in frames since the start) of frames[0]
    total_frames = 0

    def emit(upto: int) -> Iterator[Segment]:
        """Emit frames[:upto] (trimmed to speech plus padding) and drop them from the buffer."""
        nonlocal frames, speech, first_frame
        flags = speech[:upto]
        if any(flags):
            lo = max(0, flags.index(True) - pad)
            hi = min(upto, len(flags) - flags[::-1].index(True) + pad)
            yield Segment((first_frame + lo) * frame / SAMPLE_RATE, np.concatenate(frames[lo:hi]))
        frames, speech = frames[upto:], speech[upto:]
        first_frame += upto

    for block in blocks:
        buffer = np.concatenate([buffer, block])
        n = len(buffer) // frame
        if n == 0:
            continue
        chunk, buffer = buffer[: n * frame], buffer[n * frame :]
        energies = frame_energies_db(chunk, frame)
        for i, e in enumerate(energies):
            history.append(e)
            # The 10th percentile finds the pauses; capped below the loudest recent frame so that
            # speech without pauses in the window is not taken for noise.
            floor = min(float(np.percentile(history, 10)), max(history) - 25.0) if len(history) >= 10 else -120.0
            frames.append(chunk[i * frame : (i + 1) * frame])
            speech.append(bool(e > config.absolute_floor_db and e > floor + config.threshold_db))
            total_frames += 1
            # A long enough pause after speech closes the segment.
            if len(speech) > pause and any(speech) and not any(speech[-pause:]):
                yield from emit(len(speech) - pause + min(pad, pause))
            elif not any(speech) and len(speech) > pad:
                frames, speech = frames[-pad:], speech[-pad:]  # leading silence: keep only the padding
                first_frame = total_frames - pad
            elif len(frames) >= max_frames:
                # Too long without a pause: cut at the quietest frame of the last third.
                window = energies_of(frames[2 * len(frames) // 3 :])
                cut = 2 * len(frames) // 3 + int(np.argmin(window)) + 1
                yield from emit(cut)
    if buffer.size:
        frames.append(buffer)
        speech.append(bool(frame_energies_db(np.pad(buffer, (0, frame - len(buffer))), frame)[0]
                           > config.absolute_floor_db + config.threshold_db))
    if frames:
        yield from emit(len(frames))


def energies_of(frames: list[np.ndarray]) -> np.ndarray:
    return np.array([10 * np.log10(np.mean(f.astype(np.float64) ** 2) + 1e-12) for f in frames])
