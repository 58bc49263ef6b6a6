"""Long audio: block reading, pause-based segmentation, stitched word times."""

import numpy as np
import pytest
import soundfile as sf

from asr.audio import SAMPLE_RATE, AudioError, load_audio
from asr.data import read_manifest
from asr.evaluate import score
from asr.segment import VADConfig, split_speech, stream_audio


def _tone(seconds, freq=300.0, amp=0.3):
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_stream_matches_whole_file_after_resampling(tmp_path):
    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal(22050 * 7)).astype(np.float32)
    path = tmp_path / "x.flac"
    sf.write(path, np.stack([audio, audio], 1), 22050)
    streamed = np.concatenate(list(stream_audio(path, block_seconds=1.3)))
    whole = load_audio(path)
    assert abs(len(streamed) - len(whole)) <= 2
    n = min(len(streamed), len(whole)) - 200
    np.testing.assert_allclose(streamed[200:n], whole[200:n], atol=2e-3)


def test_stream_errors(tmp_path):
    with pytest.raises(AudioError, match="no such file"):
        list(stream_audio(tmp_path / "none.wav"))
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"garbage" * 100)
    with pytest.raises(AudioError, match="not a readable audio file"):
        list(stream_audio(bad))


def test_segments_follow_the_pauses():
    noise = np.random.default_rng(1).standard_normal
    parts, truth, t = [], [], 0.0
    for speech, silence in [(2.0, 1.0), (3.5, 0.8), (1.2, 2.0)]:
        parts += [_tone(speech), (1e-4 * noise(int(silence * SAMPLE_RATE))).astype(np.float32)]
        truth.append((t, t + speech))
        t += speech + silence
    audio = np.concatenate(parts)
    blocks = (audio[i : i + 16000] for i in range(0, len(audio), 16000))
    segments = list(split_speech(blocks, VADConfig()))
    assert len(segments) == 3
    for seg, (start, end) in zip(segments, truth):
        assert abs(seg.start - start) < 0.2 and abs(seg.end - end) < 0.25


def test_long_speech_is_cut_below_the_maximum():
    audio = _tone(70.0) * (1 + 0.5 * np.sin(np.arange(70 * SAMPLE_RATE) / SAMPLE_RATE * 2 * np.pi * 0.7))
    segments = list(split_speech(iter([audio.astype(np.float32)]), VADConfig(max_segment=20.0)))
    assert all(len(s.audio) <= 20.0 * SAMPLE_RATE + 1 for s in segments)
    assert abs(sum(len(s.audio) for s in segments) - len(audio)) < 0.1 * SAMPLE_RATE
    assert all(a.end <= b.start + 1e-6 for a, b in zip(segments, segments[1:]))


def test_silence_gives_no_segment():
    assert list(split_speech(iter([np.zeros(5 * SAMPLE_RATE, np.float32)]))) == []


def test_long_file_transcribed_with_global_times(trained_model, espeak_corpus, tmp_path):
    """Eight utterances, each repeated, with pauses: 40+ s, so the file is read in blocks and segmented."""
    from asr.transcribe import Transcriber

    utts = read_manifest(espeak_corpus) * 2
    pieces, starts, t = [], [], 0.0
    for u in utts:
        audio = load_audio(u.audio_filepath)
        starts.append(t)
        pieces += [audio, np.zeros(int(0.8 * SAMPLE_RATE), np.float32)]
        t += len(audio) / SAMPLE_RATE + 0.8
    path = tmp_path / "long.wav"
    sf.write(path, np.concatenate(pieces), SAMPLE_RATE)
    assert t > VADConfig().max_segment

    result = Transcriber.from_file(trained_model / "model.pt").transcribe_file(path)
    reference = " ".join(u.text for u in utts)
    assert score([reference], [result.text]).cer < 0.15, result.text
    assert len(result.segments) == len(utts)
    for seg, start in zip(result.segments, starts):
        assert abs(seg.start - start) < 0.3
    times = [(w.start, w.end) for w in result.words]
    assert all(0 <= s < e <= t for s, e in times)
    assert all(a[0] <= b[0] for a, b in zip(times, times[1:])), "word times increase across segments"
