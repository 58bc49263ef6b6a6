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
