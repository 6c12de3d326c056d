"""Spanish (spa): cardinals from ``num2words`` (*veintiuno mil* mended to *veintiún mil*), ordinals and
the grammar here.

Numbers: ``1.000`` or ``1 000`` thousands, ``3,14`` → tres coma catorce (up to three decimals read as
a number, leading zeros as *cero*). Agreement: *uno* alone, *un* before a masculine and *una* before a
feminine noun the table knows, also in compounds and hundreds (``21 años`` → veintiún años,
``200 horas`` → doscientas horas, ``21 mil personas`` → veintiuna mil personas); an unknown noun after a
number whose forms differ is rejected. Ordinals ``1º``/``1.º``/``1ª`` → primero/primera (*primer*,
*tercer* before a noun), ``1er``/``3er`` → primer/tercer, ``2do``/``3ra`` and the like; 1-999.
Times ``10:30`` → diez y media, ``1:15`` → una y cuarto, ``13:05`` → trece y cinco, ``10:00`` → diez.
Dates ``3/5/2024`` → tres de mayo de dos mil veinticuatro. Years are cardinals. Amounts ``45,99 €`` →
cuarenta y cinco euros con noventa y nueve céntimos, ``USD 10`` → diez dólares; a bare ``$`` is a peso in
much of Latin America and a dollar elsewhere, so it is rejected (write ``USD``, ``MXN`` or the word).
Round millions take *de*: ``2.000.000 personas`` → dos millones de personas.
"""

from __future__ import annotations

import re

from .base import Counted, Money, Unreadable, Verbalizer, Where

_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre")
_UNITS = ("", "primero", "segundo", "tercero", "cuarto", "quinto", "sexto", "séptimo", "octavo", "noveno")
_TEENS = ("décimo", "undécimo", "duodécimo", "decimotercero", "decimocuarto", "decimoquinto", "decimosexto",
          "decimoséptimo", "decimoctavo", "decimonoveno")
_TENS = ("", "", "vigésimo", "trigésimo", "cuadragésimo", "quincuagésimo", "sexagésimo", "septuagésimo",
         "octogésimo", "nonagésimo")
_HUNDREDS = ("", "centésimo", "ducentésimo", "tricentésimo", "cuadringentésimo", "quingentésimo", "sexcentésimo",
             "septingentésimo", "octingentésimo", "noningentésimo")
_SCALE_WORDS = ("millón", "millones", "billón", "billones", "mil")


def _n2w(n: int) -> str:
    from num2words import num2words

    words = num2words(n, lang="es")
    # "veintiuno mil" -> "veintiún mil", "treinta y uno millones" -> "treinta y un millones"
    return re.sub(r"\b(veinti)?uno (?=mil|millón|millones|billón|billones)", lambda m: "veintiún " if m.group(1)
                  else "un ", words)


def _c(sg: str, pl: str | None = None, gender: str = "m") -> Counted:
    return Counted(sg, pl or sg + "s", gender)


_EURO = Money(_c("euro"), _c("céntimo"))
_DOLAR = Money(_c("dólar", "dólares"), _c("centavo"))
_LIBRA = Money(_c("libra", gender="f"), _c("penique"))
_PESO_MX = Money(Counted("peso mexicano", "pesos mexicanos", "m"), _c("centavo"))


