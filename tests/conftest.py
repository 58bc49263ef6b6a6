"""Shared fixtures: tiny audio made by the tests (espeak-ng, sine waves) and a tiny trained model."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from asr.audio import SAMPLE_RATE

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ASR_SHARED_DATA", REPO.parent / "shared" / "data"))

# Eight short sentences from a small vocabulary: enough to memorise, varied enough to mean something.
SENTENCES = [
    "set blue at a one now",
    "place red by b two soon",
    "lay green in c three again",
    "bin white with d four please",
    "set red at e five soon",
    "place green by f six now",
    "lay white in g seven please",
    "bin blue with h eight again",
]


def free_port() -> int:
    """A TCP port nobody listens on now, for a test's own process group (a fixed one can be taken)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_espeak() -> None:
    if shutil.which("espeak-ng") is None:
        if os.environ.get("CI"):
            pytest.fail("espeak-ng is required in CI (.ci/run installs it)")
        pytest.skip("espeak-ng is not installed")


@pytest.fixture(scope="session")
def espeak_corpus(tmp_path_factory) -> Path:
    """Eight espeak-ng utterances (one voice) and their manifest; returns the manifest path."""
    require_espeak()
    from asr.corpus.tts import Voice, synthesize_corpus

    out = tmp_path_factory.mktemp("espeak")
    manifest, failures = synthesize_corpus(
        SENTENCES, out, [Voice("espeak-ng", "en-us+m3")], seed=0, rate_range=(1.0, 1.0),
        pitch_range=(0.5, 0.5), max_word_gap=0.0, progress=False, jobs=2,
    )
    assert not failures
    return manifest


@pytest.fixture(scope="session")
def trained_model(espeak_corpus, tmp_path_factory) -> Path:
    """A tiny model that has memorised the espeak corpus (the overfit test checks how well)."""
    from asr.config import load_config
    from asr.train import train

    out = tmp_path_factory.mktemp("overfit")
    config = load_config(REPO / "tests" / "overfit.yaml")
    train(config, espeak_corpus, espeak_corpus, out, progress=False)
    return out


@pytest.fixture
def sine_wav(tmp_path) -> Path:
    """One second of a 440 Hz tone at 22.05 kHz, stereo."""
    rate = 22_050
    t = np.arange(rate) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    path = tmp_path / "tone.wav"
    sf.write(path, np.stack([tone, tone], axis=1), rate)
    return path


def write_tone(path: Path, rate: int = SAMPLE_RATE, seconds: float = 0.5, **kwargs) -> Path:
    t = np.arange(int(rate * seconds)) / rate
    sf.write(path, (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), rate, **kwargs)
    return path
