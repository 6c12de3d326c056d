"""Italian (ita): cardinals and ordinals from ``num2words``, the grammar here.

Numbers: ``1.000`` or ``1 000`` thousands, ``3,14`` → tre virgola quattordici (up to three decimals
read as a number, leading zeros as *zero*). ``1`` is *uno* alone, *un*/*uno* before a masculine noun
(*uno* before s + consonant, z, gn, ps, x, y) and *una*/*un'* before a feminine one the table knows
(``1 ora`` → un'ora); an unknown noun after ``1`` is rejected. Ordinals ``1º``/``1ª`` → primo/prima.
Times ``10:30`` → dieci e trenta, ``all'1:15`` → all'una e quindici, ``10:00`` → dieci. Dates
``3/5/2024`` → tre maggio duemilaventiquattro, ``1 maggio`` → primo maggio. Years are cardinals.
Amounts ``45,99 €`` → quarantacinque euro e novantanove centesimi (*euro* does not change),
``2 milioni di €`` / ``€ 2 milioni`` → due milioni di euro.
Round millions take *di*: ``1.000.000 €`` → un milione di euro.
"""

from __future__ import annotations

import re

from .base import Counted, Money, Verbalizer, Where

_MONTHS = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
           "ottobre", "novembre", "dicembre")


def _n2w(n: int, to: str = "cardinal") -> str:
    from num2words import num2words

    return num2words(n, lang="it", to=to)


def _c(sg: str, pl: str, gender: str = "m") -> Counted:
    return Counted(sg, pl, gender)


_EURO = Money(_c("euro", "euro"), _c("centesimo", "centesimi"))
_DOLLARO = Money(_c("dollaro", "dollari"), _c("centesimo", "centesimi"))
_STERLINA = Money(_c("sterlina", "sterline", "f"), _c("penny", "pence"))
_FRANCO = Money(_c("franco", "franchi"), _c("centesimo", "centesimi"))


class Italian(Verbalizer):
    code, name = "ita", "Italian"
    decimal_sep, group_seps = ",", (".", " ")
    decimal_word, fraction_as_number = "virgola", True
    minus_word, plus_word, range_word = "meno", "più", None
    percent, permille = "{} per cento", "{} per mille"
    email_at, email_dot, email_dash = "chiocciola", "punto", "trattino"
    months = _MONTHS
    number_word, number_abbreviations = "numero", ("n.", "N.", "nº", "n°")
    currencies = {"€": _EURO, "EUR": _EURO, "$": _DOLLARO, "USD": _DOLLARO, "£": _STERLINA, "GBP": _STERLINA,
                  "CHF": _FRANCO}
    money_and = "e"
    scales = {w: ("milione", "milioni", "m") for w in ("milione", "milioni")}
    scales.update({w: ("miliardo", "miliardi", "m") for w in ("miliardo", "miliardi")})
    units = {
        "km": _c("chilometro", "chilometri"), "m": _c("metro", "metri"), "cm": _c("centimetro", "centimetri"),
        "mm": _c("millimetro", "millimetri"), "kg": _c("chilogrammo", "chilogrammi"), "g": _c("grammo", "grammi"),
        "l": _c("litro", "litri"), "L": _c("litro", "litri"), "ml": _c("millilitro", "millilitri"),
        "km/h": _c("chilometro orario", "chilometri orari"), "m/s": _c("metro al secondo", "metri al secondo"),
        "°C": _c("grado Celsius", "gradi Celsius"), "°": _c("grado", "gradi"), "h": _c("ora", "ore", "f"),
        "min": _c("minuto", "minuti"), "s": _c("secondo", "secondi"), "kWh": _c("chilowattora", "chilowattora"),
        "kW": _c("chilowatt", "chilowatt"), "W": _c("watt", "watt"), "GB": _c("gigabyte", "gigabyte"),
        "m²": _c("metro quadrato", "metri quadrati"), "km²": _c("chilometro quadrato", "chilometri quadrati"),
    }
    symbols = {"&": "e", "+": "più", "=": "uguale a", "×": "per", "~": "circa", "≈": "circa",
               "±": "più o meno", "§": "paragrafo"}
    fractions = {(1, 2): "un mezzo", (1, 3): "un terzo", (2, 3): "due terzi", (1, 4): "un quarto",
                 (3, 4): "tre quarti"}
    nouns = {w: g for g, words in {
        "m": "anno giorno mese minuto secondo euro centesimo dollaro uomo bambino ragazzo chilometro metro chilo "
             "litro punto gol secolo grado paese libro milione studente zio gatto cane voto",
        "f": "ora settimana volta persona sterlina donna bambina ragazza pagina casa città famiglia cosa notte "
             "tonnellata vittoria squadra amica idea",
    }.items() for w in words.split()}
    function_words = frozenset("""di del della dei delle degli e ed o a al alla ai alle in nel nella con per su sul
    da dal dalla tra fra il lo la i gli le un una che è sono era non più meno ma come se""".split())
    year_words = frozenset("nel dal al fino anno prima dopo".split())
    ordinal_suffix = r"(?P<suffix>º|ª)(?![^\W\d_])"
    date_patterns = (r"(?P<d>[0-9]{1,2})/(?P<mo>[0-9]{1,2})/(?P<y>[0-9]{4})(?![0-9])",)

    def cardinal(self, n: int, form: str | None = None) -> str:
        if n == 1 and form:
            return "una" if form == "f" else "un"
        return _n2w(n)

    def cardinal_before(self, n: int, form: str | None, word: str) -> str:
        if n != 1 or not form:
            return self.cardinal(n, form)
        w = word.casefold()
        if form == "f":
            return "un'" if w[:1] in "aeiouàèéìòù" else "una"
        return "uno" if re.match(r"s[^aeiouàèéìòù]|z|gn|ps|pn|x|y", w) else "un"

    def ordinal(self, n: int, form: str | None = None) -> str:
        words = _n2w(n, "ordinal")
        return words[:-1] + "a" if form == "f" else words

    def read_ordinal(self, n: int, suffix: str, where: Where) -> str:
        return self.ordinal(n, "f" if suffix == "ª" else None)

    def time(self, h: int, m: int | None, suffix: str | None, where: Where) -> str:
        hour = self.cardinal(h, "f")
        return f"{hour} e {self.cardinal(m)}" if m else hour

    def date(self, d: int, mo: int, y: int | None, where: Where) -> str:
        words = f"{self.day_before_month(d, where)} {_MONTHS[mo - 1]}"
        return f"{words} {self.cardinal(y)}" if y else words

    def day_before_month(self, n: int, where: Where) -> str:
        return "primo" if n == 1 else self.cardinal(n)

    def scale_amount(self, amount: str, scale: str, money: Money, plural: bool) -> str:
        return f"{amount} {scale} di {money.major.plural}"

    def scale_connector(self, number: str, noun: str) -> str:
        if number.split()[-1] not in ("milione", "milioni", "miliardo", "miliardi"):
            return ""
        return "di"


LANGUAGE = Italian
