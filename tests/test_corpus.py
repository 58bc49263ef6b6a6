import gzip
import json

import pytest

from asr.corpus.mix import mix_manifests, parse_weighted
from asr.corpus.sentences import coverage, prepare_sentences, read_lines
from asr.corpus.tts import ENGINES, Prosody, choose_voices
from asr.data import read_manifest


def test_prepare_sentences(tmp_path):
    src = tmp_path / "a.txt.gz"
    with gzip.open(src, "wt") as f:
        f.write("The cat sat on the mat.\nthe CAT sat on the mat!\nToo short.\nHeld out sentence here.\n"
                + "word " * 40 + "\nIt cost $5 in 1999.\n")
    lj = tmp_path / "lj_metadata_full.csv.gz"
    with gzip.open(lj, "wt") as f:
        f.write("LJ001-0001|Raw 1 text|Normalised one text here\n")
    kept, stats = prepare_sentences([src, lj], exclude=["Held out sentence, here"], min_words=3, max_words=24)
    assert kept == ["the cat sat on the mat", "it cost five dollars in nineteen ninety nine",
                    "normalised one text here"]
    assert (stats.duplicates, stats.too_short, stats.too_long, stats.held_out) == (1, 1, 1, 1)
    assert stats.vocabulary == len({w for s in kept for w in s.split()})
    assert list(read_lines(lj)) == ["Normalised one text here"]


def test_coverage():
    assert coverage(["a b c"], ["a b", "d"]) == pytest.approx(2 / 3)


def _manifest(path, n, prefix):
    path.write_text("".join(json.dumps({"audio_filepath": f"{prefix}{i}.wav", "duration": 1.0, "text": "x",
                                        "id": f"{prefix}{i}"}) + "\n" for i in range(n)))
    return path


def test_mix_weights(tmp_path):
    a = _manifest(tmp_path / "a.jsonl", 10, "a")
    b = _manifest(tmp_path / "b.jsonl", 10, "b")
    counts = mix_manifests([(a, 2.0), (b, 0.5)], tmp_path / "mix.jsonl", seed=1)
    assert list(counts.values()) == [20, 5]
    utts = read_manifest(tmp_path / "mix.jsonl")
    assert len(utts) == 25 and len({u.id for u in utts}) == 25, "repeats get distinct ids"
    assert all(u.audio_filepath.is_absolute() and u.audio_filepath.parent == tmp_path for u in utts)
    assert parse_weighted("x/y.jsonl:2.5") == (tmp_path.__class__("x/y.jsonl"), 2.5)
    assert parse_weighted("y.jsonl")[1] == 1.0


def test_choose_voices_by_engine_weight():
    import random

    from asr.corpus.tts import Voice

    voices = [Voice("a", str(i)) for i in range(50)] + [Voice("b", "only")]
    chosen = choose_voices(voices, 2000, random.Random(0), {"a": 1, "b": 1})
    share_b = sum(v.engine == "b" for v in chosen) / len(chosen)
    assert 0.45 < share_b < 0.55, "engine weights, not voice counts, decide the mix"


def test_an_engine_without_weight_leaves_the_draws_unchanged():
    import random

    from asr.corpus.tts import Voice

    voices = [Voice("a", str(i)) for i in range(5)] + [Voice("c", "x")]
    added = voices[:5] + [Voice("b", str(i)) for i in range(16)] + voices[5:]
    weights = {"a": 3, "c": 1}
    before = choose_voices(voices, 500, random.Random(7), weights)
    assert choose_voices(added, 500, random.Random(7), {**weights, "b": 0}) == before
    assert choose_voices(added, 500, random.Random(7), weights) == before
    assert any(v.engine == "b" for v in choose_voices(added, 500, random.Random(7), {**weights, "b": 1}))


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_each_installed_engine_speaks(name):
    engine_cls = ENGINES[name]
    if not engine_cls.available():
        pytest.skip(f"{name} is not installed (scripts/install_tts_engines.sh)")
    engine = engine_cls()
    voices = engine.voices()
    if not voices:
        pytest.skip(f"{name} has no English voice installed")
    audio, rate = engine.synthesize("seven red apples", voices[0], Prosody(rate=1.0, pitch=0.5))
    assert 0.4 < len(audio) / rate < 4.0 and abs(audio).max() > 0.05
