import pytest
import torch

from asr.model import CTCModel, ModelConfig, describe


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