class Spanish(Verbalizer):
    code, name = "spa", "Spanish"
    decimal_sep, group_seps = ",", (".", " ")
    decimal_word, fraction_as_number = "coma", True
    minus_word, plus_word, range_word = "menos", "más", "a"
    percent, permille = "{} por ciento", "{} por mil"
    email_at, email_dot, email_dash = "arroba", "punto", "guion"
    months = _MONTHS
    number_word, number_abbreviations = "número", ("n.º", "N.º", "nº", "Nº", "núm.")
    currencies = {"€": _EURO, "EUR": _EURO, "US$": _DOLAR, "USD": _DOLAR, "£": _LIBRA, "GBP": _LIBRA,
                  "MXN": _PESO_MX}
    sign_exclusions = frozenset({"$"})
    sign_reasons = {"$": "a peso or a dollar, depending on the country; write USD, MXN or the currency's name"}
    money_and = "con"
    scales = {w: ("millón", "millones", "m") for w in ("millón", "millones")}
    units = {
        "km": _c("kilómetro"), "m": _c("metro"), "cm": _c("centímetro"), "mm": _c("milímetro"),
        "kg": _c("kilogramo"), "g": _c("gramo"), "mg": _c("miligramo"), "l": _c("litro"), "L": _c("litro"),
        "ml": _c("mililitro"), "km/h": Counted("kilómetro por hora", "kilómetros por hora", "m"),
        "m/s": Counted("metro por segundo", "metros por segundo", "m"),
        "°C": Counted("grado Celsius", "grados Celsius", "m"), "°": _c("grado"), "h": _c("hora", gender="f"),
        "min": _c("minuto"), "s": _c("segundo"), "kW": _c("kilovatio"), "W": _c("vatio"),
        "GB": _c("gigabyte"), "MB": _c("megabyte"), "Hz": _c("hercio"),
        "km²": Counted("kilómetro cuadrado", "kilómetros cuadrados", "m"),
        "m²": Counted("metro cuadrado", "metros cuadrados", "m"),
    }
    symbols = {"&": "y", "+": "más", "=": "igual a", "×": "por", "~": "aproximadamente", "≈": "aproximadamente",
               "±": "más o menos", "§": "párrafo"}
    fractions = {(1, 2): "un medio", (1, 3): "un tercio", (2, 3): "dos tercios", (1, 4): "un cuarto",
                 (3, 4): "tres cuartos"}
    nouns = {w: g for g, words in {
        "m": "año años día días mes meses minuto minutos segundo segundos euro euros céntimo céntimos dólar dólares "
             "peso pesos hombre hombres niño niños kilómetro kilómetros metro metros kilo kilos litro litros punto "
             "puntos gol goles siglo siglos grado grados país países habitante habitantes libro libros coche coches "
             "partido partidos jugador jugadores voto votos kilogramo kilogramos millón millones",
        "f": "hora horas semana semanas vez veces persona personas libra libras mujer mujeres niña niñas página "
             "páginas casa casas ciudad ciudades empresa empresas familia familias cosa cosas noche noches tonelada "
             "toneladas milla millas victoria victorias",
    }.items() for w in words.split()}
    function_words = frozenset("""de del y e o u a al en con por para sin sobre entre el la los las un una que es
    son fue era se no más menos pero como hasta desde según tras ni ya lo le les su sus""".split())
    transparent_words = frozenset({"mil"})
    year_words = frozenset("en desde hasta año antes después hacia".split())
    ordinal_suffix = r"(?P<suffix>\.?º|\.?ª|er|ro|do|to|vo|mo|no|ra|da|ta|va|ma|na)(?![^\W\d_])"
    date_patterns = (r"(?P<d>[0-9]{1,2})/(?P<mo>[0-9]{1,2})/(?P<y>[0-9]{4})(?![0-9])",)

    def cardinal(self, n: int, form: str | None = None) -> str:
        words = _n2w(n).split()
        if form is None:
            return " ".join(words)
        # the words after the last million-scale word agree; those before it count the scale (masculine)
        last = max((k for k, w in enumerate(words) if w in ("millón", "millones", "billón", "billones")),
                   default=-1)
        for k in range(last + 1, len(words)):
            w = words[k]
            if form == "f":
                w = {"uno": "una", "un": "una", "veintiuno": "veintiuna", "veintiún": "veintiuna"}.get(w, w)
                w = re.sub(r"ientos$", "ientas", w)
            elif k == len(words) - 1:
                w = {"uno": "un", "veintiuno": "veintiún"}.get(w, w)
            words[k] = w
        return " ".join(words)

    def ordinal(self, n: int, form: str | None = None) -> str:
        if not 1 <= n <= 999:
            raise Unreadable(f"ordinal {n}: synthkit reads Spanish ordinals from 1 to 999")
        h, r = divmod(n, 100)
        t, u = divmod(r, 10)
        parts = [_HUNDREDS[h]] + ([_TEENS[u]] if t == 1 else [_TENS[t], _UNITS[u]])
        words = [p for p in parts if p]
        if form == "f":
            words = [w[:-1] + "a" for w in words]
        elif form == "ap" and words[-1] in ("primero", "tercero"):
            words[-1] = words[-1][:-1]
        return " ".join(words)

    def read_ordinal(self, n: int, suffix: str, where: Where) -> str:
        if suffix == "er":
            if n % 10 not in (1, 3) or n % 100 in (11, 13):
                raise Unreadable(f"{where.written()!r} is not a Spanish ordinal")
            return self.ordinal(n, "ap")
        if suffix.endswith("ª") or suffix.endswith("a"):
            return self.ordinal(n, "f")
        nxt = where.next_word()
        noun_follows = nxt is not None and nxt.casefold() not in self.function_words
        return self.ordinal(n, "ap" if noun_follows else None)

    def time(self, h: int, m: int | None, suffix: str | None, where: Where) -> str:
        words = self.cardinal(h, "f")
        if not m:
            return words
        return f"{words} y " + {15: "cuarto", 30: "media"}.get(m, self.cardinal(m))

    def date(self, d: int, mo: int, y: int | None, where: Where) -> str:
        words = f"{self.cardinal(d)} de {_MONTHS[mo - 1]}"
        return f"{words} de {self.cardinal(y)}" if y else words

    def scale_amount(self, amount: str, scale: str, money: Money, plural: bool) -> str:
        return f"{amount} {scale} de {money.major.plural}"

    def scale_connector(self, number: str, noun: str) -> str:
        if number.split()[-1] not in ("millón", "millones"):
            return ""
        return "de"


LANGUAGE = Spanish
