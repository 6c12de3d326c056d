"""Before/after scores of a restored clip, from :mod:`synthkit.quality` (the same models as
``synthkit score``): DNSMOS P.835 SIG/BAK/OVRL of input and output, and the speaker similarity between
them (Resemblyzer cosine). ``synthkit restore`` writes them into its rows and
``--keep-original-if-worse`` decides with them, and with what ASR hears (:class:`AsrJudge`: Whisper
base, multilingual, through faster-whisper). :func:`transcribe` and :func:`cer` serve the benchmark.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Sample rate every quality model here takes.
SCORE_RATE = 16000


def available() -> bool:
    """True when the packages the scores need (torchmetrics + onnxruntime + speechmos for DNSMOS,
    Resemblyzer) are importable."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None
               for m in ("torchmetrics", "onnxruntime", "speechmos", "resemblyzer"))


class Scorer:
    """DNSMOS of one clip and speaker similarity of two; models built once (per process)."""

    def __init__(self, threads: int = 1, speaker: str = "resemblyzer") -> None:
        from ..quality.mos import Dnsmos
        from ..quality.speaker import load_speaker_embedder

        self._dnsmos = Dnsmos(threads=threads)
        self._speaker = load_speaker_embedder(speaker, threads)

    def dnsmos(self, x: np.ndarray, sr: int) -> dict[str, float]:
        """``{"sig", "bak", "ovrl"}`` (P.835, 1-5) of a mono float clip at any rate."""
        from ..audio import resample

        y = np.clip(resample(np.asarray(x, dtype=np.float32), sr, SCORE_RATE), -1.0, 1.0)
        if y.size == 0:
            return {"sig": float("nan"), "bak": float("nan"), "ovrl": float("nan")}
        d = self._dnsmos.predict(y, SCORE_RATE)
        return {"sig": d["dnsmos_sig"], "bak": d["dnsmos_bak"], "ovrl": d["dnsmos_ovrl"]}

    def embedding(self, x: np.ndarray, sr: int) -> np.ndarray | None:
        """Unit speaker embedding, or None for a clip with no speech to embed."""
        from ..audio import resample

        try:
            return self._speaker.embed(resample(np.asarray(x, dtype=np.float32), sr, SCORE_RATE), SCORE_RATE)
        except ValueError:
            return None

    def speaker_similarity(self, a: np.ndarray, b: np.ndarray, sr: int) -> float | None:
        """Cosine similarity of the voices of two clips (1 = same voice); None when either has no speech."""
        from ..quality.speaker import cosine

        ea, eb = self.embedding(a, sr), self.embedding(b, sr)
        if ea is None or eb is None:
            return None
        return cosine(ea, eb)

    def scores(self, original: np.ndarray, restored: np.ndarray, sr: int) -> dict[str, Any]:
        return {"dnsmos_before": self.dnsmos(original, sr), "dnsmos_after": self.dnsmos(restored, sr),
                "speaker_similarity": self.speaker_similarity(original, restored, sr)}


#: The ASR that judges restored clips (and the benchmark's CER): Whisper base, multilingual, from the
#: CTranslate2 weights synthkit installs (``synthkit.models.folder("whisper-base")``).
JUDGE_ASR = "faster-whisper:base"
#: Without a reference text, a restored clip whose transcript differs from its input's by more than
#: this character error rate "says different words" and the original is kept.
MAX_TRANSCRIPT_CHANGE = 0.1


def load_asr(spec: str = JUDGE_ASR, threads: int = 1):
    """A :class:`synthkit.quality.asr.Transcriber`; ``faster-whisper:base`` (or ``base``) is the installed
    Whisper base folder, anything else goes to :func:`synthkit.quality.asr.load_transcriber`."""
    from ..quality.asr import FasterWhisper, load_transcriber

    if spec in ("faster-whisper:base", "base"):
        from .. import models

        return FasterWhisper(str(models.folder("whisper-base")), threads)
    return load_transcriber(spec, threads)


def text_cer(hypothesis: str, reference: str, language: str | None) -> float:
    """CER of ``hypothesis`` against ``reference`` (synthkit.quality's normalization); an empty reference
    gives 0 for an empty hypothesis and 1 otherwise."""
    from ..quality.asr import cer as quality_cer, normalize_text

    if not normalize_text(reference, language):
        return 0.0 if not normalize_text(hypothesis, language) else 1.0
    return quality_cer(hypothesis, reference, language)


class AsrJudge:
    """Does restoration change the words? Transcribes input and output with the same ASR.

    With a reference ``text`` the restored clip fails when its CER against the text is higher than the
    input's (restoration may fix words, never lose them). Without one, it fails when the two
    transcripts differ by more than ``max_change`` (CER of the restored transcript against the input's):
    without a reference a changed transcript cannot be told apart from a corrected one, so a large
    change counts as harm."""

    def __init__(self, spec: str = JUDGE_ASR, threads: int = 1, max_change: float = MAX_TRANSCRIPT_CHANGE) -> None:
        self.asr = load_asr(spec, threads)
        self.spec, self.max_change = spec, float(max_change)

    def transcribe(self, x: np.ndarray, sr: int, language: str | None) -> str:
        from ..audio import resample
        from ..quality.asr import supports

        lang = language if language and supports(self.asr, language) else None
        return self.asr.transcribe(resample(np.asarray(x, np.float32), sr, SCORE_RATE), SCORE_RATE, lang)

    def judge(self, original: np.ndarray, restored: np.ndarray, sr: int, language: str | None = None,
              text: str | None = None) -> tuple[str | None, dict[str, Any]]:
        """``(reason the restored clip changes the words or None, what was heard)``."""
        before = self.transcribe(original, sr, language)
        after = self.transcribe(restored, sr, language)
        info: dict[str, Any] = {"asr": self.spec, "asr_before": before, "asr_after": after,
                                "transcript_change": round(text_cer(after, before, language), 4)}
        if text:
            cb, ca = text_cer(before, text, language), text_cer(after, text, language)
            info.update(cer_before=round(cb, 4), cer_after=round(ca, 4))
            if ca > cb:
                return f"ASR CER against the text rose from {cb:.3f} to {ca:.3f}", info
            return None, info
        if info["transcript_change"] > self.max_change:
            return (f"ASR heard different words (transcripts differ by CER {info['transcript_change']:.3f} > "
                    f"{self.max_change:.3f})"), info
        return None, info


_transcribers: dict[str, Any] = {}


def transcribe(x: np.ndarray, sr: int, threads: int = 2, language: str | None = "en", spec: str = JUDGE_ASR) -> str:
    """Transcript with the judge's ASR (Whisper base, multilingual; the benchmark's CER)."""
    from ..audio import resample

    if spec not in _transcribers:
        _transcribers[spec] = load_asr(spec, threads)
    return _transcribers[spec].transcribe(resample(np.asarray(x, np.float32), sr, SCORE_RATE), SCORE_RATE, language)


def cer(reference: str, hypothesis: str, language: str | None = "en") -> float:
    """Character error rate of a hypothesis (synthkit.quality's normalization and CER)."""
    return text_cer(hypothesis, reference, language)
