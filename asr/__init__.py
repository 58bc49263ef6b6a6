"""openasr: speech recognition trained from scratch with log-mel features, BiRNN encoders and CTC.

>>> import asr
>>> model = asr.load_model("exp/tiny/model.pt")      # no argument: the bundled English model
>>> result = model.transcribe("speech.wav")
>>> result.text, result.words[0].start
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package imports torch only when a model is loaded
    from .audio import PathLike
    from .transcribe import AudioInput, Transcriber, Transcription

__version__ = "0.1.0"

__all__ = ["__version__", "load_model", "transcribe"]


def load_model(path: PathLike | None = None, device: str = "auto") -> Transcriber:
    """Load a model file (``None``: the bundled default) as a :class:`asr.transcribe.Transcriber` on ``device``
    (``"auto"``: CUDA when available, else the CPU)."""
    from .transcribe import Transcriber

    return Transcriber.from_file(path, device=device)


def transcribe(audio: AudioInput, model: PathLike | Transcriber | None = None,
               sample_rate: int | None = None) -> Transcription:
    """Transcribe a file path or a waveform with ``model`` (a path, a Transcriber, or None)."""
    from .transcribe import Transcriber

    if not isinstance(model, Transcriber):
        model = load_model(model)
    return model.transcribe(audio, sample_rate=sample_rate)
