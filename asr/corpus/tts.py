"""Speech synthesis for making training data: one small class per TTS engine.

Each engine turns (text, voice) into a waveform; :func:`synthesize_corpus` fans sentences out
over voices and cores, writes 16 kHz FLAC files and a manifest, and skips what already exists.
"""

from __future__ import annotations

import io
import logging
import random
import shutil
import subprocess
import tempfile
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import soundfile as sf

from ..audio import SAMPLE_RATE, AudioError, PathLike, prepare_waveform
from ..augment import AugmentConfig, Augmenter, load_or_make_rirs
from .store import check_plan, make_corpus, reusable, write_flac

log = logging.getLogger(__name__)


class SynthesisError(Exception):
    """The engine failed on one utterance."""


@dataclass(frozen=True)
class Voice:
    engine: str
    name: str  # engine-specific voice name, e.g. "en-us+m3"

    @property
    def id(self) -> str:
        return f"{self.engine}:{self.name}"


@dataclass(frozen=True)
class Prosody:
    """Per-utterance variation; engines map what they support and ignore the rest."""

    rate: float = 1.0  # speaking-rate factor
    pitch: float = 0.5  # 0..1, engine's range
    word_gap: float = 0.0  # seconds of extra pause between words


class TTSEngine(ABC):
    name: str

    @classmethod
    @abstractmethod
    def available(cls) -> bool: ...

    @abstractmethod
    def voices(self) -> list[Voice]: ...

    @abstractmethod
    def synthesize(self, text: str, voice: Voice, prosody: Prosody) -> tuple[np.ndarray, int]:
        """Return ``(waveform (samples,), sample_rate)``."""


