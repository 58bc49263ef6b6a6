"""The `asr` command: a thin click layer over the library."""

from __future__ import annotations

import functools
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


def _decoding_options(f):
    """Options shared by the commands that decode, handed to the command as one ``decoding`` dict."""
    options = [
        click.option("--beam", "beam_size", type=int, help="Beam search with this beam (default: the model's "
                     "tuned settings, else greedy)."),
        click.option("--beam-tokens", "beam_size_token", type=click.IntRange(min=0),
                     help="Tokens tried per frame in beam search, likeliest first; 0: all (default: the model's "
                     "setting, else all)."),
        click.option("--beam-threshold", type=click.FloatRange(min=0, min_open=True),
                     help="Drop beam hypotheses this far (log-prob) below the best (default: the model's setting, "
                     "else 25)."),
        click.option("--lm", "lm_path", type=click.Path(path_type=Path), help="KenLM binary for shallow fusion."),
        click.option("--lm-weight", type=float, help="LM weight (default: tuned value or 0.5)."),
        click.option("--word-score", type=float, help="Word insertion bonus (default: tuned value or 0)."),
        click.option("--greedy", is_flag=True, help="Greedy decoding even if the model has tuned beam settings."),
    ]
    names = ("beam_size", "beam_size_token", "beam_threshold", "lm_path", "lm_weight", "word_score", "greedy")

    @functools.wraps(f)
    def command(*args, **kwargs):
        return f(*args, decoding={name: kwargs.pop(name) for name in names}, **kwargs)

    for option in reversed(options):
        command = option(command)
    return command


# As whisper does: the GPU when there is one. The beam search itself runs on the CPU either way.
_device_option = click.option("--device", default="auto", show_default=True,
                              help="auto (CUDA when available, else the CPU), cpu, cuda or cuda:N.")


def _decoding_config(model_path: Path | None, decoding: dict, nbest: int = 1):
    """Command-line options (``decoding``, from ``_decoding_options``) over the model's tuned settings
    (model.decoding.yaml) over defaults."""
    import dataclasses

    from .decoding import DecodingConfig, load_decoding_config
    from .package import DEFAULT_MODEL

    base = load_decoding_config(model_path or DEFAULT_MODEL) or DecodingConfig()
    if decoding["greedy"]:
        return DecodingConfig()
    changes: dict = {"nbest": nbest}
    if decoding["beam_size"] is not None:
        changes.update(method="beam", beam_size=decoding["beam_size"])
    if decoding["beam_size_token"] is not None:
        changes["beam_size_token"] = decoding["beam_size_token"] or None  # 0: every token
    if decoding["beam_threshold"] is not None:
        changes["beam_threshold"] = decoding["beam_threshold"]
    if decoding["lm_path"] is not None:
        changes.update(method="beam", lm=str(decoding["lm_path"]))
    for name in ("lm_weight", "word_score"):
        if decoding[name] is not None:
            changes[name] = decoding[name]
    if nbest > 1:
        changes["method"] = "beam"
    try:
        return dataclasses.replace(base, **changes)
    except ValueError as e:
        _fail(str(e))


def _load_transcriber(model_path: Path | None, device: str, decoding, hotwords: tuple[str, ...] = ()):
    from .beam_search import parse_hotwords
    from .lm import LMError
    from .transcribe import Transcriber

    try:
        return Transcriber.from_file(model_path, device=device, decoding=decoding,
                                     hotwords=parse_hotwords(hotwords))
    except (ModelFileError, ConfigError, LMError, ValueError) as e:
        _fail(str(e))


AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif", ".au", ".caf", ".w64")


