"""Evaluation reports: per-utterance alignments, frequent errors, JSON summary, HTML with plots."""

from __future__ import annotations

import base64
import collections
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import jiwer

from .evaluate import Score, error_rate, score


@dataclass(frozen=True)
class EditOp:
    op: str  # "C" correct, "S" substitution, "D" deletion, "I" insertion
    ref: str | None
    hyp: str | None


def word_alignment(reference: str, hypothesis: str) -> tuple[EditOp, ...]:
    """Minimum-edit alignment of two normalised word sequences."""
    ref, hyp = reference.split(), hypothesis.split()
    if not ref:
        return tuple(EditOp("I", None, w) for w in hyp)
    out = jiwer.process_words(" ".join(ref), " ".join(hyp) if hyp else "")
    ops: list[EditOp] = []
    for chunk in out.alignments[0]:
        r = ref[chunk.ref_start_idx : chunk.ref_end_idx]
        h = hyp[chunk.hyp_start_idx : chunk.hyp_end_idx]
        if chunk.type == "equal":
            ops += [EditOp("C", a, a) for a in r]
        elif chunk.type == "substitute":
            ops += [EditOp("S", a, b) for a, b in zip(r, h)]
        elif chunk.type == "delete":
            ops += [EditOp("D", a, None) for a in r]
        else:
            ops += [EditOp("I", None, b) for b in h]
    return tuple(ops)


@dataclass(frozen=True)
class UtteranceResult:
    id: str
    reference: str  # normalised
    hypothesis: str  # normalised
    duration: float
    speaker: str | None
    ops: tuple[EditOp, ...]

    @property
    def word_errors(self) -> int:
        return sum(o.op != "C" for o in self.ops)

    @property
    def wer(self) -> float:
        return error_rate(self.word_errors, sum(o.op != "I" for o in self.ops))


@dataclass(frozen=True)
class SpeakerScore:
    """Word errors of one speaker's utterances (sclite's per-speaker summary)."""

    speaker: str
    utterances: int
    words: int  # reference words
    errors: int

    @property
    def wer(self) -> float:
        return error_rate(self.errors, self.words)


@dataclass
class EvaluationReport:
    name: str
    utterances: list[UtteranceResult]
    score: Score
    audio_seconds: float
    decode_seconds: float
    failed: int = 0
    decoding: dict = field(default_factory=dict)

    @property
    def rtf(self) -> float:
        return self.decode_seconds / self.audio_seconds if self.audio_seconds else float("nan")

    def frequent_errors(self, n: int = 10) -> dict[str, list[tuple[str, int]]]:
        subs, dels, ins = collections.Counter(), collections.Counter(), collections.Counter()
        for u in self.utterances:
            for o in u.ops:
                if o.op == "S":
                    subs[f"{o.ref} -> {o.hyp}"] += 1
                elif o.op == "D":
                    dels[o.ref] += 1
                elif o.op == "I":
                    ins[o.hyp] += 1
        return {"substitutions": subs.most_common(n), "deletions": dels.most_common(n),
                "insertions": ins.most_common(n)}

    def by_speaker(self) -> list[SpeakerScore]:
        """Per-speaker word error rates, worst first; empty when the manifest names no speakers.

        A test set's WER can hide one voice that fails: the speakers' spread says whether the errors
        are everywhere or in a few voices.
        """
        groups: dict[str, list[UtteranceResult]] = collections.defaultdict(list)
        for u in self.utterances:
            if u.speaker is not None:
                groups[u.speaker].append(u)
        scores = [SpeakerScore(name, len(us), sum(len(u.reference.split()) for u in us),
                               sum(u.word_errors for u in us)) for name, us in groups.items()]
        return sorted(scores, key=lambda s: (-s.wer, s.speaker))

    def summary(self) -> dict:
        out = {"name": self.name, **self.score.summary(), "failed": self.failed,
               "audio_seconds": round(self.audio_seconds, 2), "real_time_factor": round(self.rtf, 4),
               "decoding": self.decoding, "frequent_errors": self.frequent_errors()}
        if speakers := self.by_speaker():
            out["speakers"] = {s.speaker: {"utterances": s.utterances, "words": s.words, "errors": s.errors,
                                           "wer": round(s.wer, 4)} for s in speakers}
        return out


