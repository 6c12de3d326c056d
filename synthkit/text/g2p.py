"""Grapheme-to-phoneme backends. Each returns words of IPA segments, or raises ``Rejected``.

* ``espeak:<voice-language>`` — espeak-ng through phonemizer, using the library and data shipped in
  the ``espeakng-loader`` wheel. espeak-ng itself says where each phoneme ends; stress marks are kept
  on the stressed vowel (``ˈa``).
* ``rules:<path>`` — a grapheme-to-IPA rules file and optional lexicon (:mod:`synthkit.text.rules`),
  for a language no published G2P covers.
* ``epitran:<code>`` — epitran maps such as ``swa-Latn`` or ``yor-Latn`` (with tones kept as
  diacritics on the vowel). A letter the map does not cover rejects the sentence.

Backends are built by :func:`make_g2p` from the spec string recorded in manifests (``g2p`` key).
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

from ..errors import SynthkitError, missing_extra
from . import ipa
from .normalize import Rejected


class G2P(Protocol):
    spec: str

    def phonemize(self, text: str) -> list[list[str]]:
        """Words of IPA segments for one normalized sentence."""


_phonemizer_lock = threading.Lock()
_phonemizer_ready = False


def _defer_import(name: str) -> None:
    """Make ``import name`` cheap until the module is used: ``sys.modules`` gets a stand-in whose
    first attribute lookup imports the real module, puts it in ``sys.modules`` and answers from it
    (so ``import name``, ``from name import x`` and submodule imports all keep working)."""
    if name in sys.modules or importlib.util.find_spec(name) is None:
        return
    stand_in = types.ModuleType(name, f"{name}, imported on first use (synthkit.text.g2p)")

    def __getattr__(attr: str):
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attr)

    stand_in.__getattr__ = __getattr__  # type: ignore[attr-defined]  (PEP 562)
    sys.modules[name] = stand_in


def _setup_phonemizer() -> None:
    global _phonemizer_ready
    with _phonemizer_lock:
        if _phonemizer_ready:
            return
        # phonemizer imports joblib (asyncio, loky: a fifth of synth's start-up) only to run several
        # jobs at once, which synthkit never asks for: it is loaded if something does use it
        _defer_import("joblib")
        try:
            from phonemizer.backend.espeak.wrapper import EspeakWrapper
        except ImportError:
            raise missing_extra("phonemizer", "core", "G2P with espeak-ng") from None
        from ..tts.espeak_lib import paths

        lib, data = paths()
        EspeakWrapper.set_library(lib)
        EspeakWrapper.set_data_path(data)
        _phonemizer_ready = True


class EspeakG2P:
    def __init__(self, language: str) -> None:
        _setup_phonemizer()
        from phonemizer.backend import EspeakBackend
        from phonemizer.separator import Separator

        self.language = language
        self.spec = f"espeak:{language}"
        try:
            self._backend = EspeakBackend(language, with_stress=True, language_switch="remove-flags")
        except RuntimeError as exc:
            raise SynthkitError(f"espeak-ng cannot phonemize language {language!r}: {exc}") from None
        self._sep = Separator(phone=" ", word=f" {ipa.WORD_SEP} ", syllable="")

    def phonemize(self, text: str) -> list[list[str]]:
        from ..tts.espeak_lib import espeak_text, placeholder_ipa

        out = self._backend.phonemize([espeak_text(text)], separator=self._sep, strip=True, njobs=1)[0]
        words = [[ipa.doubled_as_long(placeholder_ipa(p)) for p in w] for w in ipa.split_words(out)]
        if not words:
            raise Rejected("espeak-ng produced no phonemes")
        return words


#: Letters some epitran maps leave out, with their IPA (checked against the languages' orthographies).
#: epitran's hau-Latn map has no rule for 'z' (Hausa /z/), so every word with a z would be rejected.
EPITRAN_PATCHES: dict[str, dict[str, str]] = {"hau-Latn": {"z": "z"}}


class EpitranG2P:
    def __init__(self, code: str) -> None:
        try:
            import epitran
        except ImportError:
            raise missing_extra("epitran", "core", "G2P with epitran") from None
        self.code = code
        self.spec = f"epitran:{code}"
        try:
            self._epi = epitran.Epitran(code, tones=True)
        except Exception as exc:  # epitran raises a zoo of types for unknown codes
            raise SynthkitError(f"epitran has no usable map {code!r}: {exc}") from None
        from .mapping import share_feature_table

        share_feature_table(getattr(self._epi.epi, "ft", None) or None)

    def phonemize(self, text: str) -> list[list[str]]:
        words: list[list[str]] = [[]]
        unmapped: list[str] = []
        patch = EPITRAN_PATCHES.get(self.code, {})
        for cat, _upper, orth, phon, segs in self._epi.word_to_tuples(text):
            if cat == "L" and not phon and orth.lower() in patch:
                phon, segs = patch[orth.lower()], [(patch[orth.lower()], None)]
            if phon and "'" in phon:  # some maps write ejectives with an ASCII apostrophe
                phon = phon.replace("'", "ʼ")
                segs = [(x.replace("'", "ʼ"), v) for x, v in segs] if segs else segs
            if cat == "L" and phon:
                words[-1].extend(s for s, _ in segs if s) if segs else words[-1].append(phon)
            elif cat == "M" and words[-1]:  # tone or other diacritic written on the letter before
                words[-1][-1] = unicodedata.normalize("NFC", words[-1][-1] + orth)
            elif cat in ("L", "N", "M") or (cat == "S" and orth.strip()):
                if orth not in unmapped and cat != "S":
                    unmapped.append(orth)
            else:  # space or punctuation: a word boundary
                if words[-1]:
                    words.append([])
        if unmapped:
            raise Rejected(f"characters epitran's {self.code} map cannot map: {''.join(unmapped)!r}")
        words = [ipa.segment_word("".join(w)) if _needs_resegment(w) else w for w in words if w]
        if not words:
            raise Rejected("G2P produced no phonemes")
        return words


def _needs_resegment(word: list[str]) -> bool:
    """epitran occasionally returns a bare modifier as its own segment; merge it the standard way."""
    return any(s and (unicodedata.category(s[0]) == "Mn" or s[0] in ipa.POST_MODIFIERS) for s in word)


def _rules(path: str) -> G2P:
    from .rules import RulesG2P

    return RulesG2P(path)


G2P_FACTORIES: dict[str, Callable[[str], G2P]] = {"espeak": EspeakG2P, "epitran": EpitranG2P, "rules": _rules}


@lru_cache(maxsize=16)
def make_g2p(spec: str) -> G2P:
    """Build (once per process) the G2P named by ``spec``, e.g. ``espeak:sw`` or ``epitran:yor-Latn``."""
    kind, _, arg = spec.partition(":")
    if kind not in G2P_FACTORIES or not arg:
        raise SynthkitError(f"unknown G2P {spec!r}; use one of: " + ", ".join(f"{k}:<code>" for k in G2P_FACTORIES))
    return G2P_FACTORIES[kind](arg)
