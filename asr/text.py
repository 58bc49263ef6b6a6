"""Text normalisation and tokenizers.

One normaliser serves training targets and scoring: lowercase a–z, apostrophe and space;
numbers spelled out; everything else dropped. CTC blank is token 0 in every tokenizer.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path
from typing import Iterable, Protocol, Sequence

BLANK = "<blank>"
BLANK_ID = 0
CHARACTERS = " 'abcdefghijklmnopqrstuvwxyz"

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = [(10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred")]
_ORDINAL_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                      "nine": "ninth", "twelve": "twelfth"}
_SYMBOLS = {"&": " and ", "%": " percent ", "+": " plus ", "@": " at ", "=": " equals "}
_CURRENCY = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
             "€": ("euro", "euros", "cent", "cents")}


def number_to_words(n: int) -> str:
    """Cardinal number in words: ``1205`` -> ``one thousand two hundred five``."""
    if n < 0:
        return "minus " + number_to_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (" " + _ONES[ones] if ones else "")
    for value, name in _SCALES:
        if n >= value:
            head, rest = divmod(n, value)
            words = number_to_words(head) + " " + name
            return words + (" " + number_to_words(rest) if rest else "")
    raise AssertionError("unreachable")


def ordinal_to_words(n: int) -> str:
    """``21`` -> ``twenty first``."""
    words = number_to_words(n).split()
    last = words[-1]
    if last in _ORDINAL_IRREGULAR:
        words[-1] = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def year_to_words(n: int) -> str:
    """Years read in pairs, as people say them: ``1984`` -> ``nineteen eighty four``."""
    high, low = divmod(n, 100)
    if low == 0:
        return number_to_words(high) + " hundred"
    if low < 10:
        return number_to_words(high) + " oh " + number_to_words(low)
    return number_to_words(high) + " " + number_to_words(low)


def _digits_to_words(digits: str) -> str:
    return " ".join(_ONES[int(d)] for d in digits)


def _expand_currency(m: re.Match) -> str:
    one, many, sub_one, sub_many = _CURRENCY[m.group(1)]
    whole = int(m.group(2).replace(",", ""))
    words = f"{number_to_words(whole)} {one if whole == 1 else many}"
    if m.group(3):
        cents = int((m.group(3) + "0")[:2])
        if cents:
            words += f" {number_to_words(cents)} {sub_one if cents == 1 else sub_many}"
    return f" {words} "


def _expand_number(m: re.Match) -> str:
    whole, frac, suffix = m.group(1), m.group(2), (m.group(3) or "").lower()
    plain = whole.replace(",", "")
    if frac:
        return f" {number_to_words(int(plain))} point {_digits_to_words(frac)} {suffix.strip(chr(39))} "
    if suffix.endswith("s"):  # decades and plurals: 1990s, 7's
        words = _expand_number(_NUMBER_RE.match(plain)).split()
        words[-1] = words[-1][:-1] + "ies" if words[-1].endswith("y") else words[-1] + "s"
        return f" {' '.join(words)} "
    if suffix:
        return f" {ordinal_to_words(int(plain))} "
    if "," not in whole and len(plain) == 4 and 1100 <= int(plain) <= 2099 and not plain.startswith("20"):
        return f" {year_to_words(int(plain))} "
    if len(plain) > 15:
        return f" {_digits_to_words(plain)} "
    return f" {number_to_words(int(plain))} "


_CURRENCY_RE = re.compile(r"([$£€])\s?(\d[\d,]*)(?:\.(\d+))?")
_NUMBER_RE = re.compile(r"(\d[\d,]*\d|\d)(?:\.(\d+))?(st|nd|rd|th|'?s)?\b", re.IGNORECASE)
_DROP_RE = re.compile(r"[^a-z' ]+")
_QUOTE_RE = re.compile(r"(^|\s)'+|'+(\s|$)")
_SPACE_RE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Normalise a transcript for training and scoring.

    >>> normalize("Dr. Smith paid $3.50 on the 21st of May, 1984 -- 100% sure!")
    "dr smith paid three dollars fifty cents on the twenty first of may nineteen eighty four one hundred percent sure"
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = _CURRENCY_RE.sub(_expand_currency, text)
    text = _NUMBER_RE.sub(_expand_number, text)
    for symbol, words in _SYMBOLS.items():
        text = text.replace(symbol, words)
    text = text.lower().replace("-", " ")
    text = _DROP_RE.sub(" ", text)
    text = _QUOTE_RE.sub(" ", text)  # quotation marks, not apostrophes inside words
    return _SPACE_RE.sub(" ", text).strip()


class Tokenizer(Protocol):
    """Text <-> token ids; id 0 is the CTC blank."""

    kind: str

    @property
    def vocab_size(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...

    def token(self, id: int) -> str: ...

    def state_dict(self) -> dict: ...


class CharTokenizer:
    """Characters of the normalised alphabet (space, apostrophe, a–z) after the blank."""

    kind = "char"

    def __init__(self, alphabet: str = CHARACTERS):
        if len(set(alphabet)) != len(alphabet):
            raise ValueError("alphabet has repeated characters")
        self.alphabet = alphabet
        self._ids = {c: i + 1 for i, c in enumerate(alphabet)}

    @property
    def vocab_size(self) -> int:
        return len(self.alphabet) + 1

    def encode(self, text: str) -> list[int]:
        """Encode already-normalised text; unknown characters are an error."""
        try:
            return [self._ids[c] for c in text]
        except KeyError as e:
            raise ValueError(f"character {e.args[0]!r} is not in the alphabet; normalise the text first") from None

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.alphabet[i - 1] for i in ids if i != BLANK_ID)

    def token(self, id: int) -> str:
        return BLANK if id == BLANK_ID else self.alphabet[id - 1]

    def state_dict(self) -> dict:
        return {"kind": self.kind, "alphabet": self.alphabet}


class SentencePieceTokenizer:
    """Sentencepiece BPE/unigram; sentencepiece's own id 0 is reserved as the blank."""

    kind = "sentencepiece"

    def __init__(self, model_proto: bytes):
        import sentencepiece as spm

        self.model_proto = bytes(model_proto)
        self.sp = spm.SentencePieceProcessor(model_proto=self.model_proto)
        if self.sp.id_to_piece(0) != BLANK:
            raise ValueError(f"sentencepiece model must have {BLANK!r} as id 0; train it with train_sentencepiece()")

    @classmethod
    def train(cls, sentences: Iterable[str], vocab_size: int = 256, model_type: str = "bpe") -> "SentencePieceTokenizer":
        """Train on normalised sentences."""
        import sentencepiece as spm

        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(list(sentences)),
            model_writer=model,
            vocab_size=vocab_size,
            model_type=model_type,
            character_coverage=1.0,
            # id 0 doubles as the CTC blank; no bos/eos, and unk after it.
            control_symbols=[],
            user_defined_symbols=[],
            pad_id=0,
            pad_piece=BLANK,
            unk_id=1,
            bos_id=-1,
            eos_id=-1,
            minloglevel=2,
        )
        return cls(model.getvalue())

    @property
    def vocab_size(self) -> int:
        return self.sp.get_piece_size()

    def encode(self, text: str) -> list[int]:
        return list(self.sp.encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        return self.sp.decode([i for i in ids if i != BLANK_ID])

    def token(self, id: int) -> str:
        return self.sp.id_to_piece(id)

    def state_dict(self) -> dict:
        return {"kind": self.kind, "model_proto": self.model_proto}

    def save(self, path: Path) -> None:
        Path(path).write_bytes(self.model_proto)


def tokenizer_from_state(state: dict) -> Tokenizer:
    kind = state.get("kind")
    if kind == CharTokenizer.kind:
        return CharTokenizer(state["alphabet"])
    if kind == SentencePieceTokenizer.kind:
        return SentencePieceTokenizer(state["model_proto"])
    raise ValueError(f"unknown tokenizer kind {kind!r}")


def build_tokenizer(kind: str, sentences: Iterable[str] = (), vocab_size: int = 256) -> Tokenizer:
    """The tokenizer a training config asks for; sentencepiece is trained on ``sentences``."""
    if kind == "char":
        return CharTokenizer()
    if kind in ("bpe", "unigram", "sentencepiece"):
        model_type = "unigram" if kind == "unigram" else "bpe"
        return SentencePieceTokenizer.train(sentences, vocab_size=vocab_size, model_type=model_type)
    raise ValueError(f"unknown tokenizer {kind!r}; expected 'char', 'bpe' or 'unigram'")
