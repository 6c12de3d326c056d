"""Dutch (nld): cardinals and ordinals from ``num2words`` (*één* alone, *een* inside compounds:
*honderdeen*), the rest here.

Numbers: ``1.000`` or ``1 000`` thousands, ``3,14`` → drie komma veertien (up to three decimals read
as a number, leading zeros as *nul*). Ordinals ``1e``/``1ste`` → eerste, ``2e``/``2de`` → tweede,
``8ste`` → achtste. Times ``10:30`` / ``10.30 uur`` → tien uur dertig, ``10:00`` → tien uur. Dates
``3-5-2024`` / ``3/5/2024`` / ``2024-05-03`` → drie mei tweeduizendvierentwintig. Years 1100-1999 as
*negentienhonderdvierentachtig* after a year word or a month (``in 1984``). Amounts ``€ 45,99`` →
vijfenveertig euro en negenennegentig cent (*euro* and *cent* do not change), ``€ 2 miljoen`` → twee
miljoen euro. ``45%`` → vijfenveertig procent.
"""

from __future__ import annotations

from .base import Counted, Money, Verbalizer, Where

_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december")


def _n2w(n: int, to: str = "cardinal") -> str:
    from num2words import num2words

    return num2words(n, lang="nl", to=to)


def _c(sg: str, pl: str | None = None) -> Counted:
    return Counted(sg, pl or sg)


_EURO = Money(_c("euro"), _c("cent"))
_DOLLAR = Money(_c("dollar"), _c("cent"))


class Dutch(Verbalizer):
    code, name = "nld", "Dutch"
    decimal_sep, group_seps = ",", (".", " ")
    decimal_word, fraction_as_number = "komma", True
    minus_word, plus_word, range_word = "min", "plus", "tot"
    percent, permille = "{} procent", "{} promille"
    email_at, email_dot, email_dash = "apenstaartje", "punt", "streepje"
    months = _MONTHS
    number_word, number_abbreviations = "nummer", ("nr.", "Nr.")
    currencies = {"€": _EURO, "EUR": _EURO, "$": _DOLLAR, "USD": _DOLLAR, "£": Money(_c("pond")),
                  "GBP": Money(_c("pond"))}
    money_and = "en"
    scales = {"miljoen": ("miljoen", "miljoen", None), "miljard": ("miljard", "miljard", None)}
    units = {
        "km": _c("kilometer"), "m": _c("meter"), "cm": _c("centimeter"), "mm": _c("millimeter"), "kg": _c("kilo"),
        "g": _c("gram"), "mg": _c("milligram"), "l": _c("liter"), "L": _c("liter"), "ml": _c("milliliter"),
        "km/h": _c("kilometer per uur"), "m/s": _c("meter per seconde"),
        "°C": _c("graad Celsius", "graden Celsius"), "°": _c("graad", "graden"), "h": _c("uur"),
        "min": _c("minuut", "minuten"), "s": _c("seconde", "seconden"), "kWh": _c("kilowattuur"),
        "kW": _c("kilowatt"), "W": _c("watt"), "GB": _c("gigabyte"), "m²": _c("vierkante meter"),
        "km²": _c("vierkante kilometer"),
    }
    symbols = {"&": "en", "+": "plus", "=": "is gelijk aan", "×": "keer", "~": "ongeveer", "≈": "ongeveer",
               "±": "plus of min", "§": "paragraaf"}
    fractions = {(1, 2): "een half", (1, 3): "een derde", (2, 3): "twee derde", (1, 4): "een kwart",
                 (3, 4): "drie kwart"}
    year_words = frozenset("in sinds tot van vanaf jaar na voor rond omstreeks".split())
    ordinal_suffix = r"(?P<suffix>ste|de|e)(?![^\W\d_])"
    time_patterns = (r"(?P<h>[0-9]{1,2})\.(?P<m>[0-9]{2})(?=[ \u00a0]+uur(?![^\W\d_]))",)
    time_suffix = r"[ \u00a0]+(uur)(?![^\W\d_])"
    date_patterns = (r"(?P<d>[0-9]{1,2})[-/](?P<mo>[0-9]{1,2})[-/](?P<y>[0-9]{4})(?![0-9])",)

    def cardinal(self, n: int, form: str | None = None) -> str:
        words = _n2w(n)
        return words if words == "één" else words.replace("één", "een")

    def ordinal(self, n: int, form: str | None = None) -> str:
        return _n2w(n, "ordinal")

    def year(self, n: int) -> str | None:
        return _n2w(n, "year").replace(" ", "") if 1100 <= n <= 1999 else None

    def time(self, h: int, m: int | None, suffix: str | None, where: Where) -> str:
        words = f"{self.cardinal(h)} uur"
        return f"{words} {self.cardinal(m)}" if m else words

    def date(self, d: int, mo: int, y: int | None, where: Where) -> str:
        words = f"{self.cardinal(d)} {_MONTHS[mo - 1]}"
        return f"{words} {self.year(y) or self.cardinal(y)}" if y else words


LANGUAGE = Dutch
