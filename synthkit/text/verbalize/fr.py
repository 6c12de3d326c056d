"""French (fra): cardinals and ordinals from ``num2words`` (traditional spelling: *vingt et un*,
*quatre-vingt-un*), the grammar here.

Numbers: ``1 000`` (space, NBSP, NNBSP) or ``1.000`` thousands, ``3,14`` → trois virgule quatorze
(up to three decimals read as a number, leading zeros as *zéro*; more digit by digit). *un* becomes
*une* before a feminine noun the table knows (``21 heures`` → vingt et une heures; unknown nouns after
a number ending in *un*: rejected). Ordinals ``1er``/``1re``/``1ère`` → premier/première, ``2e``/``2ème``
→ deuxième, ``2nd(e)`` → second(e); ``1e`` is not French and is rejected. Times ``10h30``, ``10 h 30``,
``10:30`` → dix heures trente, ``1h`` → une heure. Dates ``03/05/2024`` → trois mai deux mille
vingt-quatre, ``1 mai`` / ``1er mai`` → premier mai. Years are cardinals. Amounts ``45,99 €`` →
quarante-cinq euros et quatre-vingt-dix-neuf centimes, ``2 millions €`` → deux millions d'euros;
plural from 2 (``1,50 €`` → un euro et cinquante centimes, ``0 €`` → zéro euro).
Round millions take *de*: ``1 000 000 €`` → un million d'euros, ``3 000 000 habitants`` →
trois millions d'habitants.
"""

from __future__ import annotations

import re

from .base import Counted, Money, Unreadable, Verbalizer, Where

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def _n2w(n: int, to: str = "cardinal") -> str:
    from num2words import num2words

    return num2words(n, lang="fr", to=to)


def _c(sg: str, pl: str | None = None, gender: str = "m") -> Counted:
    return Counted(sg, pl or sg + "s", gender)


_EURO = Money(_c("euro"), _c("centime"))
_DOLLAR = Money(_c("dollar"), _c("cent"))
_LIVRE = Money(_c("livre", gender="f"), _c("penny", "pence"))
_FRANC = Money(_c("franc"), _c("centime"))


