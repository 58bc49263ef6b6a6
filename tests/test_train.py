import csv

import pytest
import torch

from asr.config import load_config
from asr.data import SpeechDataset, read_manifest
from asr.evaluate import score
from asr.inference import decode_dataset
from asr.package import load_model_file
from asr.train import Trainer, bf16_probe_shape, lr_lambda
from conftest import REPO


def test_overfit_eight_utterances(trained_model, espeak_corpus):
    """The proof that training works: a tiny model memorises 8 utterances to CER < 10%."""
    packaged = load_model_file(trained_model / "model.pt")
    from asr.transcribe import Transcriber

    t = Transcriber(packaged)
    dataset = SpeechDataset(read_manifest(espeak_corpus), packaged.tokenizer)
    _, decoded = decode_dataset(t.model, dataset, t.decoder, t.device, progress=False)
    s = score([d.reference for d in decoded], [d.hypothesis.text for d in decoded])
    assert len(decoded) == 8
    assert s.cer < 0.10, [d.hypothesis.text for d in decoded]


def test_training_outputs(trained_model):
    for name in ("config.yaml", "last.pt", "model.pt", "log.csv", "steps.csv", "training.png"):
        assert (trained_model / name).is_file(), name
    rows = list(csv.DictReader(open(trained_model / "log.csv")))
    assert len(rows) == load_config(REPO / "tests" / "overfit.yaml").train.epochs
    losses = [float(r["train_loss"]) for r in rows]
    assert losses[-1] < 0.2 * losses[0], "training loss must fall"
    assert load_config(trained_model / "config.yaml").model.vocab_size == 29


def test_resume_continues_where_it_stopped(espeak_corpus, tmp_path):
    overrides = {"train.epochs": 2, "model.hidden_size": 16, "model.num_layers": 1, "train.cache_features": True}
    config = load_config(REPO / "tests" / "overfit.yaml", overrides)
    first = Trainer(config, espeak_corpus, espeak_corpus, tmp_path, progress=False)
    first.train_epoch()
    first.epoch, first.batch_in_epoch = 1, 0
    first.save_checkpoint()
    steps_after_one = first.step
    weights = {k: v.clone() for k, v in first.model.state_dict().items()}

    resumed = Trainer(config, espeak_corpus, espeak_corpus, tmp_path, resume=True, progress=False)
    assert resumed.epoch == 1 and resumed.step == steps_after_one
    for k, v in resumed.model.state_dict().items():
        assert torch.equal(v, weights[k]), k
    assert resumed.optimizer.state_dict()["state"], "optimizer moments are restored"
    result = resumed.fit()
    assert result.epochs_run == 1 and resumed.epoch == 2 and resumed.step > steps_after_one


def test_resume_with_damaged_checkpoint(espeak_corpus, tmp_path):
    from asr.package import ModelFileError

    (tmp_path / "last.pt").write_bytes(b"garbage")
    config = load_config(REPO / "tests" / "overfit.yaml")
    with pytest.raises(ModelFileError):
        Trainer(config, espeak_corpus, espeak_corpus, tmp_path, resume=True, progress=False)


def test_lr_schedule():
    assert lr_lambda(0, 10, 100, "cosine", 0.1) == pytest.approx(0.1)
    assert lr_lambda(9, 10, 100, "cosine", 0.1) == pytest.approx(1.0)
    assert lr_lambda(100, 10, 100, "cosine", 0.1) == pytest.approx(0.1)
    mid = lr_lambda(55, 10, 100, "cosine", 0.0)
    assert mid == pytest.approx(0.5, abs=1e-6)
    assert lr_lambda(80, 10, 100, "constant", 0.1) == 1.0


def test_sigterm_saves_a_checkpoint_and_resume_continues(espeak_corpus, tmp_path):
    import os
    import signal
    import threading

    from asr.train import TrainingStopped

    overrides = {"train.epochs": 500, "model.hidden_size": 16, "model.num_layers": 1, "train.log_every": 1}
    config = load_config(REPO / "tests" / "overfit.yaml", overrides)
    trainer = Trainer(config, espeak_corpus, espeak_corpus, tmp_path, progress=False)
    handler_before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    with pytest.raises(TrainingStopped, match="checkpoint saved"):
        trainer.fit()
    timer.cancel()
    assert signal.getsignal(signal.SIGTERM) == handler_before, "the previous handler is restored"
    stopped_at = trainer.step
    assert stopped_at > 0
    resumed = Trainer(config, espeak_corpus, espeak_corpus, tmp_path, resume=True, progress=False)
    assert resumed.step == stopped_at and resumed.batch_in_epoch == trainer.batch_in_epoch
    assert resumed.epoch == trainer.epoch


