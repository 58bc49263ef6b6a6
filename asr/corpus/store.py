"""How generated corpus folders are written: files reused by name on resume, never half-written."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Iterable, Sequence, TypeVar

import numpy as np
import soundfile as sf
from tqdm import tqdm

from ..audio import SAMPLE_RATE
from ..data import write_manifest

Job = TypeVar("Job")


def check_plan(out_dir: Path, items: Iterable[object]) -> None:
    """Record what ``out_dir`` is made of (``items``: JSON-able), and refuse to resume it with other settings.

    Audio files are reused by name, so resuming with other inputs, seed or augmentation would
    pair old audio with new transcripts.
    """
    plan = hashlib.sha256()
    for item in items:
        plan.update(json.dumps(item).encode())  # no key sorting: digests of existing folders stay valid
    digest = plan.hexdigest()
    record = out_dir / "plan.sha256"
    if record.is_file() and record.read_text().strip() != digest:
        raise ValueError(f"{out_dir} holds a corpus made with other settings (inputs, count, seed or "
                         "augmentation); resume it with the same ones, or write to a new directory")
    record.write_text(digest + "\n")


def reusable(path: Path) -> float | None:
    """The duration (seconds) of an audio file a previous run finished, else None."""
    if path.is_file() and path.stat().st_size > 0:
        info = sf.info(str(path))
        return info.frames / info.samplerate
    return None


def write_flac(path: Path, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """16-bit FLAC, written to a temporary name first: a killed run never leaves a half-written file."""
    tmp = path.with_suffix(".tmp.flac")
    sf.write(str(tmp), audio, sample_rate, subtype="PCM_16")
    tmp.replace(path)


def make_corpus(out_dir: Path, todo: Sequence[Job], run_job: Callable[[Job], dict | str], *,
                initializer: Callable[..., None], initargs: tuple, jobs: int | None, chunksize: int,
                desc: str, progress: bool = True) -> tuple[Path, list[str]]:
    """Run ``run_job`` on each job in worker processes and write ``out_dir/manifest.jsonl`` from its rows.

    ``run_job`` (a module-level function, so that it pickles) returns a manifest row, or a string
    saying why that job failed: a failure is reported, never fatal, so one bad input does not lose
    the rest. Returns the manifest path and the failures (one line each).
    """
    rows, failures = [], []
    with ProcessPoolExecutor(max_workers=jobs, initializer=initializer, initargs=initargs) as pool:
        results = pool.map(run_job, todo, chunksize=chunksize)
        for result in tqdm(results, total=len(todo), desc=desc, unit="utt", disable=not progress):
            (failures.append(result) if isinstance(result, str) else rows.append(result))
    manifest = out_dir / "manifest.jsonl"
    write_manifest(manifest, rows)
    return manifest, failures
