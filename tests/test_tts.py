import json

import pytest
import soundfile as sf

from asr.corpus.tts import EspeakNG, Prosody, Voice, synthesize_corpus
from asr.audio import SAMPLE_RATE
from conftest import require_espeak


def test_espeak_voices_and_synthesis():
    require_espeak()
    engine = EspeakNG()
    voices = engine.voices()
    assert len(voices) >= 30 and len({v.id for v in voices}) == len(voices)
    audio, rate = engine.synthesize("hello world", Voice("espeak-ng", "en-us+f2"), Prosody())
    assert rate > 0 and 0.3 < len(audio) / rate < 3.0


def test_corpus_is_deterministic_and_resumable(tmp_path):
    require_espeak()
    voices = EspeakNG().voices()[:5]
    sentences = ["one two three", "red green blue", "a b c"]
    m1, f1 = synthesize_corpus(sentences, tmp_path / "a", voices, seed=5, repeats=2, progress=False, jobs=2)
    m2, _ = synthesize_corpus(sentences, tmp_path / "b", voices, seed=5, repeats=2, progress=False, jobs=2)
    rows1 = [json.loads(line) for line in m1.read_text().splitlines()]
    rows2 = [json.loads(line) for line in m2.read_text().splitlines()]
    assert not f1 and len(rows1) == 6
    assert [(r["text"], r["speaker"]) for r in rows1] == [(r["text"], r["speaker"]) for r in rows2]
    a1, _ = sf.read(tmp_path / "a" / rows1[0]["audio_filepath"])
    a2, _ = sf.read(tmp_path / "b" / rows2[0]["audio_filepath"])
    assert (a1 == a2).all(), "same seed, same audio"
    info = sf.info(str(tmp_path / "a" / rows1[0]["audio_filepath"]))
    assert info.samplerate == SAMPLE_RATE and abs(info.frames / SAMPLE_RATE - rows1[0]["duration"]) < 0.002

    # resume: a deleted file is made again, the others are reused untouched
    target = tmp_path / "a" / rows1[3]["audio_filepath"]
    kept = tmp_path / "a" / rows1[0]["audio_filepath"]
    mtime = kept.stat().st_mtime_ns
    target.unlink()
    synthesize_corpus(sentences, tmp_path / "a", voices, seed=5, repeats=2, progress=False, jobs=2)
    assert target.is_file() and kept.stat().st_mtime_ns == mtime


def test_resuming_with_other_settings_is_refused(tmp_path):
    """Audio is reused by file name, so another seed must not pair old audio with new text."""
    require_espeak()
    voices = EspeakNG().voices()[:3]
    sentences = ["one two three", "red green blue"]
    synthesize_corpus(sentences, tmp_path / "a", voices, seed=5, progress=False, jobs=1)
    synthesize_corpus(sentences, tmp_path / "a", voices, seed=5, progress=False, jobs=1)  # same plan: fine
    with pytest.raises(ValueError, match="other settings"):
        synthesize_corpus(sentences[::-1], tmp_path / "a", voices, seed=5, progress=False, jobs=1)
    with pytest.raises(ValueError, match="other settings"):
        synthesize_corpus(sentences, tmp_path / "a", voices, seed=6, progress=False, jobs=1)