def expand_inputs(inputs: tuple[Path, ...]) -> list[Path]:
    """Files as given; directories searched recursively for audio; ``.jsonl`` manifests read."""
    from .data import read_manifest

    out: list[Path] = []
    for item in inputs:
        if item.is_dir():
            out += sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
        elif item.suffix == ".jsonl" and item.is_file():
            out += [u.audio_filepath for u in read_manifest(item, skip_broken=True)]
        else:
            out.append(item)
    return out


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-m", "--model", "model_path", type=click.Path(path_type=Path), help="Model file (default: the bundled model).")
@click.option("-f", "--format", "fmt", type=click.Choice(["txt", "json", "srt", "vtt"]), default="txt",
              show_default=True)
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write one OUTPUT_DIR/<name>.<format> per input instead of printing.")
@_decoding_options
@click.option("--hotword", "hotwords", multiple=True, metavar="WORD[:BONUS]",
              help="Boost a word or phrase (repeatable); needs beam search with an LM or the word in its vocabulary.")
@click.option("--nbest", default=1, show_default=True, help="Print the N best hypotheses (json: an 'nbest' list).")
@_device_option
def transcribe(inputs: tuple[Path, ...], model_path: Path | None, fmt: str, output_dir: Path | None,
               decoding: dict, hotwords: tuple[str, ...], nbest: int, device: str) -> None:
    """Transcribe audio files, folders of them (recursively) or manifests (.jsonl).

    Files of any length are read in blocks and split at pauses. A file that fails is reported on
    stderr and the rest go on; the exit status is 1 when any failed.
    """
    from .formats import render

    try:
        files = expand_inputs(inputs)
    except ManifestError as e:
        _fail(str(e))
    if not files:
        _fail("no audio files found in the given inputs")
    model = _load_transcriber(model_path, device, _decoding_config(model_path, decoding, nbest), hotwords)
    resolved_inputs = {p.resolve() for p in files if p.exists()}
    failed = 0
    for path in files:
        try:
            if nbest > 1:
                audio = model.load(path)
                hyps = model.nbest(audio, model.sample_rate)
                result = None
            else:
                result = model.transcribe_file(path, progress=sys.stderr.isatty())
                hyps = []
        except AudioError as e:
            failed += 1
            click.echo(f"error: {e}", err=True)
            continue
        text = result.text if result else hyps[0].text
        words = result.words if result else hyps[0].words

        def record(result=result, hyps=hyps, path=path) -> dict:
            out = {"file": str(path), **(result.to_dict() if result else {
                "text": hyps[0].text, "words": [{"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3),
                                                 "confidence": round(w.confidence, 4)} for w in hyps[0].words]})}
            if hyps:
                out["nbest"] = [{"text": h.text, "score": round(h.score, 3)} for h in hyps]
            return out

        if fmt == "txt" and len(hyps) > 1:
            rendered = "\n".join(f"{h.score:10.3f}  {h.text}" for h in hyps)
        else:
            rendered = render(fmt, text, words, record)
        if output_dir is not None:
            target = output_dir / f"{path.stem}.{fmt}"
            if target.resolve() in resolved_inputs:
                failed += 1
                click.echo(f"error: {path}: refusing to overwrite an input file with {target}", err=True)
                continue
            output_dir.mkdir(parents=True, exist_ok=True)
            target.write_text(rendered + "\n", encoding="utf-8")
        elif fmt == "txt" and len(files) > 1:
            click.echo(f"{path}\t{text}")
        else:
            click.echo(rendered)
    if failed:
        if len(files) > 1:
            click.echo(f"{failed} of {len(files)} file(s) failed", err=True)
        sys.exit(1)


@main.command()
@click.argument("audio", type=click.Path(path_type=Path))
@click.argument("text")
@click.option("-m", "--model", "model_path", type=click.Path(path_type=Path), help="Model file (default: the bundled model).")
@click.option("-f", "--format", "fmt", type=click.Choice(["txt", "json", "srt", "vtt"]), default="txt",
              show_default=True)
@click.option("--refine/--no-refine", default=True, show_default=True,
              help="Move word boundaries to the edges of the words' sound (else: CTC token spans as they are).")
