import re

from asr.report import EditOp, build_report, errs_text, html_report, markdown_table, word_alignment


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
