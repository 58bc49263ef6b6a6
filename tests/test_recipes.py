"""Recipes run end to end on fixtures in the real corpus layouts."""

import os
import re
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


def test_spoken_forms_are_normalised_and_reproducible(tmp_path):
    """The en_default recipe's digits/numbers/spelled-words text: seeded, and in the tokenizer's alphabet."""
    from asr.text import CharTokenizer, normalize

    words = tmp_path / "words.txt"
    words.write_text("the quick brown fox jumps over a lazy dog\n")
    script = [sys.executable, str(REPO / "recipes/en_default/local/spoken_forms.py"), str(words), "--count", "300"]
    first = subprocess.run(script + ["--seed", "5"], capture_output=True, text=True, check=True).stdout.splitlines()
    again = subprocess.run(script + ["--seed", "5"], capture_output=True, text=True, check=True).stdout.splitlines()
    other = subprocess.run(script + ["--seed", "6"], capture_output=True, text=True, check=True).stdout.splitlines()
    assert first == again != other and len(first) == 300
    alphabet = set(CharTokenizer().alphabet)
    assert all(line == normalize(line) and set(line) <= alphabet for line in first)
    assert any(line == "q u i c k" for line in first), "words of the given text are spelled out"

    sys.path.insert(0, str(REPO / "recipes/en_default/local"))
    try:
        from spoken_forms import number_words
    finally:
        sys.path.pop(0)
    assert [number_words(n) for n in (0, 13, 40, 99, 100, 2431, 7000)] == [
        "zero", "thirteen", "forty", "ninety nine", "one hundred", "two thousand four hundred thirty one",
        "seven thousand"]