@_device_option
def align(audio: Path, text: str, model_path: Path | None, fmt: str, refine: bool, device: str) -> None:
    """Word times of TEXT (a transcript, or @file to read it) in AUDIO, by CTC forced alignment."""
    from .align import AlignmentError
    from .decoding import DecodingConfig
    from .formats import render

    if text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
    model = _load_transcriber(model_path, device, DecodingConfig())
    try:
        words = model.align(audio, text, refine=refine)
    except (AudioError, AlignmentError) as e:
        _fail(str(e))
    if fmt == "txt":
        for w in words:
            click.echo(f"{w.start:8.3f} {w.end:8.3f} {w.confidence:6.3f}  {w.word}")
    else:
        plain = " ".join(w.word for w in words)
        click.echo(render(fmt, plain, words, lambda: {"file": str(audio), "text": plain, "words": [
            {"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3),
             "confidence": round(w.confidence, 4)} for w in words]}))


@main.command()
@click.argument("manifests", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-m", "--model", "model_path", type=click.Path(path_type=Path), help="Model file (default: the bundled model).")
@click.option("-o", "--output-dir", type=click.Path(path_type=Path), help="Reports go to OUTPUT_DIR/<manifest name>/ "
              "(default: exp/eval).")
@click.option("--skip-broken", is_flag=True, help="Skip broken manifest lines instead of stopping.")
@_decoding_options
@_device_option
def evaluate(manifests: tuple[Path, ...], model_path: Path | None, output_dir: Path | None, skip_broken: bool,
             decoding: dict, device: str) -> None:
    """WER, CER, SER and error analysis of a model on each MANIFEST.

    A manifest that cannot be read (a broken line without --skip-broken) or has no readable
    utterance is reported on stderr and the others go on; the exit status is 1 when any failed.

    Writes hyps.jsonl, errs.txt (icefall-style alignments), summary.json and a self-contained
    report.html per manifest, each with a per-speaker breakdown when the manifest names speakers;
    several manifests end with one markdown table.
    """
    import dataclasses as dc

    from .data import SpeechDataset, read_manifest
    from .inference import decode_dataset
    from .report import build_report, markdown_table, write_report

    config = _decoding_config(model_path, decoding)
    model = _load_transcriber(model_path, device, config)
    output_dir = output_dir or Path("exp/eval")
    names = [m.parent.name + "_" + m.stem if m.stem in {"test", "dev", "train", "all", "manifest"} else m.stem
             for m in manifests]
    reports, failed = [], []
    for manifest, name in zip(manifests, names):
        try:
            utterances = read_manifest(manifest, skip_broken=skip_broken)
        except ManifestError as e:  # this manifest is reported and left out; the others go on
            click.echo(f"error: {e}", err=True)
            failed.append(manifest)
            continue
        dataset = SpeechDataset(utterances, model.packaged.tokenizer, model.packaged.feature_config)
        started = time.time()
        _, decoded = decode_dataset(model.model, dataset, model.decoder, model.device, description=name)
        elapsed = time.time() - started
        if not decoded:
            click.echo(f"error: {manifest}: no utterance could be decoded", err=True)
            failed.append(manifest)
            continue
        speakers = [dataset.utterances[d.index].speaker for d in decoded]
        report = build_report(name, [d.id for d in decoded], [d.reference for d in decoded],
                              [d.hypothesis.text for d in decoded], [d.duration for d in decoded], speakers,
                              elapsed, failed=len(dataset) - len(decoded), decoding=dc.asdict(config))
        paths = write_report(report, output_dir / name)
        reports.append(report)
        s, w, c = report.score, report.score.words, report.score.chars
        click.echo(f"{manifest}: {s.sentences} utterances, {report.audio_seconds / 60:.1f} min; decoding: "
                   f"{config.method}" + (f" (beam {config.beam_size}, {config.beam_size_token or 'all'} tokens a "
                                         f"frame, LM {config.lm}, weight {config.lm_weight}, word score "
                                         f"{config.word_score})" if config.method == "beam" else ""))
        click.echo(f"WER {100 * s.wer:.2f}% [{w.errors} / {w.reference_length}: {w.substitutions} sub, "
                   f"{w.deletions} del, {w.insertions} ins]")
        click.echo(f"CER {100 * s.cer:.2f}% [{c.errors} / {c.reference_length}: {c.substitutions} sub, "
                   f"{c.deletions} del, {c.insertions} ins]")
        click.echo(f"SER {100 * s.ser:.2f}%, real-time factor {report.rtf:.4f}")
        top = report.frequent_errors(3)
        for kind, rows in top.items():
            if rows:
                click.echo(f"  most frequent {kind}: " + ", ".join(f"{w} ({n})" for w, n in rows))
        if report.failed:
            click.echo(f"{report.failed} utterance(s) could not be loaded (see warnings above)", err=True)
        click.echo(f"report: {paths['html']}  hypotheses: {paths['hyps']}  alignments: {paths['errs']}")
    if len(reports) > 1:
        click.echo("\n" + markdown_table(reports))
    if failed:
        if len(manifests) > 1:
            click.echo(f"{len(failed)} of {len(manifests)} manifest(s) failed: {', '.join(map(str, failed))}",
                       err=True)
        sys.exit(1)


@main.command()
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), help="YAML experiment config.")
@click.option("--train", "train_manifest", required=True, type=click.Path(path_type=Path))
@click.option("--dev", "dev_manifest", required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option("--resume", is_flag=True, help="Continue from OUT/last.pt.")
@click.option("--init", "init_model", type=click.Path(path_type=Path), metavar="MODEL",
              help="Start from this model file's weights, CMVN and tokenizer (fine-tuning, or a new schedule "
                   "after a finished one); optimizer and schedule start afresh. With --resume, last.pt wins.")
@click.option("--skip-broken", is_flag=True, help="Skip broken manifest lines instead of stopping.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a config value, "
              "e.g. --set train.epochs=5 (values are YAML).")
def train(config_path: Path | None, train_manifest: Path, dev_manifest: Path, out_dir: Path, resume: bool,
          init_model: Path | None, skip_broken: bool, overrides: tuple[str, ...]) -> None:
    """Train a CTC model."""
    import yaml

    from .config import load_config
    from .train import TrainingError, TrainingStopped, train as run_training

    logging.getLogger("asr").setLevel(logging.INFO)
    try:
        parsed = {}
        for item in overrides:
            key, sep, value = item.partition("=")
            if not sep:
                raise ConfigError(f"--set {item!r}: expected KEY=VALUE")
            parsed[key] = yaml.safe_load(value)
        config = load_config(config_path, parsed)
        result = run_training(config, train_manifest, dev_manifest, out_dir, resume=resume, skip_broken=skip_broken,
                              init=init_model)
    except (ConfigError, ManifestError, ModelFileError, TrainingError) as e:
        _fail(str(e))
    except TrainingStopped as e:
        # Not 0: a recipe's next stage (averaging, packaging) must not run on an unfinished schedule.
        click.echo(str(e), err=True)
        sys.exit(128 + e.signum)
    click.echo(
        f"done: {result.epochs_run} epoch(s), {result.steps} steps in {result.seconds / 60:.1f} min; "
        f"best dev WER {100 * result.best_dev_wer:.2f}%, CER {100 * result.best_dev_cer:.2f}% "
        f"(epoch {result.best_epoch}); {result.skipped_steps} step(s) skipped; model: {out_dir / 'model.pt'}"
    )


@main.command()
@click.argument("models", nargs=-1, type=click.Path(path_type=Path))
@click.option("--exp", "exp_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Average epoch-*.pt of this training folder instead of listing MODELS.")
@click.option("--last", type=int, help="With --exp: the last N epochs.")
@click.option("--best", type=int, help="With --exp: the N epochs with the best dev WER.")
@click.option("-o", "--out", required=True, type=click.Path(path_type=Path))
def average(models: tuple[Path, ...], exp_dir: Path | None, last: int | None, best: int | None, out: Path) -> None:
    """Average the weights of several model files (or of a run's last/best N epochs)."""
    from .average import average_models, epoch_models
    from .package import save_model

    try:
        paths = list(models) or (epoch_models(exp_dir, last, best) if exp_dir else [])
        if not paths:
            raise ModelFileError("give model files, or --exp DIR with --last N or --best N")
        save_model(average_models(paths), out)
    except ModelFileError as e:
        _fail(str(e))
    click.echo(f"averaged {len(paths)} model(s): {', '.join(map(str, paths))} -> {out}")


@main.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--layers", required=True, type=int, help="Encoder layers of the grown model (more than MODEL has).")
@click.option("--seed", default=0, show_default=True, help="Seeds the new layers' initial weights.")
@click.option("-o", "--out", required=True, type=click.Path(path_type=Path))
def grow(model: Path, layers: int, seed: int, out: Path) -> None:
    """Stack new encoder layers on MODEL's trained ones, to train on with `asr train --init OUT
    --set model.num_layers=N`."""
    from .grow import deepen
    from .package import load_model_file, save_model

    try:
        parent = load_model_file(model)
        grown = deepen(parent, layers, seed)
        save_model(grown, out)
    except ModelFileError as e:
        _fail(str(e))
    click.echo(f"{model}: {parent.model.config.num_layers} -> {layers} encoder layers, "
               f"{grown.model.num_parameters() / 1e6:.2f}M parameters -> {out}")


@main.command()
@click.argument("manifests", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path),
              help="Experiment config whose feature settings to use (default: the defaults).")
