"""Before/after scores of a restored clip, from :mod:`synthkit.quality` (the same models as
``synthkit score``): DNSMOS P.835 SIG/BAK/OVRL of input and output, and the speaker similarity between
them (Resemblyzer cosine). ``synthkit restore`` writes them into its rows and
``--keep-original-if-worse`` decides with them. :func:`transcribe` and :func:`cer` serve the benchmark.
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


_transcriber = None


def transcribe(x: np.ndarray, sr: int, threads: int = 2) -> str:
    """English transcript with synthkit.quality's default ASR (Whisper tiny.en, offline)."""
    global _transcriber
    from ..audio import resample
    from ..quality.asr import DEFAULT_ASR, load_transcriber

    if _transcriber is None:
        _transcriber = load_transcriber(DEFAULT_ASR, threads)
    return _transcriber.transcribe(resample(np.asarray(x, np.float32), sr, SCORE_RATE), SCORE_RATE, "en")


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of an English hypothesis (synthkit.quality's normalization and CER)."""
    from ..quality.asr import cer as quality_cer

    return quality_cer(hypothesis, reference, "en")
