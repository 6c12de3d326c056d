"""Verbalization: a sentence as written -> the sentence as it is said.

``verbalize("It costs $45.99 on March 3rd.", "eng")`` → ``"It costs forty-five dollars and ninety-nine
cents on March third."``; what has no reading raises :class:`Unreadable` with a reason that names it
(``synthkit synth`` writes the sentence to ``rejects.jsonl`` with that reason). What is read and in which
order: see :mod:`synthkit.text.verbalize.base`.

Languages (:data:`LANGUAGES`, ISO 639-3 -> module in this package; a new language is one module with a
:class:`~synthkit.text.verbalize.base.Verbalizer` subclass named ``LANGUAGE`` and one line here):

* full readings (numbers, decimals, digit strings, ordinals, times, dates, currency, percentages,
  units, symbols, e-mail addresses where noted): English ``en``, Swahili ``sw`` (no ordinals, no
  e-mail addresses), German ``de``, French ``fr``, Spanish ``es``, Portuguese ``pt`` (``pt-br``: Brazilian
  number words), Italian ``it``, Dutch ``nl`` — each module's doc lists its readings;
* every other language with a number rule (``num2words``'s ~50 languages, or one registered with
  :func:`synthkit.text.numbers.register_number_rule`): cardinals, decimals and digit strings only
  (:mod:`.generic`); times, dates, amounts, ordinals, percentages, units and symbols are rejected;
* a language with no number rule: any digit rejects the sentence.

Every language, with or without a number rule, gets the same treatment of emoji, symbols and web
addresses (see :mod:`.base`): nothing that is not a word reaches ``text``.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from .base import Counted, Money, Unreadable, Verbalizer

#: ISO 639-3 -> module (in this package) whose ``LANGUAGE`` class reads the language.
LANGUAGES: dict[str, str] = {
    "eng": "en", "swa": "sw", "swh": "sw", "deu": "de", "fra": "fr", "spa": "es", "por": "pt", "ita": "it",
    "nld": "nl",
}


@lru_cache(maxsize=64)
def verbalizer_for(iso639_3: str, iso639_1: str | None = None, locale: str | None = None,
                   years: bool = True) -> Verbalizer:
    """The verbalizer for a language. ``locale``: the requested tag (``en-us``, ``pt-br``) where
    regional conventions differ; ``years=False`` reads four-digit numbers as cardinals."""
    module = LANGUAGES.get(iso639_3)
    if module:
        cls = importlib.import_module(f"{__name__}.{module}").LANGUAGE
        return cls(locale, years)
    from .generic import for_language

    return for_language(iso639_3, iso639_1, locale, years)


def verbalize(text: str, iso639_3: str, iso639_1: str | None = None, locale: str | None = None) -> str:
    """The spoken form of ``text``, or :class:`Unreadable` naming what cannot be read."""
    return verbalizer_for(iso639_3, iso639_1, locale).verbalize(text)


__all__ = ["Counted", "LANGUAGES", "Money", "Unreadable", "Verbalizer", "verbalize", "verbalizer_for"]
