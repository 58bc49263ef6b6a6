import numpy as np
import pytest
import torch

from asr.augment import AugmentConfig, Augmenter, add_noise, babble, coloured_noise, reverberate, simulate_rirs, \
    speed_perturb, telephone
from asr.audio import SAMPLE_RATE
from asr.features import FeatureAugment, SpecAugmentConfig, vtlp


def _speechlike(seconds=1.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    return (envelope * (0.3 * np.sin(2 * np.pi * 200 * t) + 0.05 * rng.standard_normal(t.size))).astype(np.float32)


def _snr(clean, mixed):
    noise = mixed - clean
    return 10 * np.log10(np.mean(clean.astype(np.float64) ** 2) / np.mean(noise.astype(np.float64) ** 2))


@pytest.mark.parametrize("snr", [5.0, 12.5, 30.0])
@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0])
def test_achieved_snr_within_1db(snr, exponent):
    clean = _speechlike()
    noise = coloured_noise(len(clean) // 3, np.random.default_rng(1), exponent)  # shorter: must loop
    assert abs(_snr(clean, add_noise(clean, noise, snr)) - snr) < 1.0


def test_babble_snr():
    clean = _speechlike()
    noise = babble([_speechlike(0.7, s) for s in range(1, 4)], len(clean), np.random.default_rng(0))
    assert abs(_snr(clean, add_noise(clean, noise, 10.0)) - 10.0) < 1.0


def test_coloured_noise_slopes():
    rng = np.random.default_rng(0)
    for exponent in (0.0, 1.0, 2.0):
        n = coloured_noise(2**15, rng, exponent)
        spec = np.abs(np.fft.rfft(n)) ** 2
        f = np.fft.rfftfreq(n.size)
        low, high = spec[(f > 0.01) & (f < 0.02)].mean(), spec[(f > 0.2) & (f < 0.4)].mean()
        # power ratio between bands ~ (f_high/f_low)^exponent, about 20^exponent
        assert np.log10(low / high) == pytest.approx(exponent * np.log10(20), abs=0.5)


@pytest.mark.parametrize("factor", [0.9, 1.0, 1.1])
def test_speed_perturbation_changes_duration(factor):
    clean = _speechlike(2.0)
    out = speed_perturb(clean, factor)
    assert len(out) == pytest.approx(len(clean) / factor, rel=0.002)


def test_reverb_keeps_length_and_level():
    rir = simulate_rirs(1, seed=3)[0]
    clean = _speechlike()
    wet = reverberate(clean, rir)
    assert wet.shape == clean.shape and np.abs(wet).max() == pytest.approx(np.abs(clean).max(), rel=1e-4)
    assert not np.allclose(wet, clean)


def test_telephone_band_limits():
    rng = np.random.default_rng(0)
    white = (0.1 * rng.standard_normal(SAMPLE_RATE)).astype(np.float32)
    out = telephone(white)
    assert len(out) == len(white)
    spec = np.abs(np.fft.rfft(out)) ** 2
    f = np.fft.rfftfreq(out.size, 1 / SAMPLE_RATE)
    assert spec[(f > 4500) & (f < 7500)].mean() < 1e-3 * spec[(f > 500) & (f < 3000)].mean()


def test_vtlp_shapes_and_identity():
    feats = torch.randn(2, 30, 80)
    assert torch.allclose(vtlp(feats, 1.0), feats)
    warped = vtlp(feats, 1.1)
    assert warped.shape == feats.shape and not torch.allclose(warped, feats)


def test_augmenter_is_deterministic_and_never_clips():
    aug = Augmenter(AugmentConfig(speed_prob=1, noise_prob=1, reverb_prob=1, telephone_prob=0.5), simulate_rirs(2))
    clean = _speechlike()
    a, effects_a = aug(clean, np.random.default_rng(7), [_speechlike(0.5, 9)])
    b, effects_b = aug(clean, np.random.default_rng(7), [_speechlike(0.5, 9)])
    assert effects_a == effects_b and np.array_equal(a, b)
    assert effects_a[0].startswith("speed") and "reverb" in effects_a
    assert np.abs(a).max() <= 0.99 + 1e-6 and a.dtype == np.float32


def test_feature_augment_batch():
    torch.manual_seed(0)
    feats = torch.randn(3, 50, 80)
    out = FeatureAugment(SpecAugmentConfig(), vtlp_range=(0.9, 1.1))(feats, torch.tensor([50, 40, 30]))
    assert out.shape == feats.shape and not torch.allclose(out, feats)
    assert torch.equal(FeatureAugment(None, None)(feats, torch.tensor([50, 40, 30])), feats)


def test_recorded_noise_is_mixed_at_the_requested_snr(tmp_path):
    hum = (0.2 * np.sin(2 * np.pi * 50 * np.arange(SAMPLE_RATE // 2) / SAMPLE_RATE)).astype(np.float32)
    config = AugmentConfig(speed_prob=0, noise_prob=1, snr_range=(10.0, 10.0), reverb_prob=0, telephone_prob=0,
                           gain_range=(0.0, 0.0))
    clean = _speechlike()
    noisy, effects = Augmenter(config, noises=[hum])(clean, np.random.default_rng(1))
    assert effects == ["recorded@10dB"]
    residual = noisy - clean
    snr = 10 * np.log10(np.mean(clean.astype(np.float64) ** 2) / np.mean(residual.astype(np.float64) ** 2))
    assert abs(snr - 10.0) < 0.1
    # the hum's spectrum, not white noise: nearly all the residual's energy is at 50 Hz
    spectrum = np.abs(np.fft.rfft(residual)) ** 2
    assert spectrum[np.argmax(spectrum)] > 0.5 * spectrum.sum()


def test_load_noises_skips_unreadable_files(tmp_path):
    import json

    import soundfile as sf

    from asr.augment import load_noises

    sf.write(tmp_path / "fan.wav", 0.1 * np.ones(800, np.float32), 8000)
    (tmp_path / "broken.wav").write_bytes(b"RIFF junk")
    rows = [{"audio_filepath": "fan.wav", "duration": 0.1, "text": ""},
            {"audio_filepath": "broken.wav", "duration": 1.0, "text": ""}]
    manifest = tmp_path / "noise.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (clip,) = load_noises(manifest)
    assert len(clip) == SAMPLE_RATE // 10, "resampled to 16 kHz"
    only_broken = tmp_path / "broken.jsonl"
    only_broken.write_text(json.dumps(rows[1]) + "\n")
    with pytest.raises(ValueError, match="no noise recording"):
        load_noises(only_broken)
    with pytest.raises(ValueError, match="no such manifest"):
        load_noises(tmp_path / "missing.jsonl")
