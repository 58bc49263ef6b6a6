import json

import pytest
import torch

from asr.audio import SAMPLE_RATE
from asr.data import (DurationBatchSampler, ManifestError, SpeechDataset, collate, load_utterance, read_manifest,
                      write_manifest)
from asr.text import CharTokenizer
from conftest import write_tone


def _manifest(tmp_path, lines):
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_relative_paths_and_optional_keys(tmp_path):
    (tmp_path / "audio").mkdir()
    write_tone(tmp_path / "audio" / "a.wav")
    path = _manifest(tmp_path, [
        json.dumps({"audio_filepath": "audio/a.wav", "duration": 0.5, "text": "Hi there", "speaker": "s1"}),
        "",
        json.dumps({"audio_filepath": "/abs/b.wav", "duration": 1, "text": "x", "id": "utt-b", "offset": 0.25}),
    ])
    utts = read_manifest(path)
    assert utts[0].audio_filepath == tmp_path / "audio" / "a.wav" and utts[0].speaker == "s1"
    assert utts[0].id == "a" and utts[1].id == "utt-b" and utts[1].offset == 0.25


@pytest.mark.parametrize("bad,why", [
    ("{not json", "not valid JSON"),
    ('{"audio_filepath": "a.wav", "duration": 1}', "missing key"),
    ('{"audio_filepath": "a.wav", "text": "x"}', "no duration, and none could be measured: .*a.wav"),
    ('{"audio_filepath": "a.wav", "duration": "long", "text": "x"}', "must be numbers"),
    ('{"audio_filepath": "a.wav", "duration": -1, "text": "x"}', "positive"),
    ('[1, 2]', "JSON object"),
])
def test_broken_line_reported_with_number(tmp_path, bad, why):
    good = json.dumps({"audio_filepath": "a.wav", "duration": 1.0, "text": "ok"})
    path = _manifest(tmp_path, [good, bad, good])
    with pytest.raises(ManifestError, match=rf"m.jsonl:2: .*{why}"):
        read_manifest(path)
    assert len(read_manifest(path, skip_broken=True)) == 2


def test_duration_is_measured_when_the_line_has_none(tmp_path):
    write_tone(tmp_path / "a.wav", seconds=0.75)
    path = _manifest(tmp_path, [json.dumps({"audio_filepath": "a.wav", "text": "x"}),
                                json.dumps({"audio_filepath": "a.wav", "text": "x", "offset": 0.25}),
                                json.dumps({"audio_filepath": "a.wav", "text": "x", "offset": 0.75})])
    with pytest.raises(ManifestError, match="m.jsonl:3: duration must be a positive number"):
        read_manifest(path)
    first, second = read_manifest(path, skip_broken=True)
    assert first.duration == pytest.approx(0.75) and second.duration == pytest.approx(0.5)
    assert len(load_utterance(second)) == pytest.approx(0.5 * SAMPLE_RATE, abs=1)


def test_missing_manifest(tmp_path):
    with pytest.raises(ManifestError, match="no such manifest"):
        read_manifest(tmp_path / "nope.jsonl")


def test_write_manifest_makes_paths_relative(tmp_path):
    out = tmp_path / "m.jsonl"
    write_manifest(out, [{"audio_filepath": str(tmp_path / "audio" / "x.flac"), "duration": 1.0, "text": "a"}])
    assert json.loads(out.read_text())["audio_filepath"] == "audio/x.flac"


def test_dataset_and_collate(tmp_path):
    for i, secs in enumerate([0.3, 0.5]):
        write_tone(tmp_path / f"{i}.wav", seconds=secs)
    rows = [{"audio_filepath": f"{i}.wav", "duration": d, "text": t}
            for i, (d, t) in enumerate([(0.3, "Ab"), (0.5, "c d e")])]
    rows.append({"audio_filepath": "missing.wav", "duration": 1.0, "text": "lost"})
    rows.append({"audio_filepath": "0.wav", "duration": 0.3, "text": "!!!"})  # empty after normalisation
    path = tmp_path / "m.jsonl"
    write_manifest(path, rows)
    ds = SpeechDataset(read_manifest(path), CharTokenizer())
    assert len(ds) == 3
    examples = [ds[i] for i in range(3)]
    assert examples[2] is None, "an unreadable file yields None, not an exception"
    batch = collate(examples)
    assert batch.features.shape == (2, 51, 80)
    assert batch.feature_lengths.tolist() == [31, 51]
    assert batch.token_lengths.tolist() == [2, 5] and batch.tokens.shape == (2, 5)
    assert batch.texts == ["ab", "c d e"] and batch.indices == [0, 1]
    assert collate([None]) is None


