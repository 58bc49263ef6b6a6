"""Log-mels precomputed once into memory-mapped shards, for training that reads them every epoch.

A cache directory holds ``shard-NNNNN.npy`` files, each the fp16 log-mels of many utterances
concatenated along time ``(frames, n_mels)``, and ``index.json`` with the feature settings and,
per utterance, its shard, first frame and frame count. Shards are opened with ``mmap_mode="r"``,
so reading one utterance touches only its own pages (like Kaldi's ark/scp or lhotse's chunked
feature files), and DataLoader workers share the operating system's page cache.
"""

from __future__ import annotations

import dataclasses
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from tqdm import tqdm

from .audio import AudioError, PathLike
from .data import Utterance, load_utterance
from .features import FeatureConfig, LogMel

INDEX = "index.json"
FORMAT_VERSION = 1


class FeatureCacheError(Exception):
    """A feature cache that is missing, damaged, or made with other feature settings."""


def utterance_key(utt: Utterance) -> str:
    """What identifies an utterance's audio: its file, and the slice of it when it has an offset."""
    path = str(Path(utt.audio_filepath).resolve())
    return path if not utt.offset else f"{path}@{utt.offset:.3f}+{utt.duration:.3f}"


class FeatureShards:
    """Read access to a feature cache written by :meth:`FeatureShards.write`."""

    def __init__(self, directory: PathLike):
        self.directory = Path(directory)
        try:
            index = json.loads((self.directory / INDEX).read_text())
            if index.get("version") != FORMAT_VERSION:
                raise FeatureCacheError(f"{self.directory}: feature cache version {index.get('version')!r}, "
                                        f"this toolkit reads version {FORMAT_VERSION}; write it again")
            self.config = FeatureConfig(**index["features"])
            self.shards: list[str] = list(index["shards"])
            self.entries: dict[str, tuple[int, int, int]] = {k: tuple(v) for k, v in index["entries"].items()}
        except FileNotFoundError:
            raise FeatureCacheError(f"{self.directory}: no feature cache here (no {INDEX})") from None
        except (ValueError, KeyError, TypeError) as e:
            raise FeatureCacheError(f"{self.directory}/{INDEX}: damaged ({e})") from None
        self._maps: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def __getstate__(self) -> dict:
        # DataLoader workers reopen the memory maps instead of receiving copies of them.
        return {**self.__dict__, "_maps": {}}

    def check(self, config: FeatureConfig) -> None:
        """Raise FeatureCacheError unless the cache was made with ``config``."""
        if config != self.config:
            raise FeatureCacheError(f"{self.directory}: features were computed with {self.config}, "
                                    f"the experiment uses {config}; write the cache again")

    def get(self, utt: Utterance) -> torch.Tensor | None:
        """The utterance's log-mels ``(frames, n_mels)`` as float32, or None when it is not cached."""
        entry = self.entries.get(utterance_key(utt))
        if entry is None:
            return None
        shard, start, frames = entry
        if shard not in self._maps:
            self._maps[shard] = np.load(self.directory / self.shards[shard], mmap_mode="r")
        return torch.from_numpy(np.asarray(self._maps[shard][start : start + frames], dtype=np.float32))

    @classmethod
    def write(
        cls,
        utterances: Sequence[Utterance],
        directory: PathLike,
        config: FeatureConfig = FeatureConfig(),
        shard_frames: int = 500_000,
        jobs: int | None = None,
        progress: bool = True,
    ) -> tuple[FeatureShards, list[str]]:
        """Compute the log-mels of ``utterances`` into ``directory``; returns the cache and the failures.

        ``shard_frames`` bounds a shard's size (500,000 frames of 80 fp16 mels: 80 MB, 83 minutes
        of audio at a 10 ms hop). Utterances listed twice are computed once; audio that fails to
        load is reported (one line each) and left out, so training computes it (and reports it) itself.
        A cache already in ``directory`` is extended: only utterances it lacks are computed, in new
        shards (so a corpus that grows, or a run that was killed, costs only what is new); one made
        with other feature settings is refused.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        shards: list[str] = []
        entries: dict[str, tuple[int, int, int]] = {}
        try:
            existing = cls(directory)
        except FeatureCacheError:
            existing = None  # none yet, or damaged, or of another version: written from scratch
        if existing is not None:
            existing.check(config)
            shards, entries = list(existing.shards), dict(existing.entries)
        unique = [(k, u) for k, u in {utterance_key(u): u for u in utterances}.items() if k not in entries]
        failures: list[str] = []
        buffer: list[np.ndarray] = []
        buffered = 0

        def flush() -> None:
            nonlocal buffer, buffered
            if not buffer:
                return
            name = f"shard-{len(shards):05d}.npy"
            tmp = directory / (name + ".tmp")
            with open(tmp, "wb") as f:
                np.save(f, np.concatenate(buffer))
            tmp.replace(directory / name)
            shards.append(name)
            buffer, buffered = [], 0

        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(config,)) as pool:
            results = pool.map(_features, [u for _, u in unique], chunksize=8)
            for (key, utt), result in tqdm(zip(unique, results), total=len(unique), desc="features",
                                           unit="utt", disable=not progress):
                if isinstance(result, str):
                    failures.append(f"{utt.audio_filepath}: {result}")
                    continue
                entries[key] = (len(shards), buffered, len(result))
                buffer.append(result)
                buffered += len(result)
                if buffered >= shard_frames:
                    flush()
            flush()
        index = {"version": FORMAT_VERSION, "features": dataclasses.asdict(config), "shards": shards,
                 "entries": entries}
        tmp = directory / (INDEX + ".tmp")
        tmp.write_text(json.dumps(index))
        tmp.replace(directory / INDEX)  # the index last: a killed run leaves no cache that looks complete
        return cls(directory), failures


_EXTRACTOR: LogMel | None = None


def _init_worker(config: FeatureConfig) -> None:
    global _EXTRACTOR
    torch.set_num_threads(1)  # one process per core does the parallelism
    _EXTRACTOR = LogMel(config)


def _features(utt: Utterance) -> np.ndarray | str:
    try:
        wav = load_utterance(utt)
    except AudioError as e:
        return str(e)
    assert _EXTRACTOR is not None
    with torch.no_grad():
        return _EXTRACTOR(torch.from_numpy(wav)).numpy().astype(np.float16)


def cache_size_bytes(directory: PathLike) -> int:
    """Bytes on disk of a feature cache's shards."""
    return sum(os.path.getsize(p) for p in Path(directory).glob("shard-*.npy"))
