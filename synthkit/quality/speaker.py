"""Speaker similarity: a :class:`SpeakerEmbedder` maps a clip to a unit-length voice embedding;
``speaker_sim`` is the cosine similarity between a clip and its reference.

The reference of a row is the audio file named in the row (key ``speaker_ref`` by default, e.g. the
source clip a restored or voice-converted clip came from; relative to the manifest's folder), else one
reference file given for the whole run. Rows with neither are not scored for ``speaker_sim``.

Backend (registry :data:`SPEAKER_BACKENDS`): ``resemblyzer`` — Resemblyzer's GE2E encoder, whose
weights ship in its wheel (``model`` may name another weights file). Same-speaker clips typically score
0.85–0.97, different speakers 0.4–0.7.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import SynthkitError, missing_extra

DEFAULT_SPEAKER = "resemblyzer"
SAMPLE_RATE = 16000


@runtime_checkable
class SpeakerEmbedder(Protocol):
    def embed(self, audio: np.ndarray, sr: int) -> np.ndarray:
        """Unit-length embedding, shape ``(dim,)``, of the voice in ``audio`` (shape ``(samples,)``)."""
        ...


class Resemblyzer:
    """Resemblyzer voice encoder (CPU), with its silence trimming and volume normalization."""

    def __init__(self, model: str | None = None, threads: int = 1) -> None:
        import warnings

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # webrtcvad imports pkg_resources
                from resemblyzer import VoiceEncoder, preprocess_wav
        except ImportError:
            raise missing_extra("Resemblyzer", "quality", "speaker_sim") from None
        weights = None
        if model:
            weights = Path(model).expanduser()
            if not weights.is_file():
                raise SynthkitError(f"Resemblyzer weights not found: {model}")
        self._encoder = VoiceEncoder("cpu", verbose=False, weights_fpath=weights)
        self._preprocess = preprocess_wav

    def embed(self, audio: np.ndarray, sr: int) -> np.ndarray:
        audio = np.asarray(audio, np.float32)
        if not np.any(audio):
            raise ValueError("no speech to embed (digital silence)")
        wav = self._preprocess(audio, source_sr=sr)
        if wav.size < sr // 10:
            raise ValueError("no speech to embed (clip is silent after trimming)")
        e = np.asarray(self._encoder.embed_utterance(wav), dtype=np.float32)
        return e / max(float(np.linalg.norm(e)), 1e-12)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12))


#: backend name -> factory(model or None, threads) -> SpeakerEmbedder
SPEAKER_BACKENDS: dict[str, Callable[[str | None, int], SpeakerEmbedder]] = {
    "resemblyzer": lambda model, threads: Resemblyzer(model, threads),
    "speechbrain": lambda model, threads: _ecapa(model, threads),
}


def _ecapa(model: str | None, threads: int) -> SpeakerEmbedder:
    from ..speechbrain_backends import EcapaEmbedder

    return EcapaEmbedder(model, threads)


def load_speaker_embedder(spec: str = DEFAULT_SPEAKER, threads: int = 1) -> SpeakerEmbedder:
    from .asr import parse_spec

    backend, model = parse_spec(spec, SPEAKER_BACKENDS, "resemblyzer", "speaker embedder")
    return SPEAKER_BACKENDS[backend](model, threads)


def check_available(spec: str = DEFAULT_SPEAKER) -> None:
    """The one-line offline error now when ``spec`` names a hub model that is not on this machine and cannot
    be downloaded; nothing is loaded (the scoring driver asks before any work)."""
    from .asr import parse_spec

    backend, model = parse_spec(spec, SPEAKER_BACKENDS, "resemblyzer", "speaker embedder")
    if backend == "speechbrain":
        from ..speechbrain_backends import ALTERNATIVES, DEFAULT_SPEAKER_MODEL, _source

        _source(model or DEFAULT_SPEAKER_MODEL, "speechbrain speaker embedder", ALTERNATIVES["speaker"])
