"""Each importer on a tiny fixture in the corpus' real folder layout."""

import json

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from asr.cli import main
from asr.corpus.importers import CorpusLayoutError, import_corpus
from asr.data import read_manifest


def _tone(path, seconds=0.5, rate=16000, fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(rate * seconds)) / rate
    sf.write(path, 0.2 * np.sin(2 * np.pi * 220 * t), rate, format=fmt)


def test_librispeech(tmp_path):
    root = tmp_path / "LibriSpeech" / "dev-clean"
    chapter = root / "84" / "121123"
    _tone(chapter / "84-121123-0000.flac", 1.0)
    _tone(chapter / "84-121123-0001.flac", 0.5)
    (chapter / "84-121123.trans.txt").write_text("84-121123-0000 GO DO YOU HEAR\n84-121123-0001 BUT IN LESS\n")
    other = root / "174" / "50561"
    _tone(other / "174-50561-0000.flac", 0.25)
    (other / "174-50561.trans.txt").write_text("174-50561-0000 FORGOTTEN TOO\n")
    report = import_corpus("librispeech", tmp_path / "LibriSpeech", tmp_path / "ls.jsonl")
    assert report.utterances == 3 and report.seconds == pytest.approx(1.75, abs=0.01)
    utts = {u.id: u for u in read_manifest(tmp_path / "ls.jsonl")}
    assert utts["84-121123-0000"].text == "GO DO YOU HEAR" and utts["84-121123-0000"].speaker == "84"
    assert utts["174-50561-0000"].duration == pytest.approx(0.25)


def test_commonvoice_with_missing_clip(tmp_path):
    root = tmp_path / "cv-corpus-15.0" / "en"
    _tone(root / "clips" / "common_voice_en_1.mp3", 1.0, fmt="MP3") if "MP3" in sf.available_formats() else \
        _tone(root / "clips" / "common_voice_en_1.mp3", 1.0, fmt="WAV")
    (root / "train.tsv").write_text(
        "client_id\tpath\tsentence\tup_votes\n"
        "abc\tcommon_voice_en_1.mp3\tHello there.\t2\n"
        "def\tcommon_voice_en_2.mp3\tGone missing.\t1\n"
    )
    report = import_corpus("commonvoice", root, tmp_path / "cv.jsonl", split="train")
    assert report.utterances == 1 and len(report.failures) == 1 and "common_voice_en_2" in report.failures[0]
    (u,) = read_manifest(tmp_path / "cv.jsonl")
    assert u.text == "Hello there." and u.speaker == "abc" and 0.9 < u.duration < 1.2
    with pytest.raises(CorpusLayoutError, match="dev.tsv"):
        import_corpus("commonvoice", root, tmp_path / "x.jsonl", split="dev")


def test_ljspeech(tmp_path):
    root = tmp_path / "LJSpeech-1.1"
    _tone(root / "wavs" / "LJ001-0001.wav", 0.5, rate=22050)
    (root / "metadata.csv").write_text("LJ001-0001|Printing, in 1 sense|Printing, in one sense\n")
    import_corpus("ljspeech", root, tmp_path / "lj.jsonl")
    (u,) = read_manifest(tmp_path / "lj.jsonl")
    assert u.text == "Printing, in one sense" and u.speaker == "LJ" and u.duration == pytest.approx(0.5)


def test_folder_of_wav_and_txt(tmp_path):
    root = tmp_path / "mine"
    _tone(root / "alice" / "a.wav")
    (root / "alice" / "a.txt").write_text("hello\nworld\n")
    _tone(root / "b.flac")
    (root / "b.lab").write_text("second one")
    _tone(root / "untranscribed.wav")
    import_corpus("folder", root, tmp_path / "f.jsonl")
    utts = {u.id: u for u in read_manifest(tmp_path / "f.jsonl")}
    assert utts["alice_a"].text == "hello world" and utts["alice_a"].speaker == "alice"
    assert utts["b"].text == "second one" and utts["b"].speaker is None
    assert "untranscribed" not in utts


def test_wrong_layout_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["corpus", "import", "librispeech", str(tmp_path), "-o", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 1 and "not a LibriSpeech folder" in result.output
    result = CliRunner().invoke(main, ["corpus", "import", "ljspeech", str(tmp_path / "nope"), "-o", "x.jsonl"])
    assert result.exit_code == 1 and "no such folder" in result.output


def test_cli_import_writes_manifest(tmp_path):
    root = tmp_path / "LJSpeech-1.1"
    _tone(root / "wavs" / "LJ001-0002.wav")
    (root / "metadata.csv").write_text("LJ001-0002|in being modern.|in being modern.\n")
    out = tmp_path / "m.jsonl"
    result = CliRunner().invoke(main, ["corpus", "import", "ljspeech", str(root), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["text"] == "in being modern."
