"""Augmented copies of recorded speech: more variety from the little real speech there is.

The real speech in the data kit is a few hours against tens of synthetic ones; repeating it
clean (``asr corpus mix`` weights) shows the model the same waveforms again and again. Each copy
made here gets its own chain of speed, noise, reverberation, telephone and gain effects
(:class:`asr.augment.Augmenter`), seeded per utterance and copy, as Kaldi's 3-way speed
perturbation and NeMo's offline augmentation do for small corpora.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE, AudioError, PathLike
from ..augment import AugmentConfig, Augmenter, load_or_make_rirs
from ..data import Utterance, load_utterance, read_manifest
from .store import check_plan, make_corpus, reusable, write_flac


@dataclass(frozen=True)
class _Job:
    utterance: Utterance
    path: Path
    seed: int


_AUGMENTER: Augmenter | None = None  # per process, set by the pool's initializer


def _init_worker(augment: AugmentConfig, rir_bank: Path | None) -> None:
    global _AUGMENTER
    _AUGMENTER = Augmenter(augment, load_or_make_rirs(rir_bank) if rir_bank is not None else [])


def _run_job(job: _Job) -> dict | str:
    """Augment one copy; returns its manifest row, or an error message naming the source file."""
    effects: list[str] = []
    duration = reusable(job.path)
    if duration is None:
        try:
            audio = load_utterance(job.utterance)
        except AudioError as e:
            return str(e)  # names the file
        if audio.size == 0 or not np.abs(audio).max() > 0:
            return f"{job.utterance.audio_filepath}: silent or empty audio, skipped"
        assert _AUGMENTER is not None
        audio, effects = _AUGMENTER(audio, np.random.default_rng(job.seed))
        write_flac(job.path, audio)
        duration = len(audio) / SAMPLE_RATE
    u = job.utterance
    row = {"audio_filepath": str(job.path), "duration": round(duration, 3), "text": u.text, "id": job.path.stem}
    if u.speaker is not None:
        row["speaker"] = u.speaker
    if effects:
        row["augment"] = effects
    return row


def perturb_corpus(
    manifest: PathLike,
    out_dir: PathLike,
    copies: int = 1,
    seed: int = 0,
    augment: AugmentConfig = AugmentConfig(speed_prob=1.0),
    rir_bank: PathLike | None = None,
    jobs: int | None = None,
    skip_broken: bool = False,
    progress: bool = True,
) -> tuple[Path, list[str]]:
    """Write ``copies`` augmented copies of each utterance of ``manifest`` to ``out_dir``.

    Writes ``out_dir/audio/*.flac`` (16 kHz) and ``out_dir/manifest.jsonl`` (same text and speaker,
    ``augment`` listing the effects); existing audio files are reused, so an interrupted run resumes,
    and resuming with other settings is refused. The default augmentation always perturbs speed
    (0.9-1.1), so that no copy is the original waveform again. Files that cannot be read are reported
    in the returned failures (one line each) and skipped; the rest are made.

    Raises:
        ManifestError: the manifest is missing or (without ``skip_broken``) has a broken line.
        ValueError: ``copies`` < 1, or ``out_dir`` was made with other settings.
    """
    if copies < 1:
        raise ValueError(f"copies must be >= 1, got {copies}")
    utterances = read_manifest(manifest, skip_broken=skip_broken)
    out_dir = Path(out_dir).resolve()
    (out_dir / "audio").mkdir(parents=True, exist_ok=True)
    # Names by position, not by id: ids repeat across a kit's folders (wakeword/alexa/0, .../hey/0).
    todo = [_Job(u, out_dir / "audio" / f"{i:06d}-{Path(u.audio_filepath).stem}-p{k}.flac",
                 seed * 1_000_003 + i * copies + k)
            for i, u in enumerate(utterances) for k in range(copies)]
    check_plan(out_dir, [asdict(augment), seed, copies]
               + [[str(u.audio_filepath), u.offset, u.duration, u.text] for u in utterances])
    if rir_bank is not None and augment.reverb_prob > 0:
        load_or_make_rirs(rir_bank)  # simulate once here, not in every worker
    init = (augment, Path(rir_bank) if rir_bank is not None and augment.reverb_prob > 0 else None)
    return make_corpus(out_dir, todo, _run_job, initializer=_init_worker, initargs=init, jobs=jobs, chunksize=8,
                       desc="perturbing", progress=progress)

