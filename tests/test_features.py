import dataclasses

import numpy as np
import torch

from asr.audio import N_MELS, SAMPLE_RATE
from asr.features import CMVNAccumulator, FeatureConfig, LogMel, SpecAugment, SpecAugmentConfig, hz_to_mel, \
    log_mel, mel_filterbank


def test_filterbank_shape_and_coverage():
    fb = mel_filterbank(201, 80, SAMPLE_RATE, 20.0, 8000.0)
    assert fb.shape == (201, 80)
    assert (fb >= 0).all()
    assert (fb.sum(0) > 0).all(), "every mel band must see at least one FFT bin"
    peaks = fb.argmax(0)
    assert (peaks[1:] >= peaks[:-1]).all(), "band centres must increase"


def test_log_mel_shape_25ms_10ms():
    wav = torch.randn(SAMPLE_RATE)  # 1 s
    feats = log_mel(wav)
    assert feats.shape == (SAMPLE_RATE // 160 + 1, N_MELS)
    batch = LogMel()(torch.randn(3, 8000))
    assert batch.shape == (3, 51, N_MELS)


def test_tone_peaks_in_the_right_band():
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    feats = log_mel(np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    band = int(feats.mean(0).argmax())
    edges = np.linspace(hz_to_mel(20.0), hz_to_mel(8000.0), N_MELS + 2)
    assert abs(edges[band + 1] - hz_to_mel(1000.0)) < 2 * (edges[1] - edges[0])


def test_silence_is_finite():
    assert torch.isfinite(log_mel(np.zeros(1600, np.float32))).all()


def test_very_short_input():
    assert log_mel(np.zeros(1, np.float32)).shape == (1, N_MELS)


def test_cmvn_matches_numpy():
    rng = np.random.default_rng(0)
    chunks = [rng.normal(3.0, 2.0, size=(n, 4)).astype(np.float32) for n in (10, 25, 7)]
    acc = CMVNAccumulator(4)
    for c in chunks:
        acc.update(torch.from_numpy(c))
    mean, std = acc.stats()
    allx = np.concatenate(chunks)
    np.testing.assert_allclose(mean.numpy(), allx.mean(0), rtol=1e-5)
    np.testing.assert_allclose(std.numpy(), allx.std(0), rtol=1e-4)


def test_spec_augment_masks_inside_lengths():
    torch.manual_seed(0)
    cfg = SpecAugmentConfig(freq_masks=2, freq_width=10, time_masks=2, time_width=0.2, max_time_width=30)
    x = torch.ones(2, 100, 80)
    lengths = torch.tensor([100, 50])
    # padding beyond length 50 in row 1 is marked with 5: time masks must never reach it
    x[1, 50:] = 5.0
    y = SpecAugment(cfg)(x, lengths)
    assert y.shape == x.shape
    assert (y == 0).any(), "something must be masked"
    time_masked = (y[1, 50:] == 0).all(dim=1)
    assert not time_masked.any()
    assert (x == 1).sum() > 0 and torch.equal(x[0], torch.ones(100, 80)), "input is not modified in place"


def test_feature_config_is_hashable_and_frozen():
    cfg = FeatureConfig()
    assert hash(cfg) == hash(FeatureConfig())


def test_frame_seconds_is_the_hop_in_seconds_and_matches_log_mel_frames():
    assert FeatureConfig().frame_seconds == 0.01
    cfg = FeatureConfig(sample_rate=8000, hop_length=160)
    assert cfg.frame_seconds == 0.02
    frames = LogMel(cfg)(torch.zeros(8000)).shape[0]  # one second of audio
    assert frames - 1 == round(1.0 / cfg.frame_seconds)  # centred frames: one a hop, plus one
    assert "frame_seconds" not in dataclasses.asdict(cfg), "a derived value, not a setting written to config.yaml"
