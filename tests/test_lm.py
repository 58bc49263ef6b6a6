"""Building KenLM models and using them in beam search (shallow fusion)."""

import os

import pytest

from asr.lm import LMError, build_lm, kenlm_bin_dir, read_vocabulary
from test_beam import TOK, emissions

CORPUS = ["the cat sat on the mat", "the cat ate the fish", "a cat and a dog", "the dog sat on the cat"] * 5


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    try:
        kenlm_bin_dir(build=False)
    except LMError:
        if os.environ.get("CI"):
            pytest.fail("KenLM's lmplz is required in CI (.ci/run builds it)")
        pytest.skip("lmplz is not built (scripts/build_kenlm.sh)")
    folder = tmp_path_factory.mktemp("lm")
    text = folder / "text.txt"
    text.write_text("\n".join(CORPUS + ["The COT is here!"]) + "\n")
    info = build_lm([text], folder / "lm.bin", order=3, exclude=["the cot is here"])
    return info


def test_build_and_vocabulary(tiny_lm):
    assert tiny_lm.path.is_file() and tiny_lm.bytes > 0
    assert tiny_lm.sentences == len(CORPUS), "the excluded evaluation sentence is left out"
    vocab = read_vocabulary(tiny_lm.path)
    assert "cat" in vocab and "cot" not in vocab and tiny_lm.vocabulary == len(vocab)


def _sentence_score(lm_path, sentence):
    from flashlight.lib.text.decoder.kenlm import KenLM
    from flashlight.lib.text.dictionary import Dictionary

    words = read_vocabulary(lm_path) + ["<unk>"]
    d = Dictionary(words)
    lm = KenLM(str(lm_path), d)
    state, total = lm.start(False), 0.0
    for w in sentence.split():
        state, s = lm.score(state, d.get_index(w if w in words else "<unk>"))
        total += s
    return total + lm.finish(state)[1]


def test_lm_prefers_in_vocabulary_sentence(tiny_lm):
    assert _sentence_score(tiny_lm.path, "the cat sat on the mat") > _sentence_score(tiny_lm.path, "mat the on sat cat the")
    assert _sentence_score(tiny_lm.path, "the cat sat") > _sentence_score(tiny_lm.path, "the cot sat")


def test_lm_fixes_an_acoustic_confusion(tiny_lm):
    from asr.beam_search import BeamSearchDecoder, BeamSearchOptions
    from asr.decode import GreedyDecoder

    # "the c?t sat": acoustics slightly prefer 'o'; the LM knows "the cat sat", and 'cut' is in its lexicon
    frames = list("_th_e_ _c_") + [{"o": 0.5, "a": 0.45}] + list("_t_ _s_a_t_")
    lp = emissions(frames)
    assert GreedyDecoder(TOK, 0.03).decode(lp).text == "the cot sat"
    lexicon = read_vocabulary(tiny_lm.path) + ["cot"]
    no_lm = BeamSearchDecoder(TOK, 0.03, lexicon=lexicon).decode(lp)
    with_lm = BeamSearchDecoder(TOK, 0.03, BeamSearchOptions(lm_weight=1.0), lm=tiny_lm.path, lexicon=lexicon).decode(lp)
    assert no_lm.text == "the cot sat" and with_lm.text == "the cat sat"


def test_lm_build_cli(tiny_lm, tmp_path):
    from click.testing import CliRunner

    from asr.cli import main

    text = tmp_path / "t.txt"
    text.write_text("\n".join(CORPUS) + "\n")
    out = tmp_path / "lm.bin"
    result = CliRunner().invoke(main, ["lm", "build", str(text), "-o", str(out), "--order", "3"])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "3-gram LM from 20 sentences" in result.output


