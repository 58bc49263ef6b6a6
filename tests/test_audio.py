import numpy as np
import pytest
import soundfile as sf

from asr.audio import SAMPLE_RATE, AudioError, load_audio, prepare_waveform
from conftest import write_tone


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize("fmt,subtype", [("wav", "PCM_16"), ("wav", "PCM_24"), ("wav", "FLOAT"), ("flac", "PCM_16"),
                                         ("ogg", "VORBIS")])
def test_any_rate_and_format_becomes_16k_mono(tmp_path, rate, fmt, subtype):
    path = write_tone(tmp_path / f"x.{fmt}", rate=rate, seconds=0.5, subtype=subtype)
    audio = load_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - SAMPLE_RATE // 2) <= 2
    assert 0.2 < np.abs(audio).max() <= 1.0


def test_mp3_reads(tmp_path):
    path = tmp_path / "x.mp3"
    try:
        write_tone(path, rate=16000, seconds=1.0, format="MP3")
    except (sf.LibsndfileError, TypeError, ValueError):
        pytest.skip("this libsndfile cannot write mp3")
    assert abs(len(load_audio(path)) - SAMPLE_RATE) < 0.1 * SAMPLE_RATE


def test_stereo_is_downmixed(sine_wav):
    audio = load_audio(sine_wav)
    assert audio.ndim == 1 and abs(len(audio) - SAMPLE_RATE) <= 2


def test_stereo_array_mean_of_channels():
    left, right = np.full(1600, 0.4, np.float32), np.full(1600, -0.2, np.float32)
    out = prepare_waveform(np.stack([left, right], 1), SAMPLE_RATE)
    np.testing.assert_allclose(out, 0.1, atol=1e-6)


def test_integer_pcm_is_scaled():
    out = prepare_waveform(np.array([0, 16384, -32767], dtype=np.int16), SAMPLE_RATE)
    np.testing.assert_allclose(out, [0.0, 0.5, -1.0], atol=1e-4)


def test_offset_and_duration(tmp_path):
    path = write_tone(tmp_path / "x.wav", seconds=2.0)
    assert len(load_audio(path, offset=0.5, duration=1.0)) == SAMPLE_RATE


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda p: p, "no such file"),
        (lambda p: (p.write_bytes(b""), p)[1], "empty"),
        (lambda p: (p.write_bytes(np.random.default_rng(0).bytes(4096)), p)[1], "not a readable audio file"),
        (lambda p: (p.write_text("hello, I am text\n" * 50), p)[1], "not a readable audio file"),
        (lambda p: (p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt "), p)[1], "not a readable audio file"),
    ],
    ids=["missing", "empty", "random-bytes", "text", "truncated-header"],
)
def test_bad_files_raise_one_clear_error(tmp_path, make, message):
    path = make(tmp_path / "bad.wav")
    with pytest.raises(AudioError, match=message) as info:
        load_audio(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_truncated_flac(tmp_path):
    good = write_tone(tmp_path / "good.flac", seconds=2.0)
    bad = tmp_path / "cut.flac"
    bad.write_bytes(good.read_bytes()[:100])
    with pytest.raises(AudioError):
        load_audio(bad)


def test_directory_and_m4a(tmp_path):
    with pytest.raises(AudioError, match="directory"):
        load_audio(tmp_path)
    m4a = tmp_path / "talk.m4a"
    m4a.write_bytes(b"\x00\x00\x00\x20ftypM4A ")
    with pytest.raises(AudioError, match="ffmpeg -i talk.m4a talk.wav"):
        load_audio(m4a)


def test_zero_length_audio(tmp_path):
    path = tmp_path / "none.wav"
    sf.write(path, np.zeros(0, np.float32), SAMPLE_RATE)
    with pytest.raises(AudioError, match="no samples"):
        load_audio(path)


def test_nan_samples(tmp_path):
    path = tmp_path / "nan.wav"
    audio = np.zeros(1600, np.float32)
    audio[100] = np.nan
    sf.write(path, audio, SAMPLE_RATE, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN"):
        load_audio(path)


@pytest.mark.parametrize("rate", [0, 10, 10_000_000])
def test_absurd_sample_rate(rate):
    with pytest.raises(AudioError, match="sample rate"):
        prepare_waveform(np.zeros(100, np.float32), rate)


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_32", "DOUBLE"])
def test_more_wav_sample_formats(tmp_path, subtype):
    path = write_tone(tmp_path / "x.wav", rate=8000, seconds=0.5, subtype=subtype)
    audio = load_audio(path)
    assert abs(len(audio) - SAMPLE_RATE // 2) <= 2 and 0.2 < np.abs(audio).max() <= 1.0


def test_opus(tmp_path):
    if "OPUS" not in sf.available_subtypes("OGG"):
        pytest.skip("this libsndfile has no opus")
    path = write_tone(tmp_path / "x.opus", rate=48000, seconds=1.0, format="OGG", subtype="OPUS")
    assert abs(len(load_audio(path)) - SAMPLE_RATE) < 0.05 * SAMPLE_RATE


def test_many_channels_are_averaged(tmp_path):
    t = np.arange(8000) / 16000
    channels = np.stack([np.sin(2 * np.pi * 200 * t) * (c + 1) / 10 for c in range(6)], axis=1)
    path = tmp_path / "surround.wav"
    sf.write(path, channels.astype(np.float32), 16000, subtype="FLOAT")
    np.testing.assert_allclose(load_audio(path), channels.mean(axis=1), atol=1e-4)


def test_image_file_is_not_audio(tmp_path):
    png = tmp_path / "photo.wav"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with pytest.raises(AudioError, match="not a readable audio file"):
        load_audio(png)
