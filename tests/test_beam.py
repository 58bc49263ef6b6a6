"""Beam search on hand-made log-probabilities, with and without a lexicon, LM and hotwords."""


import pytest
import torch

from asr.beam_search import BeamSearchDecoder, BeamSearchOptions, parse_hotwords
from asr.decode import GreedyDecoder
from asr.text import CharTokenizer

TOK = CharTokenizer()


def emissions(frames, p=0.9):
    """One row per frame: a symbol ('_' = blank) with probability p, or a dict {symbol: prob}."""
    rows = []
    for f in frames:
        dist = f if isinstance(f, dict) else {f: p}
        rest = (1 - sum(dist.values())) / (TOK.vocab_size - len(dist))
        row = torch.full((TOK.vocab_size,), rest)
        for sym, prob in dist.items():
            row[0 if sym == "_" else TOK.encode(sym)[0]] = prob
        rows.append(row.log())
    return torch.stack(rows)


def test_lexicon_free_beam_equals_greedy_on_clear_input():
    lp = emissions(list("_hh_e_ll_l_oo_ _w_o_r_l_d_"))
    beam = BeamSearchDecoder(TOK, 0.03).decode(lp)
    assert beam.text == GreedyDecoder(TOK, 0.03).decode(lp).text == "hello world"
    assert [w.word for w in beam.words] == ["hello", "world"]


def test_beam_finds_what_greedy_misses():
    # Per frame, blank narrowly beats 'a' twice, but the two 'a' frames together outweigh
    # the all-blank path: prefix search sums paths, greedy takes the single best frame.
    frame = {"_": 0.45, "a": 0.40}
    lp = emissions([frame, frame])
    assert GreedyDecoder(TOK, 0.03).decode(lp).text == ""
    # P("a") = 0.4*0.4 + 0.4*0.45 + 0.45*0.4 = 0.52 > P("") = 0.2025; the best single path for "a" is
    # only 0.18, so a Viterbi-style beam (max, not log-add) keeps "": both answers are legitimate.
    hyp = BeamSearchDecoder(TOK, 0.03).decode(lp)
    assert hyp.text in ("", "a")


def test_lexicon_restricts_to_known_words():
    lp = emissions(["_", "c", "_", {"o": 0.5, "a": 0.45}, "_", "t", "_"])
    assert GreedyDecoder(TOK, 0.03).decode(lp).text == "cot"
    assert BeamSearchDecoder(TOK, 0.03, lexicon=["cat", "dog"]).decode(lp).text == "cat"


def test_token_beam_limits_the_letters_tried_per_frame():
    # 'a' is the third likeliest token of its frame (after 'o' and blank): one token a frame
    # can only follow the argmax, which spells no word; three reach "cat".
    lp = emissions(["_", "c", "_", {"o": 0.5, "_": 0.3, "a": 0.15}, "_", "t", "_"])
    for tokens, expected in ((1, ""), (2, ""), (3, "cat"), (None, "cat")):
        options = BeamSearchOptions(beam_size_token=tokens)
        assert BeamSearchDecoder(TOK, 0.03, options, lexicon=["cat"]).decode(lp).text == expected, tokens


def test_hotword_turns_a_miss_into_a_hit():
    lp = emissions(["_", "c", "_", {"o": 0.5, "a": 0.45}, "_", "t", "_"])
    words = ["cat", "cot"]
    plain = BeamSearchDecoder(TOK, 0.03, lexicon=words).decode(lp)
    boosted = BeamSearchDecoder(TOK, 0.03, BeamSearchOptions(hotwords=parse_hotwords(["cat:3"])),
                                lexicon=words).decode(lp)
    assert plain.text == "cot" and boosted.text == "cat"


def test_nbest_is_sorted_and_distinct():
    lp = emissions(["_", "c", "_", {"o": 0.5, "a": 0.45}, "_", "t", "_"])
    hyps = BeamSearchDecoder(TOK, 0.03, BeamSearchOptions(nbest=3), lexicon=["cat", "cot", "cut"]).decode_nbest(lp)
    assert [h.text for h in hyps][:2] == ["cot", "cat"]
    assert all(a.score >= b.score for a, b in zip(hyps, hyps[1:]))


