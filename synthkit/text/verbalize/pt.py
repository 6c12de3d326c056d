"""Portuguese (por): cardinals and ordinals from ``num2words`` (``pt``: European, *dezasseis*; the
``pt-br`` locale: Brazilian, *dezesseis*), the grammar here.

Numbers: ``1.000`` or ``1 000`` thousands, ``3,14`` → três vírgula catorze (up to three decimals
read as a number, leading zeros as *zero*). Agreement: *um*/*uma*, *dois*/*duas* and the hundreds
(*duzentos*/*duzentas*) follow a noun the table knows (``2 horas`` → duas horas, ``2 mil pessoas`` →
duas mil pessoas); an unknown noun after a number whose forms differ is rejected. Ordinals ``1º``/
``1.º``/``1ª`` → primeiro/primeira. Times ``10h30``/``10:30`` → dez e meia (other minutes: *e* and
the number), ``10h``/``10:00`` → dez horas, ``1h`` → uma hora. Dates ``3/5/2024`` → três de maio de
dois mil e vinte e quatro, ``1 de maio`` → primeiro de maio. Years are cardinals. Amounts ``R$ 45,99``
→ quarenta e cinco reais e noventa e nove centavos, ``€ 5`` → cinco euros (cents: *cêntimos*, in
``pt-br`` *centavos*); a bare ``$`` (peso or dollar) is rejected (write ``US$`` or the word).
Round millions take *de*: ``2.000.000 pessoas`` → dois milhões de pessoas.
"""

from __future__ import annotations

import re

from .base import Counted, Money, Verbalizer, Where

_MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro")
_FEMININE = {"um": "uma", "dois": "duas"}


def _c(sg: str, pl: str | None = None, gender: str = "m") -> Counted:
    return Counted(sg, pl or sg + "s", gender)


