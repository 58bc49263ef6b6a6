"""Inference: audio in, text with word times out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, Union

import numpy as np
import torch

from .audio import SAMPLE_RATE, AudioError, PathLike, load_audio, prepare_waveform
from .decode import GreedyDecoder, Word
from .device import select_device
from .features import LogMel
from .package import DEFAULT_MODEL, ModelFileError, PackagedModel, load_model_file

AudioInput = Union[str, Path, np.ndarray, torch.Tensor]


@dataclass(frozen=True)
class Transcription:
    text: str
    words: tuple[Word, ...]
    duration: float  # seconds of audio

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "duration": round(self.duration, 3),
            "words": [
                {"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3), "confidence": round(w.confidence, 4)}
                for w in self.words
            ],
        }


class Transcriber:
    """A loaded model with its feature extractor and decoder."""

    def __init__(self, packaged: PackagedModel, device: str = "cpu"):
        self.device = select_device(device)
        self.packaged = packaged
        self.model = packaged.model.to(self.device).eval()
        self.extractor = LogMel(packaged.feature_config).to(self.device)
        frame_shift = packaged.feature_config.hop_length / packaged.feature_config.sample_rate
        self.decoder = GreedyDecoder(packaged.tokenizer, frame_shift * self.model.reduction)

    @classmethod
    def from_file(cls, path: PathLike | None = None, device: str = "cpu") -> "Transcriber":
        if path is None:
            if not DEFAULT_MODEL.is_file():
                raise ModelFileError(
                    "no default model is bundled with this install; pass a model file (--model PATH), "
                    "e.g. one trained by recipes/tiny/run.sh"
                )
            path = DEFAULT_MODEL
        return cls(load_model_file(path), device=device)

    @property
    def sample_rate(self) -> int:
        return self.packaged.feature_config.sample_rate

    def load(self, audio: AudioInput, sample_rate: int | None = None) -> np.ndarray:
        """A path or a waveform (``(samples,)`` or ``(samples, channels)``) as mono at the model's rate."""
        if isinstance(audio, (str, Path)):
            return load_audio(audio, self.sample_rate)
        if isinstance(audio, torch.Tensor):
            audio = audio.detach().cpu().numpy()
        if sample_rate is None:
            raise AudioError("sample_rate is required when passing a waveform")
        return prepare_waveform(np.asarray(audio), sample_rate, self.sample_rate)

    @torch.inference_mode()
    def transcribe_waveforms(self, waveforms: Sequence[np.ndarray]) -> list[Transcription]:
        """Transcribe mono waveforms at the model's rate as one padded batch."""
        if not waveforms:
            return []
        feats = [self.extractor(torch.from_numpy(w).to(self.device)) for w in waveforms]
        lengths = torch.tensor([f.shape[0] for f in feats], device=self.device)
        batch = torch.nn.utils.rnn.pad_sequence(feats, batch_first=True)
        log_probs, out_lengths = self.model(batch, lengths)
        hyps = self.decoder.decode_batch(log_probs, out_lengths)
        return [Transcription(h.text, h.words, len(w) / self.sample_rate) for h, w in zip(hyps, waveforms)]

    def transcribe(self, audio: AudioInput, sample_rate: int | None = None) -> Transcription:
        """Transcribe a file path or a waveform.

        Args:
            audio: path, or waveform ``(samples,)`` / ``(samples, channels)``.
            sample_rate: the waveform's rate (required for arrays).
        """
        return self.transcribe_waveforms([self.load(audio, sample_rate)])[0]
