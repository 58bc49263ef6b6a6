"""Inference: audio in, text with word times out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, Union

import numpy as np
import torch

from .audio import SAMPLE_RATE, AudioError, PathLike, load_audio, prepare_waveform
from .decode import Hypothesis, Word
from .decoding import DecodingConfig, build_decoder, load_decoding_config
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

    def __init__(self, packaged: PackagedModel, device: str = "cpu", decoding: DecodingConfig = DecodingConfig(),
                 hotwords: tuple[tuple[str, float], ...] = ()):
        self.device = select_device(device)
        self.packaged = packaged
        self.model = packaged.model.to(self.device).eval()
        self.extractor = LogMel(packaged.feature_config).to(self.device)
        self.frame_shift = packaged.feature_config.hop_length / packaged.feature_config.sample_rate * self.model.reduction
        self.decoding = decoding
        self.decoder = build_decoder(decoding, packaged.tokenizer, self.frame_shift, hotwords)

    @classmethod
    def from_file(cls, path: PathLike | None = None, device: str = "cpu", decoding: DecodingConfig | None = None,
                  hotwords: tuple[tuple[str, float], ...] = ()) -> "Transcriber":
        """Load a model file (``None``: the bundled one) with its tuned decoding settings, if any."""
        if path is None:
            if not DEFAULT_MODEL.is_file():
                raise ModelFileError(
                    "no default model is bundled with this install; pass a model file (--model PATH), "
                    "e.g. one trained by recipes/tiny/run.sh"
                )
            path = DEFAULT_MODEL
        decoding = decoding or load_decoding_config(path) or DecodingConfig()
        return cls(load_model_file(path), device=device, decoding=decoding, hotwords=hotwords)

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

    @torch.inference_mode()
    def log_probs(self, audio: np.ndarray) -> torch.Tensor:
        """CTC log-probabilities ``(frames, vocab)`` of one mono waveform at the model's rate."""
        feats = self.extractor(torch.from_numpy(audio).to(self.device))
        log_probs, lengths = self.model(feats[None], torch.tensor([feats.shape[0]], device=self.device))
        return log_probs[0, : int(lengths[0])].float().cpu()

    def nbest(self, audio: AudioInput, sample_rate: int | None = None) -> list[Hypothesis]:
        """The n best hypotheses (beam search with ``nbest`` > 1; greedy gives one)."""
        log_probs = self.log_probs(self.load(audio, sample_rate))
        decode_nbest = getattr(self.decoder, "decode_nbest", None)
        return decode_nbest(log_probs) if decode_nbest else [self.decoder.decode(log_probs)]

    def align(self, audio: AudioInput, text: str, sample_rate: int | None = None) -> tuple[Word, ...]:
        """Word times of a known transcript (CTC forced alignment)."""
        from .align import align_words
        from .text import normalize

        log_probs = self.log_probs(self.load(audio, sample_rate))
        return align_words(log_probs, normalize(text), self.packaged.tokenizer, self.frame_shift)

    def transcribe(self, audio: AudioInput, sample_rate: int | None = None) -> Transcription:
        """Transcribe a file path or a waveform.

        Args:
            audio: path, or waveform ``(samples,)`` / ``(samples, channels)``.
            sample_rate: the waveform's rate (required for arrays).
        """
        return self.transcribe_waveforms([self.load(audio, sample_rate)])[0]
