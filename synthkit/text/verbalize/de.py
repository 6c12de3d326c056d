"""German (deu): cardinals, ordinal stems and years from ``num2words``, the grammar here.

Numbers: ``1.000`` or ``1 000`` thousands, ``3,5`` → drei Komma fünf (a decimal point, ``3.5``, is
rejected); ``1`` is *eins* alone, *ein*/*eine* before a noun the table knows (``1 Euro`` → ein Euro,
``1 Stunde`` → eine Stunde; other nouns: rejected). Ordinals ``3.`` before a month or a capitalized
noun take the ending the word before asks for: ``am 3. Mai`` → am dritten Mai, ``der 3. Platz`` → der
dritte Platz, ``in der 3. Klasse`` → in der dritten Klasse, ``3. Mai`` alone → dritter Mai; without an
article the noun's gender decides (unknown: rejected). A dot before a lower-case word or a function word
is a full stop. Times ``10:30``, ``10.30 Uhr``, ``um 10:30 Uhr`` → zehn Uhr dreißig, ``1 Uhr`` → ein
Uhr. Dates ``3.5.2024`` / ``2024-05-03`` → (am) dritten Mai zweitausendvierundzwanzig. Years
1100-1999 as *neunzehnhundertvierundachtzig*. Amounts ``45,99 €`` → fünfundvierzig Euro und
neunundneunzig Cent, ``2 Mio. €`` → zwei Millionen Euro. ``45 %`` → fünfundvierzig Prozent.
"""

from __future__ import annotations

from .base import Counted, Money, Unreadable, Verbalizer, Where

_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember")

#: words after which an ordinal ends in -en (dative/genitive, accusative masculine)
_EN = frozenset("""am im vom zum zur beim dem den des einem einen eines einer diesem diesen dieses jedem jeden
meinem meinen meines meiner seinem seinen seines seiner ihrem ihren ihres ihrer unserem unseren unseres unserer
""".split())
_DEFINITE = frozenset({"der", "die", "das"})
#: mixed declension: the ending follows the noun's gender
_INDEFINITE = frozenset({"ein", "kein", "mein", "dein", "sein", "ihr", "unser", "euer"})
_PREPOSITIONS = frozenset("""in an auf mit von zu bei nach aus seit vor hinter über unter neben zwischen
gegenüber während wegen trotz statt ab bis für durch gegen ohne um""".split())


def _n2w(n: int, to: str = "cardinal") -> str:
    from num2words import num2words

    return num2words(n, lang="de", to=to)


def _m(sg: str, pl: str | None = None, gender: str = "m") -> Counted:
    return Counted(sg, pl or sg, gender)


_EURO = Money(_m("Euro"), _m("Cent"))
_DOLLAR = Money(_m("Dollar"), _m("Cent"))
_PFUND = Money(_m("Pfund", gender="n"), _m("Penny", "Pence"))
_FRANKEN = Money(_m("Franken"), _m("Rappen"))


