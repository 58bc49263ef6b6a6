import json
import re

from asr.report import EditOp, build_report, errs_text, html_report, markdown_table, word_alignment, write_report


def test_word_alignment_marks():
    ops = word_alignment("the cat sat on the mat", "the cat sit on mat")
    assert [o.op for o in ops].count("C") == 4
    assert EditOp("S", "sat", "sit") in ops
    assert sum(o.op in "DS" for o in ops) == 2  # "sat" and one "the"/"mat" edit
    assert word_alignment("", "hi there") == (EditOp("I", None, "hi"), EditOp("I", None, "there"))
    assert word_alignment("hi there", "") == (EditOp("D", "hi", None), EditOp("D", "there", None))


def _report():
    return build_report(
        "set", ["u1", "u2", "u3"],
        ["The cat sat.", "Hello world", "It cost 5 dollars"],
        ["the cat sit", "hello world again", "it cost five dollars"],
        [1.5, 3.0, 7.0], ["a", "b", "a"], decode_seconds=0.5, decoding={"method": "greedy"})


def test_report_scores_with_one_normaliser():
    r = _report()
    assert r.utterances[2].word_errors == 0, "'5' and 'five' are the same after normalisation on both sides"
    assert r.score.words.substitutions == 1 and r.score.words.insertions == 1
    assert r.score.wer == 2 / 9
    assert r.rtf == 0.5 / 11.5
    errors = r.frequent_errors()
    assert errors["substitutions"] == [("sat -> sit", 1)] and errors["insertions"] == [("again", 1)]


def test_errs_file_is_icefall_like():
    text = errs_text(_report())
    assert text.startswith("%WER = 22.22")
    assert "u1:\tthe cat (sat->sit)" in text and "u2:\thello world (*->again)" in text
    assert "1   sat -> sit" in text


def test_html_report_contains_the_figures():
    page = html_report(_report())
    for name in ("wer_by_duration", "wer_by_speaker", "error_histogram"):
        assert re.search(rf'<img alt="{name}" src="data:image/png;base64,[A-Za-z0-9+/=]{{100,}}"', page), name
    assert "22.22%" in page and '<span class="sub">sat&rarr;sit</span>' in page


def test_markdown_table():
    table = markdown_table([_report(), _report()])
    assert table.count("| set | 3 | 22.22% |") == 2


def test_per_speaker_breakdown_in_every_output(tmp_path):
    r = _report()
    a, b = r.by_speaker()[::-1]  # worst first: b has 1 error in 2 words, a 1 in 7
    assert (b.speaker, b.utterances, b.words, b.errors, b.wer) == ("b", 1, 2, 1, 0.5)
    assert (a.speaker, a.utterances, a.words, a.errors) == ("a", 2, 7, 1)
    assert r.summary()["speakers"] == {"b": {"utterances": 1, "words": 2, "errors": 1, "wer": 0.5},
                                       "a": {"utterances": 2, "words": 7, "errors": 1, "wer": 0.1429}}
    text = errs_text(r)
    assert text.endswith("PER-SPEAKER: %WER errors words utterances speaker (worst first)\n"
                         "50.00   1   2   1   b\n14.29   1   7   2   a\n")
    assert "<td>b</td><td>1</td><td>2</td><td>1</td><td>50.00%</td>" in html_report(r)
    paths = write_report(r, tmp_path)
    rows = [json.loads(line) for line in paths["hyps"].read_text().splitlines()]
    assert [row["speaker"] for row in rows] == ["a", "b", "a"]


def test_no_speaker_section_without_speakers(tmp_path):
    r = build_report("set", ["u1"], ["hello world"], ["hello"], [1.0], [None], decode_seconds=0.1)
    assert r.by_speaker() == [] and "speakers" not in r.summary()
    assert "PER-SPEAKER" not in errs_text(r) and "Speakers (worst first)" not in html_report(r)
    assert "speaker" not in json.loads(write_report(r, tmp_path)["hyps"].read_text())