def _run(cmd: list[str], what: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, input=stdin.encode() if stdin is not None else None, capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise SynthesisError(f"{cmd[0]} failed on {what[:40]!r}: {proc.stderr.decode(errors='replace').strip()[:200]}")
    return proc


def _read_wav(data_or_path: bytes | Path, engine: str) -> tuple[np.ndarray, int]:
    try:
        source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else str(data_or_path)
        audio, rate = sf.read(source, dtype="float32")
    except (sf.LibsndfileError, RuntimeError) as e:
        raise SynthesisError(f"{engine} wrote no readable audio ({e})") from None
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    if audio.size == 0:
        raise SynthesisError(f"{engine} produced no samples")
    return audio, rate


class _FileOutputEngine(TTSEngine):
    """Engines that can only write to a named file: run them into a temporary folder."""

    def _synthesize_to_file(self, text: str, voice: Voice, prosody: Prosody, path: Path) -> None:
        raise NotImplementedError

    def synthesize(self, text: str, voice: Voice, prosody: Prosody) -> tuple[np.ndarray, int]:
        with tempfile.TemporaryDirectory(prefix="asr-tts-") as tmp:
            path = Path(tmp) / "out.wav"
            self._synthesize_to_file(text, voice, prosody, path)
            if not path.is_file():
                raise SynthesisError(f"{self.name} wrote no file for {text[:40]!r}")
            return _read_wav(path, self.name)


class EspeakNG(TTSEngine):
    """espeak-ng: formant synthesis, many English accents, each with male/female variants."""

    name = "espeak-ng"
    # "en" is British English; "en-gb" ignores voice variants in this espeak-ng version.
    ACCENTS = ("en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029",
               "en-us-nyc")
    VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m7", "f1", "f2", "f3", "f4")

    @classmethod
    def available(cls) -> bool:
        return shutil.which("espeak-ng") is not None

    def voices(self) -> list[Voice]:
        return [Voice(self.name, f"{a}+{v}") for a in self.ACCENTS for v in self.VARIANTS]

    def synthesize(self, text: str, voice: Voice, prosody: Prosody) -> tuple[np.ndarray, int]:
        cmd = [
            "espeak-ng", "-v", voice.name,
            "-s", str(int(round(165 * prosody.rate))),
            "-p", str(int(round(100 * prosody.pitch))),
            "-g", str(int(round(prosody.word_gap * 100))),  # units of 10 ms
            "--stdout", "--", text,
        ]
        return _read_wav(_run(cmd, text).stdout, self.name)


class Mbrola(EspeakNG):
    """MBROLA diphone voices (us1, us2, us3, en1) driven by espeak-ng's front end."""

    name = "mbrola"
    VOICES = ("us1", "us2", "us3", "en1")
    VOICE_NAME = "mb-{}"  # espeak-ng's voice name for a diphone set in /usr/share/mbrola

    @classmethod
    def available(cls) -> bool:
        return shutil.which("espeak-ng") is not None and shutil.which("mbrola") is not None

    def voices(self) -> list[Voice]:
        installed = [v for v in self.VOICES if Path("/usr/share/mbrola", v).exists()]
        return [Voice(self.name, self.VOICE_NAME.format(v)) for v in installed]

    def synthesize(self, text: str, voice: Voice, prosody: Prosody) -> tuple[np.ndarray, int]:
        # mbrola voices are sensitive to extreme settings: keep pitch and rate in a narrower band.
        gentle = Prosody(1.0 + 0.6 * (prosody.rate - 1.0), 0.35 + 0.3 * prosody.pitch, prosody.word_gap)
        return super().synthesize(text, voice, gentle)


class MbrolaAccented(Mbrola):
    """English with a foreign accent: espeak-ng's English front end on other languages' MBROLA diphones.

    Sixteen more speakers of a kind the native voices lack (English phonemes mapped onto German, French,
    Swedish, ... diphones); a separate engine, so that its weight is set apart from the native voices'.
    """

    name = "mbrola-accented"
    VOICES = ("af1", "nl2", "fr1", "fr4", "de1", "de2", "de3", "de4", "de5", "de6", "gr2", "hu1", "pl1", "ro1",
              "sw1", "sw2")
    VOICE_NAME = "mb-{}-en"


class Flite(_FileOutputEngine):
    """CMU Flite: kal16 (diphone), awb, rms, slt (clustergen)."""

    name = "flite"
    VOICES = ("kal16", "awb", "rms", "slt")

    @classmethod
    def available(cls) -> bool:
        return shutil.which("flite") is not None

    def voices(self) -> list[Voice]:
        return [Voice(self.name, v) for v in self.VOICES]

    def _synthesize_to_file(self, text: str, voice: Voice, prosody: Prosody, path: Path) -> None:
        _run(["flite", "-voice", voice.name, "--setf", f"duration_stretch={1.0 / prosody.rate:.3f}",
              "--setf", f"int_f0_target_mean={80 + 100 * prosody.pitch if voice.name != 'slt' else 140 + 100 * prosody.pitch:.0f}",
              "-t", text, "-o", str(path)], text)


class Festival(_FileOutputEngine):
    """Festival: kal, ked, rab, don (diphone) and us-slt (HTS)."""

    name = "festival"
    VOICES = {"kal": "kal_diphone", "ked": "ked_diphone", "rab": "rab_diphone", "don": "don_diphone",
              "us-slt-hts": "cmu_us_slt_arctic_hts"}

    @classmethod
    def available(cls) -> bool:
        return shutil.which("text2wave") is not None

    def voices(self) -> list[Voice]:
        installed = {p.name for p in Path("/usr/share/festival/voices").glob("*/*")}
        return [Voice(self.name, short) for short, full in self.VOICES.items() if full in installed]

    def _synthesize_to_file(self, text: str, voice: Voice, prosody: Prosody, path: Path) -> None:
        setup = f"(voice_{self.VOICES[voice.name]}) (Parameter.set 'Duration_Stretch {1.0 / prosody.rate:.3f})"
        _run(["text2wave", "-eval", setup, "-o", str(path)], text, stdin=text)


class Pico(_FileOutputEngine):
    """SVOX Pico: en-US and en-GB female voices; rate and pitch through its markup."""

    name = "pico"
    VOICES = ("en-US", "en-GB")

    @classmethod
    def available(cls) -> bool:
        return shutil.which("pico2wave") is not None

    def voices(self) -> list[Voice]:
        return [Voice(self.name, v) for v in self.VOICES]

    def _synthesize_to_file(self, text: str, voice: Voice, prosody: Prosody, path: Path) -> None:
        marked = (f"<speed level='{int(100 * prosody.rate)}'><pitch level='{int(80 + 40 * prosody.pitch)}'>"
                  f"{text}</pitch></speed>")
        _run(["pico2wave", "-l", voice.name, "-w", str(path), marked], text)


class RHVoice(_FileOutputEngine):
    """RHVoice: English voices alan, bdl, clb, slt, and the bilingual evgeniy-eng and lyubov."""

    name = "rhvoice"
    VOICES = ("alan", "bdl", "clb", "slt", "evgeniy-eng", "lyubov")

    @classmethod
    def available(cls) -> bool:
        return shutil.which("RHVoice-test") is not None

    def voices(self) -> list[Voice]:
        roots = [Path("/usr/share/RHVoice/voices"), Path("/usr/local/share/RHVoice/voices")]
        installed = {p.name for r in roots if r.is_dir() for p in r.iterdir()}
        return [Voice(self.name, v) for v in self.VOICES if v in installed]

    def _synthesize_to_file(self, text: str, voice: Voice, prosody: Prosody, path: Path) -> None:
        _run(["RHVoice-test", "-p", voice.name, "-r", str(int(100 * prosody.rate)),
              "-t", str(int(70 + 60 * prosody.pitch)), "-o", str(path)], text, stdin=text)


ENGINES: dict[str, type[TTSEngine]] = {
    e.name: e for e in (EspeakNG, Mbrola, MbrolaAccented, Flite, Festival, Pico, RHVoice)
}


def available_engines(names: Sequence[str] | None = None) -> list[TTSEngine]:
    """Instances of the requested (default: all) engines that are installed; others are warned about."""
    engines = []
    for name in names or list(ENGINES):
        if name not in ENGINES:
            raise ValueError(f"unknown TTS engine {name!r}; known: {', '.join(ENGINES)}")
        if ENGINES[name].available():
            engines.append(ENGINES[name]())
        else:
            log.warning("TTS engine %s is not installed; skipped", name)
    return engines


@dataclass(frozen=True)
class Job:
    index: int
    text: str
    voice: Voice
    prosody: Prosody
    path: Path
    augment_seed: int | None = None  # None: keep the clean synthesis


# Per-process state for augmentation, set once by the pool's initializer.
_AUGMENTER: Augmenter | None = None
_BABBLE: list[np.ndarray] = []


def _init_worker(augment: AugmentConfig | None, rir_bank: Path | None, babble_bank: Path | None) -> None:
    global _AUGMENTER, _BABBLE
    if augment is not None:
        rirs = load_or_make_rirs(rir_bank) if rir_bank is not None else []
        _AUGMENTER = Augmenter(augment, rirs)
    if babble_bank is not None and babble_bank.is_file():
        with np.load(babble_bank) as bank:
            _BABBLE = [bank[k] for k in bank.files]


def _run_job(job: Job) -> dict | str:
    """Synthesise (and augment) one utterance; returns its manifest row, or an error message."""
    effects: list[str] = []
    duration = reusable(job.path)
    if duration is not None:
        effects = ["(reused)"]
    else:
        try:
            audio, rate = ENGINES[job.voice.engine]().synthesize(job.text, job.voice, job.prosody)
            audio = prepare_waveform(_trim_silence(audio), rate, SAMPLE_RATE)
            if _AUGMENTER is not None and job.augment_seed is not None:
                rng = np.random.default_rng(job.augment_seed)
                others = [_BABBLE[i] for i in rng.choice(len(_BABBLE), size=min(4, len(_BABBLE)), replace=False)] \
                    if _BABBLE else []
                audio, effects = _AUGMENTER(audio, rng, others)
        except (SynthesisError, AudioError, subprocess.TimeoutExpired) as e:
            return f"{job.path.name}: {e}"
        write_flac(job.path, audio)
        duration = len(audio) / SAMPLE_RATE
    row = {"audio_filepath": str(job.path), "duration": round(duration, 3), "text": job.text,
           "speaker": job.voice.id, "id": job.path.stem}
    if effects and effects != ["(reused)"]:
        row["augment"] = effects
    return row


def _trim_silence(audio: np.ndarray, threshold: float = 1e-3, margin: int = 1600) -> np.ndarray:
    """Cut leading/trailing digital silence, keeping ``margin`` samples (0.1 s at 16 kHz) of it."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio
    return audio[max(0, loud[0] - margin) : loud[-1] + margin]


def drawable_voices(voices: Sequence[Voice], engine_weights: dict[str, float] | None = None) -> list[Voice]:
    """The voices that can be drawn: all of them without weights, else those of engines with a positive weight."""
    return [v for v in voices if not engine_weights or engine_weights.get(v.engine, 0) > 0]


def choose_voices(voices: Sequence[Voice], count: int, rng: random.Random,
                  engine_weights: dict[str, float] | None = None) -> list[Voice]:
    """``count`` voices drawn with replacement: uniformly, or first an engine by weight, then a voice."""
    if not engine_weights:
        return [voices[rng.randrange(len(voices))] for _ in range(count)]
    by_engine: dict[str, list[Voice]] = {}
    for v in drawable_voices(voices, engine_weights):
        by_engine.setdefault(v.engine, []).append(v)
    engines = list(by_engine)
    if not engines:
        raise ValueError("no voice belongs to an engine with a positive weight")
    weights = [engine_weights[e] for e in engines]
    return [rng.choice(by_engine[e]) for e in rng.choices(engines, weights, k=count)]


def synthesize_corpus(
    sentences: Sequence[str],
    out_dir: PathLike,
    voices: Sequence[Voice],
    seed: int = 0,
    repeats: int = 1,
    jobs: int | None = None,
    rate_range: tuple[float, float] = (0.85, 1.2),
    pitch_range: tuple[float, float] = (0.3, 0.7),
    max_word_gap: float = 0.05,
    engine_weights: dict[str, float] | None = None,
    augment: AugmentConfig | None = None,
    rir_bank: PathLike | None = None,
    progress: bool = True,
) -> tuple[Path, list[str]]:
    """Synthesise each sentence ``repeats`` times, each time with a voice and prosody drawn from ``seed``.

    Writes ``out_dir/audio/*.flac`` (16 kHz) and ``out_dir/manifest.jsonl``; existing audio files
    are reused, so an interrupted run resumes. With ``augment``, each utterance gets its own chain
    of effects (seeded per utterance, so the corpus is the same for the same seed, whatever the
    number of processes). Returns the manifest path and the failures (one line each).
    """
    unknown = sorted(set(engine_weights or {}) - set(ENGINES))
    if unknown:  # a misspelt name would otherwise silently get no utterances
        raise ValueError(f"engine weight for unknown TTS engine(s) {', '.join(unknown)}; known: {', '.join(ENGINES)}")
    if not voices:
        raise ValueError("no voices to synthesise with (is a TTS engine installed?)")
    out_dir = Path(out_dir).resolve()
    (out_dir / "audio").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    total = repeats * len(sentences)
    chosen = choose_voices(voices, total, rng, engine_weights)
    todo = []
    for index in range(total):
        prosody = Prosody(rng.uniform(*rate_range), rng.uniform(*pitch_range), rng.uniform(0, max_word_gap))
        todo.append(Job(index, sentences[index % len(sentences)], chosen[index], prosody,
                        out_dir / "audio" / f"utt{index:07d}.flac",
                        augment_seed=(seed * 1_000_003 + index) if augment is not None else None))
    check_plan(out_dir, [asdict(augment) if augment else None]
               + [[job.text, job.voice.id, asdict(job.prosody), job.augment_seed] for job in todo])
    # Babble speakers are drawable voices only: an engine added with no weight leaves older corpora's babble as it was.
    babble_bank = (_make_babble_bank(out_dir / "babble.npz", sentences, drawable_voices(voices, engine_weights), seed)
                   if augment else None)
    if augment is not None and rir_bank is not None:
        load_or_make_rirs(rir_bank)  # simulate once here, not in every worker
    init = (augment, Path(rir_bank) if rir_bank else None, babble_bank)
    return make_corpus(out_dir, todo, _run_job, initializer=_init_worker, initargs=init, jobs=jobs, chunksize=16,
                       desc="synthesising", progress=progress)


def _make_babble_bank(path: Path, sentences: Sequence[str], voices: Sequence[Voice], seed: int,
                      count: int = 32) -> Path:
    """Clean utterances of random sentences and voices, mixed later as babble noise."""
    if path.is_file():
        return path
    rng = random.Random(seed + 17)
    clips = {}
    for i in range(count):
        voice = voices[rng.randrange(len(voices))]
        try:
            audio, rate = ENGINES[voice.engine]().synthesize(rng.choice(list(sentences)), voice, Prosody())
            clips[str(i)] = prepare_waveform(_trim_silence(audio), rate, SAMPLE_RATE)
        except (SynthesisError, AudioError, subprocess.TimeoutExpired):
            continue
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **clips)
    tmp.replace(path)
    return path
