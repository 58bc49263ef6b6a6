import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from asr.cli import main
from asr.data import SpeechDataset, read_manifest
from asr.feature_cache import FeatureCacheError, FeatureShards
from asr.features import FeatureConfig
from asr.text import CharTokenizer


def test_shards_hold_the_same_features(espeak_corpus, tmp_path):
    utts = read_manifest(espeak_corpus)
    shards, failures = FeatureShards.write(utts + utts[:2], tmp_path / "cache", shard_frames=300, jobs=2,
                                           progress=False)
    assert not failures and len(shards) == len(utts), "an utterance listed twice is stored once"
    assert len(shards.shards) > 1, "300-frame shards: the eight utterances span several"
    direct = SpeechDataset(utts, CharTokenizer())
    cached = SpeechDataset(utts, CharTokenizer(), feature_shards=FeatureShards(tmp_path / "cache"))
    for i in range(len(utts)):
        a, b = direct.features(i), cached.features(i)
        assert a.shape == b.shape
        assert torch.allclose(a, b, atol=0.01), "equal up to fp16 rounding"
        assert torch.equal(b, a.half().float())


def test_shards_are_read_without_touching_the_audio(espeak_corpus, tmp_path, monkeypatch):
    utts = read_manifest(espeak_corpus)
    FeatureShards.write(utts, tmp_path / "cache", jobs=1, progress=False)
    ds = SpeechDataset(utts, CharTokenizer(), feature_shards=FeatureShards(tmp_path / "cache"))

    def no_audio(*args, **kwargs):
        raise AssertionError("audio was decoded although its features are cached")

    monkeypatch.setattr("asr.data.load_audio", no_audio)
    assert ds[0].features.shape[1] == 80


def test_cache_is_extended_with_only_what_it_lacks(espeak_corpus, tmp_path):
    utts = []
    for u in read_manifest(espeak_corpus):  # copies of the audio, deleted below: cached ones are not read again
        copy = tmp_path / "audio" / Path(u.audio_filepath).name
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(u.audio_filepath, copy)
        utts.append(dataclasses.replace(u, audio_filepath=str(copy)))
    first, _ = FeatureShards.write(utts[:3], tmp_path / "cache", jobs=1, progress=False)
    before = {u.audio_filepath: first.get(u) for u in utts[:3]}
    grown, failures = FeatureShards.write(utts, tmp_path / "cache", jobs=1, progress=False)
    assert not failures and len(grown) == len(utts)
    assert grown.shards[: len(first.shards)] == first.shards and len(grown.shards) > len(first.shards)
    for u in utts[:3]:
        assert torch.equal(grown.get(u), before[u.audio_filepath])
    direct = SpeechDataset(utts, CharTokenizer())
    assert torch.equal(grown.get(utts[-1]), direct.features(len(utts) - 1).half().float())

    shutil.rmtree(tmp_path / "audio")
    again, failures = FeatureShards.write(utts, tmp_path / "cache", jobs=1, progress=False)
    assert not failures and again.shards == grown.shards and again.entries == grown.entries
    with pytest.raises(FeatureCacheError, match="computed with"):
        FeatureShards.write(utts, tmp_path / "cache", FeatureConfig(n_mels=40), jobs=1, progress=False)
    (tmp_path / "40.yaml").write_text("features:\n  n_mels: 40\n")
    result = CliRunner().invoke(main, ["features", str(espeak_corpus), "-o", str(tmp_path / "cache"), "--config",
                                       str(tmp_path / "40.yaml")])
    assert result.exit_code == 1 and "computed with" in result.output, result.output


def test_cache_errors_are_clear(espeak_corpus, tmp_path):
    with pytest.raises(FeatureCacheError, match="no feature cache"):
        FeatureShards(tmp_path / "nothing")
    utts = read_manifest(espeak_corpus)[:2]
    shards, _ = FeatureShards.write(utts, tmp_path / "cache", jobs=1, progress=False)
    with pytest.raises(FeatureCacheError, match="other|computed with"):
        SpeechDataset(utts, CharTokenizer(), FeatureConfig(n_mels=40), feature_shards=shards)
    index = tmp_path / "cache" / "index.json"
    data = json.loads(index.read_text())
    index.write_text(json.dumps({**data, "version": 99}))
    with pytest.raises(FeatureCacheError, match="version"):
        FeatureShards(tmp_path / "cache")
    index.write_text("{not json")
    with pytest.raises(FeatureCacheError, match="damaged"):
        FeatureShards(tmp_path / "cache")


def test_features_command_and_training_with_shards(espeak_corpus, tmp_path):
    result = CliRunner().invoke(main, ["features", str(espeak_corpus), "-o", str(tmp_path / "cache"), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "8 utterances in 1 shard(s)" in result.output

    from asr.config import load_config
    from asr.train import Trainer
    from conftest import REPO

    overrides = {"model.hidden_size": 16, "model.num_layers": 1, "train.epochs": 1}
    plain = Trainer(load_config(REPO / "tests" / "overfit.yaml", overrides), espeak_corpus, espeak_corpus,
                    tmp_path / "a", progress=False)
    plain.fit()
    sharded = Trainer(load_config(REPO / "tests" / "overfit.yaml",
                                  {**overrides, "train.feature_shards": str(tmp_path / "cache")}),
                      espeak_corpus, espeak_corpus, tmp_path / "b", progress=False)
    sharded.fit()
    for (name, a), (_, b) in zip(plain.model.state_dict().items(), sharded.model.state_dict().items()):
        assert torch.equal(a, b), f"{name}: the cache changes where features come from, not what they are"