def test_en_default_stores_training_state_and_the_last_epochs(tmp_path):
    """Stage 9 keeps what the next session needs to resume and to average: last.pt, logs, the last epochs."""
    exp, store = tmp_path / "exp", tmp_path / "store"
    exp.mkdir()
    store.mkdir()
    for name in ("last.pt", "config.yaml", "log.csv", "steps.csv"):
        (exp / name).write_text(name)
    for epoch in (7, 8, 9, 10, 11):
        (exp / f"epoch-{epoch}.pt").write_text(str(epoch))
    (store / "epoch-3.pt").write_text("an epoch this folder no longer needs")
    proc = subprocess.run(
        ["bash", str(REPO / "recipes/en_default/run.sh"), "--stage", "9", "--stop-stage", "9", "--exp", str(exp),
         "--store", str(store), "--average-last", "3"],
        capture_output=True, text=True, env=_env(), cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    assert sorted(p.name for p in store.iterdir()) == [
        "config.yaml", "epoch-10.pt", "epoch-11.pt", "epoch-9.pt", "last.pt", "log.csv", "steps.csv"]
    assert (store / "epoch-10.pt").read_text() == "10"


def test_en_default_stores_a_run_stopped_in_its_first_epoch(tmp_path):
    """Before any epoch ends there is no log.csv or epoch file yet; stage 9 still stores the state."""
    exp, store = tmp_path / "exp", tmp_path / "store"
    exp.mkdir()
    for name in ("last.pt", "config.yaml", "steps.csv"):
        (exp / name).write_text(name)
    proc = subprocess.run(
        ["bash", str(REPO / "recipes/en_default/run.sh"), "--stage", "9", "--stop-stage", "9", "--exp", str(exp),
         "--store", str(store)],
        capture_output=True, text=True, env=_env(), cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    assert sorted(p.name for p in store.iterdir()) == ["config.yaml", "last.pt", "steps.csv"]
    assert (store / "last.pt").read_text() == "last.pt"


def _fake_asr(tmp_path: Path) -> dict:
    """An `asr` first on PATH that records its last call's arguments, one per line, in tmp_path/asr.args,
    and every call, one line each, in tmp_path/asr.calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "asr"
    fake.write_text(f'#!/usr/bin/env bash\nprintf "%s\\n" "$@" > {tmp_path / "asr.args"}\n'
                    f'echo "$*" >> {tmp_path / "asr.calls"}\n')
    fake.chmod(0o755)
    env = _env()
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    return env


def _run_stage5(tmp_path: Path, *options: str) -> list[str]:
    proc = subprocess.run(["bash", str(REPO / "recipes/en_default/run.sh"), "--stage", "5", "--stop-stage", "5",
                           *options], capture_output=True, text=True, env=_fake_asr(tmp_path), cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    return (tmp_path / "asr.args").read_text().splitlines()


def test_en_default_second_schedule_starts_from_a_model_with_overrides(tmp_path):
    """Stage 5 with --init and --set: a new run from the model, the overrides passed on, no --resume yet."""
    exp, store = tmp_path / "exp_r2", tmp_path / "store_r2"
    args = _run_stage5(tmp_path, "--exp", str(exp), "--store", str(store), "--init", "first/final.pt",
                       "--set", "train.lr=6e-4", "--set", "train.epochs=3")
    assert args[:2] == ["train", "--config"]
    assert args[args.index("--init") + 1] == "first/final.pt"
    overrides = [args[i + 1] for i, a in enumerate(args) if a == "--set"]
    assert overrides == ["train.feature_shards=data/en_default/features", "train.lr=6e-4", "train.epochs=3"]
    assert "--resume" not in args


def test_en_default_training_resumes_from_the_committed_state(tmp_path):
    """A bare machine: stage 5 copies the store's last.pt into the experiment and resumes from it."""
    exp, store = tmp_path / "exp", tmp_path / "store"
    store.mkdir()
    (store / "last.pt").write_text("state")
    args = _run_stage5(tmp_path, "--exp", str(exp), "--store", str(store), "--init", "first/final.pt")
    assert (exp / "last.pt").read_text() == "state"
    assert "--resume" in args and args[args.index("--out") + 1] == str(exp)


def test_en_default_tuning_grid_is_an_option(tmp_path):
    """Stage 7 tunes on dev's two parts over the grid given; by default the bundle's rule: word_score 0 alone."""
    env = _fake_asr(tmp_path)

    def tune_args(*options: str) -> list[str]:
        proc = subprocess.run(["bash", str(REPO / "recipes/en_default/run.sh"), "--stage", "7", "--stop-stage", "7",
                               "--exp", str(tmp_path / "exp"), *options],
                              capture_output=True, text=True, env=env, cwd=REPO)
        assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
        args = (tmp_path / "asr.args").read_text().splitlines()
        assert args[:2] == ["lm", "tune"]
        assert args[args.index("--model") + 1] == str(tmp_path / "exp" / "final.pt")
        return args

    args = tune_args()
    # the synthetic dev voices and the real LJSpeech slice as two sets that weigh the same
    assert args[2:4] == ["data/en_default/dev/manifest.jsonl", "data/en_default/real/lj_dev.jsonl"]
    assert args[args.index("--word-scores") + 1] == "0"
    assert args[args.index("--lm-weights") + 1] == "1.5 2 2.5 3 3.5"
    # the bundle's beam: 1024 wide, the 8 likeliest letters a frame, threshold 20
    assert [args[args.index(o) + 1] for o in ("--beam", "--beam-tokens", "--beam-threshold")] == ["1024", "8", "20"]
    args = tune_args("--word-scores", "-1 0", "--lm-weights", "1 2", "--beam", "2048")
    assert args[args.index("--word-scores") + 1] == "-1 0"
    assert args[args.index("--lm-weights") + 1] == "1 2"
    assert args[args.index("--beam") + 1] == "2048"


def test_en_default_lm_never_sees_a_dev_sentence(tmp_path):
    """Stage 4 leaves both dev sets' sentences out of the LM (LJSpeech's metadata holds the LJSpeech slice's)."""
    proc = subprocess.run(["bash", str(REPO / "recipes/en_default/run.sh"), "--stage", "4", "--stop-stage", "4"],
                          capture_output=True, text=True, env=_fake_asr(tmp_path), cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    args = (tmp_path / "asr.args").read_text().splitlines()
    assert args[:2] == ["lm", "build"]
    excluded = [args[i + 1] for i, a in enumerate(args) if a == "--exclude-manifest"]
    assert excluded == ["data/en_default/dev/manifest.jsonl", "data/en_default/real/lj_dev.jsonl"]


def test_en_default_makes_and_mixes_only_the_parts_asked_for(tmp_path):
    """--first-part 5 --parts "7 9": stage 2 makes parts 5-6 (seeds 5, 6) and stage 3 mixes exactly those
    and the spoken parts, not a part an earlier run left in synth_train/."""
    env = _fake_asr(tmp_path)
    kit, data = tmp_path / "kit", tmp_path / "data"
    (kit / "ljspeech_part1").mkdir(parents=True)
    rows = [f'{{"audio_filepath": "audio/LJ{i}.flac", "duration": 1.0, "text": "a"}}' for i in range(30)]
    (kit / "ljspeech_part1" / "train.jsonl").write_text("\n".join(rows) + "\n")
    (data / "synth_train" / "4").mkdir(parents=True)  # an earlier run's part
    proc = subprocess.run(
        ["bash", str(REPO / "recipes/en_default/run.sh"), "--stage", "2", "--stop-stage", "3", "--kit", str(kit),
         "--data", str(data), "--first-part", "5", "--parts", "7 9", "--spoken-parts", "3"],
        capture_output=True, text=True, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    lines = (tmp_path / "asr.calls").read_text().splitlines()
    made = [line.split() for line in lines if line.startswith("corpus synth") and "--augment" in line]
    assert [(m[m.index("-o") + 1], m[m.index("--count") + 1], m[m.index("--seed") + 1]) for m in made] == [
        (f"{data}/synth_train/5", "7", "5"), (f"{data}/synth_train/6", "9", "6"),
        (f"{data}/synth_train/spoken-1", "3", "101")]
    mix = next(line.split() for line in lines if line.startswith("corpus mix") and "train.jsonl" in line)
    assert [a for a in mix if "synth_train" in a] == [
        f"{data}/synth_train/5/manifest.jsonl:1", f"{data}/synth_train/6/manifest.jsonl:1",
        f"{data}/synth_train/spoken-1/manifest.jsonl:1"]
    assert len(read_manifest(data / "real" / "lj_dev.jsonl")) == 25


def test_en_default_draws_the_accented_voices_from_part_21_on(tmp_path):
    """Parts before --accented-first-part keep their voice draws: the accented engine gets no weight there."""
    env = _fake_asr(tmp_path)
    proc = subprocess.run(
        ["bash", str(REPO / "recipes/en_default/run.sh"), "--stage", "2", "--stop-stage", "2", "--data",
         str(tmp_path / "data"), "--first-part", "20", "--parts", "7 9", "--spoken-parts", "3"],
        capture_output=True, text=True, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    made = [line.split() for line in (tmp_path / "asr.calls").read_text().splitlines()
            if line.startswith("corpus synth") and "--augment" in line]
    accented = {m[m.index("-o") + 1].rsplit("/", 1)[1]: "mbrola-accented=2" in m for m in made}
    assert accented == {"20": False, "21": True, "spoken-1": False}
    assert all("mbrola=1" in m for m in made)


def _run_stage3(tmp_path: Path, *options: str) -> list[str]:
    """Stage 3 with a fake `asr`; returns its calls."""
    env = _fake_asr(tmp_path)
    kit, data = tmp_path / "kit", tmp_path / "data"
    (kit / "ljspeech_part1").mkdir(parents=True)
    rows = [f'{{"audio_filepath": "audio/LJ{i}.flac", "duration": 1.0, "text": "a"}}' for i in range(30)]
    (kit / "ljspeech_part1" / "train.jsonl").write_text("\n".join(rows) + "\n")
    proc = subprocess.run(
        ["bash", str(REPO / "recipes/en_default/run.sh"), "--stage", "3", "--stop-stage", "3", "--kit", str(kit),
         "--data", str(data), "--parts", "7", *options], capture_output=True, text=True, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    return (tmp_path / "asr.calls").read_text().splitlines()


def test_en_default_mixes_augmented_copies_of_the_real_speech(tmp_path):
    lines = _run_stage3(tmp_path)
    data, kit = tmp_path / "data", tmp_path / "kit"
    perturbed = [line.split() for line in lines if line.startswith("corpus perturb")]
    assert [(p[2], p[p.index("-o") + 1], p[p.index("--copies") + 1]) for p in perturbed] == [
        (f"{data}/real/lj_train.jsonl", f"{data}/real/lj_train_perturbed-21", "4"),
        (f"{kit}/wakeword/all.jsonl", f"{data}/real/wakeword_perturbed-21", "1")]
    assert [p[p.index("--seed") + 1] for p in perturbed] == ["21", "22"]
    mix = next(line.split() for line in lines if line.startswith("corpus mix") and "train.jsonl" in line)
    assert f"{data}/real/lj_train.jsonl:4" in mix  # the clean copies stay
    assert f"{data}/real/lj_train_perturbed-21/manifest.jsonl:1" in mix
    assert f"{data}/real/wakeword_perturbed-21/manifest.jsonl:0.5" in mix
    # another seed: fresh copies in folders of their own
    (tmp_path / "other").mkdir()
    calls = _run_stage3(tmp_path / "other", "--perturb-seed", "31")
    outs = [c.split()[c.split().index("-o") + 1] for c in calls if c.startswith("corpus perturb")]
    assert [Path(o).name for o in outs] == ["lj_train_perturbed-31", "wakeword_perturbed-31"]


def test_en_default_can_mix_the_real_speech_clean_only(tmp_path):
    """--perturb-real false: the first ten schedules' mix."""
    lines = _run_stage3(tmp_path, "--perturb-real", "false")
    assert not [line for line in lines if line.startswith("corpus perturb")]
    mix = next(line for line in lines if line.startswith("corpus mix") and "train.jsonl" in line)
    assert "perturbed" not in mix and f"{tmp_path / 'data'}/real/lj_train.jsonl:4" in mix


def _documented_options(script: str, command: str) -> tuple[set[str], int, set[str]]:
    """The options `script --help` lists; then how many `command` lines recipes/en_default/README.md and run.sh's
    header give, and the options they name (a command runs on over its `\\` continuation lines)."""
    help_text = subprocess.run(["bash", str(REPO / script), "--help"], capture_output=True, text=True,
                               check=True).stdout
    accepted = set(re.findall(r"--[a-z-]+", help_text.split("options:", 1)[1]))
    header = (REPO / "recipes/en_default/run.sh").read_text().split("set -euo pipefail")[0]
    docs = (REPO / "recipes/en_default/README.md").read_text() + header
    commands = re.findall(re.escape(command) + r"((?:\\\n|[^\n`])*)", docs)
    used = {opt for cmd in commands for opt in re.findall(r"(?<![\w-])--[a-z][a-z-]*", cmd)}
    return accepted, len(commands), used


def test_en_default_lineage_commands_use_real_options():
    """The schedules' commands (recipes/en_default/README.md, the script's header) name only options run.sh takes."""
    accepted, commands, used = _documented_options("recipes/en_default/run.sh", "run.sh")
    assert {"--first-part", "--perturb-seed", "--init", "--set"} <= accepted
    assert commands >= 20 and "--perturb-seed" in used
    assert used - accepted == set(), f"documented options run.sh does not take: {sorted(used - accepted)}"


def test_en_default_round_commands_use_real_options():
    """The schedules run with local/round.sh (recipes/en_default/README.md, run.sh's header) name only options it
    takes."""
    accepted, commands, used = _documented_options("recipes/en_default/local/round.sh", "local/round.sh")
    assert commands >= 3 and {"--name", "--part", "--init", "--with"} <= used
    assert used - accepted == set(), f"documented options round.sh does not take: {sorted(used - accepted)}"


def test_recipe_options_keep_names_that_parse_options_uses_itself(tmp_path):
    """A recipe option called --name (round.sh's) survives parsing the others; --help lists only real options."""
    script = tmp_path / "recipe.sh"
    script.write_text(f'name=""\nstage=0\nset=()\n. {REPO}/recipes/shared/parse_options.sh\nafter=1\n'
                      'echo "$name|$stage|${set[*]}"\n')
    proc = subprocess.run(["bash", str(script), "--name", "r28", "--stage", "5", "--set", "a=1", "--set", "b=2"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "r28|5|a=1 b=2"
    help_text = subprocess.run(["bash", str(script), "--help"], capture_output=True, text=True).stdout
    assert help_text.split("options:", 1)[1].split() == ["--name", "--stage", "--set"]


def _fake_round(tmp_path, *options):
    """Runs round.sh with stand-ins for asr and run.sh that record their calls (asr.calls, recipe.calls)."""
    env = _fake_asr(tmp_path)
    (tmp_path / "bin/asr").write_text(
        f'#!/usr/bin/env bash\necho "$*" >> {tmp_path / "asr.calls"}\n'
        'if [[ $1 == grow ]]; then touch "${@: -1}"; fi\n'
        'if [[ $1 == average ]]; then echo "averaged 2 model(s): $2, $3 -> ${@: -1}"; fi\n')
    recipe = tmp_path / "run.sh"  # a stand-in for run.sh: records its calls, makes what stages 5-7 leave
    recipe.write_text(
        f'#!/usr/bin/env bash\necho "$*" >> {tmp_path / "recipe.calls"}\n'
        'while [[ $# -gt 0 ]]; do [[ $1 == --exp ]] && exp=$2; shift; done\n'
        'if [[ -n ${exp:-} && ! -f $exp/final.pt ]]; then\n'
        '  for f in epoch-3.pt epoch-4.pt last.pt config.yaml log.csv; do echo "$f" > "$exp/$f"; done\n'
        '  echo "averaged 2 model(s): $exp/epoch-3.pt, $exp/epoch-4.pt -> $exp/final.pt"\nfi\n'
        'if [[ -n ${exp:-} ]]; then\n  echo "method: beam" > "$exp/final.decoding.yaml"\n'
        '  echo "greedy: WER 30.00%, CER 9.00% (all sets pooled)"\n'
        '  echo "lm_weight  2.50 word_score  0.00: mean WER of 2 sets 12.50% (12.00%, 13.00%), CER 5.00%"\n'
        '  echo "lm_weight  3.00 word_score  0.00: mean WER of 2 sets 12.90% (12.40%, 13.40%), CER 5.20%"\nfi\n')
    recipe.chmod(0o755)
    return subprocess.run(
        ["bash", str(REPO / "recipes/en_default/local/round.sh"), "--name", "r99", "--part", "26", "--perturb-seed",
         "151", "--make-data", "false", "--init", "bundle.pt", *options, "--recipe", str(recipe),
         "--exp-root", str(tmp_path / "exp"), "--store-root", str(tmp_path / "store")],
        capture_output=True, text=True, env=env, cwd=REPO)


def test_en_default_round_runs_one_schedule_and_its_candidates(tmp_path):
    """round.sh: the data stage, stages 5-7 from the (grown) init with the schedule's overrides, the store,
    then one averaged candidate per --with, each tuned by stage 7; it ends with each candidate's best score."""
    proc = _fake_round(tmp_path, "--grow", "true", "--layers", "5", "--epochs", "4", "--lr", "1e-3",
                       "--set", "train.seed=7", "--with", "a/epoch-2.pt b/epoch-2.pt")
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    exp = tmp_path / "exp/en_default_r99"
    data, train, tune = (tmp_path / "recipe.calls").read_text().splitlines()
    assert data == "--stage 3 --stop-stage 3 --first-part 26 --parts 16000 --perturb-seed 151"
    assert train.startswith(f"--stage 5 --stop-stage 7 --first-part 26 --parts 16000 --perturb-seed 151 --exp {exp} "
                            f"--store {tmp_path / 'store/en_default_r99'} --init {exp / 'init.pt'} ")
    assert re.findall(r"--set (\S+)", train) == [
        "model.num_layers=5", "train.lr=1e-3", "train.warmup_steps=200", "train.epochs=4",
        "train.spec_augment.freq_width=27", "train.spec_augment.time_masks=4",
        "train.spec_augment.max_time_width=40", "train.seed=7"]
    assert tune.startswith(f"--stage 7 --stop-stage 7 --exp {exp}_avg1 ")
    assert (tmp_path / "asr.calls").read_text().splitlines() == [
        f"grow bundle.pt --layers 5 --seed 0 -o {exp / 'init.pt'}",
        f"average a/epoch-2.pt b/epoch-2.pt {exp / 'epoch-4.pt'} -o {exp}_avg1/final.pt"]
    stored = sorted(p.name for p in (tmp_path / "store/en_default_r99").iterdir())
    assert stored == ["config.yaml", "epoch-4.pt", "final.decoding.yaml", "log.csv"]
    summary = proc.stdout.split("Candidates")[1]
    assert f"{exp}_avg1: averaged 2 model(s): a/epoch-2.pt, b/epoch-2.pt" in summary
    assert summary.count("mean WER of 2 sets 12.50%") == 2 and "12.90%" not in summary


def test_en_default_round_averages_with_the_last_schedules_of_the_lineage(tmp_path):
    """--average-with-last N: candidate k averages the stored last epochs of the k schedules numbered below --name
    (oldest first) with this schedule's last epoch, after any --with; a gap in the lineage fails before training."""
    store = tmp_path / "store"
    for name, epoch in [("r96", 3), ("r97", 3), ("r98", 2), ("r98", 3)]:
        (store / f"en_default_{name}").mkdir(parents=True, exist_ok=True)
        (store / f"en_default_{name}/epoch-{epoch}.pt").write_text(name)
    proc = _fake_round(tmp_path, "--with", "x.pt", "--average-with-last", "3")
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
    exp, last = tmp_path / "exp/en_default_r99", tmp_path / "exp/en_default_r99/epoch-4.pt"
    r96, r97, r98 = (store / f"en_default_r{n}/epoch-3.pt" for n in (96, 97, 98))
    assert (tmp_path / "asr.calls").read_text().splitlines() == [
        f"average x.pt {last} -o {exp}_avg1/final.pt",
        f"average {r98} {last} -o {exp}_avg2/final.pt",
        f"average {r97} {r98} {last} -o {exp}_avg3/final.pt",
        f"average {r96} {r97} {r98} {last} -o {exp}_avg4/final.pt"]
    assert proc.stdout.split("Candidates")[1].count("mean WER of 2 sets") == 5

    (tmp_path / "gap/store/en_default_r98").mkdir(parents=True)
    (tmp_path / "gap/store/en_default_r98/epoch-3.pt").write_text("r98")
    gap = _fake_round(tmp_path / "gap", "--average-with-last", "2")
    assert gap.returncode == 1 and f"no stored epoch in {tmp_path / 'gap/store/en_default_r97'}" in gap.stderr
    assert not (tmp_path / "gap/recipe.calls").exists(), "it must fail before any stage runs"

    (tmp_path / "word").mkdir()
    word = _fake_round(tmp_path / "word", "--average-with-last", "all")
    assert word.returncode == 1 and "--average-with-last takes a number of schedules, not 'all'" in word.stderr


def test_en_default_round_needs_its_schedule(tmp_path):
    proc = subprocess.run(["bash", str(REPO / "recipes/en_default/local/round.sh"), "--name", "r99", "--part", "3"],
                          capture_output=True, text=True, env=_env(), cwd=REPO)
    assert proc.returncode == 1 and "--perturb-seed is required" in proc.stderr


_ROUND_LOG = """\
tuning\r  3%|#| 1/32\r100%|#| 32/32
2026-12-08 01:00:00 (round.sh:104) Candidates (best setting of each; the score is the mean WER of ...):
exp/en_default_r9: averaged 2 model(s): exp/en_default_r9/epoch-2.pt, exp/en_default_r9/epoch-3.pt
  greedy: WER 26.16%, CER 8.20% (all sets pooled)
  lm_weight  2.50 word_score  0.00: mean WER of 2 sets 13.07% (12.23%, 13.92%), CER 5.63%
exp/en_default_r9_avg1: averaged 3 model(s): checkpoints/en_default_r7/epoch-3.pt, \
checkpoints/en_default_r8/epoch-3.pt, exp/en_default_r9/epoch-3.pt
  greedy: WER 25.47%, CER 8.08% (all sets pooled)
  lm_weight  3.00 word_score  0.00: mean WER of 2 sets {score} ({voices}, {lj}), CER 5.33%
"""


def _schedule_tables(tmp_path, bundle, **scores):
    (tmp_path / "log.csv").write_text(
        "epoch,step,train_loss,dev_loss,dev_wer,dev_cer,lr,epoch_seconds,audio_seconds_per_second,skipped_steps\n"
        "1,538,28.4213,23.0841,0.2773,0.0861,4.361e-04,965.2,117.7,0\n"
    )
    (tmp_path / "round.log").write_text(_ROUND_LOG.format(**scores))
    return subprocess.run(
        [sys.executable, str(REPO / "recipes/en_default/local/schedule_tables.py"), str(tmp_path / "log.csv"),
         str(tmp_path / "round.log"), "--bundle", *bundle, "--slice-words", "424"],
        capture_output=True, text=True, cwd=REPO,
    )


def test_schedule_tables_apply_the_rule_to_round_logs(tmp_path):
    """Both RESULTS.md tables come from the logs, and the rule's two clauses each keep the bundle."""
    lower_but_worse_slice = _schedule_tables(tmp_path, ["12.47", "11.79"], score="11.98%", voices="11.94%",
                                             lj="12.03%")
    assert lower_but_worse_slice.returncode == 0, lower_but_worse_slice.stderr
    out = lower_but_worse_slice.stdout
    assert "| 1 | 538 | 28.42 | 23.08 | 27.73% | 8.61% | 16.1 min | 117.7 |" in out
    assert "| (a) r9 epochs 2–3 | 26.16% | 2.5 | 12.23% | 13.92% | 13.07% |" in out
    assert "| (b) r7–r9 epoch 3 | 25.47% | 3 | 11.94% | 12.03% | 11.98% |" in out
    assert "51 errors of 424 words > the bundle's 11.79% = 50 errors" in out
    assert out.rstrip().endswith("the bundle stays")

    wins = _schedule_tables(tmp_path, ["12.47", "11.79"], score="11.50%", voices="11.21%", lj="11.79%")
    assert wins.stdout.rstrip().endswith("exp/en_default_r9_avg1 replaces the bundle")
    not_lower = _schedule_tables(tmp_path, ["11.50", "12.50"], score="11.50%", voices="11.21%", lj="11.79%")
    assert "score 11.50% >= the bundle's 11.50%" in not_lower.stdout
    assert not_lower.stdout.rstrip().endswith("the bundle stays")


def test_schedule_tables_say_when_round_has_not_finished(tmp_path):
    (tmp_path / "log.csv").write_text("epoch,step\n")
    (tmp_path / "round.log").write_text("2026-12-08 (run.sh:146) Stage 5: train\n")
    proc = subprocess.run(
        [sys.executable, str(REPO / "recipes/en_default/local/schedule_tables.py"), str(tmp_path / "log.csv"),
         str(tmp_path / "round.log"), "--bundle", "12.47", "11.79"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert proc.returncode == 1 and "has round.sh finished?" in proc.stderr and "Traceback" not in proc.stderr