def test_quantized_lm_scores_like_the_full_one(tiny_lm, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("\n".join(CORPUS) + "\n")
    quantized = build_lm([text], tmp_path / "q.bin", order=3, quantize=8).path
    assert quantized.read_bytes() != tiny_lm.path.read_bytes()
    for sentence in ("the cat sat on the mat", "mat the on sat cat the", "the cot sat"):
        assert _sentence_score(quantized, sentence) == pytest.approx(_sentence_score(tiny_lm.path, sentence), abs=0.3)
    assert _sentence_score(quantized, "the cat sat") > _sentence_score(quantized, "the cot sat")
    with pytest.raises(LMError, match="quantize must be 2..24 bits"):
        build_lm([text], tmp_path / "bad.bin", order=3, quantize=1)


def test_missing_lm_is_a_clear_error(tmp_path):
    from asr.beam_search import BeamSearchDecoder

    with pytest.raises(LMError, match="no such language model"):
        BeamSearchDecoder(TOK, 0.03, lm=tmp_path / "none.bin")


def test_lm_tune_stores_the_best_setting_next_to_the_model(trained_model, espeak_corpus, tmp_path):
    """`asr lm tune` on the overfit model: every setting scored, the best saved and used from then on."""
    import shutil

    from click.testing import CliRunner

    from asr.cli import main
    from asr.decoding import load_decoding_config
    from asr.transcribe import Transcriber
    from conftest import SENTENCES

    try:
        kenlm_bin_dir(build=False)
    except LMError:
        pytest.skip("lmplz is not built (scripts/build_kenlm.sh)")
    text = tmp_path / "text.txt"
    text.write_text("\n".join(SENTENCES * 3) + "\n")
    lm = build_lm([text], tmp_path / "lm.bin", order=3).path
    model = tmp_path / "model.pt"
    shutil.copy(trained_model / "model.pt", model)
    result = CliRunner().invoke(main, ["lm", "tune", str(espeak_corpus), "-m", str(model), "--lm", str(lm),
                                       "--lm-weights", "0 1", "--word-scores", "0 2", "--beam", "8",
                                       "--beam-tokens", "5", "--beam-threshold", "20"])
    assert result.exit_code == 0, result.output
    assert result.output.count("lm_weight") == 4 + 1, "four settings listed, then the best"
    saved = load_decoding_config(model)
    assert saved.method == "beam" and saved.lm == str(lm)
    assert (saved.beam_size, saved.beam_size_token, saved.beam_threshold) == (8, 5, 20.0), "beam settings stored"
    assert f"best: lm_weight {saved.lm_weight}, word_score {saved.word_score}" in result.output
    assert Transcriber.from_file(model).decoding == saved


def test_grid_edges_flag_a_best_setting_the_grid_may_have_cut_off():
    from asr.decoding import DecodingConfig
    from asr.tune import grid_edges

    weights, scores = (0.0, 1.0, 2.0), (-1.0, 0.0, 1.0)
    assert grid_edges(DecodingConfig(lm_weight=1.0, word_score=0.0), weights, scores) == []
    assert grid_edges(DecodingConfig(lm_weight=0.0, word_score=0.0), weights, scores) == [], "no LM is a bound"
    edges = grid_edges(DecodingConfig(lm_weight=2.0, word_score=-1.0), weights, scores)
    assert len(edges) == 2 and "lm_weight 2 is the largest" in edges[0] and "smallest" in edges[1]
    assert "largest" in grid_edges(DecodingConfig(lm_weight=1.0, word_score=1.0), weights, scores)[0]
    assert "smallest tried; try smaller" in grid_edges(DecodingConfig(lm_weight=0.5, word_score=0.0), (0.5, 1.0),
                                                       scores)[0]
    assert grid_edges(DecodingConfig(lm_weight=2.0, word_score=1.0), (2.0,), (1.0,)) == [], "a single value is no grid"


def test_tune_in_parallel_equals_serial(trained_model, espeak_corpus, tiny_lm):
    from asr.data import read_manifest
    from asr.decoding import DecodingConfig
    from asr.transcribe import Transcriber
    from asr.tune import tune_lm

    model = Transcriber.from_file(trained_model / "model.pt")
    utts = read_manifest(espeak_corpus)
    log_probs = [model.log_probs(model.load(u.audio_filepath)) for u in utts]
    base = DecodingConfig(method="beam", beam_size=8, lm=str(tiny_lm.path))
    kwargs = dict(lm_weights=(0.0, 2.0), word_scores=(0.0, 1.0), progress=False)
    serial = tune_lm(model, log_probs, [u.text for u in utts], base, workers=1, **kwargs)
    parallel = tune_lm(model, log_probs, [u.text for u in utts], base, workers=2, **kwargs)
    assert serial == parallel and len(serial[1]) == 4


def test_tune_on_several_sets_weighs_each_the_same(trained_model, espeak_corpus, tiny_lm):
    """The objective over two dev sets is the mean of their WERs, each as tuning on it alone measures it."""
    from asr.data import read_manifest
    from asr.decoding import DecodingConfig
    from asr.transcribe import Transcriber
    from asr.tune import tune_lm

    model = Transcriber.from_file(trained_model / "model.pt")
    utts = read_manifest(espeak_corpus)
    log_probs = [model.log_probs(model.load(u.audio_filepath)) for u in utts]
    refs = [u.text for u in utts]
    base = DecodingConfig(method="beam", beam_size=8, lm=str(tiny_lm.path))
    kwargs = dict(lm_weights=(0.0, 3.0), word_scores=(-2.0, 1.0), progress=False, workers=1)
    sets = [0, 0] + [1] * (len(utts) - 2)
    _, both = tune_lm(model, log_probs, refs, base, sets=sets, **kwargs)
    _, first = tune_lm(model, log_probs[:2], refs[:2], base, **kwargs)
    _, rest = tune_lm(model, log_probs[2:], refs[2:], base, **kwargs)
    for p, a, b in zip(both, first, rest):
        assert p.set_wers == (a.wer, b.wer)
        assert p.wer == pytest.approx((a.wer + b.wer) / 2) and p.cer == pytest.approx((a.cer + b.cer) / 2)
    with pytest.raises(ValueError, match="set index"):
        tune_lm(model, log_probs, refs, base, sets=[0, 0] + [2] * (len(utts) - 2), **kwargs)


def test_lm_tune_cli_takes_several_manifests_and_reports_each(trained_model, espeak_corpus, tiny_lm, tmp_path):
    import json
    import shutil

    from click.testing import CliRunner

    from asr.cli import main

    lines = espeak_corpus.read_text().splitlines()
    root = espeak_corpus.parent
    rows = [json.loads(line) for line in lines]
    for r in rows:
        r["audio_filepath"] = str(root / r["audio_filepath"])
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:3]))
    (tmp_path / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[3:]))
    unreadable = {"audio_filepath": str(tmp_path / "missing.wav"), "duration": 1.0, "text": "x"}
    (tmp_path / "c.jsonl").write_text(json.dumps(unreadable) + "\n")
    model = tmp_path / "model.pt"
    shutil.copy(trained_model / "model.pt", model)
    result = CliRunner().invoke(main, ["lm", "tune", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"),
                                       str(tmp_path / "c.jsonl"), "-m", str(model), "--lm", str(tiny_lm.path),
                                       "--lm-weights", "0 1", "--word-scores", "0", "--beam", "8", "--no-save"])
    assert result.exit_code == 0, result.output
    assert "mean WER of 2 sets" in result.output and "c.jsonl: no utterance could be read" in result.output
    assert f"sets: {tmp_path / 'a.jsonl'}, {tmp_path / 'b.jsonl'}" in result.output