class Portuguese(Verbalizer):
    code, name = "por", "Portuguese"
    decimal_sep, group_seps = ",", (".", " ")
    decimal_word, fraction_as_number = "vírgula", True
    minus_word, plus_word, range_word = "menos", "mais", "a"
    percent, permille = "{} por cento", "{} por mil"
    email_at, email_dot, email_dash = "arroba", "ponto", "hífen"
    months = _MONTHS
    number_word, number_abbreviations = "número", ("n.º", "N.º", "nº", "Nº")
    sign_exclusions = frozenset({"$"})
    sign_reasons = {"$": "a peso or a dollar, depending on the country; write US$, R$ or the currency's name"}
    money_and = "e"
    scales = {w: ("milhão", "milhões", "m") for w in ("milhão", "milhões")}
    symbols = {"&": "e", "+": "mais", "=": "igual a", "×": "vezes", "~": "aproximadamente",
               "≈": "aproximadamente", "±": "mais ou menos", "§": "parágrafo"}
    fractions = {(1, 2): "um meio", (1, 3): "um terço", (2, 3): "dois terços", (1, 4): "um quarto",
                 (3, 4): "três quartos"}
    nouns = {w: g for g, words in {
        "f": "hora horas semana semanas vez vezes pessoa pessoas libra libras mulher mulheres criança crianças "
             "página páginas casa casas cidade cidades empresa empresas família famílias coisa coisas noite noites "
             "tonelada toneladas vitória vitórias equipa equipas equipe equipes",
        "m": "ano anos dia dias mês meses minuto minutos segundo segundos euro euros cêntimo cêntimos centavo "
             "centavos dólar dólares real reais homem homens quilómetro quilómetros quilômetro quilômetros metro "
             "metros quilo quilos litro litros ponto pontos golo golos gol gols século séculos grau graus país "
             "países habitante habitantes livro livros carro carros milhão milhões jogo jogos voto votos filho "
             "filhos aluno alunos",
    }.items() for w in words.split()}
    function_words = frozenset("""de do da dos das e ou a o os as à às ao aos em no na nos nas com por para sem
    sobre entre um uma que é são foi era se não mais menos mas como até desde pelo pela""".split())
    transparent_words = frozenset({"mil"})
    year_words = frozenset("em desde até ano antes depois".split())
    ordinal_suffix = r"(?P<suffix>\.?º|\.?ª)(?![^\W\d_])"
    time_patterns = (r"(?P<h>[0-9]{1,2})h(?P<m>[0-9]{2})?(?![^\W\d_]|[0-9])",)
    date_patterns = (r"(?P<d>[0-9]{1,2})/(?P<mo>[0-9]{1,2})/(?P<y>[0-9]{4})(?![0-9])",)

    def __init__(self, locale: str | None = None, years: bool = True) -> None:
        self.brazil = (locale or "").lower().replace("_", "-").startswith("pt-br")
        cents = _c("centavo") if self.brazil else _c("cêntimo")
        km = "quilômetro" if self.brazil else "quilómetro"
        euro, dollar = Money(_c("euro"), cents), Money(_c("dólar", "dólares"), cents)
        real, libra = Money(_c("real", "reais"), _c("centavo")), Money(_c("libra", gender="f"))
        self.currencies = {"€": euro, "EUR": euro, "US$": dollar, "USD": dollar, "R$": real, "BRL": real,
                           "£": libra, "GBP": libra}
        self.units = {
            "km": _c(km), "m": _c("metro"), "cm": _c("centímetro"), "mm": _c("milímetro"), "kg": _c("quilograma"),
            "g": _c("grama"), "mg": _c("miligrama"), "l": _c("litro"), "L": _c("litro"), "ml": _c("mililitro"),
            "km/h": Counted(f"{km} por hora", f"{km}s por hora", "m"), "°C": Counted("grau Celsius", "graus Celsius", "m"), "°": _c("grau"), "h": _c("hora", gender="f"),
            "min": _c("minuto"), "s": _c("segundo"), "GB": _c("gigabyte"),
            "m²": Counted("metro quadrado", "metros quadrados", "m"),
        }
        super().__init__(locale, years)

    def cardinal(self, n: int, form: str | None = None) -> str:
        from num2words import num2words

        words = num2words(n, lang="pt_BR" if self.brazil else "pt").replace(",", "").split()
        if form != "f":
            return " ".join(words)
        last = max((k for k, w in enumerate(words) if w.startswith("milh") or w.startswith("bilh")), default=-1)
        for k in range(last + 1, len(words)):
            words[k] = re.sub(r"entos$", "entas", _FEMININE.get(words[k], words[k]))
        return " ".join(words)

    def ordinal(self, n: int, form: str | None = None) -> str:
        from num2words import num2words

        words = num2words(n, lang="pt", to="ordinal").split()
        if form == "f":
            words = [w[:-1] + "a" if w.endswith("o") else w for w in words]
        return " ".join(words)

    def read_ordinal(self, n: int, suffix: str, where: Where) -> str:
        return self.ordinal(n, "f" if suffix.endswith("ª") else "m")

    def time(self, h: int, m: int | None, suffix: str | None, where: Where) -> str:
        hour = self.cardinal(h, "f")
        if not m:
            return f"{hour} {'hora' if h == 1 else 'horas'}"
        return f"{hour} e {'meia' if m == 30 else self.cardinal(m)}"

    def date(self, d: int, mo: int, y: int | None, where: Where) -> str:
        words = f"{self.day_before_month(d, where)} de {_MONTHS[mo - 1]}"
        return f"{words} de {self.cardinal(y)}" if y else words

    def day_before_month(self, n: int, where: Where) -> str:
        return "primeiro" if n == 1 else self.cardinal(n)

    def scale_amount(self, amount: str, scale: str, money: Money, plural: bool) -> str:
        return f"{amount} {scale} de {money.major.plural}"

    def scale_connector(self, number: str, noun: str) -> str:
        if number.split()[-1] not in ("milhão", "milhões"):
            return ""
        return "de"


LANGUAGE = Portuguese
