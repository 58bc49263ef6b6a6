import json
import subprocess
import sys

import pytest
import torch
from click.testing import CliRunner

from asr.cli import main
from asr.data import read_manifest
from conftest import SENTENCES


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def test_transcribe_txt_and_json(trained_model, espeak_corpus):
    utt = read_manifest(espeak_corpus)[0]
    result = run("transcribe", utt.audio_filepath, "--model", trained_model / "model.pt")
    assert result.exit_code == 0, result.output
    assert result.output.strip() in SENTENCES or len(result.output.strip()) > 5
    result = run("transcribe", utt.audio_filepath, "--model", trained_model / "model.pt", "--format", "json")
    obj = json.loads(result.output)
    assert obj["file"] == str(utt.audio_filepath) and obj["duration"] > 0
    times = [(w["start"], w["end"]) for w in obj["words"]]
    assert times and all(0 <= s < e <= obj["duration"] + 0.05 for s, e in times)
    assert all(times[i][1] <= times[i + 1][0] + 1e-6 for i in range(len(times) - 1))


def test_transcribe_bad_file_one_line_and_the_rest_go_on(trained_model, espeak_corpus, tmp_path):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF" + bytes(range(256)) * 4)
    good = read_manifest(espeak_corpus)[1].audio_filepath
    # the installed console script, in a real process: no traceback may reach the user
    proc = subprocess.run([sys.executable, "-m", "asr.cli", "transcribe", str(corrupt), str(good),
                           "--model", str(trained_model / "model.pt")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "corrupt.wav" in errors[0] and "not a readable audio file" in errors[0]
    assert "1 of 2 file(s) failed" in proc.stderr
    assert str(good) in proc.stdout, "the good file is still transcribed"


def test_transcribe_bad_model(tmp_path, espeak_corpus):
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"not a model")
    result = run("transcribe", read_manifest(espeak_corpus)[0].audio_filepath, "--model", bad)
    assert result.exit_code == 1 and "error:" in result.output and "Traceback" not in result.output


def test_evaluate_prints_rates_and_writes_hypotheses(trained_model, espeak_corpus, tmp_path):
    out = tmp_path / "eval"
    result = run("evaluate", espeak_corpus, "--model", trained_model / "model.pt", "--output-dir", out)
    assert result.exit_code == 0, result.output
    assert "WER" in result.output and "CER" in result.output and "sub" in result.output
    (report_dir,) = out.iterdir()
    hyps = [json.loads(line) for line in (report_dir / "hyps.jsonl").read_text().splitlines()]
    assert len(hyps) == 8 and {"id", "ref", "hyp", "wer", "errors"} <= set(hyps[0])
    summary = json.loads((report_dir / "summary.json").read_text())
    assert summary["utterances"] == 8 and 0 <= summary["cer"] < 0.1
    assert summary["words"]["reference"] == sum(len(s.split()) for s in SENTENCES)


def test_evaluate_beam_options_reach_the_decoder(trained_model, espeak_corpus, tmp_path):
    model = trained_model / "model.pt"
    for extra, tokens in ((["--beam-tokens", "3"], 3), (["--beam-tokens", "0"], None)):
        out = tmp_path / f"eval{tokens}"
        result = run("evaluate", espeak_corpus, "--model", model, "--output-dir", out, "--beam", "4",
                     "--beam-threshold", "12.5", *extra)
        assert result.exit_code == 0, result.output
        (report_dir,) = out.iterdir()
        decoding = json.loads((report_dir / "summary.json").read_text())["decoding"]
        assert (decoding["beam_size"], decoding["beam_size_token"], decoding["beam_threshold"]) == (4, tokens, 12.5)
    for bad in (["--beam", "0"], ["--beam-tokens", "-1"], ["--beam-threshold", "0"]):
        result = run("evaluate", espeak_corpus, "--model", model, *bad)
        assert result.exit_code != 0 and "Traceback" not in result.output
        assert "beam" in result.output.lower(), result.output


def test_evaluate_broken_manifest(trained_model, espeak_corpus, tmp_path):
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"audio_filepath": "a.wav", "duration": 1, "text": "x"}\n{oops\n')
    unreadable = tmp_path / "u.jsonl"
    unreadable.write_text('{"audio_filepath": "missing.wav", "duration": 1, "text": "x"}\n')
    out = tmp_path / "eval"
    result = run("evaluate", manifest, espeak_corpus, unreadable, "--model", trained_model / "model.pt",
                 "--output-dir", out)
    assert result.exit_code == 1 and "m.jsonl:2" in result.output and "u.jsonl: no utterance" in result.output
    assert "2 of 3 manifest(s) failed" in result.output
    # the good manifest between them is still scored and reported
    (report_dir,) = out.iterdir()
    assert json.loads((report_dir / "summary.json").read_text())["utterances"] == 8


def test_train_cli_bad_config(tmp_path, espeak_corpus):
    conf = tmp_path / "c.yaml"
    conf.write_text("train:\n  epocs: 3\n")
    result = run("train", "--config", conf, "--train", espeak_corpus, "--dev", espeak_corpus, "--out", tmp_path / "x")
    assert result.exit_code == 1 and "epocs" in result.output


def test_train_cli_runs(tmp_path, espeak_corpus):
    out = tmp_path / "exp"
    result = run("train", "--train", espeak_corpus, "--dev", espeak_corpus, "--out", out,
                 "--set", "train.epochs=1", "--set", "model.hidden_size=8", "--set", "model.num_layers=1")
    assert result.exit_code == 0, result.output
    assert "done: 1 epoch(s)" in result.output and (out / "model.pt").is_file()


@pytest.mark.parametrize("args", [["--help"], ["transcribe", "--help"], ["--version"]])
def test_help(args):
    assert run(*args).exit_code == 0


def test_transcribe_folder_and_manifest_to_output_dir(trained_model, espeak_corpus, tmp_path):
    out = tmp_path / "out"
    audio_dir = espeak_corpus.parent / "audio"
    result = run("transcribe", audio_dir, "--model", trained_model / "model.pt", "--output-dir", out, "-f", "vtt")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.stem + ".vtt" for p in audio_dir.glob("*.flac"))
    assert all(p.read_text().startswith("WEBVTT") for p in out.iterdir())
    result = run("transcribe", espeak_corpus, "--model", trained_model / "model.pt")
    assert result.exit_code == 0 and len(result.output.strip().splitlines()) == 8