def test_resume_may_change_training_options_but_not_the_model(espeak_corpus, tmp_path):
    from asr.train import TrainingError

    base = {"train.epochs": 1, "model.hidden_size": 16, "model.num_layers": 1}
    Trainer(load_config(REPO / "tests" / "overfit.yaml", base), espeak_corpus, espeak_corpus, tmp_path,
            progress=False).fit()
    longer = load_config(REPO / "tests" / "overfit.yaml", {**base, "train.epochs": 2})
    resumed = Trainer(longer, espeak_corpus, espeak_corpus, tmp_path, resume=True, progress=False)
    assert resumed.config.train.epochs == 2 and resumed.epoch == 1
    bigger = load_config(REPO / "tests" / "overfit.yaml", {**base, "model.hidden_size": 32})
    with pytest.raises(TrainingError, match="model config differs"):
        Trainer(bigger, espeak_corpus, espeak_corpus, tmp_path, resume=True, progress=False)


def test_init_starts_a_new_run_from_a_model_file(trained_model, espeak_corpus, tmp_path):
    """--init: the model file's weights (CMVN included) and tokenizer, a fresh optimizer and schedule;
    a run resumed from its own last.pt ignores it; a model of another shape is refused."""
    from asr.train import TrainingError

    source = load_model_file(trained_model / "model.pt")
    config = load_config(REPO / "tests" / "overfit.yaml", {"train.epochs": 1})
    run = Trainer(config, espeak_corpus, espeak_corpus, tmp_path, init=trained_model / "model.pt", progress=False)
    for k, v in run.model.state_dict().items():
        assert torch.equal(v.cpu(), source.model.state_dict()[k]), k  # the run may be on a GPU
    assert run.tokenizer.state_dict() == source.tokenizer.state_dict()
    assert run.step == 0 and not run.optimizer.state_dict()["state"]
    # One more epoch from the memorised model (a fresh warm-up) keeps it good: the start was not random.
    run.fit()
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert len(rows) == 1 and float(rows[0]["dev_cer"]) < 0.10, rows

    resumed = Trainer(load_config(REPO / "tests" / "overfit.yaml", {"train.epochs": 2}), espeak_corpus,
                      espeak_corpus, tmp_path, resume=True, init=REPO / "no-such-model.pt", progress=False)
    assert resumed.epoch == 1 and resumed.step == run.step

    other = load_config(REPO / "tests" / "overfit.yaml", {"model.hidden_size": source.model.config.hidden_size + 8})
    with pytest.raises(TrainingError, match="model config differs"):
        Trainer(other, espeak_corpus, espeak_corpus, tmp_path / "other", init=trained_model / "model.pt",
                progress=False)
    with pytest.raises(TrainingError, match="--init: .*no such model file"):
        Trainer(config, espeak_corpus, espeak_corpus, tmp_path / "missing", init=tmp_path / "none.pt",
                progress=False)


def _tiny(**overrides):
    base = {"model.hidden_size": 16, "model.num_layers": 1, "train.log_every": 1}
    return load_config(REPO / "tests" / "overfit.yaml", {**base, **overrides})


WAVE_AUGMENT = {"speed_prob": 0.5, "noise_prob": 0.5, "reverb_prob": 0.0, "telephone_prob": 0.0}


@pytest.mark.parametrize("wave_augment", [None, WAVE_AUGMENT], ids=["features", "waveform-augmentation"])
def test_resume_is_equivalent_to_training_straight(espeak_corpus, tmp_path, wave_augment):
    """2 epochs in one go == 1 epoch, stop, resume for the second (same batches, RNG, optimizer)."""
    config = _tiny(**{"train.epochs": 2, "train.spec_augment": {"freq_masks": 1, "time_masks": 1},
                      "train.wave_augment": wave_augment})
    straight = Trainer(config, espeak_corpus, espeak_corpus, tmp_path / "a", progress=False)
    straight.fit()
    first = Trainer(config, espeak_corpus, espeak_corpus, tmp_path / "b", progress=False)
    first._fit_epoch()
    resumed = Trainer(config, espeak_corpus, espeak_corpus, tmp_path / "b", resume=True, progress=False)
    resumed.fit()
    for (name, a), (_, b) in zip(straight.model.state_dict().items(), resumed.model.state_dict().items()):
        assert torch.equal(a, b), name


