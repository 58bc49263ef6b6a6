import re

from asr.decode import Word
from asr.formats import subtitle_cues, to_srt, to_vtt

WORDS = [Word("hello", 0.5, 0.9, 0.9), Word("world", 1.0, 1.4, 0.8), Word("again", 4.0, 4.5, 0.7)]

SRT_BLOCK = re.compile(r"^(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n(.+)$")


def _seconds(h, m, s, ms):
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def test_srt_parses_and_splits_at_pauses():
    blocks = to_srt(WORDS).strip().split("\n\n")
    assert len(blocks) == 2
    parsed = [SRT_BLOCK.match(b).groups() for b in blocks]
    assert [p[0] for p in parsed] == ["1", "2"]
    assert parsed[0][9] == "hello world" and parsed[1][9] == "again"
    start, end = _seconds(*parsed[0][1:5]), _seconds(*parsed[0][5:9])
    assert (start, end) == (0.5, 1.4)


def test_vtt_parses():
    text = to_vtt(WORDS)
    assert text.startswith("WEBVTT\n\n")
    cues = re.findall(r"(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(.+)", text)
    assert cues == [("00:00:00.500", "00:00:01.400", "hello world"), ("00:00:04.000", "00:00:04.500", "again")]


def test_long_cues_are_split():
    words = [Word(f"w{i}", i * 0.3, i * 0.3 + 0.2, 1.0) for i in range(40)]
    cues = subtitle_cues(words, max_words=12, max_seconds=5.0)
    assert all(len(text.split()) <= 12 and end - start <= 5.0 for start, end, text in cues)
    assert " ".join(text for _, _, text in cues) == " ".join(w.word for w in words)


def test_hours_in_timestamps():
    assert "01:02:03,040" in to_srt([Word("late", 3723.04, 3723.5, 1.0)])
