"""Importers for corpora users own: each turns a corpus in its published layout into a manifest.

Audio durations are read from the files' headers (no decoding); files that cannot be read are
reported and left out. Paths in the manifest are absolute unless the audio lies below the
manifest's folder.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..audio import AudioError, PathLike, audio_info
from ..data import write_manifest

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".opus", ".mp3")


class CorpusLayoutError(Exception):
    """The folder does not have the layout the importer expects."""


@dataclass
class ImportReport:
    manifest: Path
    utterances: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


Entry = tuple[Path, str, str | None, str]  # audio path, transcript, speaker, id


def _write(entries: Iterator[Entry], out: PathLike) -> ImportReport:
    report = ImportReport(Path(out))
    rows = []
    for audio, text, speaker, id_ in entries:
        try:
            rate, frames, _ = audio_info(audio)
        except AudioError as e:
            report.failures.append(str(e))
            continue
        if frames <= 0:
            report.failures.append(f"{audio}: no samples")
            continue
        row = {"audio_filepath": str(audio.absolute()), "duration": round(frames / rate, 3), "text": text, "id": id_}
        if speaker is not None:
            row["speaker"] = speaker
        rows.append(row)
        report.seconds += frames / rate
    report.utterances = len(rows)
    for failure in report.failures:
        log.warning("skipped %s", failure)
    write_manifest(out, rows)
    return report


def librispeech_entries(root: PathLike) -> Iterator[Entry]:
    """``<split>/<speaker>/<chapter>/<speaker>-<chapter>.trans.txt`` lines ``ID TEXT``, audio ``ID.flac``.

    ``root`` is one split folder (e.g. ``LibriSpeech/train-clean-100``) or a folder of splits.
    """
    root = Path(root)
    transcripts = sorted(root.rglob("*.trans.txt"))
    if not transcripts:
        raise CorpusLayoutError(f"{root}: no *.trans.txt files: not a LibriSpeech folder")
    for trans in transcripts:
        for line in trans.read_text(encoding="utf-8").splitlines():
            id_, _, text = line.strip().partition(" ")
            if id_:
                yield trans.parent / f"{id_}.flac", text, id_.split("-")[0], id_


def commonvoice_entries(root: PathLike, split: str = "train") -> Iterator[Entry]:
    """``<lang>/<split>.tsv`` (columns ``client_id``, ``path``, ``sentence``, ...) with audio in ``clips/``."""
    root = Path(root)
    tsv = root / f"{split}.tsv"
    if not tsv.is_file():
        raise CorpusLayoutError(f"{tsv}: no such file: not a Common Voice language folder (or no split {split!r})")
    with open(tsv, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = {"client_id", "path", "sentence"} - set(reader.fieldnames or ())
        if missing:
            raise CorpusLayoutError(f"{tsv}: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            clip = root / "clips" / row["path"]
            yield clip, row["sentence"], row["client_id"], Path(row["path"]).stem


def ljspeech_entries(root: PathLike) -> Iterator[Entry]:
    """``metadata.csv`` (``ID|text|normalised text``) with audio in ``wavs/ID.wav``; uses the normalised text."""
    root = Path(root)
    meta = root / "metadata.csv"
    if not meta.is_file():
        raise CorpusLayoutError(f"{meta}: no such file: not an LJSpeech folder")
    with open(meta, encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="|", quoting=csv.QUOTE_NONE):
            if len(row) >= 2:
                text = row[2] if len(row) >= 3 and row[2] else row[1]
                yield root / "wavs" / f"{row[0]}.wav", text, "LJ", row[0]


def folder_entries(root: PathLike) -> Iterator[Entry]:
    """Any folder tree of audio files, each with a transcript beside it: ``a.wav`` + ``a.txt`` (or ``a.lab``).

    The speaker is the name of the audio file's parent folder when it is below ``root``.
    """
    root = Path(root)
    found = False
    for audio in sorted(p for p in root.rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS):
        transcript = next((audio.with_suffix(s) for s in (".txt", ".lab") if audio.with_suffix(s).is_file()), None)
        if transcript is None:
            log.warning("%s: no transcript beside it (.txt or .lab); skipped", audio)
            continue
        found = True
        speaker = audio.parent.name if audio.parent != root else None
        yield audio, " ".join(transcript.read_text(encoding="utf-8").split()), speaker, \
            str(audio.relative_to(root).with_suffix("")).replace("/", "_")
    if not found:
        raise CorpusLayoutError(f"{root}: no audio file with a transcript beside it")


IMPORTERS: dict[str, Callable[..., Iterator[Entry]]] = {
    "librispeech": librispeech_entries,
    "commonvoice": commonvoice_entries,
    "ljspeech": ljspeech_entries,
    "folder": folder_entries,
}


def import_corpus(kind: str, root: PathLike, out: PathLike, **options) -> ImportReport:
    """Import the corpus at ``root`` (``kind``: one of :data:`IMPORTERS`) into manifest ``out``."""
    if kind not in IMPORTERS:
        raise ValueError(f"unknown corpus kind {kind!r}; known: {', '.join(IMPORTERS)}")
    if not Path(root).is_dir():
        raise CorpusLayoutError(f"{root}: no such folder")
    return _write(IMPORTERS[kind](root, **options), out)
