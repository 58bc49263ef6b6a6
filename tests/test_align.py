import pytest
import torch

from asr.align import AlignmentError, ctc_viterbi
from asr.text import CharTokenizer

TOK = CharTokenizer()


def test_viterbi_on_hand_made_emissions():
    frames = "__cc_aa__tt___"
    lp = torch.full((len(frames), TOK.vocab_size), -10.0)
    for t, s in enumerate(frames):
        lp[t, 0 if s == "_" else TOK.encode(s)[0]] = -0.01
    path = ctc_viterbi(lp, TOK.encode("cat"))
    assert [TOK.token(i) if i else "_" for i in path] == list(frames)


def test_viterbi_forces_the_transcript_even_against_the_evidence():
    lp = torch.full((6, TOK.vocab_size), -10.0)
    lp[:, 0] = -0.01  # everything says blank
    path = ctc_viterbi(lp, TOK.encode("aa"))
    collapsed = [k for i, k in enumerate(path) if k and (i == 0 or path[i - 1] != k)]
    assert collapsed == TOK.encode("aa") and 0 in path[path.index(collapsed[0]):]


def test_too_short_audio_and_empty_text():
    with pytest.raises(AlignmentError, match="at least 3 frames"):
        ctc_viterbi(torch.zeros(2, TOK.vocab_size), TOK.encode("aa"))
    with pytest.raises(AlignmentError, match="empty"):
        ctc_viterbi(torch.zeros(5, TOK.vocab_size), [])


def test_align_cli(trained_model, espeak_corpus):
    from click.testing import CliRunner

    from asr.cli import main
    from asr.data import read_manifest

    utt = read_manifest(espeak_corpus)[2]
    result = CliRunner().invoke(main, ["align", str(utt.audio_filepath), utt.text, "-m", str(trained_model / "model.pt")])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.strip().splitlines()]
    assert [r[3] for r in rows] == utt.text.split()
    times = [(float(r[0]), float(r[1])) for r in rows]
    assert all(0 <= s < e <= utt.duration + 0.05 for s, e in times)
    assert all(a[1] <= b[0] + 1e-6 for a, b in zip(times, times[1:])), "word times are monotonic"
