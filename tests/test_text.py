import pytest

from asr.text import BLANK_ID, CharTokenizer, SentencePieceTokenizer, build_tokenizer, normalize, number_to_words, \
    tokenizer_from_state


@pytest.mark.parametrize("n,words", [
    (0, "zero"), (13, "thirteen"), (40, "forty"), (99, "ninety nine"), (100, "one hundred"),
    (1205, "one thousand two hundred five"), (2_000_017, "two million seventeen"), (-3, "minus three"),
])
def test_number_to_words(n, words):
    assert number_to_words(n) == words


@pytest.mark.parametrize("raw,expected", [
    ("Hello, World!", "hello world"),
    ("It's 5 o'clock.", "it's five o'clock"),
    ("the 21st century", "the twenty first century"),
    ("in 1984 and 2005", "in nineteen eighty four and two thousand five"),
    ("the 1990s", "the nineteen nineties"),
    ("$3.50 each", "three dollars fifty cents each"),
    ("1,000 people, 50%", "one thousand people fifty percent"),
    ("pi is 3.14", "pi is three point one four"),
    ("'quoted' words", "quoted words"),
    ("Café naïve", "cafe naive"),
    ("well-known  --  fact", "well known fact"),
    ("", ""),
    ("?!...", ""),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_output_alphabet():
    text = normalize("Mr. O'Neil (aged 42) said: «Ça va?» — 3rd time & 7% more…")
    assert set(text) <= set(" 'abcdefghijklmnopqrstuvwxyz")


def test_char_tokenizer_roundtrip_and_blank():
    tok = CharTokenizer()
    ids = tok.encode("don't stop")
    assert BLANK_ID not in ids and tok.vocab_size == 29
    assert tok.decode(ids) == "don't stop"
    assert tok.decode([BLANK_ID] + ids + [BLANK_ID]) == "don't stop"
    assert tok.token(0) == "<blank>"
    with pytest.raises(ValueError, match="normalise"):
        tok.encode("Capital")
    assert tokenizer_from_state(tok.state_dict()).encode("abc") == tok.encode("abc")


def test_sentencepiece_tokenizer():
    sentences = ["the cat sat on the mat", "the dog ate the bone", "a cat and a dog"] * 30
    tok = build_tokenizer("bpe", sentences, vocab_size=40)
    assert isinstance(tok, SentencePieceTokenizer)
    assert tok.token(BLANK_ID) == "<blank>" and tok.vocab_size == 40
    ids = tok.encode("the cat ate the mat")
    assert BLANK_ID not in ids
    assert tok.decode(ids) == "the cat ate the mat"
    again = tokenizer_from_state(tok.state_dict())
    assert again.encode("the dog") == tok.encode("the dog")
