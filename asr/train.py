"""CTC training: AdamW with warm-up and decay, clipping, dev evaluation, resumable checkpoints, logs.

Files written under the output folder:
    config.yaml     the resolved experiment config
    last.pt         training state (weights, optimizer, schedule, sampler position, RNG); for --resume
    model.pt        the best model so far by dev WER, as a model file for `asr transcribe`
    log.csv         one row per epoch (losses, dev WER/CER, learning rate, speed)
    steps.csv       one row every `log_every` steps
    training.png    loss and dev error curves, redrawn after each epoch
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import math
import random
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from .audio import PathLike
from .augment import Augmenter, load_noises, load_or_make_rirs
from .config import ExperimentConfig, from_dict, save_config, to_dict
from .data import DurationBatchSampler, SpeechDataset, collate, read_manifest
from .decode import GreedyDecoder
from .device import autocast, cpu_autocast_wanted, cpu_bf16_native, needs_grad_scaler, select_device
from .distributed import World, all_agree, all_sum, any_true, barrier, broadcast_from_main, init_world, \
    parameters_in_sync, shutdown
from .evaluate import score
from .feature_cache import FeatureCacheError, FeatureShards
from .features import CMVNAccumulator, FeatureAugment, FeatureConfig
from .inference import ctc_loss, decode_dataset
from .model import CTCModel, ModelConfig, describe
from .package import ModelFileError, PackagedModel, atomic_save, load_model_file, safe_load, save_model
from .text import Tokenizer, build_tokenizer, tokenizer_from_state

log = logging.getLogger(__name__)

CHECKPOINT_VERSION = 1
EPOCH_LOG_FIELDS = [
    "epoch", "step", "train_loss", "dev_loss", "dev_wer", "dev_cer", "lr",
    "epoch_seconds", "audio_seconds_per_second", "skipped_steps",
]


class TrainingError(Exception):
    """Training cannot start or continue (bad data, bad checkpoint, nothing to train on)."""


class TrainingStopped(Exception):
    """SIGTERM/SIGINT arrived: the checkpoint was saved at the current step and training ended.

    ``signum`` is the signal that stopped it (SIGTERM on a DDP process that only heard of it from another),
    so that a CLI can exit with the shell's status for it, ``128 + signum``, and a recipe halts there."""

    def __init__(self, message: str, signum: int = signal.SIGTERM) -> None:
        super().__init__(message)
        self.signum = int(signum)


@dataclass(frozen=True)
class TrainResult:
    out_dir: Path
    epochs_run: int
    steps: int
    best_dev_wer: float
    best_dev_cer: float
    best_epoch: int
    skipped_steps: int
    seconds: float


SCHEDULES = ("cosine", "onecycle", "plateau", "constant")


