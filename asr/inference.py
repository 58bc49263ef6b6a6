"""Running a model over a whole dataset: CTC loss and greedy hypotheses, batched by duration."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from .data import Batch, DurationBatchSampler, SpeechDataset, collate
from .decode import Decoder, Hypothesis
from .model import CTCModel


@dataclass(frozen=True)
class DecodedUtterance:
    index: int  # position in the dataset
    id: str
    reference: str  # normalised
    hypothesis: Hypothesis
    duration: float


def ctc_loss(log_probs: torch.Tensor, out_lengths: torch.Tensor, batch: Batch) -> torch.Tensor:
    """Mean per-utterance CTC loss; ``log_probs (batch, time, vocab)``."""
    loss = torch.nn.functional.ctc_loss(
        log_probs.transpose(0, 1),
        batch.tokens,
        out_lengths,
        batch.token_lengths,
        blank=0,
        reduction="sum",
        zero_infinity=False,
    )
    return loss / len(batch)


@torch.inference_mode()
def decode_dataset(
    model: CTCModel,
    dataset: SpeechDataset,
    decoder: Decoder,
    device: torch.device,
    max_batch_seconds: float = 200.0,
    num_workers: int = 0,
    progress: bool = True,
    description: str = "decoding",
) -> tuple[float, list[DecodedUtterance]]:
    """Decode every utterance that loads; returns (mean CTC loss, decoded utterances in manifest order)."""
    was_training = model.training
    model.eval()
    sampler = DurationBatchSampler(dataset.durations, max_batch_seconds, shuffle=False)
    loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=collate, num_workers=num_workers)
    total_loss, counted = 0.0, 0
    decoded: list[DecodedUtterance] = []
    for batch in tqdm(loader, desc=description, unit="batch", disable=not progress, leave=False):
        if batch is None:
            continue
        batch = batch.to(device)
        log_probs, out_lengths = model(batch.features, batch.feature_lengths)
        loss = ctc_loss(log_probs, out_lengths, batch)
        if torch.isfinite(loss):
            total_loss += float(loss) * len(batch)
            counted += len(batch)
        for index, ref, hyp in zip(batch.indices, batch.texts, decoder.decode_batch(log_probs, out_lengths)):
            utt = dataset.utterances[index]
            decoded.append(DecodedUtterance(index, utt.id, ref, hyp, utt.duration))
    model.train(was_training)
    decoded.sort(key=lambda d: d.index)
    return (total_loss / counted if counted else float("nan")), decoded