def build_report(name: str, ids: Sequence[str], references: Sequence[str], hypotheses: Sequence[str],
                 durations: Sequence[float], speakers: Sequence[str | None], decode_seconds: float,
                 failed: int = 0, decoding: dict | None = None) -> EvaluationReport:
    """Score and align; references and hypotheses go through the same normaliser inside :func:`score`."""
    from .text import normalize

    refs = [normalize(r) for r in references]
    hyps = [normalize(h) for h in hypotheses]
    utts = [UtteranceResult(i, r, h, d, s, word_alignment(r, h))
            for i, r, h, d, s in zip(ids, refs, hyps, durations, speakers)]
    return EvaluationReport(name, utts, score(refs, hyps), sum(durations), decode_seconds, failed, decoding or {})


def errs_text(report: EvaluationReport) -> str:
    """icefall-style errors file: one line per utterance with (ref->hyp) marks, then the totals."""
    lines = [f"%WER = {100 * report.score.wer:.2f}",
             f"Errors: {report.score.words.insertions} insertions, {report.score.words.deletions} deletions, "
             f"{report.score.words.substitutions} substitutions, over {report.score.words.reference_length} "
             "reference words", "", "PER-UTT DETAILS: corr or (ref->hyp)"]
    for u in report.utterances:
        marks = [o.ref if o.op == "C" else f"({o.ref or '*'}->{o.hyp or '*'})" for o in u.ops]
        lines.append(f"{u.id}:\t{' '.join(marks)}")
    lines += ["", "SUBSTITUTIONS: count ref -> hyp"]
    errors = report.frequent_errors(50)
    lines += [f"{c}   {pair}" for pair, c in errors["substitutions"]]
    lines += ["", "DELETIONS: count ref"] + [f"{c}   {w}" for w, c in errors["deletions"]]
    lines += ["", "INSERTIONS: count hyp"] + [f"{c}   {w}" for w, c in errors["insertions"]]
    if speakers := report.by_speaker():
        lines += ["", "PER-SPEAKER: %WER errors words utterances speaker (worst first)"]
        lines += [f"{100 * s.wer:.2f}   {s.errors}   {s.words}   {s.utterances}   {s.speaker}" for s in speakers]
    return "\n".join(lines) + "\n"


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return base64.b64encode(buf.getvalue()).decode()


def plots(report: EvaluationReport) -> dict[str, str]:
    """Base64 PNGs: WER by utterance duration, by speaker (when known), and the error-count histogram."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = {}
    utts = report.utterances
    if not utts:
        return out
    edges = [0, 2, 4, 6, 8, 10, 15, 20, float("inf")]
    labels, wers, counts = [], [], []
    for lo, hi in zip(edges, edges[1:]):
        group = [u for u in utts if lo <= u.duration < hi]
        if group:
            errors = sum(u.word_errors for u in group)
            words = sum(len(u.reference.split()) for u in group)
            labels.append(f"{lo:g}-{hi:g}s" if hi != float("inf") else f">{lo:g}s")
            wers.append(100 * errors / max(words, 1))
            counts.append(len(group))
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(labels, wers, color="#4c72b0")
    for i, n in enumerate(counts):
        ax.annotate(f"n={n}", (i, wers[i]), ha="center", va="bottom", fontsize=8)
    ax.set(xlabel="utterance duration", ylabel="WER %", title="WER by duration")
    fig.tight_layout()
    out["wer_by_duration"] = _png(fig)
    plt.close(fig)

    if speakers := report.by_speaker()[:30]:
        names = [s.speaker for s in speakers]
        fig, ax = plt.subplots(figsize=(max(5, 0.3 * len(names) + 2), 3.2))
        ax.bar(names, [100 * s.wer for s in speakers], color="#dd8452")
        ax.set(ylabel="WER %", title="WER by speaker (worst 30)")
        ax.tick_params(axis="x", rotation=70, labelsize=7)
        fig.tight_layout()
        out["wer_by_speaker"] = _png(fig)
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3.2))
    errors = [u.word_errors for u in utts]
    ax.hist(errors, bins=range(0, max(errors) + 2), color="#55a868", align="left")
    ax.set(xlabel="word errors in the utterance", ylabel="utterances", title="Error-count histogram")
    fig.tight_layout()
    out["error_histogram"] = _png(fig)
    plt.close(fig)
    return out


def html_report(report: EvaluationReport) -> str:
    """A self-contained HTML page: summary, plots, frequent errors, and each utterance's alignment."""
    s, e = report.score, html.escape
    images = "".join(f'<figure><img alt="{e(k)}" src="data:image/png;base64,{v}"><figcaption>{e(k.replace("_", " "))}'
                     f"</figcaption></figure>" for k, v in plots(report).items())
    errors = report.frequent_errors()
    tables = "".join(
        f"<div><h3>{kind}</h3><table><tr><th>word</th><th>count</th></tr>"
        + "".join(f"<tr><td>{e(str(w))}</td><td>{c}</td></tr>" for w, c in rows) + "</table></div>"
        for kind, rows in errors.items())
    speakers = "".join(f"<tr><td>{e(sp.speaker)}</td><td>{sp.utterances}</td><td>{sp.words}</td><td>{sp.errors}</td>"
                       f"<td>{100 * sp.wer:.2f}%</td></tr>" for sp in report.by_speaker())
    if speakers:
        speakers = ("<h2>Speakers (worst first)</h2><table><tr><th>speaker</th><th>utterances</th><th>ref words</th>"
                    f"<th>errors</th><th>WER</th></tr>{speakers}</table>")
    colours = {"C": "", "S": "sub", "D": "del", "I": "ins"}
    rows = []
    for u in sorted(report.utterances, key=lambda u: -u.word_errors):
        cells = " ".join(
            f'<span class="{colours[o.op]}">{e(o.ref or "")}{"&rarr;" + e(o.hyp or "∅") if o.op == "S" else ""}'
            f'{e(o.hyp) if o.op == "I" else ""}</span>' for o in u.ops)
        rows.append(f"<tr><td>{e(u.id)}</td><td>{u.duration:.2f}</td><td>{u.word_errors}</td><td>{cells}</td></tr>")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>ASR evaluation: {e(report.name)}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;