def lr_lambda(step: int, warmup: int, total: int, schedule: str, min_ratio: float) -> float:
    """Linear warm-up to 1, then: cosine decay to ``min_ratio``, linear decay to it ("onecycle"),
    or 1 ("constant", and "plateau", whose reductions are applied per epoch by the trainer)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; expected one of {', '.join(SCHEDULES)}")
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    if schedule in ("constant", "plateau") or total <= warmup:
        return 1.0
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    if schedule == "onecycle":
        return 1.0 - (1.0 - min_ratio) * progress
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


# The bf16 probe times utterances of this length, as many as a real batch holds.
BF16_PROBE_SECONDS = 5.0


def bf16_probe_shape(config: ExperimentConfig) -> tuple[int, int]:
    """(batch, frames) of the training step that decides ``train.amp_cpu``: a batch as full as a real one
    (``train.max_batch_seconds``, capped by ``train.max_batch_size``) of ``BF16_PROBE_SECONDS`` utterances.
    On one machine a batch of 8 read 1.08x-1.42x, once below the bar, and a batch of 48 1.51x-1.54x, where real
    batches trained 1.34x faster under bf16 (RESULTS.md, "The bf16 probe's batch")."""
    tc = config.train
    batch = max(1, int(tc.max_batch_seconds // BF16_PROBE_SECONDS))
    if tc.max_batch_size:
        batch = min(batch, tc.max_batch_size)
    return batch, round(BF16_PROBE_SECONDS / config.features.frame_seconds)


def compute_cmvn(dataset: SpeechDataset, progress: bool = True, world: World = World()) -> tuple[torch.Tensor, torch.Tensor]:
    """Global mean and standard deviation of the log-mels of a dataset (fills its cache if enabled).

    Under DDP each process reads its share of the utterances and the sums are added up.
    """
    acc = CMVNAccumulator(dataset.extractor.config.n_mels)
    indices = range(world.rank, len(dataset), world.size)
    for i in tqdm(indices, desc="CMVN statistics", unit="utt", disable=not progress):
        example = dataset[i]
        if example is not None:
            acc.update(example.features)
    all_sum(world, acc.sum)
    all_sum(world, acc.sum_sq)
    acc.frames = int(all_sum(world, torch.tensor([float(acc.frames)], dtype=torch.float64)).item())
    return acc.stats()


class Trainer:
    def __init__(
        self,
        config: ExperimentConfig,
        train_manifest: PathLike,
        dev_manifest: PathLike,
        out_dir: PathLike,
        resume: bool = False,
        skip_broken: bool = False,
        progress: bool = True,
        init: PathLike | None = None,
    ):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.progress = progress
        self.checkpoint_path = self.out_dir / "last.pt"
        state = self._load_checkpoint() if resume else None
        if state is not None:
            config = _resumable_config(config, from_dict(ExperimentConfig, state["config"]), self.checkpoint_path)
            log.info("resuming from %s (epoch %d, step %d)", self.checkpoint_path, state["epoch"], state["step"])
        # A run resumed from last.pt ignores ``init``: it was used when that run began.
        initial = _initial_model(init, config) if init is not None and state is None else None
        self.config = config
        tc = config.train
        torch.manual_seed(tc.seed)
        random.seed(tc.seed)
        self.device = select_device(tc.device)
        self.world = init_world(self.device.type)
        if self.world.distributed and self.device.type == "cuda":
            self.device = torch.device("cuda", self.world.local_rank)
        self.progress = progress and self.world.is_main
        # Different augmentation draws per process; DDP copies rank 0's initial weights to all.
        torch.manual_seed(tc.seed + self.world.rank)

        train_utts = read_manifest(train_manifest, skip_broken=skip_broken)
        dev_utts = read_manifest(dev_manifest, skip_broken=skip_broken)
        if not train_utts:
            raise TrainingError(f"{train_manifest}: no utterances to train on")
        self.tokenizer: Tokenizer
        if state is not None:
            self.tokenizer = tokenizer_from_state(state["tokenizer"])
        elif initial is not None:
            self.tokenizer = initial.tokenizer
        else:
            from .text import normalize

            self.tokenizer = build_tokenizer(
                config.tokenizer.kind, (normalize(u.text) for u in train_utts), config.tokenizer.vocab_size
            )
        try:
            shards = FeatureShards(tc.feature_shards) if tc.feature_shards else None
            self.train_set = SpeechDataset(train_utts, self.tokenizer, config.features,
                                           cache_features=tc.cache_features, augmenter=self._wave_augmenter(tc),
                                           seed=tc.seed + self.world.rank, feature_shards=shards)
            self.dev_set = SpeechDataset(dev_utts, self.tokenizer, config.features, cache_features=tc.cache_features,
                                         feature_shards=shards)
        except FeatureCacheError as e:
            raise TrainingError(f"train.feature_shards: {e}") from None
        if len(self.train_set) == 0:
            raise TrainingError(f"{train_manifest}: no utterance has a non-empty transcript")

        model_config = dataclasses.replace(config.model, vocab_size=self.tokenizer.vocab_size)
        self.config = config = dataclasses.replace(config, model=model_config)
        self.model = CTCModel(model_config)
        if state is not None:
            self.model.load_state_dict(state["model"])
        elif initial is not None:
            self.model.load_state_dict(initial.model.state_dict())  # its CMVN statistics too
        else:
            mean, std = compute_cmvn(self.train_set, self.progress, self.world)
            self.model.cmvn.set_stats(mean, std)
        self.model.to(self.device)
        # DDP averages gradients across processes; checkpoints always hold the bare model.
        self.ddp_model: torch.nn.Module = self.model
        if self.world.distributed:
            self.ddp_model = torch.nn.parallel.DistributedDataParallel(
                self.model, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        log.info("model: %s", describe(self.model))

        self.sampler = DurationBatchSampler(
            self.train_set.durations, tc.max_batch_seconds, tc.num_buckets, shuffle=True, seed=tc.seed,
            max_batch_size=tc.max_batch_size, num_replicas=self.world.size, rank=self.world.rank,
        )
        total = sum(self.sampler.batch_counts(tc.epochs))  # the schedule's exact length
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
        self.lr_factor = 1.0  # reductions by the "plateau" schedule
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer,
            lambda s: self.lr_factor * lr_lambda(s, tc.warmup_steps, total, tc.schedule, tc.min_lr_ratio),
        )
        self.scaler = torch.amp.GradScaler("cuda", enabled=needs_grad_scaler(self.device, tc.amp))
        self.cpu_bf16 = self._probe_cpu_bf16()
        self.augment = FeatureAugment(tc.spec_augment, tuple(tc.vtlp_range) if tc.vtlp_range else None) \
            if (tc.spec_augment is not None or tc.vtlp_range) else None
        self.decoder = GreedyDecoder(self.tokenizer, config.features.frame_seconds * model_config.reduction)

        self.epoch, self.step, self.batch_in_epoch = 0, 0, 0
        self.epoch_batches = 0  # batches in the current epoch, set when it starts
        self._stop_requested = False
        self._stop_signal = signal.SIGTERM  # a DDP process that only heard of the stop from another says SIGTERM
        self.epochs_since_best = 0
        self.early_stopped = False
        self.tb = self._tensorboard() if tc.tensorboard else None
        self.best = {"wer": math.inf, "cer": math.inf, "epoch": -1}
        self.skipped = 0
        if state is not None:
            self._restore(state)
        else:
            if self.world.is_main:
                save_config(config, self.out_dir / "config.yaml")

    # -- checkpoints ---------------------------------------------------------------------------

    def _load_checkpoint(self) -> dict | None:
        if not self.checkpoint_path.is_file():
            log.warning("--resume: no checkpoint at %s; starting from scratch", self.checkpoint_path)
            return None
        state = safe_load(self.checkpoint_path)
        if state.get("checkpoint_version") != CHECKPOINT_VERSION:
            raise TrainingError(
                f"{self.checkpoint_path}: checkpoint version {state.get('checkpoint_version')} "
                f"is not supported (expected {CHECKPOINT_VERSION})"
            )
        return state

    def _restore(self, state: dict) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.epoch, self.step, self.batch_in_epoch = state["epoch"], state["step"], state["batch_in_epoch"]
        self.best = dict(state["best"])
        self.skipped = state["skipped"]
        self.lr_factor = state.get("lr_factor", 1.0)
        self.epochs_since_best = state.get("epochs_since_best", 0)
        torch.set_rng_state(state["rng"]["torch"])
        random.setstate(_to_tuple(state["rng"]["python"]))
        if torch.cuda.is_available() and state["rng"].get("cuda") is not None:
            torch.cuda.set_rng_state_all(state["rng"]["cuda"])

    def save_checkpoint(self) -> None:
        if not self.world.is_main:
            return
        atomic_save(
            {
                "checkpoint_version": CHECKPOINT_VERSION,
                "config": to_dict(self.config),
                "tokenizer": self.tokenizer.state_dict(),
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(),
                "scaler": self.scaler.state_dict() if self.scaler.is_enabled() else None,
                "epoch": self.epoch,
                "step": self.step,
                "batch_in_epoch": self.batch_in_epoch,
                "best": self.best,
                "skipped": self.skipped,
                "lr_factor": self.lr_factor,
                "epochs_since_best": self.epochs_since_best,
                "rng": {
                    "torch": torch.get_rng_state(),
                    "python": random.getstate(),
                    "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
                },
            },
            self.checkpoint_path,
        )

    def save_model(self, path: Path, metadata: dict[str, Any]) -> None:
        if not self.world.is_main:
            return
        save_model(PackagedModel(self.model, self.tokenizer, self.config.features, metadata), path)

    def _probe_cpu_bf16(self) -> bool:
        """``train.amp_cpu`` as it applies here, decided by a timed step (``device.cpu_autocast_wanted``)."""
        if self.device.type != "cpu":
            return False
        batch, frames = bf16_probe_shape(self.config)
        return cpu_autocast_wanted(self.config.train.amp_cpu, self.model, self.config.model.n_mels,
                                   batch=batch, frames=frames)

    # -- training ------------------------------------------------------------------------------

    def train_epoch(self) -> tuple[float, float, float]:
        """One epoch (or what is left of it after a resume); returns (mean loss, seconds, audio seconds)."""
        tc = self.config.train
        if tc.amp_cpu and not self.cpu_bf16 and self.device.type == "cpu" and cpu_bf16_native():
            # A probe is a few seconds of one machine's load: beside another job it once read 0.93x where the
            # quiet machine read 1.55x (RESULTS.md). A declined bf16 is asked again at each epoch.
            self.cpu_bf16 = self._probe_cpu_bf16()
        self.model.train()
        self.sampler.set_epoch(self.epoch)
        self.train_set.set_epoch(self.epoch)
        batches = list(self.sampler)
        if tc.sortagrad and self.epoch == 0:
            batches.sort(key=lambda b: max(self.train_set.durations[i] for i in b))
        self.epoch_batches = len(batches)
        batches = batches[self.batch_in_epoch :]
        workers = 0 if tc.cache_features else tc.num_workers
        loader = DataLoader(self.train_set, batch_sampler=batches, collate_fn=collate, num_workers=workers,
                            pin_memory=self.device.type == "cuda")
        start, audio_seconds, loss_sum, loss_count = time.time(), 0.0, 0.0, 0
        bar = tqdm(loader, desc=f"epoch {self.epoch + 1}/{tc.epochs}", unit="batch", disable=not self.progress,
                   initial=self.batch_in_epoch, total=self.epoch_batches)
        for batch in bar:
            if any_true(self.world, self._stop_requested):
                self.save_checkpoint()
                bar.close()
                raise TrainingStopped(f"stopped at epoch {self.epoch + 1}, step {self.step}; "
                                      f"checkpoint saved to {self.checkpoint_path} (continue with --resume)",
                                      self._stop_signal)
            self.batch_in_epoch += 1
            if batch is None:
                continue
            batch = batch.to(self.device)
            with autocast(self.device, tc.amp, self.cpu_bf16):
                log_probs, out_lengths = self.ddp_model(batch.features, batch.feature_lengths, self.augment)
            loss = ctc_loss(log_probs.float(), out_lengths, batch)
            if not all_agree(self.world, bool(torch.isfinite(loss))):  # every process skips, or none
                self.skipped += 1
                self.optimizer.zero_grad(set_to_none=True)
                log.warning("step %d: non-finite loss (%s); batch skipped", self.step, batch.ids[:3])
                continue
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
            grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), tc.grad_clip)
            if not torch.isfinite(grad_norm):
                self.skipped += 1
                self.optimizer.zero_grad(set_to_none=True)
                self.scaler.update()
                continue
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.scheduler.step()
            self.step += 1
            loss_value = loss.item()
            loss_sum += loss_value * len(batch)
            loss_count += len(batch)
            audio_seconds += float(batch.feature_lengths.sum()) * self.config.features.frame_seconds
            elapsed = time.time() - start
            bar.set_postfix(loss=f"{loss_value:.3f}", lr=f"{self.scheduler.get_last_lr()[0]:.2e}",
                            utt_s=f"{loss_count / max(elapsed, 1e-9):.1f}",
                            x_realtime=f"{audio_seconds / max(elapsed, 1e-9):.0f}")
            if tc.checkpoint_every and self.step % tc.checkpoint_every == 0:
                self.save_checkpoint()
            if self.step % tc.log_every == 0 and self.tb is not None:
                self.tb.add_scalar("loss/step", loss_value, self.step)
                self.tb.add_scalar("lr", self.scheduler.get_last_lr()[0], self.step)
            if self.step % tc.log_every == 0:
                self._append_csv("steps.csv", ["step", "epoch", "loss", "grad_norm", "lr"],
                                 [self.step, self.epoch + 1, f"{loss_value:.4f}", f"{float(grad_norm):.3f}",
                                  f"{self.scheduler.get_last_lr()[0]:.3e}"])
        bar.close()
        return (loss_sum / loss_count if loss_count else float("nan")), time.time() - start, audio_seconds

    def evaluate(self) -> tuple[float, float, float]:
        """Dev loss, WER and CER with greedy decoding (the main process decodes; the others wait)."""
        if len(self.dev_set) == 0 or not self.world.is_main:
            barrier(self.world)
            return float("nan"), float("nan"), float("nan")
        loss, decoded = decode_dataset(self.model, self.dev_set, self.decoder, self.device,
                                       self.config.train.max_batch_seconds, progress=self.progress,
                                       description="dev")
        s = score([d.reference for d in decoded], [d.hypothesis.text for d in decoded])
        barrier(self.world)
        return loss, s.wer, s.cer

    def _request_stop(self, signum, frame) -> None:
        self._stop_requested = True
        self._stop_signal = signum
        log.warning("signal %d: saving a checkpoint after the current step", signum)

    def fit(self) -> TrainResult:
        """Train to the configured number of epochs; SIGTERM or Ctrl-C saves a checkpoint and stops."""
        tc = self.config.train
        started = time.time()
        epochs_run = 0
        self._stop_requested = False
        previous = {sig: signal.signal(sig, self._request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while self.epoch < tc.epochs and not self.early_stopped:
                self._fit_epoch()
                epochs_run += 1
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self.world.distributed:
            if not parameters_in_sync(self.world, self.model):
                raise TrainingError("DDP replicas diverged: parameters differ between processes")
            log.info("DDP: parameters of all %d processes are in sync", self.world.size)
            # The DDP wrapper's reducer holds the process group: let it go now, so that shutdown() frees
            # the group's gloo threads while the interpreter is alive, not at exit (where they abort).
            self.ddp_model = self.model
        return TrainResult(self.out_dir, epochs_run, self.step, self.best["wer"], self.best["cer"],
                           self.best["epoch"], self.skipped, time.time() - started)

    def _fit_epoch(self) -> None:
        """One epoch, its dev evaluation, checkpoint, logs and plot."""
        train_loss, seconds, audio = self.train_epoch()
        dev_loss, wer, cer = broadcast_from_main(self.world, list(self.evaluate()))
        self.epoch += 1
        self.batch_in_epoch = 0
        tc = self.config.train
        improved = not math.isnan(wer) and (wer, cer) < (self.best["wer"], self.best["cer"])
        if improved or math.isnan(wer) or self.best["epoch"] < 0:
            self.best = {"wer": wer, "cer": cer, "epoch": self.epoch}
            self.save_model(self.out_dir / "model.pt", self._metadata())
        self.epochs_since_best = 0 if improved or math.isnan(wer) else self.epochs_since_best + 1
        if tc.schedule == "plateau" and self.epochs_since_best and self.epochs_since_best % tc.plateau_patience == 0:
            self.lr_factor *= tc.plateau_factor
            log.info("no better dev WER for %d epoch(s): learning rate x%g", self.epochs_since_best, tc.plateau_factor)
        if tc.early_stopping_patience and self.epochs_since_best >= tc.early_stopping_patience:
            self.early_stopped = True
            log.info("early stopping: no better dev WER for %d epochs", self.epochs_since_best)
        self._save_epoch_model(wer, cer)
        self.save_checkpoint()
        if self.tb is not None:
            for name, value in (("loss/train", train_loss), ("loss/dev", dev_loss), ("dev/wer", wer), ("dev/cer", cer)):
                self.tb.add_scalar(name, value, self.epoch)
            self.tb.flush()
        self._append_csv("log.csv", EPOCH_LOG_FIELDS, [
            self.epoch, self.step, f"{train_loss:.4f}", f"{dev_loss:.4f}", f"{wer:.4f}", f"{cer:.4f}",
            f"{self.scheduler.get_last_lr()[0]:.3e}", f"{seconds:.1f}", f"{audio / max(seconds, 1e-9):.1f}",
            self.skipped,
        ])
        self._plot()
        (tqdm.write if self.progress else log.info)(
            f"epoch {self.epoch}: train loss {train_loss:.3f}, dev loss {dev_loss:.3f}, "
            f"dev WER {100 * wer:.1f}%, CER {100 * cer:.1f}%{' (best)' if improved else ''}; "
            f"{seconds:.0f}s, {audio / max(seconds, 1e-9):.0f}x real time"
        )

    def _save_epoch_model(self, wer: float, cer: float) -> None:
        """epoch-N.pt for averaging; only the last ``keep_last`` are kept."""
        if not self.world.is_main or self.config.train.keep_last <= 0:
            return
        self.save_model(self.out_dir / f"epoch-{self.epoch}.pt", {**self._metadata(), "dev_wer": wer, "dev_cer": cer})
        epochs = sorted(int(p.stem.split("-")[1]) for p in self.out_dir.glob("epoch-*.pt"))
        for old in epochs[: -self.config.train.keep_last]:
            (self.out_dir / f"epoch-{old}.pt").unlink(missing_ok=True)

    def _wave_augmenter(self, tc) -> Augmenter | None:
        if tc.wave_augment is None:
            return None
        try:
            noises = load_noises(tc.noise_manifest) if tc.noise_manifest else []
        except ValueError as e:
            raise TrainingError(f"train.noise_manifest: {e}") from None
        # The simulated rooms are cached beside the checkpoints (simulating one takes ~0.1-0.5 s).
        rirs = load_or_make_rirs(self.out_dir / "rirs.npz") if tc.wave_augment.reverb_prob > 0 else []
        return Augmenter(tc.wave_augment, rirs, self.config.features.sample_rate, noises)

    def _tensorboard(self):
        if not self.world.is_main:
            return None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            log.warning("train.tensorboard is set but the tensorboard package is not installed; CSV logs only")
            return None
        return SummaryWriter(str(self.out_dir / "tensorboard"))

    def _metadata(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "step": self.step,
            "dev_wer": self.best["wer"],
            "dev_cer": self.best["cer"],
            "parameters": self.model.num_parameters(),
            "train_utterances": len(self.train_set),
            "train_hours": sum(self.train_set.durations) / 3600,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }

    def _append_csv(self, name: str, header: list[str], row: list) -> None:
        if not self.world.is_main:
            return
        path = self.out_dir / name
        new = not path.exists()
        with open(path, "a", newline="") as f:
            writer = csv.writer(f)
            if new:
                writer.writerow(header)
            writer.writerow(row)

    def _plot(self) -> None:
        from .plots import plot_training_log

        if not self.world.is_main:
            return
        try:
            plot_training_log(self.out_dir / "log.csv", self.out_dir / "training.png")
        except Exception as e:  # a plot must never stop training
            log.warning("could not draw training.png: %s", e)


def _differing_section(config: ExperimentConfig, features: FeatureConfig, model: ModelConfig) -> str | None:
    """"features" or "model" where ``config`` defines another model than a trained one's configs, else
    None; the vocabulary size is not compared (a run takes it from its tokenizer)."""
    if config.features != features:
        return "features"
    if dataclasses.replace(config.model, vocab_size=model.vocab_size) != model:
        return "model"
    return None


def _resumable_config(new: ExperimentConfig, saved: ExperimentConfig, where: Path) -> ExperimentConfig:
    """On resume, training options may change (more epochs, other augmentation); what defines the
    model may not."""
    section = "tokenizer" if new.tokenizer != saved.tokenizer else _differing_section(new, saved.features, saved.model)
    if section:
        raise TrainingError(f"{where}: the checkpoint's {section} config differs from this run's; "
                            f"a resumed run may change only training options")
    if new.train != saved.train:
        changed = [f.name for f in dataclasses.fields(new.train)
                   if getattr(new.train, f.name) != getattr(saved.train, f.name)]
        log.warning("resuming with changed training options: %s", ", ".join(changed))
    return dataclasses.replace(new, model=saved.model)


def _initial_model(path: PathLike, config: ExperimentConfig) -> PackagedModel:
    """The model file a run starts from (fine-tuning, or a new schedule after a finished one): its
    weights, CMVN statistics and tokenizer; the optimizer and schedule start afresh."""
    try:
        initial = load_model_file(path)
    except ModelFileError as e:
        raise TrainingError(f"--init: {e}") from None
    section = _differing_section(config, initial.feature_config, initial.model.config)
    if section:
        theirs = initial.feature_config if section == "features" else initial.model.config
        raise TrainingError(f"--init {path}: the model file's {section} config differs from this run's "
                            f"(it has {theirs})")
    if config.tokenizer.kind != initial.tokenizer.kind:
        raise TrainingError(f"--init {path}: the model file has a {initial.tokenizer.kind} tokenizer, "
                            f"this run's config a {config.tokenizer.kind} one")
    return initial


def _to_tuple(x: Any) -> Any:
    return tuple(_to_tuple(i) for i in x) if isinstance(x, (list, tuple)) else x


def train(config: ExperimentConfig, train_manifest: PathLike, dev_manifest: PathLike, out_dir: PathLike,
          **options: Any) -> TrainResult:
    """Train a CTC model (options: ``resume``, ``skip_broken``, ``progress``, ``init``: a model file to
    start from); see the module docstring for what is written to ``out_dir``."""
    try:
        result = Trainer(config, train_manifest, dev_manifest, out_dir, **options).fit()
    except TrainingStopped:
        shutdown()  # every process agreed to stop (any_true): all of them reach this point
        raise
    # Not after other errors: there one process may fail while the others wait in a collective, and
    # destroying the group would hang.
    shutdown()
    return result