class French(Verbalizer):
    code, name = "fra", "French"
    decimal_sep, group_seps = ",", (" ", ".")
    decimal_word, fraction_as_number = "virgule", True
    minus_word, plus_word, range_word = "moins", "plus", "à"
    percent, permille = "{} pour cent", "{} pour mille"
    email_at, email_dot, email_dash = "arobase", "point", "tiret"
    months = _MONTHS
    number_word, number_abbreviations = "numéro", ("n°", "N°", "nº", "Nº")
    currencies = {"€": _EURO, "EUR": _EURO, "$": _DOLLAR, "USD": _DOLLAR, "£": _LIVRE, "GBP": _LIVRE,
                  "CHF": _FRANC}
    money_and = "et"
    scales = {w: ("million", "millions", "m") for w in ("million", "millions")}
    scales.update({w: ("milliard", "milliards", "m") for w in ("milliard", "milliards")})
    units = {
        "km": _c("kilomètre"), "m": _c("mètre"), "cm": _c("centimètre"), "mm": _c("millimètre"),
        "kg": _c("kilogramme"), "g": _c("gramme"), "mg": _c("milligramme"), "l": _c("litre"), "L": _c("litre"),
        "ml": _c("millilitre"), "km/h": Counted("kilomètre par heure", "kilomètres par heure", "m"),
        "m/s": Counted("mètre par seconde", "mètres par seconde", "m"),
        "°C": Counted("degré Celsius", "degrés Celsius", "m"), "°": _c("degré"), "h": _c("heure", gender="f"),
        "min": _c("minute", gender="f"), "s": _c("seconde", gender="f"), "kWh": _c("kilowattheure"),
        "kW": _c("kilowatt"), "W": _c("watt"), "Mo": _c("mégaoctet"), "Go": _c("gigaoctet"),
        "Hz": _c("hertz", "hertz"), "km²": Counted("kilomètre carré", "kilomètres carrés", "m"),
        "m²": Counted("mètre carré", "mètres carrés", "m"),
    }
    symbols = {"&": "et", "+": "plus", "=": "égale", "×": "fois", "~": "environ", "≈": "environ",
               "±": "plus ou moins", "§": "paragraphe"}
    fractions = {(1, 2): "un demi", (1, 3): "un tiers", (2, 3): "deux tiers", (1, 4): "un quart",
                 (3, 4): "trois quarts"}
    nouns = {w: g for g, words in {
        "f": "heure heures minute minutes seconde secondes semaine semaines année années fois personne personnes "
             "femme femmes fille filles page pages voiture voitures maison maisons ville villes place places tonne "
             "tonnes journée journées nuit nuits victoire victoires chose choses question questions équipe équipes "
             "livre livres",
        "m": "an ans jour jours mois homme hommes enfant enfants euro euros centime centimes dollar dollars "
             "kilomètre kilomètres mètre mètres kilo kilos litre litres point points siècle siècles pays habitant "
             "habitants étudiant étudiants match matchs but buts million millions milliard milliards degré degrés "
             "élève élèves",
    }.items() for w in words.split()}
    function_words = frozenset("""de d du des et ou à au aux en pour par sur sous avec sans dans le la les l un une
    qui que qu est sont a ont était il elle ils elles on nous vous je j tu ce c ces mais donc car ne n pas plus
    moins y se s sa son ses leur leurs entre contre vers chez après avant depuis jusqu dont où""".split())
    year_words = frozenset("en depuis dès jusqu avant après vers année an".split())
    ordinal_suffix = r"(?P<suffix>ers|er|ères|ère|res|re|èmes|ème|es|e|ᵉʳ|ᵉ|ndes|nde|nds|nd)(?![^\W\d_])"
    time_patterns = (r"(?P<h>[0-9]{1,2})[ \u00a0]?h(?:[ \u00a0]?(?P<m>[0-9]{2}))?(?![^\W\d_]|[0-9])",)
    date_patterns = (r"(?P<d>[0-9]{1,2})/(?P<mo>[0-9]{1,2})/(?P<y>[0-9]{4})(?![0-9])",)

    def cardinal(self, n: int, form: str | None = None) -> str:
        words = _n2w(n)
        if form == "f":
            words = re.sub(r"(^|[ -])un$", r"\1une", words)
        return words

    def ordinal(self, n: int, form: str | None = None) -> str:
        if n == 1:
            return "première" if form == "f" else "premier"
        return _n2w(n, "ordinal")

    def plural(self, value: float) -> bool:
        return abs(value) >= 2

    def read_ordinal(self, n: int, suffix: str, where: Where) -> str:
        plural = "s" if suffix.endswith("s") else ""
        if suffix in ("er", "ers", "ᵉʳ", "re", "res", "ère", "ères"):
            if n != 1:
                raise Unreadable(f"{where.written()!r} is not a French ordinal ({n}e)")
            return self.ordinal(1, "m" if suffix in ("er", "ers", "ᵉʳ") else "f") + plural
        if suffix.startswith("nd"):
            if n != 2:
                raise Unreadable(f"{where.written()!r} is not a French ordinal ({n}e)")
            return "second" + ("e" if suffix.startswith("nde") else "") + plural
        if n == 1:
            raise Unreadable(f"{where.written()!r} is not a French ordinal (1er, 1re)")
        return self.ordinal(n) + plural

    def time(self, h: int, m: int | None, suffix: str | None, where: Where) -> str:
        words = f"{self.cardinal(h, 'f')} {'heure' if h < 2 else 'heures'}"
        return f"{words} {self.cardinal(m, 'f')}" if m else words

    def date(self, d: int, mo: int, y: int | None, where: Where) -> str:
        words = f"{self.ordinal(1) if d == 1 else self.cardinal(d)} {_MONTHS[mo - 1]}"
        return f"{words} {self.cardinal(y)}" if y else words

    def day_before_month(self, n: int, where: Where) -> str:
        return self.ordinal(1) if n == 1 else self.cardinal(n)

    def scale_amount(self, amount: str, scale: str, money: Money, plural: bool) -> str:
        unit = money.major.plural
        of = "d'" if unit[0] in "aeiouéèh" else "de "
        return f"{amount} {scale} {of}{unit}"

    def scale_connector(self, number: str, noun: str) -> str:
        if number.split()[-1] not in ("million", "millions", "milliard", "milliards"):
            return ""
        return "d'" if noun[:1].lower() in "aeiouéèêh" else "de"


LANGUAGE = French