padding:2px 6px;font-size:13px}} .sub{{background:#fde2a1}} .del{{background:#f8b4b4;text-decoration:line-through}}
.ins{{background:#b4d8f8}} figure{{display:inline-block;margin:0 1em 1em 0}} .errs{{display:flex;gap:2em}}</style>
</head><body><h1>Evaluation: {e(report.name)}</h1>
<table><tr><th>utterances</th><th>WER</th><th>CER</th><th>SER</th><th>sub</th><th>del</th><th>ins</th>
<th>ref words</th><th>audio (min)</th><th>RTF</th><th>failed</th></tr>
<tr><td>{s.sentences}</td><td>{100 * s.wer:.2f}%</td><td>{100 * s.cer:.2f}%</td><td>{100 * s.ser:.2f}%</td>
<td>{s.words.substitutions}</td><td>{s.words.deletions}</td><td>{s.words.insertions}</td>
<td>{s.words.reference_length}</td><td>{report.audio_seconds / 60:.1f}</td><td>{report.rtf:.4f}</td>
<td>{report.failed}</td></tr></table>
<p>Decoding: {e(json.dumps(report.decoding))}</p>
{images}{speakers}<h2>Most frequent errors</h2><div class="errs">{tables}</div>
<h2>Utterances (most errors first)</h2><p><span class="sub">substitution</span> <span class="del">deletion</span>
<span class="ins">insertion</span></p><table><tr><th>id</th><th>s</th><th>errors</th><th>alignment</th></tr>
{"".join(rows)}</table></body></html>
"""


def write_report(report: EvaluationReport, out_dir: Path) -> dict[str, Path]:
    """hyps.jsonl, errs.txt, summary.json and report.html under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {k: out_dir / v for k, v in
             (("hyps", "hyps.jsonl"), ("errs", "errs.txt"), ("summary", "summary.json"), ("html", "report.html"))}
    with open(paths["hyps"], "w", encoding="utf-8") as f:
        for u in report.utterances:
            row = {"id": u.id, "ref": u.reference, "hyp": u.hypothesis, "errors": u.word_errors,
                   "wer": round(u.wer, 4), "duration": u.duration}
            if u.speaker is not None:
                row["speaker"] = u.speaker
            f.write(json.dumps(row) + "\n")
    paths["errs"].write_text(errs_text(report), encoding="utf-8")
    paths["summary"].write_text(json.dumps(report.summary(), indent=2) + "\n")
    paths["html"].write_text(html_report(report), encoding="utf-8")
    return paths


def markdown_table(reports: Sequence[EvaluationReport]) -> str:
    lines = ["| test set | utterances | WER | CER | SER | sub | del | ins | RTF |", "|---|---|---|---|---|---|---|---|---|"]
    for r in reports:
        s = r.score
        lines.append(f"| {r.name} | {s.sentences} | {100 * s.wer:.2f}% | {100 * s.cer:.2f}% | {100 * s.ser:.2f}% | "
                     f"{s.words.substitutions} | {s.words.deletions} | {s.words.insertions} | {r.rtf:.4f} |")
    return "\n".join(lines)
