"""The `asr` command: a thin click layer over the library."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import click

from . import __version__
from .audio import AudioError
from .config import ConfigError
from .data import ManifestError
from .package import ModelFileError

def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="asr")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(verbose: bool) -> None:
    """Speech recognition: train CTC models, transcribe audio, evaluate on manifests."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-m", "--model", "model_path", type=click.Path(path_type=Path), help="Model file (default: the bundled model).")
@click.option("-f", "--format", "fmt", type=click.Choice(["txt", "json"]), default="txt", show_default=True)
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:N or auto.")
def transcribe(files: tuple[Path, ...], model_path: Path | None, fmt: str, device: str) -> None:
    """Transcribe audio FILES; failures are reported on stderr and the rest go on."""
    from .transcribe import Transcriber

    try:
        model = Transcriber.from_file(model_path, device=device)
    except (ModelFileError, ValueError) as e:
        _fail(str(e))
    failed = 0
    for path in files:
        try:
            result = model.transcribe(path)
        except AudioError as e:
            failed += 1
            click.echo(f"error: {e}", err=True)
            continue
        if fmt == "json":
            click.echo(json.dumps({"file": str(path), **result.to_dict()}, ensure_ascii=False))
        else:
            click.echo(result.text if len(files) == 1 else f"{path}\t{result.text}")
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) failed", err=True)
        sys.exit(1)


@main.command()
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("-m", "--model", "model_path", type=click.Path(path_type=Path), help="Model file (default: the bundled model).")
@click.option("-o", "--output-dir", type=click.Path(path_type=Path), help="Where to write hypotheses and the summary "
              "(default: exp/eval/<manifest name>).")
@click.option("--skip-broken", is_flag=True, help="Skip broken manifest lines instead of stopping.")
@click.option("--device", default="cpu", show_default=True)
def evaluate(manifest: Path, model_path: Path | None, output_dir: Path | None, skip_broken: bool, device: str) -> None:
    """Word and character error rates of a model on MANIFEST."""
    from .data import SpeechDataset, read_manifest
    from .evaluate import score
    from .inference import decode_dataset
    from .transcribe import Transcriber

    try:
        model = Transcriber.from_file(model_path, device=device)
        utterances = read_manifest(manifest, skip_broken=skip_broken)
    except (ModelFileError, ManifestError, ValueError) as e:
        _fail(str(e))
    dataset = SpeechDataset(utterances, model.packaged.tokenizer, model.packaged.feature_config)
    started = time.time()
    _, decoded = decode_dataset(model.model, dataset, model.decoder, model.device, description="evaluating")
    elapsed = time.time() - started
    if not decoded:
        _fail(f"{manifest}: no utterance could be decoded")
    s = score([d.reference for d in decoded], [d.hypothesis.text for d in decoded])
    audio_seconds = sum(d.duration for d in decoded)
    output_dir = output_dir or Path("exp/eval") / manifest.stem
    output_dir.mkdir(parents=True, exist_ok=True)
    with open(output_dir / "hyps.jsonl", "w", encoding="utf-8") as f:
        for d in decoded:
            u = score([d.reference], [d.hypothesis.text])
            f.write(json.dumps({"id": d.id, "ref": d.reference, "hyp": d.hypothesis.text,
                                "wer": round(u.wer, 4), "cer": round(u.cer, 4)}) + "\n")
    failed = len(dataset) - len(decoded)
    summary = {"manifest": str(manifest), **s.summary(), "failed": failed, "audio_seconds": round(audio_seconds, 2),
               "real_time_factor": round(elapsed / max(audio_seconds, 1e-9), 4)}
    (output_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    w, c = s.words, s.chars
    click.echo(f"{manifest}: {s.sentences} utterances, {audio_seconds / 60:.1f} min")
    click.echo(f"WER {100 * s.wer:.2f}% [{w.errors} / {w.reference_length}: {w.substitutions} sub, "
               f"{w.deletions} del, {w.insertions} ins]")
    click.echo(f"CER {100 * s.cer:.2f}% [{c.errors} / {c.reference_length}: {c.substitutions} sub, "
               f"{c.deletions} del, {c.insertions} ins]")
    click.echo(f"SER {100 * s.ser:.2f}%, real-time factor {summary['real_time_factor']:.4f}")
    if failed:
        click.echo(f"{failed} utterance(s) could not be loaded (see warnings above)", err=True)
    click.echo(f"per-utterance hypotheses: {output_dir / 'hyps.jsonl'}")


@main.command()
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), help="YAML experiment config.")
@click.option("--train", "train_manifest", required=True, type=click.Path(path_type=Path))
@click.option("--dev", "dev_manifest", required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option("--resume", is_flag=True, help="Continue from OUT/last.pt.")
@click.option("--skip-broken", is_flag=True, help="Skip broken manifest lines instead of stopping.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a config value, "
              "e.g. --set train.epochs=5 (values are YAML).")
def train(config_path: Path | None, train_manifest: Path, dev_manifest: Path, out_dir: Path, resume: bool,
          skip_broken: bool, overrides: tuple[str, ...]) -> None:
    """Train a CTC model."""
    import yaml

    from .config import load_config
    from .train import TrainingError, train as run_training

    logging.getLogger("asr").setLevel(logging.INFO)
    try:
        parsed = {}
        for item in overrides:
            key, sep, value = item.partition("=")
            if not sep:
                raise ConfigError(f"--set {item!r}: expected KEY=VALUE")
            parsed[key] = yaml.safe_load(value)
        config = load_config(config_path, parsed)
        result = run_training(config, train_manifest, dev_manifest, out_dir, resume=resume, skip_broken=skip_broken)
    except (ConfigError, ManifestError, ModelFileError, TrainingError) as e:
        _fail(str(e))
    click.echo(
        f"done: {result.epochs_run} epoch(s), {result.steps} steps in {result.seconds / 60:.1f} min; "
        f"best dev WER {100 * result.best_dev_wer:.2f}%, CER {100 * result.best_dev_cer:.2f}% "
        f"(epoch {result.best_epoch}); {result.skipped_steps} step(s) skipped; model: {out_dir / 'model.pt'}"
    )


@main.group()
def corpus() -> None:
    """Make training data."""


@corpus.command("synth")
@click.argument("sentences", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option("--engine", "engines", multiple=True, help="TTS engine(s) to use (default: all installed).")
@click.option("--repeats", default=1, show_default=True, help="Utterances per sentence, each with its own voice.")
@click.option("--seed", default=0, show_default=True)
@click.option("-j", "--jobs", type=int, help="Parallel processes (default: all cores).")
def corpus_synth(sentences: Path, out_dir: Path, engines: tuple[str, ...], repeats: int, seed: int,
                 jobs: int | None) -> None:
    """Synthesise SENTENCES (one per line) into OUT/audio and OUT/manifest.jsonl."""
    from .corpus.tts import available_engines, synthesize_corpus
    from .text import normalize

    lines = [normalize(line) for line in sentences.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    try:
        voices = [v for e in available_engines(engines or None) for v in e.voices()]
        manifest, failures = synthesize_corpus(lines, out_dir, voices, seed=seed, repeats=repeats, jobs=jobs)
    except ValueError as e:
        _fail(str(e))
    for f in failures:
        click.echo(f"error: {f}", err=True)
    click.echo(f"{len(lines) * repeats - len(failures)} utterances from {len(voices)} voices: {manifest}")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
