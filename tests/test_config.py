from pathlib import Path

import pytest

from asr.config import ConfigError, ExperimentConfig, load_config, save_config

CONF = Path(__file__).resolve().parents[1] / "conf"


@pytest.mark.parametrize("name", sorted(p.name for p in CONF.glob("*.yaml")))
def test_shipped_configs_load(name):
    cfg = load_config(CONF / name)
    assert isinstance(cfg, ExperimentConfig)


def test_defaults_overrides_and_roundtrip(tmp_path):
    cfg = load_config(None, {"train.epochs": 3, "model.rnn_type": "gru", "train.spec_augment": None})
    assert cfg.train.epochs == 3 and cfg.model.rnn_type == "gru" and cfg.train.spec_augment is None
    path = tmp_path / "c.yaml"
    save_config(cfg, path)
    assert load_config(path) == cfg


def test_unknown_option_is_named(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  hiden_size: 10\n")
    with pytest.raises(ConfigError, match="model: unknown option.*hiden_size"):
        load_config(path)


def test_invalid_value_and_bad_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  rnn_type: transformer\n")
    with pytest.raises(ConfigError, match="rnn_type"):
        load_config(path)
    path.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    with pytest.raises(ConfigError, match="no such config"):
        load_config(tmp_path / "missing.yaml")


def test_numbers_without_a_dot_and_wrong_types(tmp_path):
    """PyYAML reads `6e-4` as a string (YAML 1.1): it is the number it spells; a wrong type is named."""
    path = tmp_path / "c.yaml"
    path.write_text("train:\n  lr: 6e-4\n  max_batch_seconds: 240\nfeatures:\n  f_max: 7600\n")
    cfg = load_config(path)
    assert cfg.train.lr == 6e-4 and isinstance(cfg.train.lr, float)
    assert cfg.train.max_batch_seconds == 240.0 and cfg.features.f_max == 7600.0
    assert load_config(None, {"train.lr": "1e-3"}).train.lr == 1e-3  # asr train --set train.lr=1e-3
    for dotted, value, message in [("train.lr", "fast", r"train.lr: expected a number, got 'fast'"),
                                   ("train.epochs", 2.5, r"train.epochs: expected int, got 2.5"),
                                   ("train.epochs", True, r"train.epochs: expected int, got True"),
                                   ("train.amp_cpu", "yes please", r"train.amp_cpu: expected bool"),
                                   ("model.rnn_type", 3, r"model.rnn_type: expected str, got 3")]:
        with pytest.raises(ConfigError, match=message):
            load_config(None, {dotted: value})
