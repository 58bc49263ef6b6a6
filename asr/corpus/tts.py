"""Speech synthesis for making training data: one small class per TTS engine.

Each engine turns (text, voice) into a waveform; :func:`synthesize_corpus` fans sentences out
over voices and cores, writes 16 kHz FLAC files and a manifest, and skips what already exists.
"""

from __future__ import annotations

import io
import logging
import random
import shutil
import subprocess
from abc import ABC, abstractmethod
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import soundfile as sf
from tqdm import tqdm

from ..audio import SAMPLE_RATE, AudioError, PathLike, prepare_waveform
from ..data import write_manifest

log = logging.getLogger(__name__)


class SynthesisError(Exception):
    """The engine failed on one utterance."""


@dataclass(frozen=True)
class Voice:
    engine: str
    name: str  # engine-specific voice name, e.g. "en-us+m3"

    @property
    def id(self) -> str:
        return f"{self.engine}:{self.name}"


@dataclass(frozen=True)
class Prosody:
    """Per-utterance variation; engines map what they support and ignore the rest."""

    rate: float = 1.0  # speaking-rate factor
    pitch: float = 0.5  # 0..1, engine's range
    word_gap: float = 0.0  # seconds of extra pause between words


class TTSEngine(ABC):
    name: str

    @classmethod
    @abstractmethod
    def available(cls) -> bool: ...

    @abstractmethod
    def voices(self) -> list[Voice]: ...

    @abstractmethod
    def synthesize(self, text: str, voice: Voice, prosody: Prosody) -> tuple[np.ndarray, int]:
        """Return ``(waveform (samples,), sample_rate)``."""


class EspeakNG(TTSEngine):
    """espeak-ng: formant synthesis, many English accents, each with male/female variants."""

    name = "espeak-ng"
    ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029",
               "en-us-nyc")
    VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m7", "f1", "f2", "f3", "f4")

    @classmethod
    def available(cls) -> bool:
        return shutil.which("espeak-ng") is not None

    def voices(self) -> list[Voice]:
        return [Voice(self.name, f"{a}+{v}") for a in self.ACCENTS for v in self.VARIANTS]

    def synthesize(self, text: str, voice: Voice, prosody: Prosody) -> tuple[np.ndarray, int]:
        cmd = [
            "espeak-ng", "-v", voice.name,
            "-s", str(int(round(165 * prosody.rate))),
            "-p", str(int(round(100 * prosody.pitch))),
            "-g", str(int(round(prosody.word_gap * 100))),  # units of 10 ms
            "--stdout", "--", text,
        ]
        proc = subprocess.run(cmd, capture_output=True, timeout=60)
        if proc.returncode != 0 or not proc.stdout:
            raise SynthesisError(f"espeak-ng failed on {text[:40]!r}: {proc.stderr.decode(errors='replace').strip()}")
        audio, rate = sf.read(io.BytesIO(proc.stdout), dtype="float32")
        return audio, rate


ENGINES: dict[str, type[TTSEngine]] = {EspeakNG.name: EspeakNG}


def available_engines(names: Sequence[str] | None = None) -> list[TTSEngine]:
    """Instances of the requested (default: all) engines that are installed; others are warned about."""
    engines = []
    for name in names or list(ENGINES):
        if name not in ENGINES:
            raise ValueError(f"unknown TTS engine {name!r}; known: {', '.join(ENGINES)}")
        if ENGINES[name].available():
            engines.append(ENGINES[name]())
        else:
            log.warning("TTS engine %s is not installed; skipped", name)
    return engines


@dataclass(frozen=True)
class Job:
    index: int
    text: str
    voice: Voice
    prosody: Prosody
    path: Path


def _run_job(job: Job) -> dict | str:
    """Synthesise one utterance; returns its manifest row, or an error message."""
    if job.path.is_file() and job.path.stat().st_size > 0:
        info = sf.info(str(job.path))
        duration = info.frames / info.samplerate
    else:
        try:
            audio, rate = ENGINES[job.voice.engine]().synthesize(job.text, job.voice, job.prosody)
            audio = prepare_waveform(_trim_silence(audio), rate, SAMPLE_RATE)
        except (SynthesisError, AudioError, subprocess.TimeoutExpired) as e:
            return f"{job.path.name}: {e}"
        tmp = job.path.with_suffix(".tmp.flac")
        sf.write(str(tmp), audio, SAMPLE_RATE, subtype="PCM_16")
        tmp.replace(job.path)  # a killed run never leaves a half-written file behind
        duration = len(audio) / SAMPLE_RATE
    return {"audio_filepath": str(job.path), "duration": round(duration, 3), "text": job.text,
            "speaker": job.voice.id, "id": job.path.stem}


def _trim_silence(audio: np.ndarray, threshold: float = 1e-3, margin: int = 1600) -> np.ndarray:
    """Cut leading/trailing digital silence, keeping ``margin`` samples (0.1 s at 16 kHz) of it."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio
    return audio[max(0, loud[0] - margin) : loud[-1] + margin]


def synthesize_corpus(
    sentences: Sequence[str],
    out_dir: PathLike,
    voices: Sequence[Voice],
    seed: int = 0,
    repeats: int = 1,
    jobs: int | None = None,
    rate_range: tuple[float, float] = (0.85, 1.2),
    pitch_range: tuple[float, float] = (0.3, 0.7),
    max_word_gap: float = 0.05,
    progress: bool = True,
) -> tuple[Path, list[str]]:
    """Synthesise each sentence ``repeats`` times, each time with a voice and prosody drawn from ``seed``.

    Writes ``out_dir/audio/*.flac`` and ``out_dir/manifest.jsonl``; existing audio files are reused,
    so an interrupted run resumes. Returns the manifest path and the failures (one line each).
    """
    if not voices:
        raise ValueError("no voices to synthesise with (is the TTS engine installed?)")
    out_dir = Path(out_dir).resolve()
    (out_dir / "audio").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    todo = []
    for r in range(repeats):
        for i, text in enumerate(sentences):
            index = r * len(sentences) + i
            voice = voices[rng.randrange(len(voices))]
            prosody = Prosody(rng.uniform(*rate_range), rng.uniform(*pitch_range), rng.uniform(0, max_word_gap))
            todo.append(Job(index, text, voice, prosody, out_dir / "audio" / f"utt{index:07d}.flac"))
    rows, failures = [], []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = pool.map(_run_job, todo, chunksize=16)
        for result in tqdm(results, total=len(todo), desc="synthesising", unit="utt", disable=not progress):
            (failures.append(result) if isinstance(result, str) else rows.append(result))
    manifest = out_dir / "manifest.jsonl"
    write_manifest(manifest, rows)
    return manifest, failures
