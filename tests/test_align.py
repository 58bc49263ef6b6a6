import numpy as np
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


def _tone(seconds, rate=16000, freq=300.0):
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_refine_moves_spike_times_to_the_sound_edges():
    from asr.align import refine_boundaries
    from asr.decode import Word

    rate, pause = 16000, np.zeros(4000, np.float32)  # 0.25 s
    audio = np.concatenate([pause, _tone(0.4), pause, _tone(0.3), pause])  # words at 0.25-0.65, 0.90-1.20
    spikes = [Word("one", 0.30, 0.50, 0.9), Word("two", 0.87, 1.10, 0.8)]  # late/early, and one start in silence
    refined = refine_boundaries(spikes, audio, rate)
    assert [w.word for w in refined] == ["one", "two"] and refined[1].confidence == 0.8
    for w, (start, end) in zip(refined, [(0.25, 0.65), (0.90, 1.20)]):
        assert abs(w.start - start) <= 0.005 and abs(w.end - end) <= 0.005, w


def test_refine_never_crosses_the_middle_between_neighbours():
    from asr.align import refine_boundaries
    from asr.decode import Word

    audio = _tone(1.0)  # connected speech: no quiet frame anywhere
    spikes = [Word("a", 0.10, 0.40, 1.0), Word("b", 0.50, 0.90, 1.0)]
    a, b = refine_boundaries(spikes, audio, 16000, max_shift=0.3)
    assert a.end <= 0.45 + 1e-9 and b.start >= 0.45 - 1e-9, (a, b)
    assert a.start == 0.0 and b.end == 1.0, "outward into sound, up to max_shift, where nothing competes"
    assert refine_boundaries([], audio, 16000) == ()
