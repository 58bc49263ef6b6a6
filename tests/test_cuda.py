"""CUDA paths, where a GPU is present (skipped elsewhere).

On such a machine the rest of the suite runs on the GPU too (``train.device: auto``); these tests check what
only a GPU shows: the process group's backend, AMP, and that a model trained there loads and decodes the same
on the CPU.
"""

import os
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist

from asr.config import load_config
from asr.data import SpeechDataset, read_manifest
from asr.distributed import backend_for
from asr.inference import decode_dataset
from asr.model import CTCModel, ModelConfig
from asr.package import load_model_file
from asr.train import Trainer
from asr.transcribe import Transcriber
from conftest import REPO, free_port

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_the_cuda_backend_carries_cpu_control_tensors_and_cuda_gradients(monkeypatch):
    """asr.distributed reduces small CPU tensors (stop flags, loss checks, dev results, checksums), which
    NCCL alone refuses; DDP's gradients are CUDA tensors. One process group must carry both."""
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(free_port()))
    dist.init_process_group(backend_for("cuda"), rank=0, world_size=1)
    try:
        flag = torch.tensor([1.0])
        dist.all_reduce(flag, op=dist.ReduceOp.MIN)  # all_agree / any_true
        values = torch.tensor([0.5, 0.25], dtype=torch.float64)
        dist.broadcast(values, src=0)  # broadcast_from_main
        gathered = [torch.zeros(3, dtype=torch.float64)]
        dist.all_gather(gathered, torch.ones(3, dtype=torch.float64))  # parameters_in_sync
        assert flag.item() == 1.0 and values.tolist() == [0.5, 0.25] and gathered[0].sum().item() == 3.0

        model = CTCModel(ModelConfig(n_mels=8, hidden_size=16, num_layers=1, vocab_size=5)).cuda()
        ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=[0])
        with torch.autocast("cuda", dtype=torch.bfloat16):
            log_probs, _ = ddp(torch.randn(2, 40, 8, device="cuda"), torch.tensor([40, 30], device="cuda"))
        log_probs.float().sum().backward()
        assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
        dist.barrier()
    finally:
        dist.destroy_process_group()


def test_training_picks_cuda_with_mixed_precision(espeak_corpus, tmp_path):
    config = load_config(REPO / "tests" / "overfit.yaml", {"train.epochs": 1, "model.hidden_size": 16})
    trainer = Trainer(config, espeak_corpus, espeak_corpus, tmp_path, progress=False)
    assert trainer.device.type == "cuda"
    assert next(trainer.model.parameters()).is_cuda
    # bf16 autocast where the GPU has it (no loss scaling needed), fp16 with a GradScaler otherwise
    assert trainer.scaler.is_enabled() == (not torch.cuda.is_bf16_supported())
    trainer.fit()
    assert (tmp_path / "model.pt").is_file()


def test_a_model_trained_on_cuda_decodes_the_same_on_the_cpu(trained_model, espeak_corpus):
    """The session's trained model was trained on the GPU here; the file must load anywhere, and greedy
    decoding on either device must agree."""
    texts = {}
    for device in ("cpu", "cuda"):
        packaged = load_model_file(trained_model / "model.pt")  # loads to the CPU whatever trained it
        assert not next(packaged.model.parameters()).is_cuda
        t = Transcriber(packaged, device=device)
        dataset = SpeechDataset(read_manifest(espeak_corpus), packaged.tokenizer)
        _, decoded = decode_dataset(t.model, dataset, t.decoder, t.device, progress=False)
        texts[device] = [d.hypothesis.text for d in decoded]
    assert len(texts["cpu"]) == 8
    assert texts["cuda"] == texts["cpu"]


@pytest.mark.parametrize("rnn_type", ["lstm", "gru"])
def test_the_model_computes_the_same_on_cuda_and_cpu(rnn_type, monkeypatch, recwarn):
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)  # compare fp32 with fp32
    torch.manual_seed(0)
    model = CTCModel(ModelConfig(n_mels=8, hidden_size=16, num_layers=2, vocab_size=5, rnn_type=rnn_type)).eval()
    features, lengths = torch.randn(3, 30, 8), torch.tensor([30, 17, 9])
    with torch.no_grad():
        cpu, cpu_lengths = model(features, lengths)
        gpu, gpu_lengths = model.cuda()(features.cuda(), lengths.cuda())
    assert torch.equal(gpu_lengths.cpu(), cpu_lengths)
    for i, n in enumerate(cpu_lengths.tolist()):
        torch.testing.assert_close(gpu[i, :n].cpu(), cpu[i, :n], atol=1e-4, rtol=1e-4)
    assert not [w for w in recwarn if "contiguous chunk" in str(w.message)], "cuDNN's weight-copy warning is silenced"


def test_more_processes_than_gpus_is_a_clear_error(espeak_corpus, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RANK", "WORLD_SIZE", "MASTER_"))}
    procs = torch.cuda.device_count() + 1
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(procs), "--master_port",
         str(free_port()), "-m", "asr.cli", "train", "--config", str(REPO / "tests/overfit.yaml"),
         "--train", str(espeak_corpus), "--dev", str(espeak_corpus), "--out", str(tmp_path / "exp")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode != 0
    assert f"this node has {procs - 1} GPU(s): start one process per GPU" in proc.stderr, proc.stderr[-3000:]
