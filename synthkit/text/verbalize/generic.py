"""Languages without a module of their own: cardinals, decimals and digit strings through the
language's number rule (:func:`synthkit.text.numbers.number_rule`: synthkit's own, or ``num2words``).
Everything else with digits or symbols — times, dates, amounts, percentages, units, ordinals, ranges,
signs — is rejected with the reason. With no number rule at all, any digit is rejected.

The decimal separator is ``,`` for the languages in :data:`DECIMAL_COMMA` (thousands then grouped with
``.`` or spaces) and ``.`` otherwise (thousands grouped with ``,``). Where ordinals are written with a
dot (:data:`DOT_ORDINALS`: ``3. sınıf``), a number, a dot and a lower-case word is rejected as an
ordinal synthkit cannot read; a dot before an upper-case word or the end is the sentence's full stop.
"""

from __future__ import annotations

import re

from .base import Number, Unreadable, Verbalizer

#: ISO 639-1 codes of languages that write decimals with a comma.
DECIMAL_COMMA = frozenset("""az be bg ca cs da de el es et eu fi fr gl hr hu hy id is it ka kk ky lt lv mk mn nl
no nb nn pl pt ro ru sk sl sq sr sv tg tr uk uz vi""".split())
#: ISO 639-1 codes of languages that write ordinals as a number and a dot.
DOT_ORDINALS = frozenset("cs da de et fi fo hr hu is lt lv nb nn no pl sk sl sr tr".split())


class Generic(Verbalizer):
    def __init__(self, iso639_3: str, iso639_1: str | None, rule, locale: str | None, years: bool) -> None:
        self.code = iso639_3
        self.iso639_1 = iso639_1
        self.name = _name(iso639_3)
        self.rule = rule
        comma = (iso639_1 or "") in DECIMAL_COMMA
        self.decimal_sep, self.group_seps = ("," , (".",)) if comma else (".", (",",))
        self.decimal_word = "" if rule else None
        super().__init__(locale, years)

    def cardinal(self, n: int, form: str | None = None) -> str:
        if self.rule is None:
            raise Unreadable(f"contains digits ({str(n)!r}) and synthkit has no number rule for '{self.code}': "
                             "write numbers in words, or register a rule")
        return self.rule(n, None).replace(",", "")

    def number_words(self, num: Number, form: str | None = None) -> str:
        if num.fraction is None or self.rule is None:
            return self.cardinal(num.integer)
        return self.rule(num.integer, num.fraction).replace(",", "")

    def gendered(self, n: int) -> bool:
        return False

    def number_suffix(self, text, start, j, num, sign):
        if (self.iso639_1 or "") in DOT_ORDINALS and num.fraction is None:
            m = re.compile(r"\.[ \u00a0]+([^\W\d_])").match(text, j)
            if m and m.group(1).islower():
                raise Unreadable(f"{text[start:j + 1]!r} before {text[m.start(1):].split()[0]!r} may be an ordinal: "
                                 f"synthkit has no reading of ordinals in {self.name}")
        return None


def _name(iso639_3: str) -> str:
    try:
        import pycountry

        lang = pycountry.languages.get(alpha_3=iso639_3)
        return lang.name if lang else iso639_3
    except ImportError:  # pragma: no cover - pycountry is a core dependency
        return iso639_3


def for_language(iso639_3: str, iso639_1: str | None, locale: str | None, years: bool) -> Generic:
    from ..numbers import number_rule

    return Generic(iso639_3, iso639_1, number_rule(iso639_3, iso639_1), locale, years)
