import pytest

from asr.evaluate import score


def test_hand_computed_word_errors():
    # ref: the cat sat on the mat (6) ; hyp: the cat sit on mat down
    s = score(["the cat sat on the mat"], ["the cat sit on mat down"])
    w = s.words
    assert w.reference_length == 6
    assert w.errors == 3  # sat->sit, the deleted, down inserted
    assert s.wer == pytest.approx(3 / 6)
    assert (w.substitutions, w.deletions, w.insertions) in {(1, 1, 1), (3, 0, 0)}


def test_perfect_and_counts_over_corpus():
    s = score(["a b", "c d e"], ["a b", "c x e f"])
    assert s.words.hits == 4 and s.words.substitutions == 1 and s.words.insertions == 1
    assert s.wer == pytest.approx(2 / 5)
    assert s.ser == pytest.approx(0.5)


def test_cer_counts_spaces():
    s = score(["ab cd"], ["abcd"])
    assert s.chars.reference_length == 5 and s.chars.deletions == 1 and s.cer == pytest.approx(0.2)


def test_empty_reference_and_hypothesis():
    assert score([""], [""]).wer == 0.0
    s = score([""], ["hello there"])
    assert s.words.insertions == 2 and s.wer == 1.0
    s = score(["hello there"], [""])
    assert s.words.deletions == 2 and s.wer == 1.0
    s = score(["", "a b"], ["x", "a b"])
    assert s.words.insertions == 1 and s.wer == pytest.approx(0.5)


def test_same_normaliser_both_sides():
    s = score(["Hello, World! It's 5."], ["hello world it's five"])
    assert s.wer == 0.0 and s.cer == 0.0


def test_length_mismatch():
    with pytest.raises(ValueError):
        score(["a"], [])
