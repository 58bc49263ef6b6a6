"""Manifests, the speech dataset, a duration-bucketing batch sampler, and padding collate."""

from __future__ import annotations

import json
import logging
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from .audio import AudioError, PathLike, audio_info, load_audio
from .features import FeatureConfig, LogMel
from .text import Tokenizer, normalize

if TYPE_CHECKING:  # only for annotations: both modules import this one
    from .augment import Augmenter
    from .feature_cache import FeatureShards

log = logging.getLogger(__name__)


class ManifestError(Exception):
    """A manifest that cannot be read, or a line in it that is broken."""


@dataclass(frozen=True)
class Utterance:
    audio_filepath: Path  # absolute, resolved against the manifest's folder
    duration: float
    text: str
    id: str
    speaker: str | None = None
    offset: float = 0.0


def read_manifest(path: PathLike, skip_broken: bool = False) -> list[Utterance]:
    """Read a JSON Lines manifest with NeMo keys.

    ``audio_filepath`` (relative paths resolve against the manifest's folder) and ``text`` are
    required; ``duration`` (seconds), ``speaker``, ``id`` and ``offset`` are optional. A line without
    ``duration`` gets it from the audio file's header (up to its end, from ``offset``).

    Args:
        skip_broken: report broken lines as warnings and skip them instead of raising.

    Raises:
        ManifestError: the file is missing, or a line is broken (message gives its line number).
    """
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: no such manifest")
    utterances = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                utterances.append(_parse_line(line, path.parent.absolute(), f"{path.stem}-{number:06d}"))
            except ManifestError as e:
                message = f"{path}:{number}: {e}"
                if not skip_broken:
                    raise ManifestError(message + " (pass skip_broken / --skip-broken to skip such lines)") from None
                log.warning("skipping broken line %s", message)
    return utterances


def _parse_line(line: str, root: Path, default_id: str) -> Utterance:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as e:
        raise ManifestError(f"not valid JSON ({e.msg})") from None
    if not isinstance(item, dict):
        raise ManifestError("expected a JSON object")
    missing = [k for k in ("audio_filepath", "text") if k not in item]
    if missing:
        raise ManifestError(f"missing key(s) {', '.join(missing)}")
    if not isinstance(item["text"], str) or not isinstance(item["audio_filepath"], str):
        raise ManifestError("audio_filepath and text must be strings")
    audio = Path(item["audio_filepath"])
    audio = audio if audio.is_absolute() else root / audio
    try:
        offset = float(item.get("offset", 0.0))
        duration = float(item["duration"]) if "duration" in item else _measured_duration(audio, offset)
    except (TypeError, ValueError):
        raise ManifestError("duration and offset must be numbers") from None
    if not math.isfinite(duration) or duration <= 0:
        raise ManifestError(f"duration must be a positive number, got {item.get('duration', duration)!r}")
    speaker = item.get("speaker")
    return Utterance(
        audio_filepath=audio,
        duration=duration,
        text=item["text"],
        id=str(item.get("id") or Path(item["audio_filepath"]).stem or default_id),
        speaker=None if speaker is None else str(speaker),
        offset=offset,
    )


def _measured_duration(audio: Path, offset: float) -> float:
    """Seconds of ``audio`` from ``offset`` to its end, read from the header (nothing is decoded)."""
    try:
        rate, frames, _ = audio_info(audio)
    except AudioError as e:
        raise ManifestError(f"no duration, and none could be measured: {e}") from None
    return frames / rate - offset


def load_utterance(utt: Utterance) -> np.ndarray:
    """The utterance's audio as 16 kHz mono float32: its whole file, or its slice when it has an offset."""
    return load_audio(utt.audio_filepath, offset=utt.offset, duration=utt.duration if utt.offset else None)


