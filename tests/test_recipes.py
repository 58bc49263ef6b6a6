"""Recipes run end to end on fixtures in the real corpus layouts."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from asr.data import read_manifest
from conftest import REPO


def _env():
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    return env


def test_librispeech_recipe_on_a_fixture(espeak_corpus, tmp_path):
    """A miniature LibriSpeech tree (espeak-ng audio as FLAC) through import, training and evaluation."""
    root = tmp_path / "LibriSpeech"
    utts = read_manifest(espeak_corpus)
    for split, chosen in (("train-clean-100", utts), ("dev-clean", utts[:4]), ("test-clean", utts[4:])):
        chapter = root / split / "19" / "198"
        chapter.mkdir(parents=True)
        lines = []
        for i, u in enumerate(chosen):
            uid = f"19-198-{i:04d}"
            shutil.copy(u.audio_filepath, chapter / f"{uid}.flac")
            lines.append(f"{uid} {u.text.upper()}")
        (chapter / "19-198.trans.txt").write_text("\n".join(lines) + "\n")
    exp = tmp_path / "exp"
    proc = subprocess.run(
        ["bash", str(REPO / "recipes/librispeech/run.sh"), "--corpus-dir", str(root), "--data", str(tmp_path / "data"),
         "--exp", str(exp), "--config", str(REPO / "tests/overfit.yaml"), "--set", "train.epochs=2",
         "--set", "model.hidden_size=16", "--set", "model.num_layers=1"],
        capture_output=True, text=True, env=_env(), cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    assert "no train-clean-360; skipped" in proc.stdout
    assert len(read_manifest(tmp_path / "data" / "train.jsonl")) == len(utts)
    assert (exp / "model.pt").is_file()
    report = (exp / "eval" / "results.txt").read_text()
    assert "test-clean.jsonl: 4 utterances" in report and "| test-clean | 4 |" in report
    assert (exp / "eval" / "test-clean" / "report.html").is_file()
