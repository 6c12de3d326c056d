"""Swahili (swa, swh): synthkit's own rules (``num2words`` has no Swahili).

Cardinals: :func:`synthkit.text.numbers.swahili_cardinal` in the counting form (``mbili``; the noun-class
agreement of spoken Swahili, *watoto wawili*, is not made). Thousands ``1,000``, decimals ``3.5`` →
tatu nukta tano (digits one by one). Words come before the number as Swahili says them: ``45%`` →
asilimia arobaini na tano, ``KSh 1,500`` / ``1,500/=`` → shilingi elfu moja mia tano, ``$5`` → dola
tano, ``5 km`` → kilomita tano. Times ``3:30`` → saa tatu na nusu (``:15`` na robo, ``:45`` the next
hour and kasorobo, other minutes na dakika ...; ``saa`` is added when the text does not have it; the
hour is read as written, no conversion between Swahili and 24-hour time). Dates ``3/5/2024`` and
``2024-05-03`` → tarehe tatu Mei elfu mbili ishirini na nne; years are cardinals. Phone numbers digit
by digit (``0712 345 678`` → sifuri saba moja mbili ...); a ``+`` before one is rejected (synthkit has
no established word for it). No ordinals (Swahili writes them as words: *wa tatu*), no e-mail addresses.
"""

from __future__ import annotations

from ..numbers import swahili_cardinal
from .base import Counted, Money, Verbalizer, Where

_MONTHS = ("Januari", "Februari", "Machi", "Aprili", "Mei", "Juni", "Julai", "Agosti", "Septemba", "Oktoba",
           "Novemba", "Desemba")


def _w(word: str) -> Counted:
    return Counted(word, word)


_SHILINGI = Money(_w("shilingi"), _w("senti"))
_MONEY = {
    "KES": _SHILINGI, "TZS": _SHILINGI, "UGX": _SHILINGI, "Sh": _SHILINGI, "Sh.": _SHILINGI, "Shs": _SHILINGI,
    "Shs.": _SHILINGI, "/=": _SHILINGI, "KSh": _SHILINGI, "TSh": _SHILINGI, "USh": _SHILINGI,
    "USD": Money(_w("dola"), _w("senti")), "$": Money(_w("dola"), _w("senti")),
    "EUR": Money(_w("yuro"), _w("senti")), "€": Money(_w("yuro"), _w("senti")),
    "GBP": Money(_w("pauni")), "£": Money(_w("pauni")),
}


class Swahili(Verbalizer):
    code, name = "swa", "Swahili"
    decimal_sep, group_seps = ".", (",",)
    decimal_word, minus_word, plus_word, range_word = "nukta", "hasi", None, "hadi"
    percent = "asilimia {}"
    months = _MONTHS
    number_word = "namba"
    currencies = _MONEY
    money_and = "na"
    count_template = "{noun} {n}"
    scales = {"milioni": ("milioni", "milioni", None), "bilioni": ("bilioni", "bilioni", None)}
    units = {
        "km": _w("kilomita"), "m": _w("mita"), "cm": _w("sentimita"), "mm": _w("milimita"), "kg": _w("kilo"),
        "g": _w("gramu"), "l": _w("lita"), "L": _w("lita"), "ml": _w("mililita"), "km/h": _w("kilomita kwa saa"),
        "°C": Counted("", "", template="nyuzi {} za Selsiasi"), "°": _w("nyuzi"), "h": _w("saa"),
        "min": _w("dakika"), "s": _w("sekunde"),
    }
    symbols = {"&": "na", "+": "jumlisha", "=": "ni sawa na", "×": "mara", "~": "takriban", "≈": "takriban"}
    fractions = {(1, 2): "nusu", (1, 4): "robo", (3, 4): "robo tatu", (1, 3): "theluthi moja",
                 (2, 3): "theluthi mbili"}
    date_patterns = (r"(?P<d>[0-9]{1,2})/(?P<mo>[0-9]{1,2})/(?P<y>[0-9]{4})(?![0-9])",)

    def cardinal(self, n: int, form: str | None = None) -> str:
        return swahili_cardinal(n)

    def scale_amount(self, amount: str, scale: str, money: Money, plural: bool) -> str:
        return f"{money.major.plural} {scale} {amount}"  # dola milioni mbili

    def time(self, h: int, m: int | None, suffix: str | None, where: Where) -> str:
        if m == 45:
            nxt = h % 12 + 1 if h <= 12 else h + 1
            words = f"{self.cardinal(nxt)} kasorobo"
        else:
            words = self.cardinal(h) + {None: "", 0: "", 15: " na robo", 30: " na nusu"}.get(
                m, f" na dakika {self.cardinal(m or 0)}")
        return words if (where.prev_word() or "").casefold() == "saa" else f"saa {words}"

    def date(self, d: int, mo: int, y: int | None, where: Where) -> str:
        words = f"{self.cardinal(d)} {_MONTHS[mo - 1]}" + (f" {self.cardinal(y)}" if y else "")
        return words if (where.prev_word() or "").casefold() == "tarehe" else f"tarehe {words}"


LANGUAGE = Swahili
