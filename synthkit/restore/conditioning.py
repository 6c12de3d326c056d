"""Optional conditioning inputs of the cleaner: speaker embeddings and phoneme ids."""

from __future__ import annotations

import numpy as np

from ..errors import SynthkitError, missing_extra

#: Id of padding and the offset of the first phoneme (id = 1 + index in the vocabulary).
PAD_ID = 0

_encoders: dict[str, object] = {}


def speaker_embedding(x: np.ndarray, sr: int, encoder: str = "resemblyzer") -> np.ndarray:
    """``(S,)`` float32 speaker embedding of a clip (Resemblyzer's d-vector, 256 values, unit norm)."""
    if encoder != "resemblyzer":
        raise SynthkitError(f"unknown speaker encoder {encoder!r}; use resemblyzer")
    try:
        from resemblyzer import VoiceEncoder, preprocess_wav
    except ImportError:
        raise missing_extra("Resemblyzer", "quality", "Speaker-conditioned restoration") from None
    from ..audio import resample

    if "resemblyzer" not in _encoders:
        _encoders["resemblyzer"] = VoiceEncoder("cpu", verbose=False)
    wav = preprocess_wav(resample(x, sr, 16000), source_sr=16000)
    if wav.size < 1600:  # Resemblyzer needs some voiced audio after trimming silence
        wav = resample(x, sr, 16000)
    return np.asarray(_encoders["resemblyzer"].embed_utterance(wav), dtype=np.float32)


def build_vocab(phoneme_strings) -> tuple[str, ...]:
    """The sorted set of phonemes in space-separated strings (``|`` word marks are skipped)."""
    seen: set[str] = set()
    for s in phoneme_strings:
        seen.update(p for p in (s or "").split() if p != "|")
    return tuple(sorted(seen))


def phoneme_ids(phonemes: str, vocab: tuple[str, ...]) -> list[int]:
    """Ids of a space-separated phoneme string; unknown phonemes map to ``len(vocab) + 1``.
    An empty string gives one unknown id (the cleaner needs at least one position)."""
    index = {p: i + 1 for i, p in enumerate(vocab)}
    unk = len(vocab) + 1
    ids = [index.get(p, unk) for p in phonemes.split() if p != "|"]
    return ids or [unk]
