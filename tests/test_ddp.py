"""`asr train` under torchrun: 2 processes on the CPU (gloo), replicas kept in sync; a node with too few GPUs."""

import csv
import os
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist

from asr.config import ConfigError
from asr.distributed import init_world
from conftest import REPO, free_port


def test_torchrun_two_processes_gloo(espeak_corpus, tmp_path):
    out = tmp_path / "exp"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RANK", "WORLD_SIZE", "MASTER_"))}
    env["OMP_NUM_THREADS"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
         "-m", "asr.cli", "-v", "train", "--config", str(REPO / "tests/overfit.yaml"),
         "--train", str(espeak_corpus), "--dev", str(espeak_corpus), "--out", str(out),
         "--set", "train.epochs=3", "--set", "train.device=cpu", "--set", "model.hidden_size=16", "--set", "model.num_layers=1"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert proc.stderr.count("parameters of all 2 processes are in sync") == 2
    rows = list(csv.DictReader(open(out / "log.csv")))
    assert [r["epoch"] for r in rows] == ["1", "2", "3"], "only rank 0 writes the logs"
    assert (out / "model.pt").is_file() and (out / "last.pt").is_file()
    # each process took half of the batches: the step count is that of one shard
    from asr.data import DurationBatchSampler, read_manifest

    durations = [u.duration for u in read_manifest(espeak_corpus)]
    per_rank = len(DurationBatchSampler(durations, 6.0, num_replicas=2, rank=0))
    assert int(rows[-1]["step"]) == 3 * per_rank


def test_more_processes_on_a_node_than_gpus_is_a_config_error(monkeypatch):
    """torchrun --nproc_per_node above the GPU count: one clear message, not CUDA's 'invalid device ordinal'."""
    for name, value in (("WORLD_SIZE", "2"), ("RANK", "1"), ("LOCAL_RANK", "1")):
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(dist, "is_initialized", lambda: False)
    with pytest.raises(ConfigError, match=r"this node has 1 GPU\(s\): start one process per GPU"):
        init_world("cuda")


def test_shutdown_destroys_only_the_group_init_world_made(monkeypatch):
    """A group left alive at exit can abort the process ('terminate called without an active exception');
    one the caller made is the caller's to destroy."""
    from asr import distributed

    init = dist.init_process_group
    monkeypatch.setattr(dist, "init_process_group",
                        lambda backend: init(backend, store=dist.HashStore(), rank=0, world_size=1))
    for name, value in (("WORLD_SIZE", "2"), ("RANK", "0"), ("LOCAL_RANK", "0")):
        monkeypatch.setenv(name, value)
    init_world("cpu")
    assert dist.is_initialized()
    distributed.shutdown()
    assert not dist.is_initialized()

    init("gloo", store=dist.HashStore(), rank=0, world_size=1)
    try:
        assert init_world("cpu").rank == 0
        distributed.shutdown()
        assert dist.is_initialized(), "a group made by the caller survives shutdown()"
    finally:
        dist.destroy_process_group()
