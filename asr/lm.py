"""N-gram language models: building them with KenLM, and reading their vocabulary.

``lmplz`` and ``build_binary`` are KenLM's own tools, compiled once by ``scripts/build_kenlm.sh``
from the ``kenlm`` source package on PyPI (with Debian's Boost) and cached.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from .audio import PathLike
from .corpus.sentences import read_lines
from .text import normalize

REPO_SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


class LMError(Exception):
    """A language model that cannot be built or read."""


def kenlm_bin_dir(build: bool = True) -> Path:
    """The folder holding ``lmplz`` and ``build_binary``: on PATH, in the cache, or built now."""
    on_path = shutil.which("lmplz")
    if on_path and shutil.which("build_binary"):
        return Path(on_path).parent
    cache = Path(os.environ.get("OPENASR_CACHE", Path.home() / ".cache" / "openasr")) / "kenlm" / "bin"
    if (cache / "lmplz").is_file() and (cache / "build_binary").is_file():
        return cache
    script = REPO_SCRIPTS / "build_kenlm.sh"
    if not build or not script.is_file():
        raise LMError("KenLM's lmplz is not available: run scripts/build_kenlm.sh (builds it once, ~5 min)")
    proc = subprocess.run([str(script), str(cache.parent)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise LMError(f"building KenLM failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr else '?'}")
    return Path(proc.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class LMInfo:
    path: Path
    order: int
    sentences: int
    vocabulary: int
    bytes: int


def build_lm(
    sources: Sequence[PathLike],
    out: PathLike,
    order: int = 4,
    prune: Sequence[int] = (),
    exclude: Iterable[str] = (),
    memory: str = "25%",
    quantize: int | None = None,
) -> LMInfo:
    """Build a KenLM binary n-gram model from text files (one sentence a line, ``.gz`` allowed).

    Text is normalised exactly like training transcripts; sentences in ``exclude`` (evaluation
    transcripts) are left out. ``prune`` gives lmplz's per-order count thresholds, e.g. ``(0, 1, 1)``.
    ``quantize`` stores probabilities and backoffs in that many bits (with pointer compression),
    which lets a larger, less pruned model fit the same file size.
    """
    if not 2 <= order <= 6:
        raise LMError(f"order must be 2..6, got {order}")
    if quantize is not None and not 2 <= quantize <= 24:
        raise LMError(f"quantize must be 2..24 bits, got {quantize}")
    held = {normalize(s) for s in exclude}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    bins = kenlm_bin_dir()
    with tempfile.TemporaryDirectory(prefix="asr-lm-") as tmp:
        corpus = Path(tmp) / "corpus.txt"
        sentences, vocab = 0, set()
        with open(corpus, "w", encoding="utf-8") as f:
            for source in sources:
                for line in read_lines(source):
                    text = normalize(line)
                    if text and text not in held:
                        f.write(text + "\n")
                        sentences += 1
                        vocab.update(text.split())
        if sentences == 0:
            raise LMError("no sentences to build a language model from")
        arpa = Path(tmp) / "lm.arpa"
        cmd = [str(bins / "lmplz"), "-o", str(order), "-S", memory, "-T", tmp, "--text", str(corpus),
               "--arpa", str(arpa), "--discount_fallback"]
        if prune:
            cmd += ["--prune", *map(str, prune)]
        _run(cmd)
        tmp_out = out.with_name(out.name + ".tmp")
        packing = ["-a", "22", "-q", str(quantize), "-b", str(quantize)] if quantize else []
        _run([str(bins / "build_binary"), "-s", *packing, "trie", str(arpa), str(tmp_out)])
        tmp_out.replace(out)
        vocab_file = lm_vocabulary_path(out)
        vocab_file.write_text("\n".join(sorted(vocab)) + "\n", encoding="utf-8")
    return LMInfo(out, order, sentences, len(vocab), out.stat().st_size)


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise LMError(f"{Path(cmd[0]).name} failed: {' | '.join(tail)}")


def lm_vocabulary_path(lm: PathLike) -> Path:
    return Path(str(lm) + ".vocab")


def read_vocabulary(lm: PathLike) -> list[str]:
    """The words of an LM: from the ``.vocab`` file written beside it, or an ARPA file's unigrams."""
    lm = Path(lm)
    vocab_file = lm_vocabulary_path(lm)
    if vocab_file.is_file():
        return [w for w in vocab_file.read_text(encoding="utf-8").split("\n") if w]
    opener = gzip.open if lm.suffix == ".gz" else open
    try:
        with opener(lm, "rt", encoding="utf-8", errors="replace") as f:
            words, in_unigrams = [], False
            for line in f:
                line = line.strip()
                if line == "\\1-grams:":
                    in_unigrams = True
                elif in_unigrams and line.startswith("\\"):
                    break
                elif in_unigrams and line:
                    parts = line.split("\t")
                    if len(parts) >= 2 and parts[1] not in ("<s>", "</s>", "<unk>"):
                        words.append(parts[1])
    except (OSError, UnicodeError) as e:
        raise LMError(f"{lm}: cannot read its vocabulary ({e})") from None
    if not words:
        raise LMError(f"{lm}: no vocabulary found (a binary LM needs its .vocab file beside it)")
    return words
