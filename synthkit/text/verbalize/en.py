"""English (eng): cardinals, ordinals and years from ``num2words`` (its commas dropped), the rest here.

Readings: ``3rd`` → third (a wrong suffix such as ``3th`` is rejected); ``10:30`` → ten thirty,
``10:05`` → ten oh five, ``10:00`` → ten o'clock, ``3 pm``/``3:15 a.m.`` → three PM / three fifteen AM
(capitals: espeak-ng reads "a m" as the article); years after a year word or a month, or before
punctuation (``in 1984`` → in nineteen eighty-four), other four-digit numbers as cardinals
(``1984 people``); ``1980s`` → nineteen eighties; ``March 3`` → March third, ``3 March`` → the third
of March; ``2024-03-05`` → March fifth, twenty twenty-four (``en-us``) or the fifth of March twenty
twenty-four (other English locales); numeric dates are month/day/year for ``en-us`` and
day/month/year otherwise; ``$45.99`` → forty-five dollars and ninety-nine cents,
``USD 100`` → one hundred US dollars, ``$2 million`` → two million dollars; decimals digit by digit
(three point one four); units with US spelling for ``en-us`` (meters) and British otherwise (metres).
"""

from __future__ import annotations

import re

from .base import Counted, Money, Unreadable, Verbalizer, Where

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _n2w(n: int, to: str = "cardinal") -> str:
    from num2words import num2words

    return num2words(n, lang="en", to=to).replace(",", "")


def _c(sg: str, pl: str | None = None) -> Counted:
    return Counted(sg, pl or sg + "s")


_MONEY = {
    "$": Money(_c("dollar"), _c("cent")), "USD": Money(_c("US dollar"), _c("cent")),
    "€": Money(_c("euro"), _c("cent")), "EUR": Money(_c("euro"), _c("cent")),
    "£": Money(_c("pound"), _c("penny", "pence")), "GBP": Money(_c("pound"), _c("penny", "pence")),
    "¥": Money(_c("yen", "yen")), "JPY": Money(_c("yen", "yen")),
    "₹": Money(_c("rupee"), _c("paisa", "paise")), "INR": Money(_c("rupee"), _c("paisa", "paise")),
    "₦": Money(_c("naira", "naira"), _c("kobo", "kobo")), "NGN": Money(_c("naira", "naira"), _c("kobo", "kobo")),
    "KES": Money(_c("Kenyan shilling"), _c("cent")), "KSh": Money(_c("Kenyan shilling"), _c("cent")),
    "TZS": Money(_c("Tanzanian shilling"), _c("cent")), "UGX": Money(_c("Ugandan shilling")),
    "ZAR": Money(_c("rand", "rand"), _c("cent")), "CHF": Money(_c("Swiss franc"), _c("centime")),
    "CAD": Money(_c("Canadian dollar"), _c("cent")), "AUD": Money(_c("Australian dollar"), _c("cent")),
    "R$": Money(_c("real", "reais"), _c("centavo")), "BRL": Money(_c("real", "reais"), _c("centavo")),
}


def _units(us: bool) -> dict[str, Counted]:
    re_ = "er" if us else "re"
    u = {
        "km": _c(f"kilomet{re_}"), "m": _c(f"met{re_}"), "cm": _c(f"centimet{re_}"), "mm": _c(f"millimet{re_}"),
        "kg": _c("kilogram"), "g": _c("gram"), "mg": _c("milligram"), "l": _c(f"lit{re_}"), "L": _c(f"lit{re_}"),
        "ml": _c(f"millilit{re_}"), "mL": _c(f"millilit{re_}"),
        "km/h": Counted(f"kilomet{re_} per hour", f"kilomet{re_}s per hour"),
        "m/s": Counted(f"met{re_} per second", f"met{re_}s per second"),
        "mph": Counted("mile per hour", "miles per hour"),
        "°C": Counted("degree Celsius", "degrees Celsius"), "°F": Counted("degree Fahrenheit", "degrees Fahrenheit"),
        "°": _c("degree"), "h": _c("hour"), "min": _c("minute"), "s": _c("second"), "kWh": _c("kilowatt hour"),
        "kW": _c("kilowatt"), "W": _c("watt"), "MB": _c("megabyte"), "GB": _c("gigabyte"), "TB": _c("terabyte"),
        "Hz": _c("hertz", "hertz"), "kHz": _c("kilohertz", "kilohertz"), "MHz": _c("megahertz", "megahertz"),
        "GHz": _c("gigahertz", "gigahertz"), "km²": _c(f"square kilomet{re_}"), "m²": _c(f"square met{re_}"),
        "ft": _c("foot", "feet"), "lb": _c("pound"), "lbs": _c("pound"), "oz": _c("ounce"), "mi": _c("mile"),
    }
    return u