def test_dev_log_probs_reports_what_it_cannot_read_and_keeps_the_rest(trained_model, espeak_corpus, tmp_path):
    """An unreadable utterance, and a manifest with none readable, are reported and left out; sets are kept apart."""
    import json

    from asr.transcribe import Transcriber
    from asr.tune import dev_log_probs

    (tmp_path / "broken.wav").write_bytes(b"not audio")
    broken = json.dumps({"audio_filepath": str(tmp_path / "broken.wav"), "duration": 1.0, "text": "x"}) + "\n"
    rows = [json.loads(line) for line in espeak_corpus.read_text().splitlines()]
    for row in rows:  # the copies live elsewhere: absolute audio paths
        row["audio_filepath"] = str(espeak_corpus.parent / row["audio_filepath"])
    lines = [json.dumps(row) + "\n" for row in rows]
    good = tmp_path / "good.jsonl"
    good.write_text("".join(lines[:3]) + broken + "".join(lines[3:5]))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(broken)
    model = Transcriber.from_file(trained_model / "model.pt")
    errors: list[str] = []
    dev = dev_log_probs(model, [good, bad, espeak_corpus], on_error=errors.append)
    assert len(dev.log_probs) == len(dev.references) == 5 + len(lines)
    assert dev.sets == [0] * 5 + [1] * len(lines), "the unreadable manifest gets no set index"
    assert dev.names == [str(good), str(espeak_corpus)]
    assert all(lp.dim() == 2 and lp.shape[1] == model.packaged.tokenizer.vocab_size for lp in dev.log_probs)
    assert len(errors) == 3 and "broken.wav" in errors[0] and "no utterance could be read" in errors[2]
    with pytest.raises(ValueError, match="no dev utterance"):
        dev_log_probs(model, [bad])