@click.option("--shard-frames", default=500_000, show_default=True, help="Frames per shard file.")
@click.option("-j", "--jobs", type=int, help="Parallel processes (default: all cores).")
def features(manifests: tuple[Path, ...], out_dir: Path, config_path: Path | None, shard_frames: int,
             jobs: int | None) -> None:
    """Precompute the log-mels of MANIFESTS into sharded files (use with train.feature_shards=OUT).

    A cache already in OUT is extended with the utterances it lacks."""
    from .config import load_config
    from .data import read_manifest
    from .feature_cache import FeatureCacheError, FeatureShards, cache_size_bytes

    try:
        config = load_config(config_path)
        utterances = [u for m in manifests for u in read_manifest(m)]
        shards, failures = FeatureShards.write(utterances, out_dir, config.features, shard_frames, jobs)
    except (ConfigError, ManifestError, FeatureCacheError) as e:
        _fail(str(e))
    for f in failures:
        click.echo(f"error: {f}", err=True)
    click.echo(f"{len(shards)} utterances in {len(shards.shards)} shard(s), "
               f"{cache_size_bytes(out_dir) / 2**20:.0f} MiB: {out_dir}")
    if failures:
        click.echo(f"{len(failures)} utterance(s) failed", err=True)
        sys.exit(1)