def write_manifest(path: PathLike, rows: Sequence[dict], relative_to_manifest: bool = True) -> None:
    """Write rows (dicts with NeMo keys) as JSON Lines; audio paths are made relative when possible."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            row = dict(row)
            audio = Path(row["audio_filepath"])
            if relative_to_manifest and audio.is_absolute():
                try:
                    row["audio_filepath"] = str(audio.relative_to(path.parent.resolve()))
                except ValueError:
                    row["audio_filepath"] = str(audio)
            else:
                row["audio_filepath"] = str(audio)
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


@dataclass
class Example:
    index: int  # position in the dataset
    id: str
    features: torch.Tensor  # (frames, n_mels)
    tokens: torch.Tensor  # (length,)
    text: str  # normalised


class SpeechDataset(Dataset):
    """Utterances as log-mel features and token ids.

    Utterances whose normalised text is empty or whose audio fails to load are reported and
    dropped: the former at construction, the latter yield ``None`` and are removed by ``collate``.

    Args:
        cache_features: keep what is expensive to remake in memory after its first use: the
            log-mels (fp16) or, with an ``augmenter``, the waveforms (int16), since
            augmented features differ every epoch.
        augmenter: waveform augmentation (:class:`asr.augment.Augmenter`) drawn afresh for each
            utterance and epoch from ``(seed, epoch, index)``, so a resumed run sees the same draws.
        feature_shards: precomputed log-mels (:class:`asr.feature_cache.FeatureShards`), used for
            the utterances they hold when there is no ``augmenter``.
    """

    def __init__(
        self,
        utterances: Sequence[Utterance],
        tokenizer: Tokenizer,
        feature_config: FeatureConfig = FeatureConfig(),
        cache_features: bool = False,
        augmenter: Augmenter | None = None,
        seed: int = 0,
        feature_shards: FeatureShards | None = None,
    ):
        self.tokenizer = tokenizer
        self.extractor = LogMel(feature_config)
        self.cache: dict[int, torch.Tensor] | None = {} if cache_features else None
        self.augmenter = augmenter
        self.seed = seed
        self.epoch = 0
        if feature_shards is not None:
            feature_shards.check(feature_config)
        self.shards = feature_shards
        self.utterances: list[Utterance] = []
        self.targets: list[str] = []
        for utt in utterances:
            text = normalize(utt.text)
            if not text:
                log.warning("%s: transcript is empty after normalisation; skipped", utt.id)
                continue
            self.utterances.append(utt)
            self.targets.append(text)

    def __len__(self) -> int:
        return len(self.utterances)

    @property
    def durations(self) -> list[float]:
        return [u.duration for u in self.utterances]

    def set_epoch(self, epoch: int) -> None:
        """Waveform augmentation draws depend on the epoch (call before creating a DataLoader)."""
        self.epoch = epoch

    def waveform(self, index: int) -> np.ndarray:
        if self.cache is None:
            return load_utterance(self.utterances[index])
        if index not in self.cache:
            wav = load_utterance(self.utterances[index])
            self.cache[index] = torch.from_numpy(np.round(np.clip(wav, -1.0, 32767 / 32768) * 32768).astype(np.int16))
        return self.cache[index].numpy().astype(np.float32) / 32768.0  # the first use reads the cached values too

    def features(self, index: int) -> torch.Tensor:
        """Log-mels ``(frames, n_mels)`` of utterance ``index``, augmented if the dataset augments."""
        if self.augmenter is not None:
            rng = np.random.default_rng([self.seed, self.epoch, index])
            wav, _ = self.augmenter(self.waveform(index), rng)
            with torch.no_grad():
                return self.extractor(torch.from_numpy(wav))
        if self.cache is not None and index in self.cache:
            return self.cache[index].float()
        utt = self.utterances[index]
        feats = self.shards.get(utt) if self.shards is not None else None
        if feats is None:
            with torch.no_grad():
                feats = self.extractor(torch.from_numpy(load_utterance(utt)))
        if self.cache is not None:
            # fp16 halves the memory and loses nothing that matters in log-mels; the first use gets the
            # same rounded values as every later one, so a resumed run sees what a straight run sees.
            self.cache[index] = feats.half()
            return self.cache[index].float()
        return feats

    def __getitem__(self, index: int) -> Example | None:
        utt = self.utterances[index]
        try:
            feats = self.features(index)
        except AudioError as e:
            log.warning("skipping utterance %s: %s", utt.id, e)
            return None
        tokens = torch.tensor(self.tokenizer.encode(self.targets[index]), dtype=torch.long)
        return Example(index, utt.id, feats, tokens, self.targets[index])


@dataclass
class Batch:
    indices: list[int]
    ids: list[str]
    features: torch.Tensor  # (batch, frames, n_mels), zero-padded
    feature_lengths: torch.Tensor  # (batch,)
    tokens: torch.Tensor  # (batch, max_tokens), zero-padded
    token_lengths: torch.Tensor  # (batch,)
    texts: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    def to(self, device: torch.device) -> "Batch":
        return Batch(
            self.indices,
            self.ids,
            self.features.to(device, non_blocking=True),
            self.feature_lengths.to(device),
            self.tokens.to(device, non_blocking=True),
            self.token_lengths.to(device),
            self.texts,
        )


def collate(examples: Sequence[Example | None]) -> Batch | None:
    """Pad a list of examples into a batch; failed examples (``None``) are dropped."""
    examples = [e for e in examples if e is not None]
    if not examples:
        return None
    feats = torch.nn.utils.rnn.pad_sequence([e.features for e in examples], batch_first=True)
    tokens = torch.nn.utils.rnn.pad_sequence([e.tokens for e in examples], batch_first=True)
    return Batch(
        indices=[e.index for e in examples],
        ids=[e.id for e in examples],
        features=feats,
        feature_lengths=torch.tensor([e.features.shape[0] for e in examples], dtype=torch.long),
        tokens=tokens,
        token_lengths=torch.tensor([len(e.tokens) for e in examples], dtype=torch.long),
        texts=[e.text for e in examples],
    )


class DurationBatchSampler(Sampler[list[int]]):
    """Batches of similar-length utterances holding at most ``max_seconds`` of audio each.

    Utterances are sorted by duration into ``num_buckets`` buckets; each epoch shuffles within
    buckets, packs batches by total padded duration, then shuffles the batch order. With
    ``num_replicas > 1`` each rank takes every ``num_replicas``-th batch (for DDP), so all ranks
    get the same number of batches.
    """

    def __init__(
        self,
        durations: Sequence[float],
        max_seconds: float,
        num_buckets: int = 10,
        shuffle: bool = True,
        seed: int = 0,
        max_batch_size: int | None = None,
        num_replicas: int = 1,
        rank: int = 0,
        drop_last: bool = False,
    ):
        if max_seconds <= 0:
            raise ValueError("max_seconds must be positive")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} is outside 0..{num_replicas - 1}")
        self.durations = list(durations)
        self.max_seconds = max_seconds
        self.num_buckets = max(1, num_buckets)
        self.shuffle = shuffle
        self.seed = seed
        self.max_batch_size = max_batch_size
        self.num_replicas = num_replicas
        self.rank = rank
        self.drop_last = drop_last
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def batch_counts(self, epochs: int) -> list[int]:
        """Batches in each of epochs ``0 .. epochs - 1``: packing shuffled buckets makes them differ."""
        return [len(self._batches(epoch)) for epoch in range(epochs)]

    def _batches(self, epoch: int) -> list[list[int]]:
        rng = random.Random(self.seed + epoch)
        order = sorted(range(len(self.durations)), key=lambda i: self.durations[i])
        size = math.ceil(len(order) / self.num_buckets) if order else 1
        buckets = [order[i : i + size] for i in range(0, len(order), size)]
        batches: list[list[int]] = []
        for bucket in buckets:
            if self.shuffle:
                rng.shuffle(bucket)
            batch: list[int] = []
            longest = 0.0
            for i in bucket:
                longest_if_added = max(longest, self.durations[i])
                full = longest_if_added * (len(batch) + 1) > self.max_seconds or (
                    self.max_batch_size is not None and len(batch) >= self.max_batch_size
                )
                if batch and full:
                    batches.append(batch)
                    batch, longest_if_added = [], self.durations[i]
                batch.append(i)
                longest = longest_if_added
            if batch:
                batches.append(batch)
        if self.shuffle:
            rng.shuffle(batches)
        if self.num_replicas > 1:
            usable = (len(batches) // self.num_replicas) * self.num_replicas
            if not self.drop_last and usable < len(batches):
                # pad with repeated batches so every rank steps the same number of times
                extra = self.num_replicas - (len(batches) - usable)
                batches = batches + batches[:extra]
                usable = len(batches)
            batches = batches[self.rank : usable : self.num_replicas]
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self._batches(self.epoch))

    def __len__(self) -> int:
        return len(self._batches(self.epoch))
