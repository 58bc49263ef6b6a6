"""Inference: audio in, text with word times out."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence, Union

import numpy as np
import torch
from tqdm import tqdm

from .audio import AudioError, PathLike, audio_info, load_audio, prepare_waveform
from .decode import Hypothesis, Word
from .decoding import DecodingConfig, build_decoder, load_decoding_config
from .device import select_device
from .features import LogMel
from .package import DEFAULT_MODEL, ModelFileError, PackagedModel, load_model_file
from .segment import Segment, VADConfig, is_silent, split_speech, stream_audio

AudioInput = Union[str, Path, np.ndarray, torch.Tensor]


@dataclass(frozen=True)
class SegmentText:
    start: float  # seconds from the start of the audio
    end: float
    text: str


@dataclass(frozen=True)
class Transcription:
    text: str
    words: tuple[Word, ...]  # times from the start of the audio
    duration: float  # seconds of audio
    segments: tuple[SegmentText, ...] = ()

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "duration": round(self.duration, 3),
            "segments": [{"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text} for s in self.segments],
            "words": [
                {"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3), "confidence": round(w.confidence, 4)}
                for w in self.words
            ],
        }


class Transcriber:
    """A loaded model with its feature extractor and decoder."""

    def __init__(self, packaged: PackagedModel, device: str = "auto", decoding: DecodingConfig = DecodingConfig(),
                 hotwords: tuple[tuple[str, float], ...] = ()):
        self.device = select_device(device)
        self.packaged = packaged
        self.model = packaged.model.to(self.device).eval()
        self.extractor = LogMel(packaged.feature_config).to(self.device)
        self.frame_shift = packaged.feature_config.frame_seconds * self.model.reduction
        self.decoding = decoding
        # Beam search of a batch spreads over the cores (the acoustic model runs before, not beside it).
        workers = min(4, os.cpu_count() or 1) if decoding.method == "beam" else 1
        self.decoder = build_decoder(decoding, packaged.tokenizer, self.frame_shift, hotwords, workers)

    @classmethod
    def from_file(cls, path: PathLike | None = None, device: str = "auto", decoding: DecodingConfig | None = None,
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
        # Silence (no 30 ms frame above the VAD's absolute floor) has nothing to transcribe; the model
        # has never seen digital silence and would otherwise guess.
        silent = [is_silent(w) for w in waveforms]
        if all(silent):
            return [Transcription("", (), len(w) / self.sample_rate) for w in waveforms]
        if any(silent):
            heard = iter(self.transcribe_waveforms([w for w, s in zip(waveforms, silent) if not s]))
            return [Transcription("", (), len(w) / self.sample_rate) if s else next(heard)
                    for w, s in zip(waveforms, silent)]
        feats = [self.extractor(torch.from_numpy(w).to(self.device)) for w in waveforms]
        lengths = torch.tensor([f.shape[0] for f in feats], device=self.device)
        batch = torch.nn.utils.rnn.pad_sequence(feats, batch_first=True)
        log_probs, out_lengths = self.model(batch, lengths)
        hyps = self.decoder.decode_batch(log_probs, out_lengths)
        out = []
        for h, w in zip(hyps, waveforms):
            seconds = len(w) / self.sample_rate
            out.append(Transcription(h.text, h.words, seconds, (SegmentText(0.0, seconds, h.text),) if h.text else ()))
        return out

    def transcribe_segments(self, segments: Iterable[Segment], batch_size: int = 8,
                            progress: bool = False, total_seconds: float | None = None) -> Transcription:
        """Transcribe VAD segments in batches and stitch them with global word times."""
        words: list[Word] = []
        pieces: list[SegmentText] = []
        end = 0.0
        bar = tqdm(total=total_seconds, unit="s", unit_scale=True, desc="transcribing", disable=not progress,
                   bar_format="{l_bar}{bar}| {n:.0f}/{total_fmt} s [{elapsed}<{remaining}]")
        batch: list[Segment] = []

        def flush() -> None:
            nonlocal end
            for seg, result in zip(batch, self.transcribe_waveforms([s.audio for s in batch])):
                words.extend(Word(w.word, w.start + seg.start, w.end + seg.start, w.confidence) for w in result.words)
                if result.text:
                    pieces.append(SegmentText(seg.start, seg.end, result.text))
                bar.update(seg.end - end)
                end = seg.end
            batch.clear()

        for segment in segments:
            batch.append(segment)
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
        bar.close()
        return Transcription(" ".join(p.text for p in pieces), tuple(words), max(end, total_seconds or 0.0),
                             tuple(pieces))

    def transcribe_file(self, path: PathLike, progress: bool = False, vad: VADConfig = VADConfig()) -> Transcription:
        """A file of any length: short files in one pass, long ones read in blocks and split at pauses."""
        sample_rate, frames, _ = audio_info(path)
        seconds = frames / sample_rate if sample_rate else 0.0
        if seconds <= vad.max_segment:
            return self.transcribe(path)
        return self.transcribe_segments(split_speech(stream_audio(path), vad), progress=progress,
                                        total_seconds=seconds)

    @torch.inference_mode()
    def log_probs(self, audio: np.ndarray) -> torch.Tensor:
        """CTC log-probabilities ``(frames, vocab)`` of one mono waveform at the model's rate."""
        feats = self.extractor(torch.from_numpy(audio).to(self.device))
        log_probs, lengths = self.model(feats[None], torch.tensor([feats.shape[0]], device=self.device))
        return log_probs[0, : int(lengths[0])].float().cpu()

    def nbest(self, audio: AudioInput, sample_rate: int | None = None) -> list[Hypothesis]:
        """The n best hypotheses (beam search with ``nbest`` > 1; greedy gives one); silence: one empty one."""
        waveform = self.load(audio, sample_rate)
        if is_silent(waveform):  # as in transcribe(): the model would guess words into digital silence
            return [Hypothesis("", (), (), (), 0.0)]
        log_probs = self.log_probs(waveform)
        decode_nbest = getattr(self.decoder, "decode_nbest", None)
        return decode_nbest(log_probs) if decode_nbest else [self.decoder.decode(log_probs)]

    def align(self, audio: AudioInput, text: str, sample_rate: int | None = None,
              refine: bool = True) -> tuple[Word, ...]:
        """Word times of a known transcript (CTC forced alignment).

        With ``refine``, boundaries then move to the acoustic edges of each word's sound
        (:func:`asr.align.refine_boundaries`; RESULTS.md measures what that gains).
        """
        from .align import align_words, refine_boundaries
        from .text import normalize

        waveform = self.load(audio, sample_rate)
        words = align_words(self.log_probs(waveform), normalize(text), self.packaged.tokenizer, self.frame_shift)
        return refine_boundaries(words, waveform, self.sample_rate) if refine else words

    def transcribe(self, audio: AudioInput, sample_rate: int | None = None) -> Transcription:
        """Transcribe a file path or a waveform.

        Args:
            audio: path, or waveform ``(samples,)`` / ``(samples, channels)``.
            sample_rate: the waveform's rate (required for arrays).
        """
        waveform = self.load(audio, sample_rate)
        if len(waveform) > VADConfig().max_segment * self.sample_rate:
            seconds = len(waveform) / self.sample_rate
            return self.transcribe_segments(split_speech(iter([waveform])), total_seconds=seconds)
        return self.transcribe_waveforms([waveform])[0]
