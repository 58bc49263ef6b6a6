"""Building KenLM models and using them in beam search (shallow fusion)."""

import os

import pytest
import torch

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


def test_missing_lm_is_a_clear_error(tmp_path):
    from asr.beam_search import BeamSearchDecoder

    with pytest.raises(LMError, match="no such language model"):
        BeamSearchDecoder(TOK, 0.03, lm=tmp_path / "none.bin")
