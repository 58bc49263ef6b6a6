import pytest
import torch
from torch import nn

from asr.model import CTCModel, ModelConfig, bidirectional_rnn, describe, reverse_within


@pytest.mark.parametrize("frontend,reduction,rnn", [("stack", 3, "lstm"), ("stack", 2, "gru"), ("conv", 4, "lstm"),
                                                     ("conv", 2, "gru"), ("stack", 1, "lstm")])
def test_shapes_and_lengths(frontend, reduction, rnn):
    cfg = ModelConfig(vocab_size=29, frontend=frontend, reduction=reduction, rnn_type=rnn, hidden_size=16, num_layers=2)
    model = CTCModel(cfg).eval()
    feats = torch.randn(3, 101, 80)
    lengths = torch.tensor([101, 60, 7])
    log_probs, out_lengths = model(feats, lengths)
    expected = [-(-n // reduction) for n in (101, 60, 7)]  # ceil
    assert out_lengths.tolist() == expected
    assert log_probs.shape == (3, max(expected), 29)
    torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(3, max(expected)))


@pytest.mark.parametrize("frontend,reduction", [("stack", 3), ("conv", 4)])
def test_padding_does_not_change_the_output(frontend, reduction):
    torch.manual_seed(0)
    model = CTCModel(ModelConfig(frontend=frontend, reduction=reduction, hidden_size=16, num_layers=1, dropout=0.0))
    model.cmvn.set_stats(torch.full((80,), 1.5), torch.full((80,), 2.0))
    model.eval()
    x = torch.randn(1, 40, 80)
    alone, n = model(x, torch.tensor([40]))
    padded, _ = model(torch.cat([x, torch.randn(1, 20, 80)], 1), torch.tensor([40]))
    torch.testing.assert_close(padded[:, : n.item()], alone)


def test_parameter_count_reported():
    model = CTCModel(ModelConfig(hidden_size=32, num_layers=2))
    n = sum(p.numel() for p in model.parameters())
    assert model.num_parameters() == n > 0
    assert f"{n / 1e6:.2f}M parameters" in describe(model)


@pytest.mark.parametrize("kwargs", [{"frontend": "transformer"}, {"rnn_type": "rnn"}, {"reduction": 0},
                                    {"frontend": "conv", "reduction": 3}, {"vocab_size": 1}])
def test_invalid_config(kwargs):
    with pytest.raises(ValueError):
        ModelConfig(**kwargs)


def test_wrong_feature_shape():
    model = CTCModel(ModelConfig(hidden_size=8, num_layers=1))
    with pytest.raises(ValueError, match="expected features"):
        model(torch.randn(2, 10, 40), torch.tensor([10, 10]))


@pytest.mark.parametrize("rnn_type", [nn.LSTM, nn.GRU])
def test_bidirectional_rnn_matches_a_packed_sequence(rnn_type):
    """Outputs and gradients inside each length equal the packed nn.LSTM/nn.GRU's."""
    torch.manual_seed(0)
    rnn = rnn_type(6, 5, num_layers=2, bidirectional=True, batch_first=True).eval()
    x = torch.randn(4, 9, 6, requires_grad=True)
    lengths = torch.tensor([9, 3, 1, 6])
    valid = (torch.arange(9)[None, :] < lengths[:, None]).unsqueeze(-1)
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    expected = nn.utils.rnn.pad_packed_sequence(rnn(packed)[0], batch_first=True, total_length=9)[0]
    got = bidirectional_rnn(rnn, x, lengths) * valid
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5)
    weights = torch.randn_like(got)
    (grad_expected,) = torch.autograd.grad((expected * weights).sum(), x)
    (grad_got,) = torch.autograd.grad((got * weights).sum(), x)
    torch.testing.assert_close(grad_got, grad_expected, atol=1e-6, rtol=1e-5)
    assert torch.equal(reverse_within(reverse_within(x, lengths), lengths), x)
    assert torch.equal(reverse_within(x, lengths)[1, :3], x[1, :3].flip(0))
    assert torch.equal(reverse_within(x, lengths)[1, 3:], x[1, 3:])