@main.group()
def corpus() -> None:
    """Make training data."""


@corpus.command("text")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option("--exclude-manifest", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Evaluation manifests whose sentences must never be used (repeatable).")
@click.option("--dev", "n_dev", default=500, show_default=True, help="Sentences held out for dev.")
@click.option("--test", "n_test", default=500, show_default=True, help="Sentences held out for test.")
@click.option("--min-words", default=3, show_default=True)
@click.option("--max-words", default=24, show_default=True)
@click.option("--seed", default=0, show_default=True)
def corpus_text(sources: tuple[Path, ...], out_dir: Path, exclude_manifest: tuple[Path, ...], n_dev: int, n_test: int,
                min_words: int, max_words: int, seed: int) -> None:
    """Normalise, filter and de-duplicate SOURCES into OUT/{train,dev,test}.txt (sentences kept apart)."""
    from .corpus.sentences import coverage, prepare_sentences
    from .data import read_manifest

    try:
        excluded = [u.text for m in exclude_manifest for u in read_manifest(m)]
    except ManifestError as e:
        _fail(str(e))
    sentences, stats = prepare_sentences(sources, excluded, min_words, max_words)
    import random

    random.Random(seed).shuffle(sentences)
    splits = {"dev": sentences[:n_dev], "test": sentences[n_dev : n_dev + n_test],
              "train": sentences[n_dev + n_test :]}
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, lines in splits.items():
        (out_dir / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = {**stats.__dict__, **{f"{k}_sentences": len(v) for k, v in splits.items()}}
    if excluded:
        report["evaluation_word_coverage"] = round(coverage(splits["train"], excluded), 4)
    (out_dir / "stats.json").write_text(json.dumps(report, indent=2) + "\n")
    click.echo(f"{stats.read} lines read; kept {stats.kept} ({stats.too_short} too short, {stats.too_long} too long, "
               f"{stats.duplicates} duplicates, {stats.held_out} evaluation sentences removed); "
               f"vocabulary {stats.vocabulary} words")
    if excluded:
        click.echo(f"training text covers {100 * report['evaluation_word_coverage']:.2f}% of evaluation word tokens")
    click.echo(" ".join(f"{k}: {len(v)}" for k, v in splits.items()) + f" -> {out_dir}")


@corpus.command("synth")
@click.argument("sentences", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option("--engine", "engines", multiple=True, help="TTS engine(s) to use (default: all installed).")
@click.option("--engine-weight", "engine_weights", multiple=True, metavar="ENGINE=W",
              help="Share of utterances per engine (default: uniform over voices).")
@click.option("--voice", "only_voices", multiple=True, metavar="ENGINE:NAME", help="Use only these voices.")
@click.option("--exclude-voice", "excluded_voices", multiple=True, metavar="ENGINE:NAME",
              help="Never use these voices (keep them for dev/test).")
@click.option("--count", type=int, help="Sentences to draw from SENTENCES (default: all).")
@click.option("--repeats", default=1, show_default=True, help="Utterances per sentence, each with its own voice.")
@click.option("--augment/--no-augment", default=False, show_default=True,
              help="Speed, noise, babble, reverberation and telephone effects (see asr.augment.AugmentConfig).")
@click.option("--rir-bank", type=click.Path(path_type=Path), help="Cache of simulated room impulse responses.")
@click.option("--seed", default=0, show_default=True)
@click.option("-j", "--jobs", type=int, help="Parallel processes (default: all cores).")
def corpus_synth(sentences: Path, out_dir: Path, engines: tuple[str, ...], engine_weights: tuple[str, ...],
                 only_voices: tuple[str, ...], excluded_voices: tuple[str, ...], count: int | None, repeats: int,
                 augment: bool, rir_bank: Path | None, seed: int, jobs: int | None) -> None:
    """Synthesise SENTENCES (one per line) into OUT/audio and OUT/manifest.jsonl."""
    from .augment import AugmentConfig
    from .corpus.sentences import sample_sentences
    from .corpus.tts import available_engines, drawable_voices, synthesize_corpus
    from .text import normalize

    lines = [normalize(line) for line in sentences.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    if count is not None:
        lines = sample_sentences(lines, count, seed)
    try:
        weights = {k: float(v) for k, _, v in (w.partition("=") for w in engine_weights)}
        voices = [v for e in available_engines(engines or None) for v in e.voices()]
        if only_voices:
            voices = [v for v in voices if v.id in set(only_voices)]
        voices = [v for v in voices if v.id not in set(excluded_voices)]
        manifest, failures = synthesize_corpus(
            lines, out_dir, voices, seed=seed, repeats=repeats, jobs=jobs, engine_weights=weights or None,
            augment=AugmentConfig() if augment else None, rir_bank=rir_bank or (out_dir / "rirs.npz"),
        )
    except ValueError as e:
        _fail(str(e))
    for f in failures:
        click.echo(f"error: {f}", err=True)
    speakers = drawable_voices(voices, weights)
    engines_used = sorted({v.engine for v in speakers})
    click.echo(f"{len(lines) * repeats - len(failures)} utterances from {len(speakers)} voices of "
               f"{len(engines_used)} engine(s) ({', '.join(engines_used)}): {manifest}")
    if failures:
        click.echo(f"{len(failures)} utterance(s) failed", err=True)


@corpus.command("import")
@click.argument("kind", type=click.Choice(["librispeech", "commonvoice", "ljspeech", "folder"]))
@click.argument("root", type=click.Path(path_type=Path))
@click.option("-o", "--out", required=True, type=click.Path(path_type=Path), help="Manifest to write.")
@click.option("--split", default="train", show_default=True, help="Common Voice: which .tsv to read.")
def corpus_import(kind: str, root: Path, out: Path, split: str) -> None:
    """Turn a corpus you own (in its published layout) into a manifest.

    \b
    librispeech  LibriSpeech/<split>/<speaker>/<chapter>/*.trans.txt + *.flac
    commonvoice  cv-corpus-*/<lang>/<split>.tsv + clips/*.mp3
    ljspeech     LJSpeech-1.1/metadata.csv + wavs/*.wav
    folder       any tree of audio files, each with a .txt (or .lab) transcript beside it
    """
    from .corpus.importers import CorpusLayoutError, import_corpus

    try:
        report = import_corpus(kind, root, out, **({"split": split} if kind == "commonvoice" else {}))
    except CorpusLayoutError as e:
        _fail(str(e))
    for failure in report.failures:
        click.echo(f"error: {failure}", err=True)
    click.echo(f"{report.utterances} utterances, {report.seconds / 3600:.2f} h -> {report.manifest}"
               + (f"; {len(report.failures)} file(s) skipped" if report.failures else ""))


@corpus.command("mix")
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--out", required=True, type=click.Path(path_type=Path))
@click.option("--seed", default=0, show_default=True)
def corpus_mix(sources: tuple[str, ...], out: Path, seed: int) -> None:
    """Mix manifests given as PATH[:WEIGHT] (2 = twice, 0.5 = a random half) into one."""
    from .corpus.mix import mix_manifests, parse_weighted

    try:
        counts = mix_manifests([parse_weighted(s) for s in sources], out, seed)
    except (ManifestError, ValueError) as e:
        _fail(str(e))
    for path, n in counts.items():
        click.echo(f"{n:8d}  {path}")
    click.echo(f"{sum(counts.values()):8d}  -> {out}")


@corpus.command("perturb")
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option("--copies", default=1, show_default=True, type=click.IntRange(min=1),
              help="Augmented copies per utterance, each with its own effects.")
@click.option("--rir-bank", type=click.Path(path_type=Path), help="Cache of simulated room impulse responses.")
@click.option("--seed", default=0, show_default=True)
@click.option("--skip-broken", is_flag=True, help="Skip broken manifest lines (reported) instead of stopping.")
@click.option("-j", "--jobs", type=int, help="Parallel processes (default: all cores).")
def corpus_perturb(manifest: Path, out_dir: Path, copies: int, rir_bank: Path | None, seed: int,
                   skip_broken: bool, jobs: int | None) -> None:
    """Augmented copies (speed, noise, reverberation, telephone) of recorded speech into OUT/audio and
    OUT/manifest.jsonl: variety for the little real speech there is."""
    from .corpus.perturb import perturb_corpus
    from .data import read_manifest

    try:
        out, failures = perturb_corpus(manifest, out_dir, copies=copies, seed=seed,
                                       rir_bank=rir_bank or (out_dir / "rirs.npz"), jobs=jobs,
                                       skip_broken=skip_broken)
        made = read_manifest(out)
    except (ManifestError, ValueError) as e:
        _fail(str(e))
    for f in failures:
        click.echo(f"error: {f}", err=True)
    hours = sum(u.duration for u in made) / 3600
    click.echo(f"{len(made)} utterances ({hours:.2f} h) -> {out}")
    if failures:
        click.echo(f"{len(failures)} utterance(s) failed", err=True)


@main.group()
def lm() -> None:
    """Build and tune n-gram language models."""


@lm.command("build")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", required=True, type=click.Path(path_type=Path), help="KenLM binary to write.")
@click.option("--order", default=4, show_default=True, type=click.IntRange(2, 6))
@click.option("--prune", default="", help="lmplz count thresholds per order, e.g. '0 1 1' (drops singletons of "
              "orders 2 and 3).")
@click.option("--quantize", type=click.IntRange(2, 24), default=None,
              help="Store probabilities and backoffs in this many bits (e.g. 8): a smaller file.")
@click.option("--exclude-manifest", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Evaluation manifests whose sentences must stay out of the LM (repeatable).")
def lm_build(sources: tuple[Path, ...], out: Path, order: int, prune: str, quantize: int | None,
             exclude_manifest: tuple[Path, ...]) -> None:
    """Build a word n-gram LM from text SOURCES (one sentence a line; .gz and LJSpeech metadata.csv allowed)."""
    from .data import read_manifest
    from .lm import LMError, build_lm

    try:
        excluded = [u.text for m in exclude_manifest for u in read_manifest(m)]
        info = build_lm(sources, out, order=order, prune=[int(x) for x in prune.split()], exclude=excluded,
                        quantize=quantize)
    except (LMError, ManifestError, ValueError) as e:
        _fail(str(e))
    click.echo(f"{info.order}-gram LM from {info.sentences} sentences, vocabulary {info.vocabulary}: "
               f"{info.path} ({info.bytes / 2**20:.1f} MiB)")


@lm.command("tune")
@click.argument("manifests", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-m", "--model", "model_path", required=True, type=click.Path(path_type=Path))
@click.option("--lm", "lm_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--beam", "beam_size", default=32, show_default=True)
@click.option("--beam-tokens", "beam_size_token", default=0, show_default=True, type=click.IntRange(min=0),
              help="Tokens tried per frame, likeliest first; 0: all.")
@click.option("--beam-threshold", default=25.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Drop hypotheses this far (log-prob) below the best.")
@click.option("--lm-weights", default="0 0.25 0.5 0.75 1 1.5 2", show_default=True)
@click.option("--word-scores", default="-1 0 1 2 3", show_default=True)
@click.option("--save/--no-save", default=True, show_default=True,
              help="Store the best values next to the model (MODEL.decoding.yaml), used by default from then on.")
@_device_option
def lm_tune(manifests: tuple[Path, ...], model_path: Path, lm_path: Path, beam_size: int, beam_size_token: int,
            beam_threshold: float, lm_weights: str, word_scores: str, save: bool, device: str) -> None:
    """Search the LM weight and word bonus that give the lowest WER on dev MANIFESTS.

    With several manifests the objective is the mean of their WERs: each weighs the same, whatever
    its size (e.g. a little real speech beside much synthetic). The beam settings are stored with them."""
    from .decoding import DecodingConfig, save_decoding_config
    from .evaluate import score
    from .tune import dev_log_probs, grid_edges, tune_lm

    model = _load_transcriber(model_path, device, DecodingConfig())
    try:
        dev = dev_log_probs(model, manifests, on_error=lambda message: click.echo(f"error: {message}", err=True))
    except (ManifestError, ValueError) as e:
        _fail(str(e))
    log_probs, refs, sets, names = dev.log_probs, dev.references, dev.sets, dev.names
    greedy = score(refs, [model.decoder.decode(lp).text for lp in log_probs])
    base = DecodingConfig(method="beam", beam_size=beam_size, beam_size_token=beam_size_token or None,
                          beam_threshold=beam_threshold, lm=str(lm_path))
    weights, scores = [float(x) for x in lm_weights.split()], [float(x) for x in word_scores.split()]
    best, points = tune_lm(model, log_probs, refs, base, weights, scores, sets=sets)
    objective = "WER" if len(names) == 1 else f"mean WER of {len(names)} sets"
    click.echo(f"greedy: WER {100 * greedy.wer:.2f}%, CER {100 * greedy.cer:.2f}% (all sets pooled)")
    for p in sorted(points, key=lambda p: (p.wer, p.cer))[:5]:
        per_set = "" if len(names) == 1 else " (" + ", ".join(f"{100 * w:.2f}%" for w in p.set_wers) + ")"
        click.echo(f"lm_weight {p.lm_weight:5.2f} word_score {p.word_score:5.2f}: {objective} {100 * p.wer:.2f}%"
                   f"{per_set}, CER {100 * p.cer:.2f}%")
    if len(names) > 1:
        click.echo("sets: " + ", ".join(names))
    click.echo(f"best: lm_weight {best.lm_weight}, word_score {best.word_score}")
    for edge in grid_edges(best, weights, scores):
        click.echo(f"note: {edge}")
    if save:
        click.echo(f"saved: {save_decoding_config(model_path, best)}")


if __name__ == "__main__":
    main()
