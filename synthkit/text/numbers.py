"""Number rules per language: ``(integer, decimal digits) -> words``. synthkit's own (Swahili) and, for
the languages it covers, ``num2words``; register more with :func:`register_number_rule`. Sentences are
read by :mod:`synthkit.text.verbalize`, which uses these rules for languages without a module of their
own.

:func:`expand_numbers` is the lenient reading used on both sides of the CER (see
:mod:`synthkit.quality.asr`): every number, amount, time, unit and the like read the way the sentence
normalizer reads it, four-digit numbers as cardinals (the CER adds a year reading itself), and what
cannot be read left as written instead of rejected. It raises :class:`NoNumberRule` for a language
without any number rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NumberRule = Callable[[int, str | None], str]  # (integer part, decimal digits or None) -> words

_DIGIT_RE = re.compile(r"\d")


class NoNumberRule(ValueError):
    pass


# --- Swahili --------------------------------------------------------------------------------
_SW_UNITS = ["sifuri", "moja", "mbili", "tatu", "nne", "tano", "sita", "saba", "nane", "tisa"]
_SW_TENS = ["", "kumi", "ishirini", "thelathini", "arobaini", "hamsini", "sitini", "sabini", "themanini", "tisini"]


def _sw_below_1000(n: int) -> str:
    parts: list[str] = []
    h, r = divmod(n, 100)
    if h:
        parts.append(f"mia {_SW_UNITS[h]}")
    t, u = divmod(r, 10)
    if t:
        parts.append(_SW_TENS[t] + (f" na {_SW_UNITS[u]}" if u else ""))
    elif u:
        parts.append(("na " if h else "") + _SW_UNITS[u])
    return " ".join(parts)


def swahili_cardinal(n: int) -> str:
    """Swahili cardinal numbers: 12 -> 'kumi na mbili', 1005 -> 'elfu moja na tano'."""
    if n == 0:
        return _SW_UNITS[0]
    scales = [(10**9, "bilioni"), (10**6, "milioni"), (1000, "elfu")]
    parts: list[str] = []
    for size, word in scales:
        q, n = divmod(n, size)
        if q:
            parts.append(f"{word} {swahili_cardinal(q)}")
    if n:
        below = _sw_below_1000(n)
        parts.append(below if (n >= 10 or not parts) else f"na {below}")
    return " ".join(parts)


def _sw_rule(integer: int, decimals: str | None) -> str:
    words = swahili_cardinal(integer)
    if decimals:
        words += " nukta " + " ".join(_SW_UNITS[int(d)] for d in decimals)
    return words


def _num2words_rule(lang: str) -> NumberRule:
    def rule(integer: int, decimals: str | None) -> str:
        from num2words import num2words

        value: float | int = float(f"{integer}.{decimals}") if decimals else integer
        return num2words(value, lang=lang)

    return rule


_RULES: dict[str, NumberRule] = {"swa": _sw_rule, "swh": _sw_rule}


def register_number_rule(iso639_3: str, rule: NumberRule) -> None:
    """Add or replace the number rule for a language (ISO 639-3 code)."""
    from .verbalize import verbalizer_for

    _RULES[iso639_3] = rule
    verbalizer_for.cache_clear()


def number_rule(iso639_3: str, iso639_1: str | None) -> NumberRule | None:
    if iso639_3 in _RULES:
        return _RULES[iso639_3]
    if iso639_1:
        try:
            from num2words import CONVERTER_CLASSES
        except ImportError:
            return None
        if iso639_1 in CONVERTER_CLASSES:
            return _num2words_rule(iso639_1)
    return None


def has_digits(text: str) -> bool:
    return bool(_DIGIT_RE.search(text))


def expand_numbers(text: str, iso639_3: str, iso639_1: str | None = None, locale: str | None = None) -> str:
    """Numbers (and amounts, times, units, ...) in ``text`` in words, leniently (see module doc), or
    raise :class:`NoNumberRule`."""
    if not has_digits(text):
        return text
    from .verbalize import LANGUAGES, verbalizer_for

    if iso639_3 not in LANGUAGES and number_rule(iso639_3, iso639_1) is None:
        found = _DIGIT_RE.search(text)
        raise NoNumberRule(
            f"contains digits ({text[found.start():found.start() + 12].split()[0]!r}) and synthkit has no number "
            f"rule for '{iso639_3}': write numbers in words, or register a rule"
        )
    out = verbalizer_for(iso639_3, iso639_1, locale, years=False).verbalize(text, strict=False)
    if has_digits(out):  # digits of other scripts that the rule did not handle
        raise NoNumberRule(f"contains digits the '{iso639_3}' number rule cannot read")
    return out