def test_transcribe_never_overwrites_an_input(trained_model, espeak_corpus, tmp_path):
    import shutil

    victim = tmp_path / "speech.json"  # audio with an unlucky name
    shutil.copy(read_manifest(espeak_corpus)[0].audio_filepath, victim)
    before = victim.read_bytes()
    result = run("transcribe", victim, "--model", trained_model / "model.pt", "-f", "json", "--output-dir", tmp_path)
    assert result.exit_code == 1 and "refusing to overwrite" in result.output
    assert victim.read_bytes() == before


def test_corpus_synth_refuses_a_misspelt_engine_weight(tmp_path):
    sentences = tmp_path / "s.txt"
    sentences.write_text("one two three\n")
    result = run("corpus", "synth", sentences, "-o", tmp_path / "out", "--engine-weight", "espeak-ng=1",
                 "--engine-weight", "mbrola-acented=2")
    assert result.exit_code == 1 and "unknown TTS engine(s) mbrola-acented" in result.output
    assert not (tmp_path / "out" / "manifest.jsonl").exists()


def test_train_cli_stopped_by_a_signal_exits_with_the_shells_status(tmp_path, espeak_corpus):
    """A stop by SIGTERM saves last.pt and exits 128 + 15, so that a recipe's next stage (averaging) does not
    run on an unfinished schedule; --resume then goes on from the saved step."""
    import os
    import signal
    import threading

    out = tmp_path / "exp"
    args = ["train", "--train", espeak_corpus, "--dev", espeak_corpus, "--out", out, "--set", "train.epochs=500",
            "--set", "model.hidden_size=8", "--set", "model.num_layers=1"]
    timer = threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    result = run(*args)
    timer.cancel()
    assert result.exit_code == 128 + signal.SIGTERM, result.output
    assert "checkpoint saved" in result.output and (out / "last.pt").is_file()
    assert "done:" not in result.output


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("command", [["transcribe", "{wav}"], ["evaluate", "{manifest}"],
                                     ["align", "{wav}", "some words"]])
def test_device_option_asks_for_cuda_clearly(trained_model, espeak_corpus, command):
    """Every command that loads a model takes --device (auto by default); CUDA asked for where there is none is
    one clear error."""
    wav = read_manifest(espeak_corpus)[0].audio_filepath
    args = [a.format(wav=wav, manifest=espeak_corpus) for a in command]
    result = run(*args, "--model", trained_model / "model.pt", "--device", "cuda")
    assert result.exit_code == 1 and "CUDA is not available" in result.output, result.output
    assert "Traceback" not in result.output
