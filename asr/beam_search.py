"""CTC beam search with flashlight-text's decoders, KenLM shallow fusion, and hotword boosting.

Lexicon-free search (any character sequence) is used without an LM; with a word LM the search
is lexicon-based: words are spelled with the tokenizer into a trie built from the LM's
vocabulary (plus any hotwords), and the LM scores each completed word.

Each word is spelled with a trailing word separator (torchaudio's lexicon convention), so a word
ends only where the acoustics put a space: without it the decoder may end a word at any of its
letters and start the next, and the LM then splits long words into frequent short ones. The last
word of an utterance has no space after it, so one frame that is surely a space is appended to
the emissions before decoding (and dropped from the path after).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch
from flashlight.lib.text.decoder import (
    LM,
    CriterionType,
    LexiconDecoder,
    LexiconDecoderOptions,
    LexiconFreeDecoder,
    LexiconFreeDecoderOptions,
    SmearingMode,
    Trie,
    ZeroLM,
)
from flashlight.lib.text.decoder.kenlm import KenLM
from flashlight.lib.text.dictionary import Dictionary

from .audio import PathLike
from .decode import Hypothesis, Word, hypothesis_from_path, spans_from_path
from .lm import LMError, read_vocabulary
from .text import CharTokenizer, Tokenizer, normalize

_IMPOSSIBLE = -1e4  # log-probability of what a frame cannot emit (finite: the decoder adds scores)


@dataclass(frozen=True)
class BeamSearchOptions:
    beam_size: int = 32
    beam_size_token: int | None = None  # tokens considered per frame (None: all)
    beam_threshold: float = 25.0  # prune hypotheses this far below the best
    lm_weight: float = 0.5
    word_score: float = 0.0  # word insertion bonus, added per word
    unk_score: float = -math.inf  # words outside the lexicon (lexicon search only)
    sil_score: float = 0.0
    nbest: int = 1
    hotwords: tuple[tuple[str, float], ...] = field(default=())  # (word or phrase, bonus per word)


class _BoostedLM(LM):
    """Wraps an LM and adds a bonus (in LM-score units) to each hotword."""

    def __init__(self, base: LM, boosts: dict[int, float]):
        LM.__init__(self)
        self.base = base
        self.boosts = boosts

    def start(self, start_with_nothing: bool):
        return self.base.start(start_with_nothing)

    def score(self, state, token_index: int):
        new_state, score = self.base.score(state, token_index)
        return new_state, score + self.boosts.get(token_index, 0.0)

    def finish(self, state):
        return self.base.finish(state)


def parse_hotwords(specs: Sequence[str], default_weight: float = 5.0) -> tuple[tuple[str, float], ...]:
    """``["word", "new york:8"]`` -> ``(("word", 5.0), ("new york", 8.0))``."""
    out = []
    for spec in specs:
        phrase, sep, weight = spec.rpartition(":")
        if not sep:
            phrase, weight = spec, ""
        try:
            value = float(weight) if weight else default_weight
        except ValueError:
            phrase, value = spec, default_weight
        phrase = normalize(phrase)
        if not phrase:
            raise ValueError(f"hotword {spec!r} is empty after normalisation")
        out.append((phrase, value))
    return tuple(out)


class BeamSearchDecoder:
    """Beam search over CTC log-probabilities, optionally with a KenLM word n-gram and hotwords."""

    def __init__(
        self,
        tokenizer: Tokenizer,
        frame_shift: float,
        options: BeamSearchOptions = BeamSearchOptions(),
        lm: PathLike | None = None,
        lexicon: Sequence[str] | None = None,
        workers: int = 1,
    ):
        self.tokenizer = tokenizer
        self.frame_shift = frame_shift
        self.options = options
        self.workers = workers
        self._pool = None
        self._lm_path = str(lm) if lm is not None else None
        self._lexicon = list(lexicon) if lexicon is not None else None
        vocab = tokenizer.vocab_size
        beam_token = min(options.beam_size_token or vocab, vocab)
        if lm is None and lexicon is None and not options.hotwords:
            opts = LexiconFreeDecoderOptions(
                beam_size=options.beam_size, beam_size_token=beam_token, beam_threshold=options.beam_threshold,
                lm_weight=0.0, sil_score=options.sil_score, log_add=False, criterion_type=CriterionType.CTC,
            )
            self._lm = ZeroLM()
            self.decoder = LexiconFreeDecoder(opts, self._lm, self._sil_index(), 0, [])
            self.words: list[str] = []
            return
        if not isinstance(tokenizer, CharTokenizer):
            raise ValueError("lexicon-based beam search (LM, lexicon or hotwords) needs a character tokenizer")
        words = list(lexicon) if lexicon is not None else []
        if lm is not None:
            if not Path(lm).is_file():
                raise LMError(f"{lm}: no such language model")
            if lexicon is None:
                words = read_vocabulary(lm)
        hot_words = [w for phrase, _ in options.hotwords for w in phrase.split()]
        words = list(dict.fromkeys(words + hot_words))  # de-duplicated, order kept
        words = [w for w in words if w and all(c in tokenizer.alphabet for c in w) and " " not in w]
        if not words:
            raise ValueError("the lexicon is empty")
        self.words = words
        word_dict = Dictionary(words)
        if lm is not None:
            base: LM = KenLM(str(lm), word_dict)
        else:
            base = ZeroLM()
        boosts: dict[int, float] = {}
        for phrase, weight in options.hotwords:
            for w in phrase.split():
                # the decoder multiplies LM scores by lm_weight; the bonus is meant unscaled
                boosts[word_dict.get_index(w)] = weight / max(options.lm_weight, 1e-3)
        self._lm = _BoostedLM(base, boosts) if boosts else base
        sil = self._sil_index()
        trie = Trie(vocab, sil)
        start = self._lm.start(False)
        for i, w in enumerate(words):
            _, score = self._lm.score(start, i)
            trie.insert(tokenizer.encode(w) + [sil], i, score)
        trie.smear(SmearingMode.MAX)
        self._trie = trie
        opts = LexiconDecoderOptions(
            beam_size=options.beam_size, beam_size_token=beam_token, beam_threshold=options.beam_threshold,
            lm_weight=options.lm_weight if (lm is not None or boosts) else 0.0, word_score=options.word_score,
            unk_score=options.unk_score, sil_score=options.sil_score, log_add=False,
            criterion_type=CriterionType.CTC,
        )
        unk = word_dict.get_index("<unk>") if "<unk>" in words else -1
        self.decoder = LexiconDecoder(opts, trie, self._lm, self._sil_index(), 0, unk, [], False)

    def _sil_index(self) -> int:
        """The word separator: the space character, or the blank for sentencepiece (no separator)."""
        if isinstance(self.tokenizer, CharTokenizer):
            return self.tokenizer.encode(" ")[0]
        return 0

    def decode_nbest(self, log_probs: torch.Tensor) -> list[Hypothesis]:
        """The ``options.nbest`` best hypotheses of one utterance, ``log_probs (time, vocab)``."""
        if log_probs.dim() != 2:
            raise ValueError(f"expected log_probs (time, vocab), got {tuple(log_probs.shape)}")
        emissions = log_probs.detach().float().cpu().contiguous()
        frames, vocab = emissions.shape
        if frames == 0:
            return [hypothesis_from_path([], emissions, self.tokenizer, self.frame_shift, 0.0)]
        search = emissions
        if self.words:  # a final separator frame completes the last word (see the module docstring)
            closing = torch.full((1, vocab), _IMPOSSIBLE)
            closing[0, self._sil_index()] = 0.0
            search = torch.cat([emissions, closing]).contiguous()
        results = self.decoder.decode(search.data_ptr(), len(search), vocab)
        hyps = []
        for r in results[: self.options.nbest]:
            path = list(r.tokens)[1 : frames + 1]  # flashlight pads the path with a separator at each end
            hyp = hypothesis_from_path(path, emissions, self.tokenizer, self.frame_shift, float(r.score))
            if self.words:
                hyp = self._split_words(hyp, path, emissions, [self.words[i] for i in r.words if i >= 0])
            hyps.append(hyp)
        return hyps or [hypothesis_from_path([], emissions, self.tokenizer, self.frame_shift, -math.inf)]

    def decode(self, log_probs: torch.Tensor) -> Hypothesis:
        return self.decode_nbest(log_probs)[0]

    def _split_words(self, hyp: Hypothesis, path: list[int], emissions: torch.Tensor,
                     words: list[str]) -> Hypothesis:
        """The lexicon decoder's words, with times from the path's letters.

        The word sequence the decoder reports is the truth; its letters are the path's, in order,
        except that a doubled letter may be one span (the decoder's CTC lexicon does not force a
        blank between the two), so collapsing the path would give "mil" for "mill".
        """
        space = self._sil_index()
        spans = [sp for sp in spans_from_path(path, emissions) if sp.id != space]
        text = " ".join(words)
        out, at = [], 0
        for w in words:
            mine: list = []
            for k, (ch, token) in enumerate(zip(w, self.tokenizer.encode(w))):
                if at < len(spans) and spans[at].id == token:
                    mine.append(spans[at])
                    at += 1
                elif not (k and w[k - 1] == ch):  # only a doubled letter may share its span
                    return dataclasses.replace(hyp, text=text)  # not expected: times as the path has them
            out.append(Word(w, mine[0].start_frame * self.frame_shift, (mine[-1].end_frame + 1) * self.frame_shift,
                            sum(sp.confidence for sp in mine) / len(mine)))
        return dataclasses.replace(hyp, text=text, words=tuple(out))

    def decode_batch(self, log_probs: torch.Tensor, lengths: torch.Tensor) -> list[Hypothesis]:
        """``log_probs (batch, time, vocab)``; with ``workers`` > 1, utterances decode in parallel processes."""
        log_probs = log_probs.detach().float().cpu()
        items = [log_probs[b, : int(lengths[b])].numpy() for b in range(log_probs.shape[0])]
        if self.workers > 1 and len(items) > 1:
            return list(self._executor().map(_decode_in_worker, items))
        return [self.decode(torch.from_numpy(x)) for x in items]

    def _executor(self):
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            spec = (self.tokenizer.state_dict(), self.frame_shift, self.options, self._lm_path, self._lexicon)
            self._pool = ProcessPoolExecutor(self.workers, initializer=_init_worker, initargs=(spec,))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


_WORKER_DECODER: BeamSearchDecoder | None = None


def _init_worker(spec) -> None:
    global _WORKER_DECODER
    from .text import tokenizer_from_state

    tokenizer_state, frame_shift, options, lm, lexicon = spec
    torch.set_num_threads(1)
    _WORKER_DECODER = BeamSearchDecoder(tokenizer_from_state(tokenizer_state), frame_shift, options, lm, lexicon)


def _decode_in_worker(log_probs) -> Hypothesis:
    return _WORKER_DECODER.decode(torch.from_numpy(log_probs))
