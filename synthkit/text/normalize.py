"""Text normalization before G2P: Unicode NFC, whitespace, abbreviations, numbers, script check.

:func:`normalize` returns the normalized sentence or raises :class:`Rejected` with a reason that
goes into ``rejects.jsonl``. Per-language hooks: :data:`ABBREVIATIONS` and the number rules in
:mod:`synthkit.text.numbers`.
"""

from __future__ import annotations

import re
import unicodedata

from .numbers import NoNumberRule, expand_numbers


class Rejected(ValueError):
    """A sentence that cannot be used; ``str()`` is the reason."""


_WS_RE = re.compile(r"\s+")

#: Per-language abbreviations (ISO 639-3 -> {abbreviation: expansion}); matched as whole tokens.
ABBREVIATIONS: dict[str, dict[str, str]] = {
    "swa": {"n.k.": "na kadhalika", "k.m.": "kwa mfano", "Bw.": "Bwana", "Bi.": "Bibi", "Dkt.": "Daktari",
            "Prof.": "Profesa", "%": " asilimia"},
    "eng": {"Dr.": "Doctor", "Mr.": "Mister", "Mrs.": "Missus", "St.": "Saint", "e.g.": "for example",
            "etc.": "et cetera", "%": " percent"},
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
              max_chars: int | None = None) -> str:
    """Normalize one sentence or raise :class:`Rejected` with the reason."""
    t = unicodedata.normalize("NFC", text)
    t = "".join(" " if unicodedata.category(c) in ("Zs", "Cc") else c for c in t)
    t = "".join(c for c in t if unicodedata.category(c) != "Cf")  # zero-width and format characters
    t = normalize_whitespace(t)
    t = expand_abbreviations(t, iso639_3)
    try:
        t = expand_numbers(t, iso639_3, iso639_1)
    except NoNumberRule as exc:
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
