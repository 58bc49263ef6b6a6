"""Writing transcriptions: plain text, JSON, SubRip (.srt) and WebVTT (.vtt) subtitles."""

from __future__ import annotations

import json
from typing import Callable, Sequence

from .decode import Word

FORMATS = ("txt", "json", "srt", "vtt")


def _timestamp(seconds: float, separator: str) -> str:
    ms = max(0, int(round(seconds * 1000)))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def subtitle_cues(words: Sequence[Word], max_words: int = 12, max_seconds: float = 5.0,
                  max_gap: float = 1.0) -> list[tuple[float, float, str]]:
    """Group words into cues of at most ``max_words`` / ``max_seconds``, split at pauses over ``max_gap``."""
    cues: list[tuple[float, float, str]] = []
    current: list[Word] = []
    for w in words:
        if current and (len(current) >= max_words or w.end - current[0].start > max_seconds
                        or w.start - current[-1].end > max_gap):
            cues.append((current[0].start, current[-1].end, " ".join(x.word for x in current)))
            current = []
        current.append(w)
    if current:
        cues.append((current[0].start, current[-1].end, " ".join(x.word for x in current)))
    return cues


def to_srt(words: Sequence[Word]) -> str:
    blocks = [f"{i}\n{_timestamp(s, ',')} --> {_timestamp(e, ',')}\n{text}\n"
              for i, (s, e, text) in enumerate(subtitle_cues(words), start=1)]
    return "\n".join(blocks)


def to_vtt(words: Sequence[Word]) -> str:
    blocks = [f"{_timestamp(s, '.')} --> {_timestamp(e, '.')}\n{text}\n" for s, e, text in subtitle_cues(words)]
    return "WEBVTT\n\n" + "\n".join(blocks)


def to_json(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False)


def render(fmt: str, text: str, words: Sequence[Word], record: Callable[[], dict]) -> str:
    """One transcription in ``fmt``; ``record`` builds the JSON object only when needed."""
    if fmt == "txt":
        return text
    if fmt == "json":
        return to_json(record())
    if fmt == "srt":
        return to_srt(words)
    if fmt == "vtt":
        return to_vtt(words)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
