"""The verbalization engine: :class:`Verbalizer` scans a sentence left to right and replaces every
number, amount, time, date, unit, sign and e-mail address with the words a speaker says, or raises
:class:`Unreadable` naming what it cannot read. A language is a subclass that fills in tables (words,
currencies, units, symbols, months, nouns whose gender numbers agree with) and overrides the few
readings that are its own (cardinals, ordinals, times, dates). Every reading a subclass leaves out is
rejected with the reason, never guessed: the base class reads nothing but what its tables say.

What is read, in this order at each position (the first rule that matches wins):

1. e-mail addresses (``@`` and ``.`` in the language's words) — before anything else, so digits in them
   are read one by one; web addresses are rejected;
2. emoji: a run of emoji at the start or end of the line is decoration and dropped (``text_original``
   keeps it); an emoji between words may stand for a word ("I ❤️ you") and the sentence is rejected;
3. digit strings: a number written with a leading zero (``0712 345 678``, ``007``), after ``+``
   (``+255 712 345 678``), ten or more digits in a row, or three or more hyphenated groups
   (``202-555-0123``) is read digit by digit, every digit kept;
4. dates (``2024-03-05``, the language's numeric form such as ``5.3.2024`` or ``05/03/2024``, and a day
   before or after a month name), times (``10:30``, and forms like ``10h30`` or ``10.30 Uhr`` where the
   language writes them), then numbers with what follows them: ordinal suffixes, ``%``/``‰``, a
   currency sign or ISO code (also before the number, with ``million``-style scale words), a unit,
   a range (``10-20``), a fraction from the language's table;
5. symbols with a reading (``&``, ``+``, ``=``, ``×``, ``~``, ``§``, ``#5``/``No. 5``).

Afterwards no digit may remain, nor a symbol (Unicode S*), nor punctuation that is read (``# % & @ * /
\\ §`` ...): each is a reject that names it. ``® ™`` are never spoken and are dropped.

Numbers agree in gender where the language's number words do (French *un/une*, Spanish *un/uno/una*,
*doscientos/doscientas*, Portuguese *um/uma*, *dois/duas*, Italian *un/una/un'*, German *ein/eine/eins*):
the form follows the noun after the number when the language's table knows it, the standalone form is
used when no noun follows (punctuation, the end, a function word), and otherwise the sentence is
rejected — the form cannot be chosen without the noun's gender.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .tables import (CURRENCY_SIGNS, EMAIL_RE, EMOJI_RE, READ_PUNCTUATION, SILENT_MARKS, URL_RE, is_emoji)

_LETTERS = r"[^\W\d_]"
_WORD_RE = re.compile(rf"{_LETTERS}+(?:['’]{_LETTERS}+)*")
_NEXT_WORD_RE = re.compile(rf"[ \u00a0\u202f\u2009]*({_LETTERS}+(?:['’]{_LETTERS}+)*['’]?)")
_PREV_WORD_RE = re.compile(rf"({_LETTERS}+)\.?[ \u00a0\u202f\u2009]*$")
_SPACES = " \u00a0\u202f\u2009"
_UNICODE_FRACTIONS = {"½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4)}


class Unreadable(ValueError):
    """A span of text with no spoken reading in the language; ``str()`` names it and says why."""


@dataclass(frozen=True)
class Counted:
    """A word that follows a number and changes with it (a currency, a unit): singular and plural
    forms, the gender the number agrees with (None: the language's default form), and optionally a
    template with ``{}`` for the number where the word order is not the language's usual one."""

    singular: str
    plural: str
    gender: str | None = None
    template: str | None = None


@dataclass(frozen=True)
class Money:
    """A currency's words: the major unit, the minor unit (None: amounts are read as decimals)."""

    major: Counted
    minor: Counted | None = None


@dataclass(frozen=True)
class Number:
    """A number as written: integer part, the digits after the decimal separator (None: an integer)."""

    written: str
    integer: int
    fraction: str | None = None

    @property
    def value(self) -> float:
        return float(f"{self.integer}.{self.fraction}") if self.fraction else float(self.integer)


@dataclass(frozen=True)
class Where:
    """Where a match sits in the sentence (as written), for rules that look at the words around it."""

    text: str
    start: int
    end: int

    def prev_word(self) -> str | None:
        """The word right before (only spaces between; an abbreviation's dot allowed), or None."""
        m = _PREV_WORD_RE.search(self.text, 0, self.start)
        return m.group(1) if m else None

    def words_before(self, k: int) -> list[str]:
        """The last ``k`` words before the match (whatever stands between them)."""
        return _WORD_RE.findall(self.text, 0, self.start)[-k:]

    def next_word(self, end: int | None = None) -> str | None:
        """The word right after (only spaces between), or None (punctuation, a digit, the end)."""
        m = _NEXT_WORD_RE.match(self.text, self.end if end is None else end)
        return m.group(1) if m else None

    def next_word_end(self, end: int | None = None) -> int:
        m = _NEXT_WORD_RE.match(self.text, self.end if end is None else end)
        return m.end() if m else (self.end if end is None else end)

    def written(self, end: int | None = None) -> str:
        return self.text[self.start:self.end if end is None else end]


class Verbalizer:
    """Written form -> spoken form for one language. Subclasses set the tables and override readings;
    see the module doc. Instances are immutable after ``__init__`` and cached per (language, locale)."""

    #: ISO 639-3 and the English name, for messages.
    code = ""
    name = ""
    # --- how numbers are written -------------------------------------------------------------
    decimal_sep = "."
    #: thousands separators (besides them, NBSP, NNBSP and thin space always group where "." or "," does)
    group_seps: tuple[str, ...] = (",",)
    # --- words -----------------------------------------------------------------------------------
    decimal_word: str | None = None
    #: read 1-3 fraction digits as a number (French "trois virgule quatorze"); else digit by digit
    fraction_as_number = False
    minus_word: str | None = None
    plus_word: str | None = None  # "+" before a phone number and as a sign
    range_word: str | None = None  # "10-20" -> "ten to twenty"
    percent: str | None = None  # template with {} for the number
    percent_gender: str | None = None
    permille: str | None = None
    #: words around ``@`` and ``.`` in e-mail addresses (None: e-mail addresses are rejected)
    email_at: str | None = None
    email_dot: str | None = None
    email_dash: str | None = None
    #: month names, January first; recognized case-insensitively unless capitalized ones are a rule
    #: (English "March" is a month, "march" a verb)
    months: tuple[str, ...] = ()
    months_capitalized = False
    #: word before a number that makes it a count: "No. 5", "#5" -> "number five"
    number_word: str | None = None
    number_abbreviations: tuple[str, ...] = ()
    #: currency code -> words; CURRENCY_SIGNS minus ``sign_exclusions`` plus ``signs`` map signs to codes
    currencies: dict[str, Money] = {}
    signs: dict[str, str] = {}
    sign_exclusions: frozenset[str] = frozenset()
    #: why a sign is not read (for the reject reason)
    sign_reasons: dict[str, str] = {}
    money_and: str = ""  # between the major and the minor amount
    #: written scale words after an amount ("$2 million"): written form -> (singular, plural, gender)
    scales: dict[str, tuple[str, str, str | None]] = {}
    #: units after a number: symbol -> words
    units: dict[str, Counted] = {}
    #: symbols read as words wherever they stand ("&" -> "and")
    symbols: dict[str, str] = {}
    #: (numerator, denominator) -> words; also read for ½ ⅓ ⅔ ¼ ¾
    fractions: dict[tuple[int, int], str] = {}
    #: how a count and its noun are ordered
    count_template = "{n} {noun}"
    #: nouns (casefolded) that numbers agree with -> gender; words after which no agreement is needed
    nouns: dict[str, str] = {}
    function_words: frozenset[str] = frozenset()
    transparent_words: frozenset[str] = frozenset()
    #: words after which a four-digit number is a year (casefolded)
    year_words: frozenset[str] = frozenset()
    #: regex of an ordinal suffix right after the digits (group "suffix"), or None
    ordinal_suffix: str | None = None
    #: extra time patterns (named groups h, m) tried after ``H:MM``; and what may follow a time
    time_patterns: tuple[str, ...] = ()
    time_suffix: str | None = None
    #: numeric date patterns (named groups d, mo, y)
    date_patterns: tuple[str, ...] = ()

    def __init__(self, locale: str | None = None, years: bool = True) -> None:
        self.locale = (locale or "").lower().replace("_", "-")
        self._years = years  # False: four-digit numbers are cardinals (the CER normalizer's first reading)
        self._gendered: dict[int, bool] = {}
        seps = "|".join(re.escape(s) for s in self._group_chars())
        self._num = re.compile(
            rf"(?P<int>[0-9]{{1,3}}(?:(?:{seps})[0-9]{{3}})+(?![0-9])|[0-9]+)"
            rf"(?:{re.escape(self.decimal_sep)}(?P<frac>[0-9]+))?")
        self._times = [re.compile(p) for p in (r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?![0-9]|:[0-9])",
                                                *self.time_patterns)]
        self._time_suffix = re.compile(self.time_suffix) if self.time_suffix else None
        self._dates = [re.compile(p) for p in (r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})(?![0-9])",
                                                *self.date_patterns)]
        self._ordinal = re.compile(self.ordinal_suffix) if self.ordinal_suffix else None
        signs = {k: v for k, v in CURRENCY_SIGNS.items() if k not in self.sign_exclusions}
        signs.update(self.signs)
        self._signs = {k: v for k, v in signs.items() if v in self.currencies or k in CURRENCY_SIGNS}
        names = sorted({*self._signs, *self.currencies}, key=len, reverse=True)
        alt = "|".join(re.escape(n) for n in names) or "(?!)"
        self._money_before = re.compile(rf"(?P<cur>{alt})[ \u00a0\u202f]?(?=[0-9])")
        self._money_after = re.compile(rf"[ \u00a0\u202f]?(?P<cur>{alt})(?![^\W\d_])")
        scales = "|".join(re.escape(s) for s in sorted(self.scales, key=len, reverse=True)) or "(?!)"
        self._scale = re.compile(rf"[ \u00a0\u202f](?P<scale>{scales})(?![^\W\d_])")
        self._units = dict(self.units)
        for u, words in self.units.items():  # "25° C", "25 km2"
            if u in ("°C", "°F"):
                self._units[f"° {u[1]}"] = words
            if u.endswith(("²", "³")):
                self._units[u[:-1] + ("2" if u.endswith("²") else "3")] = words
        units = "|".join(re.escape(u) for u in sorted(self._units, key=len, reverse=True)) or "(?!)"
        self._unit = re.compile(rf"[ \u00a0\u202f]?(?P<unit>{units})(?![^\W_]|[²³/])")
        abbr = "|".join(re.escape(a) for a in sorted(self.number_abbreviations, key=len, reverse=True)) or "(?!)"
        self._number_abbr = re.compile(rf"(?:{abbr})[ \u00a0\u202f]?(?=[0-9])")
        self._months = {(m if self.months_capitalized else m.casefold()): k + 1 for k, m in enumerate(self.months)}

    def _group_chars(self) -> tuple[str, ...]:
        return (*self.group_seps, "\u00a0", "\u202f", "\u2009")

    # --- readings a language overrides ---------------------------------------------------------

    def cardinal(self, n: int, form: str | None = None) -> str:
        """``n`` (>= 0) in words; ``form`` is the gender of the noun it counts (None: standalone)."""
        raise NotImplementedError

    def cardinal_before(self, n: int, form: str | None, word: str) -> str:
        """``n`` in words right before ``word`` (for languages whose number words change by sound)."""
        return self.cardinal(n, form)

    def ordinal(self, n: int, form: str | None = None) -> str:
        raise Unreadable(f"ordinal {n}: synthkit has no reading of ordinals in {self.name}")

    def read_ordinal(self, n: int, suffix: str, where: Where) -> str:
        """An ordinal written ``n`` + ``suffix`` (the match of :attr:`ordinal_suffix`)."""
        return self.ordinal(n)

    def year(self, n: int) -> str | None:
        """The year reading of ``n`` where the language has one that differs from the cardinal."""
        return None

    def time(self, h: int, m: int | None, suffix: str | None, where: Where) -> str:
        raise Unreadable(f"time {where.written()!r}: synthkit has no reading of times in {self.name}")

    def date(self, d: int, mo: int, y: int | None, where: Where) -> str:
        raise Unreadable(f"date {where.written()!r}: synthkit has no reading of dates in {self.name}")

    def day_before_month(self, n: int, where: Where) -> str:
        """A day written before a month name ("3 mai")."""
        return self.cardinal(n)

    def day_after_month(self, n: int, where: Where) -> str | None:
        """A day written after a month name ("March 3"), or None when that order is not a date."""
        return None

    def plural(self, value: float) -> bool:
        return value != 1

    def scale_connector(self, number: str, noun: str) -> str:
        """What goes between a round number of millions and its noun (French "un million d'euros",
        Spanish "dos millones de personas"); "" where nothing does."""
        return ""

    def scale_amount(self, amount: str, scale: str, money: Money, plural: bool) -> str:
        unit = money.major.plural
        return f"{amount} {scale} {unit}"

    # --- derived readings ----------------------------------------------------------------------

    def digits(self, s: str) -> str:
        return " ".join(self.cardinal(int(d)) for d in s if d.isdigit())

    def gendered(self, n: int) -> bool:
        """Whether ``n``'s words change with the gender of what it counts."""
        if n not in self._gendered:
            forms = set()
            for f in (None, "m", "f", "n"):
                forms.add(self.cardinal(n, f))
            self._gendered[n] = len(forms) > 1
        return self._gendered[n]

    def number_words(self, num: Number, form: str | None = None) -> str:
        if num.fraction is None:
            return self.cardinal(num.integer, form)
        if self.decimal_word is None:
            raise Unreadable(f"decimal number {num.written!r}: synthkit has no reading of decimals in {self.name}")
        frac = num.fraction
        if self.fraction_as_number and len(frac) <= 3:
            rest = frac.lstrip("0")
            words = [self.cardinal(0)] * (len(frac) - len(rest)) + ([self.cardinal(int(rest))] if rest else [])
        else:
            words = [self.digits(frac)]
        whole = "" if num.written.startswith(self.decimal_sep) else f"{self.cardinal(num.integer)} "
        return f"{whole}{self.decimal_word} {' '.join(words)}"

    def count(self, num: Number, noun: Counted, sign: str = "") -> str:
        """A number and the noun it counts, in the language's order and agreement."""
        word = noun.plural if self.plural(num.value) else noun.singular
        if num.fraction is None:
            n = self.cardinal_before(num.integer, noun.gender, word)
        else:
            n = self.number_words(num)
        n = self.signed(n, sign)
        if noun.template:
            return noun.template.format(n)
        if n.endswith("'"):  # Italian "un'ora"
            return f"{n}{word}"
        conn = self.scale_connector(n, word)
        return self.count_template.format(n=f"{n} {conn}".rstrip() if not conn.endswith("'") else f"{n} {conn}",
                                          noun=word).replace("' ", "'")

    def signed(self, words: str, sign: str) -> str:
        if sign in ("-", "−"):
            if not self.minus_word:
                raise Unreadable(f"negative number: synthkit has no word for minus in {self.name}")
            return f"{self.minus_word} {words}"
        if sign == "+":
            if not self.plus_word:
                raise Unreadable(f"'+' before a number: synthkit has no word for plus in {self.name}")
            return f"{self.plus_word} {words}"
        return words

    # --- the engine ----------------------------------------------------------------------------

    def verbalize(self, text: str, strict: bool = True) -> str:
        """The spoken form of ``text``. ``strict=False`` (for ASR hypotheses): never raises; what
        cannot be read stays as written, numbers fall back to cardinals."""
        if strict:
            url = URL_RE.search(text)
            if url:
                raise Unreadable(f"web address {url.group(0)!r}: synthkit does not read web addresses")
        text = EMAIL_RE.sub(lambda m: self._email(m, strict), text)
        text = self._emoji(text, strict)
        text = "".join(c for c in text if c not in SILENT_MARKS)
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            try:
                hit = self._read_at(text, i)
            except Unreadable:
                if strict:
                    raise
                hit = self._lenient(text, i)
            if hit is None:
                out.append(text[i])
                i += 1
                continue
            end, words = hit
            if out and out[-1] and (out[-1][-1].isalnum()) and words:
                out.append(" ")
            out.append(words)
            if end < n and text[end].isalnum() and words and not words.endswith("'"):
                out.append(" ")
            i = end
        spoken = "".join(out)
        if strict:
            self._check_leftovers(spoken)
        return spoken

    def _lenient(self, text: str, i: int) -> tuple[int, str] | None:
        """What ``strict=False`` reads where the rules give up: the digits as a cardinal (or one by one)."""
        m = re.compile(r"[0-9]+").match(text, i)
        if not m:
            return None
        for read in (lambda d: self.cardinal(int(d)), self.digits):
            try:
                return m.end(), read(m.group(0))
            except (Unreadable, OverflowError, KeyError, IndexError, NotImplementedError):
                continue
        return None

    def _email(self, m: re.Match[str], strict: bool) -> str:
        if self.email_at is None or self.email_dot is None:
            if strict:
                raise Unreadable(f"e-mail address {m.group(0)!r}: synthkit has no reading of '@' in {self.name}")
            return m.group(0)
        out = []
        for part in re.split(r"([@.\-_+%])", m.group(0)):
            if part == "@":
                out.append(self.email_at)
            elif part == ".":
                out.append(self.email_dot)
            elif part == "-" and self.email_dash:
                out.append(self.email_dash)
            elif part and part in "-_+%":
                if strict:
                    raise Unreadable(f"e-mail address {m.group(0)!r}: synthkit has no reading of {part!r} in it")
                out.append(part)
            elif part:
                out.extend(re.sub(r"[0-9]", lambda d: f" {self.cardinal(int(d.group(0)))} ", part).split())
        return " ".join(out)

    def _emoji(self, text: str, strict: bool) -> str:
        spans = list(EMOJI_RE.finditer(text))
        if not spans:
            return text
        keep = []
        last = 0
        for m in spans:
            before, after = text[:m.start()], text[m.end():]
            edge = (not any(c.isalnum() for c in before)) or not any(
                c.isalnum() for c in EMOJI_RE.sub("", after))
            if not edge and strict:
                raise Unreadable(f"emoji {m.group(0)!r} between words may stand for a word: synthkit does not "
                                 "read emoji (decorative ones at the start or end of a line are dropped)")
            keep.append(text[last:m.start()])
            if not edge:
                keep.append(m.group(0))
            last = m.end()
        keep.append(text[last:])
        return "".join(keep)

    def _check_leftovers(self, spoken: str) -> None:
        for ch in spoken:
            cat = unicodedata.category(ch)
            if ch.isdigit() or cat == "Nd" or cat == "No":
                raise Unreadable(f"digit {ch!r} ({unicodedata.name(ch, '?')}): synthkit cannot read it in {self.name}")
            if ch in self.sign_reasons:
                raise Unreadable(f"currency sign {ch!r}: {self.sign_reasons[ch]}")
            if cat == "Sc":
                raise Unreadable(f"currency sign {ch!r}: synthkit has no reading of it in {self.name}")
            if cat[0] == "S" or ch in READ_PUNCTUATION or is_emoji(ch):
                raise Unreadable(f"symbol {ch!r} ({unicodedata.name(ch, 'unnamed').lower()}): synthkit has no "
                                 f"reading of it in {self.name}")

    def _read_at(self, text: str, i: int) -> tuple[int, str] | None:
        try:
            return self._at(text, i)
        except (OverflowError, KeyError, IndexError, NotImplementedError):  # num2words' limits (and its bugs there)
            raise Unreadable(f"number {self._token(text, i)!r}: too large for synthkit's {self.name} number words; "
                             "write it in words") from None

    def _at(self, text: str, i: int) -> tuple[int, str] | None:
        ch = text[i]
        prev = text[i - 1] if i else " "
        if "0" <= ch <= "9":
            if prev.isalpha():  # a code such as "MP3", "B2B": the digits as a number
                m = re.compile(r"[0-9]+").match(text, i)
                return m.end(), self.cardinal(int(m.group(0)))
            return (self._date(text, i) or self._time(text, i) or self._digit_string(text, i, "")
                    or self._number(text, i, i, ""))
        word_start = not prev.isalnum()
        if ch in "+-−" and (prev in _SPACES or prev in "(/[" or i == 0) and text[i + 1:i + 2].isdigit():
            return self._digit_string(text, i + 1, ch, start=i) or self._number(text, i + 1, i, ch)
        if word_start:
            m = self._money_before.match(text, i)
            if m:
                return self._money_prefix(text, i, m)
            m = self._number_abbr.match(text, i)
            if m:
                if not self.number_word:
                    raise Unreadable(f"{m.group(0).strip()!r}: synthkit has no word for it in {self.name}")
                end, words = self._number(text, m.end(), m.end(), "")
                return end, f"{self.number_word} {words}"
        if ch == "#" and text[i + 1:i + 2].isdigit():
            if not self.number_word:
                raise Unreadable(f"'#' before a number: synthkit has no word for it in {self.name}")
            end, words = self._number(text, i + 1, i + 1, "")
            return end, f"{self.number_word} {words}"
        if ch in _UNICODE_FRACTIONS:
            return i + 1, self._fraction(*_UNICODE_FRACTIONS[ch], ch)
        if ch == self.decimal_sep and (i == 0 or prev in _SPACES) and text[i + 1:i + 2].isdigit():
            m = re.compile(r"[0-9]+").match(text, i + 1)
            return self._number_tail(text, i, m.end(), Number(text[i:m.end()], 0, m.group(0)), "")
        if ch in self.symbols:
            return i + 1, self.symbols[ch]
        return None

    # --- rules ---------------------------------------------------------------------------------

    def _digit_string(self, text: str, i: int, sign: str, start: int | None = None) -> tuple[int, str] | None:
        """Phone numbers and other digit strings: read digit by digit, every digit kept."""
        start = i if start is None else start
        m = re.compile(r"[0-9]+(?:[ \-][0-9]+)*").match(text, i)
        groups = m.group(0)
        first = re.match(r"[0-9]+", groups).group(0)
        if sign == "+":
            if sum(c.isdigit() for c in groups) < 6:
                return None
        elif sign:
            return None
        elif first.startswith("0") and len(first) >= 2 and not self._num_continues(text, i + len(first)):
            if i >= 2 and text[i - 1] in _SPACES and text[i - 2].isdigit():  # "3 000" where spaces do not group
                raise Unreadable(f"number {text[text.rfind(' ', 0, i - 1) + 1:i + len(first)]!r}: digits grouped "
                                 f"with spaces; synthkit reads {self.group_seps[0]!r} as the thousands separator "
                                 f"in {self.name}")
            groups = self._phone_groups(groups)
        elif len(first) >= 10:
            groups = first
        elif re.fullmatch(r"[0-9]+(?:-[0-9]+){2,}", groups.split(" ")[0]):
            groups = groups.split(" ")[0]
        else:
            return None
        words = self.digits(groups)
        if sign == "+":
            if not self.plus_word:
                raise Unreadable(f"phone number {text[start:i + len(groups)]!r}: synthkit has no word for '+' "
                                 f"before a phone number in {self.name}")
            words = f"{self.plus_word} {words}"
        return i + len(groups), words

    @staticmethod
    def _phone_groups(groups: str) -> str:
        """The groups of a phone number: following groups of two or more digits only."""
        out = re.match(r"[0-9]+", groups).group(0)
        for sep, g in re.findall(r"([ \-])([0-9]+)", groups[len(out):]):
            if len(g) < 2:
                break
            out += sep + g
        return out

    def _num_continues(self, text: str, j: int) -> bool:
        """A decimal separator, time or date separator follows: not a digit string."""
        return bool(re.match(rf"(?:{re.escape(self.decimal_sep)}|[:/.])[0-9]", text[j:j + 2]))

    def _date(self, text: str, i: int) -> tuple[int, str] | None:
        for pat in self._dates:
            m = pat.match(text, i)
            if not m:
                continue
            y = m.groupdict().get("y")
            d, mo, y = int(m.group("d")), int(m.group("mo")), int(y) if y else None
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return m.end(), self.date(d, mo, y, Where(text, i, m.end()))
        return None

    def _time(self, text: str, i: int) -> tuple[int, str] | None:
        for pat in self._times:
            m = pat.match(text, i)
            if not m:
                continue
            h = int(m.group("h"))
            mm = m.group("m")
            if h > 24 or (mm is not None and int(mm) > 59):
                continue
            end = m.end()
            suffix = None
            if self._time_suffix:
                s = self._time_suffix.match(text, end)
                if s:
                    suffix, end = s.group(1), s.end()
            words = self.time(h, int(mm) if mm is not None else None, suffix, Where(text, i, end))
            if text[end:end + 1] in ("-", "–") and self.range_word and text[end + 1:end + 2].isdigit():
                later = self._time(text, end + 1)  # "10:30-11:30"
                if later:
                    return later[0], f"{words} {self.range_word} {later[1]}"
            return end, words
        return None

    def _parse(self, text: str, i: int) -> tuple[int, Number]:
        m = self._num.match(text, i)
        digits = re.sub(r"[^0-9]", "", m.group("int"))
        return m.end(), Number(m.group(0), int(digits), m.group("frac"))

    def _number(self, text: str, i: int, start: int, sign: str) -> tuple[int, str]:
        end, num = self._parse(text, i)
        return self._number_tail(text, start, end, num, sign)

    def _number_tail(self, text: str, start: int, j: int, num: Number, sign: str) -> tuple[int, str]:
        """A parsed number and what follows it (see module doc, step 4)."""
        where = Where(text, start, j)
        nxt = text[j:j + 1]
        after = text[j + 1:j + 2]
        # a range "10-20" / "10–20"
        if nxt in "-–" and after.isdigit() and num.fraction is None:
            end2, num2 = self._parse(text, j + 1)
            if num2.fraction is None and not text[end2:end2 + 1] in ("-", ":", "/"):
                if not self.range_word:
                    raise Unreadable(f"range {text[start:end2]!r}: synthkit has no word for it in {self.name}")
                end, second = self._number_tail(text, j + 1, end2, num2, "")
                return end, f"{self.signed(self.cardinal(num.integer), sign)} {self.range_word} {second}"
        if nxt == "/" and after.isdigit() and num.fraction is None and not sign:
            m = re.compile(r"[0-9]+").match(text, j + 1)
            if text[m.end():m.end() + 1] in ("/", ".") and text[m.end() + 1:m.end() + 2].isdigit():
                raise Unreadable(f"{self._token(text, start)!r}: not a date synthkit can read in {self.name}")
            return m.end(), self._fraction(num.integer, int(m.group(0)), text[start:m.end()])
        if nxt in ".,:/'’" and after.isdigit():
            raise Unreadable(f"number {self._token(text, start)!r}: not written the way synthkit reads numbers, "
                             f"times or dates in {self.name} (decimal separator {self.decimal_sep!r})")
        if nxt in _UNICODE_FRACTIONS or re.match(r"[ \u00a0][0-9]+/[0-9]+(?![0-9])", text[j:]):
            raise Unreadable(f"mixed number {self._token(text, start, 2)!r}: synthkit does not read mixed numbers; "
                             "write it in words")
        if self._ordinal and num.fraction is None and not sign:
            m = self._ordinal.match(text, j)
            if m:
                return m.end(), self.read_ordinal(num.integer, m.group("suffix"), Where(text, start, m.end()))
        hit = self.number_suffix(text, start, j, num, sign)
        if hit:
            return hit
        m = re.compile(r"[ \u00a0\u202f]?(%|‰)").match(text, j)
        if m:
            tpl = self.percent if m.group(1) == "%" else self.permille
            if tpl is None:
                what = "percentages" if m.group(1) == "%" else "per mille"
                raise Unreadable(f"{text[start:m.end()]!r}: synthkit has no reading of {what} in {self.name}")
            words = self.signed(self.number_words(num, self.percent_gender), sign)
            return m.end(), tpl.format(words)
        m = self._scale.match(text, j)
        if m:
            cur = self._money_after.match(text, m.end())
            if cur:
                return cur.end(), self._money(num, cur.group("cur"), m.group("scale"), sign, text, start, cur.end())
        m = self._money_after.match(text, j)
        if m:
            return m.end(), self._money(num, m.group("cur"), None, sign, text, start, m.end())
        m = self._unit.match(text, j)
        if m:
            return m.end(), self.count(num, self._units[m.group("unit")], sign)
        m = re.compile(rf"{_LETTERS}+").match(text, j)
        if m:
            letters = m.group(0)
            if letters.isupper() and num.fraction is None:  # "4G", "3D"
                return j, self.signed(self.cardinal(num.integer), sign)
            raise Unreadable(f"{text[start:m.end()]!r}: synthkit cannot read a number with {letters!r} "
                             f"attached in {self.name}")
        if num.fraction is not None:
            return j, self.signed(self.number_words(num), sign)
        words = self.signed(self.integer_words(num, where, sign), sign)
        if words.endswith("'"):  # elided before the noun (Italian "un'ora"): the space goes too
            j = len(text) - len(text[j:].lstrip(_SPACES))
        return j, words

    def number_suffix(self, text: str, start: int, j: int, num: Number, sign: str) -> tuple[int, str] | None:
        """A language's own readings of what follows a number (English "1980s", "3 pm")."""
        return None

    def integer_words(self, num: Number, where: Where, sign: str = "") -> str:
        """A plain integer: a day next to a month name, a year, or a cardinal agreeing with its noun."""
        n = num.integer
        grouped = not num.written.isdigit()
        nxt = where.next_word()
        if not sign and not grouped and 1 <= n <= 31 and nxt:
            month_end = self._month_after(where)
            if month_end:
                return self.day_before_month(n, where)
        prev = where.prev_word()
        if not sign and not grouped and prev and self.is_month(prev):
            if 1 <= n <= 31 and len(num.written) <= 2:
                day = self.day_after_month(n, where)
                if day is not None:
                    return day
            if len(num.written) == 4 and self._years:
                return self.year(n) or self.cardinal(n)
        if not sign and not grouped and len(num.written) == 4 and self._is_year(where):
            return (self.year(n) if self._years else None) or self.cardinal(n)
        words = self.cardinal(n)
        if self.gendered(n) and not sign:
            words = self.cardinal_before(n, self.agreement(n, where), nxt or "")
        conn = self.scale_connector(words, nxt) if nxt and nxt.casefold() not in self.function_words else ""
        return f"{words} {conn}" if conn else words

    def is_month(self, word: str) -> bool:
        return (word if self.months_capitalized else word.casefold()) in self._months

    def _month_after(self, where: Where) -> bool:
        word = where.next_word()
        if not word:
            return False
        if self.is_month(word):
            return True
        if word.casefold() in ("de", "of"):
            return self.is_month(where.next_word(where.next_word_end()) or "")
        return False

    def _is_year(self, where: Where) -> bool:
        """A four-digit number after a year word or a month (and day), or with no word after it."""
        before = where.text[:where.start]
        prev = where.prev_word()
        if prev and (prev.casefold() in self.year_words or self.is_month(prev)):
            return True
        m = re.search(rf"({_LETTERS}+)\.?[{_SPACES}]+[0-9]{{1,2}}\.?(?:{_LETTERS}{{2}})?,?[{_SPACES}]+$", before)
        if m and self.is_month(m.group(1)):
            return True
        return self.year(int(where.written())) is not None and where.next_word() is None

    def agreement(self, n: int, where: Where) -> str | None:
        """The gender ``n`` takes from the noun after it; None: the standalone form. Raises when the
        noun is unknown and the forms differ. Words in :attr:`transparent_words` ("mil") are looked
        through: the number agrees with the noun after them."""
        word, end = where.next_word(), where.next_word_end()
        while word is not None and word.casefold() in self.transparent_words:
            word, end = where.next_word(end), where.next_word_end(end)
        if word is None:
            return None
        key = word.casefold().replace("’", "'")
        if key in self.nouns:
            return self.nouns[key]
        if key in self.function_words or key.split("'")[0] in self.function_words:
            return None
        raise Unreadable(f"{where.written()} {word!r}: the form of {self.cardinal(n)!r} depends on the gender of "
                         f"{word!r}, which synthkit's {self.name} table does not know; write the number in words")

    def _fraction(self, a: int, b: int, written: str) -> str:
        words = self.fractions.get((a, b))
        if words is None:
            raise Unreadable(f"{written!r}: neither a date nor a fraction synthkit reads in {self.name}")
        return words

    def _money_prefix(self, text: str, i: int, m: re.Match[str]) -> tuple[int, str]:
        end, num = self._parse(text, m.end())
        scale = None
        s = self._scale.match(text, end)
        if s:
            scale, end = s.group("scale"), s.end()
        if text[end:end + 1] in (",", ".") and text[end + 1:end + 2].isdigit():
            raise Unreadable(f"amount {self._token(text, i)!r}: not written the way synthkit reads amounts in "
                             f"{self.name} (decimal separator {self.decimal_sep!r})")
        if re.match(rf"{_LETTERS}|[0-9]", text[end:end + 1]):
            raise Unreadable(f"amount {self._token(text, i)!r}: synthkit cannot read what is attached to it")
        if not scale and text[end:end + 1] in ("-", "–") and text[end + 1:end + 2].isdigit() and self.range_word:
            # "$10-20": ten to twenty dollars
            end2, num2 = self._parse(text, end + 1)
            if not re.match(rf"{_LETTERS}|[0-9]|[.,][0-9]", text[end2:end2 + 2]):
                money = self._money(num2, m.group("cur"), None, "", text, i, end2)
                return end2, f"{self.number_words(num)} {self.range_word} {money}"
        return end, self._money(num, m.group("cur"), scale, "", text, i, end)

    def _money(self, num: Number, cur: str, scale: str | None, sign: str, text: str, start: int, end: int) -> str:
        money = self.currencies.get(cur) or self.currencies.get(self._signs.get(cur, cur))
        if money is None:
            raise Unreadable(f"amount {text[start:end]!r}: synthkit has no reading of {cur!r} in {self.name}")
        if scale:
            sg, pl, gender = self.scales[scale]
            many = self.plural(num.value)
            amount = self.number_words(num, gender) if num.fraction else self.cardinal(num.integer, gender)
            return self.signed(self.scale_amount(amount, pl if many else sg, money, many), sign)
        frac = num.fraction
        if frac is not None and (money.minor is None or len(frac) > 2):
            return self.count(num, money.major, sign)
        major = num.integer
        minor = int(frac.ljust(2, "0")) if frac else 0
        parts = []
        if major or not minor:
            parts.append(self.count(Number(str(major), major), money.major, sign))
        if minor:
            parts.append(self.count(Number(str(minor), minor), money.minor, "" if parts else sign))
        return f" {self.money_and} ".join(parts)

    @staticmethod
    def _token(text: str, i: int, words: int = 1) -> str:
        parts = text[i:].split()
        return " ".join(parts[:words]).rstrip(".,;:!?)")
