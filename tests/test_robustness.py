"""Whatever a user throws at the loader or the transcriber: a result or one documented error."""

import io
import re

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asr.audio import SAMPLE_RATE, AudioError, load_audio
from conftest import REPO


def _valid_files() -> list[bytes]:
    t = np.arange(4000) / 16000
    tone = (0.4 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    out = []
    for fmt, subtype in (("WAV", "PCM_16"), ("WAV", "FLOAT"), ("FLAC", "PCM_16"), ("OGG", "VORBIS")):
        buf = io.BytesIO()
        sf.write(buf, tone, 16000, format=fmt, subtype=subtype)
        out.append(buf.getvalue())
    return out


VALID = _valid_files()


def _load_or_documented_error(tmp_path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    try:
        audio = load_audio(path)
    except AudioError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert audio.dtype == np.float32 and audio.ndim == 1 and np.isfinite(audio).all()
    assert np.abs(audio).max(initial=0) <= 1.0


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=4096), suffix=st.sampled_from([".wav", ".flac", ".mp3", ".ogg", ""]))
def test_fuzz_random_bytes(tmp_path, data, suffix):
    _load_or_documented_error(tmp_path, data, suffix)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, len(VALID) - 1), cut=st.floats(0.0, 1.0),
       flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=12))
def test_fuzz_mutated_and_truncated_files(tmp_path, which, cut, flips):
    data = bytearray(VALID[which])
    for position, value in flips:
        data[int(position * (len(data) - 1))] = value
    data = bytes(data[: max(1, int(cut * len(data)))])
    _load_or_documented_error(tmp_path, data, [".wav", ".wav", ".flac", ".ogg"][which])


def test_silence_one_sample_and_clipping(trained_model, tmp_path):
    from asr.transcribe import Transcriber

    model = Transcriber.from_file(trained_model / "model.pt")
    assert model.transcribe(np.zeros(SAMPLE_RATE * 2, np.float32), sample_rate=SAMPLE_RATE).text == ""
    (best,) = model.nbest(np.zeros(SAMPLE_RATE * 2, np.float32), sample_rate=SAMPLE_RATE)
    assert best.text == "" and best.words == ()
    assert isinstance(model.transcribe(np.zeros(1, np.float32), sample_rate=SAMPLE_RATE).text, str)
    loud = np.clip(5 * np.sin(np.arange(SAMPLE_RATE) / 10), -1, 1).astype(np.float32)
    assert isinstance(model.transcribe(loud, sample_rate=SAMPLE_RATE).text, str)
    with pytest.raises(AudioError, match="sample_rate is required"):
        model.transcribe(np.zeros(100, np.float32))


def test_readme_python_example_runs(trained_model, espeak_corpus):
    """The README's Python example, with its paths pointed at a model and a file made by the tests."""
    from asr.data import read_manifest

    readme = (REPO / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    wav = read_manifest(espeak_corpus)[0].audio_filepath
    code = code.replace('"exp/tiny/model.pt"', repr(str(trained_model / "model.pt"))).replace('"speech.wav"', repr(str(wav)))
    printed = io.StringIO()
    exec(compile(code, "README.md", "exec"), {"print": lambda *a, **k: print(*a, **k, file=printed)})
    lines = printed.getvalue().splitlines()
    assert lines[0] == read_manifest(espeak_corpus)[0].text
    assert len(lines) == 1 + len(lines[0].split())