def test_early_stopping_plateau_and_keep_last(espeak_corpus, tmp_path):
    # A learning rate this small cannot improve the dev WER after the first epoch.
    config = _tiny(**{"train.epochs": 10, "train.lr": 1e-9, "train.warmup_steps": 0, "train.schedule": "plateau",
                      "train.early_stopping_patience": 2, "train.keep_last": 2})
    trainer = Trainer(config, espeak_corpus, espeak_corpus, tmp_path, progress=False)
    result = trainer.fit()
    assert result.epochs_run == 3 and trainer.early_stopped
    assert trainer.lr_factor == 0.25, "halved after each epoch without improvement"
    assert sorted(p.name for p in tmp_path.glob("epoch-*.pt")) == ["epoch-2.pt", "epoch-3.pt"]


def test_average_models(espeak_corpus, tmp_path):
    from click.testing import CliRunner

    from asr.average import average_models
    from asr.cli import main

    Trainer(_tiny(**{"train.epochs": 2, "train.keep_last": 2}), espeak_corpus, espeak_corpus, tmp_path,
            progress=False).fit()
    a, b = (load_model_file(tmp_path / f"epoch-{i}.pt") for i in (1, 2))
    avg = average_models([tmp_path / "epoch-1.pt", tmp_path / "epoch-2.pt"])
    key = "head.weight"
    expected = (a.model.state_dict()[key] + b.model.state_dict()[key]) / 2
    torch.testing.assert_close(avg.model.state_dict()[key], expected)
    result = CliRunner().invoke(main, ["average", "--exp", str(tmp_path), "--last", "2", "-o", str(tmp_path / "avg.pt")])
    assert result.exit_code == 0, result.output
    assert load_model_file(tmp_path / "avg.pt").metadata["averaged_from"] == [
        str(tmp_path / "epoch-1.pt"), str(tmp_path / "epoch-2.pt")]


def test_schedules():
    assert lr_lambda(55, 10, 100, "onecycle", 0.1) == pytest.approx(1 - 0.9 * 0.5)
    assert lr_lambda(90, 10, 100, "plateau", 0.1) == 1.0
    with pytest.raises(ValueError):
        lr_lambda(0, 0, 10, "sawtooth", 0.1)


