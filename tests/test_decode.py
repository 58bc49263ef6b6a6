import math

import pytest
import torch

from asr.decode import GreedyDecoder
from asr.text import CharTokenizer, SentencePieceTokenizer


def _log_probs(frames, tokenizer, vocab=None, p=0.9):
    """One-hot-ish log-probs from a list of symbols per frame ('_' = blank)."""
    vocab = vocab or tokenizer.vocab_size
    rows = []
    for sym in frames:
        idx = 0 if sym == "_" else tokenizer.encode(sym)[0]
        row = torch.full((vocab,), (1 - p) / (vocab - 1))
        row[idx] = p
        rows.append(row.log())
    return torch.stack(rows)


def test_greedy_collapses_repeats_and_blanks():
    tok = CharTokenizer()
    lp = _log_probs(list("hh_e_ll_l_oo") + ["_"], tok)
    hyp = GreedyDecoder(tok, 0.03).decode(lp)
    assert hyp.text == "hello"
    assert hyp.token_frames == (0, 3, 5, 8, 10)
    assert hyp.score == pytest.approx(13 * math.log(0.9), rel=1e-5)


def test_word_times_and_confidence():
    tok = CharTokenizer()
    frames = ["_", "h", "i", "_", " ", "_", "_", "y", "o", "u", "_"]
    lp = _log_probs(frames, tok)
    lp[8] = torch.full((29,), 1.0 / 29).log()
    lp[8, tok.encode("o")[0]] = math.log(0.5)  # a less certain frame
    lp[8] = lp[8].log_softmax(-1)
    hyp = GreedyDecoder(tok, frame_shift=0.04).decode(lp)
    assert hyp.text == "hi you"
    hi, you = hyp.words
    assert (hi.word, you.word) == ("hi", "you")
    assert hi.start == pytest.approx(0.04) and hi.end == pytest.approx(0.12)
    assert you.start == pytest.approx(0.28) and you.end == pytest.approx(0.40)
    assert hi.confidence == pytest.approx(0.9, rel=1e-4)
    assert you.confidence < hi.confidence
    assert all(0 <= w.start < w.end for w in hyp.words)


def test_all_blank_is_empty():
    tok = CharTokenizer()
    hyp = GreedyDecoder(tok, 0.03).decode(_log_probs(["_"] * 5, tok))
    assert hyp.text == "" and hyp.words == ()


def test_sentencepiece_words():
    tok = SentencePieceTokenizer.train(["the cat sat", "the dog sat", "a cat"] * 30, vocab_size=30)
    ids = tok.encode("the cat sat")
    vocab = tok.vocab_size
    rows = []
    for i in ids:
        for sym in (i, 0):
            row = torch.full((vocab,), 0.01 / (vocab - 1))
            row[sym] = 0.99
            rows.append(row.log())
    hyp = GreedyDecoder(tok, 0.03).decode(torch.stack(rows))
    assert hyp.text == "the cat sat"
    assert [w.word for w in hyp.words] == ["the", "cat", "sat"]


def test_batch_respects_lengths():
    tok = CharTokenizer()
    a = _log_probs(list("ab_"), tok)
    b = _log_probs(list("c__"), tok)
    b[2] = _log_probs(["d"], tok)[0]  # past its length: must be ignored
    hyps = GreedyDecoder(tok, 0.03).decode_batch(torch.stack([a, b]), torch.tensor([3, 2]))
    assert [h.text for h in hyps] == ["ab", "c"]


def test_decoding_settings_round_trip_and_older_files_still_load(tmp_path):
    from asr.config import ConfigError
    from asr.decoding import DecodingConfig, decoding_config_path, load_decoding_config, save_decoding_config

    model = tmp_path / "model.pt"
    config = DecodingConfig(method="beam", beam_size=512, beam_size_token=8, beam_threshold=20.0, lm_weight=2.5)
    save_decoding_config(model, config)
    assert load_decoding_config(model) == config
    # written before the token beam existed: every token, as then
    decoding_config_path(model).write_text("method: beam\nbeam_size: 256\nbeam_threshold: 25.0\nlm_weight: 2.5\n")
    assert load_decoding_config(model).beam_size_token is None
    decoding_config_path(model).write_text("method: beam\nbeam_size_token: 0\n")
    with pytest.raises(ConfigError, match="beam_size_token must be at least 1"):
        load_decoding_config(model)