def test_sampler_respects_budget_and_covers_everything():
    durations = [0.5 + (i % 17) * 0.7 for i in range(200)]
    sampler = DurationBatchSampler(durations, max_seconds=20.0, num_buckets=5, seed=3)
    batches = list(sampler)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(200))
    for b in batches:
        assert len(b) == 1 or max(durations[i] for i in b) * len(b) <= 20.0
    assert len(sampler) == len(batches)
    assert list(sampler) == batches, "same epoch, same batches"
    sampler.set_epoch(1)
    assert list(sampler) != batches


def test_sampler_batch_counts_follow_each_epochs_shuffle():
    durations = [0.5 + (i * 7919 % 23) * 0.4 for i in range(300)]
    sampler = DurationBatchSampler(durations, max_seconds=15.0, num_buckets=4, seed=5)
    sampler.set_epoch(2)
    counts = sampler.batch_counts(6)
    assert sampler.epoch == 2, "counting leaves the current epoch alone"
    expected = []
    for epoch in range(6):
        sampler.set_epoch(epoch)
        expected.append(len(list(sampler)))
    assert counts == expected
    assert len(set(counts)) > 1, "packing shuffled buckets gives epochs different batch counts"


def test_sampler_buckets_similar_lengths():
    durations = [1.0] * 50 + [10.0] * 50
    for b in DurationBatchSampler(durations, max_seconds=40.0, num_buckets=2):
        assert len({durations[i] for i in b}) == 1


def test_sampler_shards_for_ddp():
    durations = [1.0 + (i % 5) for i in range(101)]
    shards = [list(DurationBatchSampler(durations, 10.0, num_replicas=2, rank=r, seed=1)) for r in range(2)]
    assert len(shards[0]) == len(shards[1])
    covered = {i for shard in shards for b in shard for i in b}
    assert covered == set(range(101))


def test_max_batch_size():
    batches = list(DurationBatchSampler([0.1] * 30, max_seconds=100.0, num_buckets=1, max_batch_size=4))
    assert max(len(b) for b in batches) == 4


def test_collate_pads_with_zeros():
    from asr.data import Example

    a = Example(0, "a", torch.ones(3, 80), torch.tensor([1, 2]), "a")
    b = Example(1, "b", torch.ones(5, 80), torch.tensor([3]), "b")
    batch = collate([a, b])
    assert batch.features[0, 3:].abs().sum() == 0 and batch.tokens[1, 1] == 0


def test_waveform_augmentation_is_drawn_per_epoch_and_cached_as_waveforms(tmp_path):
    from asr.augment import AugmentConfig, Augmenter

    write_tone(tmp_path / "a.wav", seconds=1.0)
    write_manifest(tmp_path / "m.jsonl", [{"audio_filepath": "a.wav", "duration": 1.0, "text": "a"}])
    config = AugmentConfig(speed_prob=1, speed_range=(0.8, 0.8), noise_prob=1, reverb_prob=0, telephone_prob=0)
    ds = SpeechDataset(read_manifest(tmp_path / "m.jsonl"), CharTokenizer(), cache_features=True,
                       augmenter=Augmenter(config), seed=3)
    first = ds.features(0)
    assert first.shape[0] == 126, "0.8x speed: 1.25 s of audio, 126 frames instead of 101"
    assert torch.equal(ds.features(0), first), "same seed, epoch and index: same draw"
    assert ds.cache[0].dtype == torch.int16, "the waveform is cached, not augmented features"
    ds.set_epoch(1)
    assert not torch.equal(ds.features(0), first), "a new epoch draws new noise"
    plain = SpeechDataset(read_manifest(tmp_path / "m.jsonl"), CharTokenizer())
    assert plain.features(0).shape[0] == 101
