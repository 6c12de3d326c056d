"""Text normalization before G2P: Unicode NFC, whitespace, abbreviations, verbalization, script check.

:func:`normalize` returns the sentence as it is said — the text the G2P and the voice read, written to
the manifest's ``text`` — or raises :class:`Rejected` with a reason that goes into ``rejects.jsonl``.
Numbers, amounts, times, dates, units, symbols and emoji are read by :mod:`synthkit.text.verbalize`
(per-language modules; what a language has no reading for is rejected with the reason, never dropped
or left as digits). Per-language hooks here: :data:`ABBREVIATIONS`.
"""

from __future__ import annotations

import re
import unicodedata

from .numbers import NoNumberRule, expand_numbers  # noqa: F401  (re-exported for callers)
from .verbalize import Unreadable, verbalize


class Rejected(ValueError):
    """A sentence that cannot be used; ``str()`` is the reason."""


_WS_RE = re.compile(r"\s+")
#: Spaces that group digits (1 000, 1\u202f000): kept until the numbers are read.
_GROUPING_SPACES = "\u00a0\u202f\u2009"

#: Per-language abbreviations (ISO 639-3 -> {abbreviation: expansion}); matched as whole tokens.
ABBREVIATIONS: dict[str, dict[str, str]] = {
    "swa": {"n.k.": "na kadhalika", "k.m.": "kwa mfano", "Bw.": "Bwana", "Bi.": "Bibi", "Dkt.": "Daktari",
            "Prof.": "Profesa"},
    "eng": {"Dr.": "Doctor", "Mr.": "Mister", "Mrs.": "Missus", "St.": "Saint", "e.g.": "for example",
            "etc.": "et cetera"},
    "tur": {"Dr.": "Doktor", "vb.": "ve benzeri", "%": "yüzde "},
}
ABBREVIATIONS["swh"] = ABBREVIATIONS["swa"]

#: ISO 15924 script code -> prefixes of Unicode character names in that script.
SCRIPT_NAMES: dict[str, tuple[str, ...]] = {
    "Latn": ("LATIN",), "Deva": ("DEVANAGARI",), "Arab": ("ARABIC",), "Cyrl": ("CYRILLIC",),
    "Ethi": ("ETHIOPIC",), "Grek": ("GREEK",), "Hang": ("HANGUL",), "Hani": ("CJK",),
    "Beng": ("BENGALI",), "Taml": ("TAMIL",), "Telu": ("TELUGU",), "Knda": ("KANNADA",),
    "Mlym": ("MALAYALAM",), "Guru": ("GURMUKHI",), "Gujr": ("GUJARATI",), "Orya": ("ORIYA",),
    "Sinh": ("SINHALA",), "Thai": ("THAI",), "Laoo": ("LAO",), "Khmr": ("KHMER",),
    "Mymr": ("MYANMAR",), "Geor": ("GEORGIAN",), "Armn": ("ARMENIAN",), "Hebr": ("HEBREW",),
    "Syrc": ("SYRIAC",), "Tibt": ("TIBETAN",), "Hira": ("HIRAGANA",), "Kana": ("KATAKANA",),
    "Jpan": ("HIRAGANA", "KATAKANA", "CJK"), "Goth": ("GOTHIC",), "Thaa": ("THAANA",),
}


def normalize_whitespace(text: str) -> str:
    return _WS_RE.sub(" ", text).strip()


def expand_abbreviations(text: str, iso639_3: str) -> str:
    table = ABBREVIATIONS.get(iso639_3)
    if not table:
        return text
    for abbr, full in sorted(table.items(), key=lambda kv: -len(kv[0])):
        if abbr.isalpha() or abbr.endswith("."):
            text = re.sub(rf"(?<!\w){re.escape(abbr)}(?=\s|$|[,;:!?])", full, text)
        else:
            text = text.replace(abbr, full)
    return text


def foreign_letters(text: str, script: str | None) -> list[str]:
    """Letters of ``text`` that are not in ``script`` (ISO 15924); empty when the script is unknown."""
    prefixes = SCRIPT_NAMES.get(script or "")
    if not prefixes:
        return []
    bad = []
    for ch in text:
        if unicodedata.category(ch).startswith("L"):
            name = unicodedata.name(ch, "")
            if not name.startswith(prefixes) and not name.startswith("MODIFIER LETTER") and ch not in bad:
                bad.append(ch)
    return bad


def normalize(text: str, iso639_3: str, iso639_1: str | None = None, script: str | None = None,
              max_chars: int | None = None, locale: str | None = None) -> str:
    """The spoken form of one sentence, or :class:`Rejected` with the reason. ``locale``: the requested
    language tag (``en-us``, ``pt-br``) where a language's conventions differ by region."""
    t = unicodedata.normalize("NFC", text)
    t = "".join(" " if (unicodedata.category(c) == "Zs" and c not in _GROUPING_SPACES)
                or unicodedata.category(c) == "Cc" else c for c in t)
    t = "".join(c for c in t if unicodedata.category(c) != "Cf")  # zero-width and format characters
    t = re.sub(" +", " ", t).strip()
    t = expand_abbreviations(t, iso639_3)
    try:
        t = verbalize(t, iso639_3, iso639_1, locale)
    except Unreadable as exc:
        raise Rejected(str(exc)) from None
    t = normalize_whitespace(t)
    if not any(unicodedata.category(c)[0] in "LN" for c in t):
        raise Rejected("empty after normalization (no letters)")
    bad = foreign_letters(t, script)
    if bad:
        raise Rejected(f"characters outside the {script} script: {''.join(bad[:10])!r}")
    if max_chars is not None and len(t) > max_chars:
        raise Rejected(f"too long for one clip: {len(t)} characters > {max_chars}")
    return t
