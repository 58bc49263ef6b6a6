import json

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from asr.audio import SAMPLE_RATE
from asr.augment import AugmentConfig
from asr.cli import main
from asr.corpus.perturb import perturb_corpus
from asr.data import read_manifest


def _recordings(tmp_path, n=3):
    """``n`` speech-like recordings at 22.05 kHz (resampled on load) and their manifest."""
    rate, rows = 22_050, []
    (tmp_path / "rec").mkdir()
    for i in range(n):
        rng = np.random.default_rng(i)
        t = np.arange(int(rate * (0.8 + 0.2 * i))) / rate
        wav = (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)) * (0.3 * np.sin(2 * np.pi * (150 + 50 * i) * t)
                                                          + 0.02 * rng.standard_normal(t.size))
        sf.write(tmp_path / "rec" / f"{i}.wav", wav.astype(np.float32), rate)
        rows.append({"audio_filepath": f"rec/{i}.wav", "duration": len(t) / rate, "text": f"word {i}",
                     "speaker": f"s{i}"})
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return manifest


def test_copies_keep_text_and_speaker_and_differ(tmp_path):
    manifest = _recordings(tmp_path)
    out, failures = perturb_corpus(manifest, tmp_path / "a", copies=2, seed=7, progress=False, jobs=1,
                                   augment=AugmentConfig(speed_prob=1.0, reverb_prob=0.0))
    made = read_manifest(out)
    assert not failures and len(made) == 6
    source = read_manifest(manifest)
    assert [(u.text, u.speaker) for u in made] == [(s.text, s.speaker) for s in source for _ in range(2)]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(r["augment"][0].startswith("speed") for r in rows), "every copy has its speed perturbed"
    first, second = (sf.read(u.audio_filepath)[0] for u in made[:2])
    info = sf.info(str(made[0].audio_filepath))
    assert info.samplerate == SAMPLE_RATE and abs(info.frames / SAMPLE_RATE - made[0].duration) < 0.002
    assert len(first) != len(second) or not np.allclose(first, second), "two copies, two effect chains"
    # the speed factor is in the row, and the duration follows it
    factor = float(rows[0]["augment"][0][len("speed"):])
    assert abs(made[0].duration - source[0].duration / factor) < 0.01


def test_same_seed_same_audio_and_resume(tmp_path):
    manifest = _recordings(tmp_path)
    kwargs = dict(copies=1, seed=3, progress=False, jobs=2, rir_bank=tmp_path / "rirs.npz")
    out_a, _ = perturb_corpus(manifest, tmp_path / "a", **kwargs)
    out_b, _ = perturb_corpus(manifest, tmp_path / "b", **kwargs)
    a, b = read_manifest(out_a), read_manifest(out_b)
    assert all((sf.read(x.audio_filepath)[0] == sf.read(y.audio_filepath)[0]).all() for x, y in zip(a, b))
    kept, target = a[0].audio_filepath, a[2].audio_filepath
    mtime = kept.stat().st_mtime_ns
    target.unlink()
    out, failures = perturb_corpus(manifest, tmp_path / "a", **kwargs)
    assert not failures and target.is_file() and kept.stat().st_mtime_ns == mtime
    assert len(read_manifest(out)) == 3
    with pytest.raises(ValueError, match="other settings"):
        perturb_corpus(manifest, tmp_path / "a", **{**kwargs, "seed": 4})


def test_unreadable_and_silent_files_are_reported_and_the_rest_made(tmp_path):
    manifest = _recordings(tmp_path, n=2)
    (tmp_path / "rec" / "bad.wav").write_bytes(b"not audio at all")
    sf.write(tmp_path / "rec" / "silent.wav", np.zeros(8000, dtype=np.float32), SAMPLE_RATE)
    with open(manifest, "a") as f:
        for name in ("bad.wav", "missing.wav", "silent.wav"):
            f.write(json.dumps({"audio_filepath": f"rec/{name}", "duration": 0.5, "text": "x"}) + "\n")
    out, failures = perturb_corpus(manifest, tmp_path / "a", progress=False, jobs=1)
    assert len(read_manifest(out)) == 2 and len(failures) == 3
    assert any("bad.wav" in f for f in failures) and any("missing.wav" in f for f in failures)
    assert any("silent.wav" in f and "silent" in f for f in failures)


def test_cli_reports_broken_lines_without_a_traceback(tmp_path):
    manifest = _recordings(tmp_path, n=2)
    with open(manifest, "a") as f:
        f.write("{broken\n")
    result = CliRunner().invoke(main, ["corpus", "perturb", str(manifest), "-o", str(tmp_path / "a"), "-j", "1"])
    assert result.exit_code != 0 and "m.jsonl:3" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["corpus", "perturb", str(manifest), "-o", str(tmp_path / "a"), "-j", "1",
                                       "--skip-broken", "--copies", "2"])
    assert result.exit_code == 0, result.output
    assert "4 utterances" in result.output and len(read_manifest(tmp_path / "a" / "manifest.jsonl")) == 4
