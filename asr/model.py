"""The acoustic model: CMVN -> front-end (time reduction) -> bidirectional RNN -> linear CTC head."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .audio import N_MELS
from .features import GlobalCMVN


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = 29  # set from the tokenizer at training time
    n_mels: int = N_MELS
    frontend: str = "stack"  # "stack": concatenate frames; "conv": strided 1-D convolutions
    reduction: int = 3  # time reduction of the front-end (2..4)
    rnn_type: str = "lstm"  # "lstm" | "gru"
    hidden_size: int = 256  # per direction
    num_layers: int = 3
    dropout: float = 0.1

    def __post_init__(self) -> None:
        if self.frontend not in ("stack", "conv"):
            raise ValueError(f"frontend must be 'stack' or 'conv', got {self.frontend!r}")
        if self.rnn_type not in ("lstm", "gru"):
            raise ValueError(f"rnn_type must be 'lstm' or 'gru', got {self.rnn_type!r}")
        if not 1 <= self.reduction <= 8:
            raise ValueError(f"reduction must be in 1..8, got {self.reduction}")
        if self.frontend == "conv" and self.reduction not in (1, 2, 4):
            raise ValueError("the conv front-end reduces time by 1, 2 or 4")
        if self.vocab_size < 2 or self.hidden_size < 1 or self.num_layers < 1:
            raise ValueError("vocab_size >= 2, hidden_size >= 1 and num_layers >= 1 are required")


class FrameStacking(nn.Module):
    """Concatenate ``k`` consecutive frames: ``(B, T, F)`` -> ``(B, ceil(T/k), k*F)``."""

    def __init__(self, n_mels: int, k: int):
        super().__init__()
        self.k = k
        self.output_size = n_mels * k

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch, time, feat = x.shape
        pad = (-time) % self.k
        if pad:
            x = nn.functional.pad(x, (0, 0, 0, pad))
        x = x.reshape(batch, (time + pad) // self.k, feat * self.k)
        return x, torch.div(lengths + self.k - 1, self.k, rounding_mode="floor")


class ConvSubsampling(nn.Module):
    """Strided 1-D convolutions (kernel 3, stride 2 each) with ReLU: time ``/reduction``."""

    def __init__(self, n_mels: int, channels: int, reduction: int):
        super().__init__()
        layers: list[nn.Module] = []
        in_ch = n_mels
        self.num_strided = {1: 0, 2: 1, 4: 2}[reduction]
        for _ in range(max(1, self.num_strided)):
            stride = 2 if self.num_strided else 1
            layers += [nn.Conv1d(in_ch, channels, kernel_size=3, stride=stride, padding=1), nn.ReLU()]
            in_ch = channels
        self.net = nn.Sequential(*layers)
        self.output_size = channels

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.net(x.transpose(1, 2)).transpose(1, 2)
        for _ in range(self.num_strided):
            lengths = torch.div(lengths - 1, 2, rounding_mode="floor") + 1
        return x, lengths


def frame_mask(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``(batch, time, 1)``, 1 on the frames of ``x (batch, time, feature)`` inside each length, 0 on padding."""
    valid = torch.arange(x.shape[1], device=x.device)[None, :] < lengths.to(x.device)[:, None]
    return valid.unsqueeze(-1).to(x.dtype)


def reverse_within(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each sequence of ``x (batch, time, feature)`` within its own length, leaving the padding in place.
    It is its own inverse."""
    t = torch.arange(x.shape[1], device=x.device)[None, :]
    n = lengths.to(x.device)[:, None]
    index = torch.where(t < n, n - 1 - t, t)
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


def bidirectional_rnn(rnn: nn.LSTM | nn.GRU, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``rnn`` (bidirectional, batch_first) over padded ``x (batch, time, feature)``: ``(batch, time, 2 * hidden)``.

    The same outputs as over a packed sequence at every frame inside its length (beyond it they are
    garbage for the caller to mask), without packing: each direction runs over a padded batch, the
    backward one over the sequences reversed within their lengths, so padding always comes after the
    frames that matter. On the CPU, backpropagation through a packed LSTM took 5x as long as this
    (RESULTS.md, "Spot measurements"); on an H200 a packed step took 2-3x as long ("GPU checks").
    """
    call = torch.lstm if isinstance(rnn, nn.LSTM) else torch.gru
    with warnings.catch_warnings():
        # cuDNN warns that these weights are not its flattened buffer and copies them at each call;
        # even so, this path is 2-3x as fast as a packed sequence on an H200 (RESULTS.md, "GPU checks")
        warnings.filterwarnings("ignore", "RNN module weights are not part of single contiguous")
        for layer in range(rnn.num_layers):
            if layer > 0:
                x = nn.functional.dropout(x, rnn.dropout, rnn.training)
            outputs = []
            for suffix, inputs in (("", x), ("_reverse", reverse_within(x, lengths))):
                weights = [getattr(rnn, f"{name}_l{layer}{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
                h0 = x.new_zeros(1, x.shape[0], rnn.hidden_size)
                state = (h0, h0) if call is torch.lstm else h0
                out = call(inputs, state, weights, True, 1, 0.0, rnn.training, False, True)[0]
                outputs.append(out if not suffix else reverse_within(out, lengths))
            x = torch.cat(outputs, dim=-1)
    return x


class CTCModel(nn.Module):
    """Log-mel features to CTC log-probabilities.

    ``forward(features (batch, time, n_mels), lengths (batch,))`` returns
    ``(log_probs (batch, time', vocab), lengths' (batch,))`` with ``time' ≈ time / reduction``.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.cmvn = GlobalCMVN(config.n_mels)
        if config.frontend == "stack":
            self.frontend: nn.Module = FrameStacking(config.n_mels, config.reduction)
        else:
            self.frontend = ConvSubsampling(config.n_mels, config.hidden_size, config.reduction)
        rnn = nn.LSTM if config.rnn_type == "lstm" else nn.GRU
        self.rnn = rnn(
            self.frontend.output_size,
            config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            bidirectional=True,
            batch_first=True,
        )
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(2 * config.hidden_size, config.vocab_size)

    @property
    def reduction(self) -> int:
        return self.config.reduction

    def forward(
        self,
        features: torch.Tensor,
        lengths: torch.Tensor,
        augment: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if features.dim() != 3 or features.shape[-1] != self.config.n_mels:
            raise ValueError(f"expected features (batch, time, {self.config.n_mels}), got {tuple(features.shape)}")
        x = self.cmvn(features)
        if augment is not None:
            x = augment(x, lengths)
        # Zero the padding after normalisation, so that frames the front-end stacks or convolves
        # across an utterance's end are the same whether it is batched or alone.
        x = x * frame_mask(x, lengths)
        x, lengths = self.frontend(x, lengths)
        out = bidirectional_rnn(self.rnn, x, lengths)
        out = out * frame_mask(out, lengths)
        logits = self.head(self.dropout(out))
        return logits.float().log_softmax(dim=-1), lengths

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def describe(model: CTCModel) -> str:
    """One line for logs: architecture and parameter count."""
    c = model.config
    return (
        f"{c.num_layers}x Bi{c.rnn_type.upper()}-{c.hidden_size}, {c.frontend} front-end /{c.reduction}, "
        f"vocab {c.vocab_size}: {model.num_parameters() / 1e6:.2f}M parameters"
    )
