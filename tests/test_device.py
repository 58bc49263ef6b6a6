import logging

import pytest
import torch

from asr.device import autocast, cpu_autocast_wanted, cpu_bf16_native

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