class German(Verbalizer):
    code, name = "deu", "German"
    decimal_sep, group_seps = ",", (".", " ")
    decimal_word, minus_word, plus_word, range_word = "Komma", "minus", "plus", "bis"
    percent, percent_gender, permille = "{} Prozent", "n", "{} Promille"
    email_at, email_dot, email_dash = "at", "Punkt", "Bindestrich"
    months, months_capitalized = _MONTHS, True
    number_word, number_abbreviations = "Nummer", ("Nr.",)
    currencies = {"€": _EURO, "EUR": _EURO, "$": _DOLLAR, "USD": _DOLLAR, "£": _PFUND, "GBP": _PFUND,
                  "CHF": _FRANKEN, "Fr.": _FRANKEN, "¥": Money(_m("Yen")), "JPY": Money(_m("Yen"))}
    money_and = "und"
    scales = {"Mio.": ("Million", "Millionen", "f"), "Million": ("Million", "Millionen", "f"),
              "Millionen": ("Million", "Millionen", "f"), "Mrd.": ("Milliarde", "Milliarden", "f"),
              "Milliarde": ("Milliarde", "Milliarden", "f"), "Milliarden": ("Milliarde", "Milliarden", "f")}
    units = {
        "km": _m("Kilometer"), "m": _m("Meter"), "cm": _m("Zentimeter"), "mm": _m("Millimeter"),
        "kg": _m("Kilogramm", gender="n"), "g": _m("Gramm", gender="n"), "mg": _m("Milligramm", gender="n"),
        "l": _m("Liter"), "L": _m("Liter"), "ml": _m("Milliliter"), "km/h": _m("Kilometer pro Stunde"),
        "m/s": _m("Meter pro Sekunde"), "°C": _m("Grad Celsius"), "°F": _m("Grad Fahrenheit"), "°": _m("Grad"),
        "h": _m("Stunde", "Stunden", "f"), "min": _m("Minute", "Minuten", "f"), "s": _m("Sekunde", "Sekunden", "f"),
        "kWh": _m("Kilowattstunde", "Kilowattstunden", "f"), "kW": _m("Kilowatt", gender="n"),
        "W": _m("Watt", gender="n"), "MB": _m("Megabyte", gender="n"), "GB": _m("Gigabyte", gender="n"),
        "Hz": _m("Hertz", gender="n"), "km²": _m("Quadratkilometer"), "m²": _m("Quadratmeter"),
    }
    symbols = {"&": "und", "+": "plus", "=": "gleich", "×": "mal", "~": "etwa", "≈": "etwa", "±": "plus minus",
               "§": "Paragraf"}
    fractions = {(1, 2): "ein halb", (1, 3): "ein Drittel", (2, 3): "zwei Drittel", (1, 4): "ein Viertel",
                 (3, 4): "drei Viertel"}
    nouns = {w.casefold(): g for g, words in {
        "m": "Euro Cent Dollar Franken Rappen Yen Kilometer Meter Zentimeter Millimeter Liter Grad Tag Monat Mann "
             "Mensch Punkt Platz Stock Versuch Preis Teil Satz Absatz Artikel Band Schritt Sieg Januar Februar März "
             "April Mai Juni Juli August September Oktober November Dezember Uhr",
        "f": "Stunde Minute Sekunde Woche Frau Person Seite Klasse Stadt Million Milliarde Tonne Auflage Etage Reihe "
             "Runde Katze",
        "n": "Jahr Kind Mal Pfund Prozent Kilo Kilogramm Gramm Stück Buch Haus Land Spiel Tor Kapitel Jahrhundert "
             "Mädchen Auto",
    }.items() for w in words.split()}
    function_words = frozenset("""und oder aber von bis mit in im am um auf zu zum zur für ist sind war waren hat
    haben wird werden der die das den dem des ein eine es er sie wir ich du ihr nicht auch noch nur so als wie da
    dann mal pro je bei nach vor seit ab an aus durch gegen ohne über unter zwischen gibt kam kamen""".split())
    year_words = frozenset("""jahr jahre jahres jahren im seit bis von ab um vor nach anno sommer winter frühjahr
    herbst frühling in""".split())
    time_patterns = (r"(?P<h>[0-9]{1,2})\.(?P<m>[0-9]{2})(?=[ \u00a0]+Uhr(?![^\W\d_]))",)
    time_suffix = r"[ \u00a0]+(Uhr)(?![^\W\d_])"
    date_patterns = (r"(?P<d>[0-9]{1,2})\.(?P<mo>[0-9]{1,2})\.(?:(?P<y>[0-9]{4})(?![0-9]))?",)

    def cardinal(self, n: int, form: str | None = None) -> str:
        words = _n2w(n)
        if form and words.endswith("eins"):
            words = words[:-1] + ("e" if form == "f" else "")
        return words

    def ordinal(self, n: int, form: str | None = None) -> str:
        stem = _n2w(n, "ordinal")[:-1]  # dritte -> dritt
        return stem + (form if form is not None else "e")

    def year(self, n: int) -> str | None:
        return _n2w(n, "year") if 1100 <= n <= 1999 else None

    def _ending(self, where: Where, noun: str | None) -> str:
        """-e / -en / -er / -es for an ordinal at ``where`` before ``noun``."""
        prev = (where.prev_word() or "").casefold()
        before = where.words_before(2)[0] if prev and len(where.words_before(2)) == 2 else None
        if prev in _EN:
            return "en"
        if prev in _DEFINITE:
            return "en" if prev == "der" and (before or "").casefold() in _PREPOSITIONS else "e"
        gender = self.nouns.get((noun or "").casefold())
        if gender is None:
            what = f"before {noun!r}" if noun else "without a noun"
            raise Unreadable(f"German ordinal {where.written()!r} {what}: its ending depends on the noun's gender, "
                             "which synthkit's German table does not know; write it in words")
        if prev in _PREPOSITIONS:
            raise Unreadable(f"German ordinal {where.written()!r} after {prev!r} without an article: write it in words")
        return {"m": "er", "n": "es", "f": "e"}[gender]

    def number_suffix(self, text, start, j, num, sign):
        if num.fraction is not None or sign or text[j:j + 1] != ".":
            return None
        where = Where(text, start, j + 1)
        noun = where.next_word()
        if not noun:
            return None  # a full stop
        if noun[0].islower() and not self.is_month(noun):  # a sentence does not go on in lower case
            raise Unreadable(f"German ordinal {where.written()!r} before {noun!r}: its ending depends on the noun; "
                             "write it in words")
        if noun.casefold() in self.function_words and noun.casefold() not in self.nouns:
            return None  # "... 3. Dann" : a full stop
        return j + 1, self.ordinal(num.integer, self._ending(where, noun))

    def time(self, h: int, m: int | None, suffix: str | None, where: Where) -> str:
        words = f"{self.cardinal(h, 'm')} Uhr"
        return f"{words} {self.cardinal(m)}" if m else words

    def date(self, d: int, mo: int, y: int | None, where: Where) -> str:
        words = f"{self.ordinal(d, self._ending(where, _MONTHS[mo - 1]))} {_MONTHS[mo - 1]}"
        return f"{words} {self.year(y) or self.cardinal(y)}" if y else words

    def day_before_month(self, n: int, where: Where) -> str:
        return self.ordinal(n, self._ending(where, where.next_word()))

    def scale_amount(self, amount: str, scale: str, money: Money, plural: bool) -> str:
        return f"{amount} {scale} {money.major.plural}"


LANGUAGE = German