_AMPM = r"[ \u00a0]?(a\.m\.|p\.m\.|A\.M\.|P\.M\.|am|pm|AM|PM)(?![^\W\d_])"


class English(Verbalizer):
    code, name = "eng", "English"
    decimal_sep, group_seps = ".", (",",)
    decimal_word, minus_word, plus_word, range_word = "point", "minus", "plus", "to"
    percent, permille = "{} percent", "{} per mille"
    email_at, email_dot, email_dash = "at", "dot", "dash"
    months, months_capitalized = _MONTHS, True
    number_word, number_abbreviations = "number", ("No.",)
    currencies = _MONEY
    money_and = "and"
    scales = {w: (w, w, None) for w in ("million", "billion", "trillion")}
    symbols = {"&": "and", "+": "plus", "=": "equals", "×": "times", "~": "about", "≈": "about",
               "±": "plus or minus", "§": "section"}
    fractions = {(1, 2): "one half", (1, 3): "one third", (2, 3): "two thirds", (1, 4): "one quarter",
                 (3, 4): "three quarters"}
    year_words = frozenset({"in", "since", "by", "from", "until", "till", "to", "and", "of", "year", "circa", "c",
                            "ca", "about", "before", "after", "around", "during", "early", "late", "mid", "summer",
                            "winter", "spring", "autumn", "fall"})
    ordinal_suffix = r"(?P<suffix>st|nd|rd|th|ST|ND|RD|TH)(?![^\W\d_])"
    time_suffix = _AMPM

    def __init__(self, locale: str | None = None, years: bool = True) -> None:
        self.us = us = (locale or "").lower().replace("_", "-").startswith("en-us")
        self.units = _units(us)
        self.date_patterns = ((r"(?P<mo>[0-9]{1,2})/(?P<d>[0-9]{1,2})/(?P<y>[0-9]{4})(?![0-9])",) if us else
                              (r"(?P<d>[0-9]{1,2})/(?P<mo>[0-9]{1,2})/(?P<y>[0-9]{4})(?![0-9])",))
        super().__init__(locale, years)

    def cardinal(self, n: int, form: str | None = None) -> str:
        return _n2w(n)

    def ordinal(self, n: int, form: str | None = None) -> str:
        return _n2w(n, "ordinal")

    def read_ordinal(self, n: int, suffix: str, where: Where) -> str:
        right = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        if suffix.lower() != right:
            raise Unreadable(f"{where.written()!r} is not an English ordinal ({n}{right})")
        words = self.ordinal(n)
        if self._month_after(where):  # "3rd March" -> "the third of March"
            return self.day_before_month(n, where)
        return words

    def year(self, n: int) -> str | None:
        return _n2w(n, "year") if 1000 <= n <= 2099 else None

    def _ampm(self, suffix: str) -> str:
        return "AM" if suffix.lower().startswith("a") else "PM"

    def time(self, h: int, m: int | None, suffix: str | None, where: Where) -> str:
        if h == 0 and not m and not suffix:
            return "midnight"
        hour = self.cardinal(h)
        if not m:
            words = hour if suffix else f"{hour} o'clock"
        elif m < 10:
            words = f"{hour} oh {self.cardinal(m)}"
        else:
            words = f"{hour} {self.cardinal(m)}"
        return f"{words} {self._ampm(suffix)}" if suffix else words

    def number_suffix(self, text, start, j, num, sign):
        if num.fraction is None and not sign and 1 <= num.integer <= 12:
            m = re.compile(_AMPM).match(text, j)
            if m:  # "3 pm"
                return m.end(), f"{self.cardinal(num.integer)} {self._ampm(m.group(1))}"
        m = re.compile(r"['’]?s(?![^\W\d_])").match(text, j)
        if m and num.fraction is None and not sign and num.written.isdigit() and num.integer % 10 == 0 \
                and len(num.written) in (2, 4):  # "1980s", "the 90s"
            words = (self.year(num.integer) if len(num.written) == 4 else None) or self.cardinal(num.integer)
            return m.end(), (words[:-1] + "ies") if words.endswith("y") else words + "s"
        return None

    def date(self, d: int, mo: int, y: int | None, where: Where) -> str:
        year = f"{self.year(y) or self.cardinal(y)}" if y else ""
        if self.us:
            return f"{_MONTHS[mo - 1]} {self.ordinal(d)}" + (f", {year}" if y else "")
        the = "" if (where.prev_word() or "").casefold() == "the" else "the "
        return f"{the}{self.ordinal(d)} of {_MONTHS[mo - 1]}" + (f" {year}" if y else "")

    def day_before_month(self, n: int, where: Where) -> str:
        words = self.ordinal(n)
        if (where.next_word() or "").casefold() != "of":
            words += " of"
        if (where.prev_word() or "").casefold() != "the":
            words = "the " + words
        return words

    def day_after_month(self, n: int, where: Where) -> str | None:
        return self.ordinal(n)


LANGUAGE = English