def test_word_times_from_beam():
    lp = emissions(list("__hi__ __yo_u__"))
    hyp = BeamSearchDecoder(TOK, 0.04, lexicon=["hi", "you"]).decode(lp)
    assert hyp.text == "hi you"
    hi, you = hyp.words
    assert hi.start == pytest.approx(0.08) and hi.end == pytest.approx(0.16)
    assert you.start == pytest.approx(0.36) and you.end == pytest.approx(0.52)


def test_parse_hotwords():
    assert parse_hotwords(["Word", "New York:8", "x:y"]) == (("word", 5.0), ("new york", 8.0), ("x y", 5.0))
    with pytest.raises(ValueError):
        parse_hotwords(["!!!"])


def test_empty_emissions():
    assert BeamSearchDecoder(TOK, 0.03).decode(torch.zeros(0, TOK.vocab_size)).text == ""


def test_parallel_batch_decoding_matches_serial():
    lps = [emissions(list("_hh_i_ _yo_u_")), emissions(["_", "c", "_", {"o": 0.5, "a": 0.45}, "_", "t", "_"])]
    length = max(len(x) for x in lps)
    batch = torch.stack([torch.nn.functional.pad(x, (0, 0, 0, length - len(x))) for x in lps])
    lengths = torch.tensor([len(x) for x in lps])
    serial = BeamSearchDecoder(TOK, 0.03, lexicon=["hi", "you", "cat", "cot"])
    parallel = BeamSearchDecoder(TOK, 0.03, lexicon=["hi", "you", "cat", "cot"], workers=2)
    try:
        assert [h.text for h in parallel.decode_batch(batch, lengths)] == \
            [h.text for h in serial.decode_batch(batch, lengths)] == ["hi you", "cot"]
    finally:
        parallel.close()


def test_lexicon_words_are_kept_apart_without_a_space_between_them():
    """The lexicon decoder may go from one word's last letter straight to the next word: the words
    it reports, not the glued letters of the path, make the text."""
    lp = emissions(list("_i_n_t_o_t_e_x_t_"))  # no space frame between "into" and "text"
    hyp = BeamSearchDecoder(TOK, 0.03, lexicon=["into", "text", "in"]).decode(lp)
    assert hyp.text == "into text"
    assert [w.word for w in hyp.words] == ["into", "text"]
    into, text = hyp.words
    assert 0 <= into.start < into.end <= text.start < text.end <= len(lp) * 0.03


def test_lexicon_words_with_a_doubled_letter_on_one_span():
    """flashlight's lexicon decoder lets "ll" be one run of 'l' frames: the word is still "mill"."""
    lp = emissions(list("_m_i_ll_ _w_a_s_"))
    hyp = BeamSearchDecoder(TOK, 0.03, lexicon=["mill", "was"]).decode(lp)
    assert hyp.text == "mill was" and [w.word for w in hyp.words] == ["mill", "was"]
    assert hyp.words[0].end <= hyp.words[1].start


def test_lexicon_keeps_the_last_word_without_a_space_after_it():
    """Words are spelled with a trailing separator; the utterance's last word has none in the audio."""
    lp = emissions(list("_h_i_ _y_o_u_"))
    for words in (["hi", "you"], ["you", "hi", "h"]):
        assert BeamSearchDecoder(TOK, 0.03, lexicon=words).decode(lp).text == "hi you"
    hyp = BeamSearchDecoder(TOK, 0.03, lexicon=["hi", "you"]).decode(emissions(list("_hh_i")))
    assert hyp.text == "hi" and hyp.words[0].end == pytest.approx(5 * 0.03)


def test_lexicon_word_ends_where_the_acoustics_put_a_space():
    """A prefix that is itself a word ("in") does not end inside a longer one ("into"), even when
    the LM (here a bonus per word, as an LM favouring short frequent words gives) would gain by it."""
    lp = emissions(list("_i_n_t_o_ _a_"))
    options = BeamSearchOptions(hotwords=parse_hotwords(["in:2", "to:2"]))
    hyp = BeamSearchDecoder(TOK, 0.03, options, lexicon=["in", "to", "into", "a"]).decode(lp)
    assert hyp.text == "into a"