def test_kill_9_mid_epoch_then_resume(espeak_corpus, tmp_path):
    """A hard kill loses at most the steps since the last checkpoint; --resume goes on from there."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "exp"
    proc = subprocess.Popen(
        [sys.executable, "-m", "asr.cli", "train", "--config", str(REPO / "tests/overfit.yaml"),
         "--train", str(espeak_corpus), "--dev", str(espeak_corpus), "--out", str(out),
         "--set", "train.epochs=200", "--set", "train.checkpoint_every=3", "--set", "train.log_every=1",
         "--set", "model.hidden_size=16", "--set", "model.num_layers=1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            steps = out / "steps.csv"
            if steps.exists() and len(steps.read_text().splitlines()) > 10 and (out / "last.pt").exists():
                break
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    resumed = Trainer(load_config(out / "config.yaml"), espeak_corpus, espeak_corpus, out, resume=True,
                      progress=False)
    assert resumed.step > 0 and (resumed.step % 3 == 0 or resumed.batch_in_epoch == 0)
    step, done = resumed.step, resumed.batch_in_epoch
    resumed.train_epoch()
    assert resumed.batch_in_epoch == resumed.epoch_batches  # the epoch finished from where it stopped
    # A kill just after a checkpoint at an epoch's last batch leaves nothing of it to train.
    assert resumed.step > step or done == resumed.epoch_batches


@pytest.mark.parametrize("native", [False, True])
def test_amp_cpu_applies_only_where_the_cpu_has_bf16(espeak_corpus, tmp_path, monkeypatch, native):
    """Emulated bf16 made a training step ~25x slower than fp32 on an AVX2-only CPU: the trainer drops it."""
    monkeypatch.setattr("asr.device.cpu_bf16_native", lambda: native)
    monkeypatch.setattr("asr.device.cpu_bf16_speedup", lambda model, n, **shape: 2.0)  # timed: see test_device
    config = load_config(REPO / "tests" / "overfit.yaml",
                         {"train.amp_cpu": True, "model.hidden_size": 16, "train.device": "cpu"})
    trainer = Trainer(config, espeak_corpus, espeak_corpus, tmp_path, progress=False)
    assert trainer.cpu_bf16 is native


@pytest.mark.parametrize("overrides, shape", [
    ({"train.max_batch_seconds": 240}, (48, 500)),  # conf/en_default.yaml: a real batch's 240 s of audio
    ({"train.max_batch_seconds": 240, "train.max_batch_size": 16}, (16, 500)),
    ({"train.max_batch_seconds": 2}, (1, 500)),  # never an empty batch
    ({"train.max_batch_seconds": 240, "features.hop_length": 320}, (48, 250)),
])
def test_bf16_probe_times_a_batch_as_full_as_a_real_one(overrides, shape):
    assert bf16_probe_shape(load_config(REPO / "conf" / "en_default.yaml", overrides)) == shape


def test_trainer_probes_bf16_with_a_real_batch_shape(espeak_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr("asr.device.cpu_bf16_native", lambda: True)
    shapes = []
    monkeypatch.setattr("asr.device.cpu_bf16_speedup",
                        lambda model, n, batch, frames: shapes.append((batch, frames)) or 1.0)
    config = load_config(REPO / "tests" / "overfit.yaml",
                         {"train.amp_cpu": True, "model.hidden_size": 16, "train.device": "cpu"})
    trainer = Trainer(config, espeak_corpus, espeak_corpus, tmp_path, progress=False)
    assert shapes == [bf16_probe_shape(config)]
    assert trainer.cpu_bf16 is False  # 1.0x is below the bar


def test_a_declined_bf16_is_probed_again_at_each_epoch(espeak_corpus, tmp_path, monkeypatch):
    """A probe beside another job once read 0.93x on a CPU that reads 1.55x when quiet: the next epoch asks again."""
    for module in ("asr.device", "asr.train"):
        monkeypatch.setattr(f"{module}.cpu_bf16_native", lambda: True)
    readings = iter([0.93, 1.55])
    monkeypatch.setattr("asr.device.cpu_bf16_speedup", lambda model, n, **shape: next(readings))
    config = load_config(REPO / "tests" / "overfit.yaml", {"train.amp_cpu": True, "model.hidden_size": 16,
                                                            "train.device": "cpu", "train.epochs": 2})
    trainer = Trainer(config, espeak_corpus, espeak_corpus, tmp_path, progress=False)
    assert trainer.cpu_bf16 is False
    trainer.train_epoch()
    assert trainer.cpu_bf16 is True
    trainer.train_epoch()  # once chosen, bf16 is not probed again (a third reading would raise StopIteration)


def test_grow_stacks_new_layers_on_the_trained_ones(trained_model, espeak_corpus, tmp_path):
    """`asr grow`: the parent's layers, CMVN and output layer copied, a new seeded top layer; trainable with
    --init; fewer layers than the parent's is a clear error."""
    from click.testing import CliRunner

    from asr.cli import main

    parent = load_model_file(trained_model / "model.pt")
    n = parent.model.config.num_layers
    out = tmp_path / "grown.pt"
    result = CliRunner().invoke(main, ["grow", str(trained_model / "model.pt"), "--layers", str(n + 1), "-o", str(out)])
    assert result.exit_code == 0, result.output
    grown = load_model_file(out)
    assert grown.model.config.num_layers == n + 1 and grown.metadata["grown_from_layers"] == n
    old, new = parent.model.state_dict(), grown.model.state_dict()
    for key, value in old.items():
        assert torch.equal(new[key], value), key
    added = [k for k in new if k not in old]
    assert sorted(added) == sorted(f"rnn.{w}_l{n}{d}" for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                                   for d in ("", "_reverse"))
    again = tmp_path / "again.pt"
    CliRunner().invoke(main, ["grow", str(trained_model / "model.pt"), "--layers", str(n + 1), "-o", str(again)])
    assert torch.equal(load_model_file(again).model.state_dict()[added[0]], new[added[0]]), "seeded"

    config = load_config(REPO / "tests" / "overfit.yaml", {"train.epochs": 1, "model.num_layers": n + 1})
    run = Trainer(config, espeak_corpus, espeak_corpus, tmp_path / "exp", init=out, progress=False)
    assert run.model.config.num_layers == n + 1
    assert run.fit().epochs_run == 1

    result = CliRunner().invoke(main, ["grow", str(trained_model / "model.pt"), "--layers", str(n), "-o", str(again)])
    assert result.exit_code != 0 and f"has {n} encoder layers already" in result.output
    assert "Traceback" not in result.output
