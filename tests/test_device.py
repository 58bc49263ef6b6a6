import logging

import pytest
import torch

from asr.device import autocast, cpu_autocast_wanted, cpu_bf16_native, cpu_bf16_speedup
from asr.model import CTCModel, ModelConfig

PROBES = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")


def _cpu_with(monkeypatch, avx512_bf16: bool, amx: bool) -> None:
    monkeypatch.setattr(torch.cpu, PROBES[0], lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, PROBES[1], lambda: amx)


@pytest.mark.parametrize("avx512_bf16, amx, native", [(False, False, False), (True, False, True), (False, True, True)])
def test_native_bf16_follows_the_cpu_probes(monkeypatch, avx512_bf16, amx, native):
    _cpu_with(monkeypatch, avx512_bf16, amx)
    assert cpu_bf16_native() is native


def test_a_torch_without_the_probes_means_no_native_bf16(monkeypatch):
    for name in PROBES:
        monkeypatch.delattr(torch.cpu, name, raising=False)
    assert cpu_bf16_native() is False


def test_amp_cpu_is_dropped_with_a_warning_on_a_cpu_without_bf16(monkeypatch, caplog):
    _cpu_with(monkeypatch, False, False)
    with caplog.at_level(logging.WARNING, logger="asr.device"):
        assert cpu_autocast_wanted(True) is False
    assert "no native bf16" in caplog.text
    caplog.clear()
    assert cpu_autocast_wanted(False) is False
    assert caplog.text == ""


def _tiny_model() -> CTCModel:
    return CTCModel(ModelConfig(n_mels=8, hidden_size=8, num_layers=2, vocab_size=5, dropout=0.5))


def test_bf16_speedup_is_timed_on_a_copy():
    model = _tiny_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.random.get_rng_state()
    speedup = cpu_bf16_speedup(model, 8, batch=2, frames=30, repeats=1)
    assert 0 < speedup < float("inf")
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())
    assert torch.equal(rng, torch.random.get_rng_state())  # dropout in the probe drew from a forked RNG


def test_bf16_speedup_times_fp32_and_bf16_in_turn():
    """Interleaved, so that a burst of other load cannot land on one precision only."""

    class Probe(torch.nn.Module):
        calls: list[bool] = []  # on the class: the probe that runs is a deep copy

        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.ones(1))

        def forward(self, features, lengths):
            Probe.calls.append(torch.is_autocast_enabled("cpu"))
            return (features * self.weight,)

    cpu_bf16_speedup(Probe(), 4, batch=1, frames=5, repeats=3)
    assert Probe.calls == [False, True] * 4  # one warm-up of each, then three timed pairs


def test_bf16_speedup_rejects_an_empty_probe():
    with pytest.raises(ValueError, match="must be positive"):
        cpu_bf16_speedup(_tiny_model(), 8, frames=0)


@pytest.mark.parametrize("speedup, wanted", [(0.7, False), (1.05, False), (1.8, True)])
def test_amp_cpu_follows_a_timed_step_where_bf16_is_native(monkeypatch, caplog, speedup, wanted):
    _cpu_with(monkeypatch, True, False)
    calls = []
    monkeypatch.setattr("asr.device.cpu_bf16_speedup",
                        lambda model, n, batch, frames: calls.append((n, batch, frames)) or speedup)
    with caplog.at_level(logging.INFO, logger="asr.device"):
        assert cpu_autocast_wanted(True, _tiny_model(), 8, batch=48, frames=500) is wanted
    assert calls == [(8, 48, 500)]
    assert f"{speedup:.2f}x as fast as fp32" in caplog.text
    assert ("training in fp32" in caplog.text) is not wanted


def test_amp_cpu_is_kept_on_a_cpu_with_bf16(monkeypatch, caplog):
    _cpu_with(monkeypatch, True, False)
    with caplog.at_level(logging.WARNING, logger="asr.device"):
        assert cpu_autocast_wanted(True) is True
    assert caplog.text == ""


def test_cpu_autocast_only_when_asked():
    cpu = torch.device("cpu")
    x = torch.randn(2, 3)
    with autocast(cpu, True, False):
        assert (x @ x.T).dtype == torch.float32
    with autocast(cpu, True, True):
        assert (x @ x.T).dtype == torch.bfloat16
