"""Write the 50-sentence test texts for Yoruba, Kinyarwanda, Hausa and Zulu (deterministic).

Ten everyday sentences written out per language, then sentences composed from real subjects,
verb phrases and time/place phrases of the language, enough to reach 50."""

import itertools
import random
from pathlib import Path

LANGS = {
    "yor": (
        ["Ẹ kú àárọ̀, ọ̀rẹ́ mi.", "Báwo ni o ṣe wà lónìí?", "Mo fẹ́ràn oúnjẹ Yorùbá gan-an.",
         "Àwọn ọmọdé ń ṣeré ní gbàgede.", "Ọjà ńlá wà ní ìlú wa.", "Ẹ ṣé o, mo dúpẹ́.",
         "Òjò ń rọ̀ lónìí.", "Ilé-ìwé wa dára púpọ̀.", "Kí ni orúkọ rẹ?", "Ó dàbọ̀, a ó rí ara wa."],
        ["Ìyá mi", "Bàbá mi", "Ọmọ náà", "Olùkọ́ wa", "Àgbẹ̀ náà", "Ọ̀rẹ́ mi"],
        ["ń jẹ oúnjẹ", "ń ka ìwé", "ń lọ sí ọjà", "ń ṣiṣẹ́", "ń kọ orin", "ń fọ aṣọ", "ń mu omi"],
        ["lónìí", "ní àárọ̀", "ní ilé", "ní oko", "ní ìrọ̀lẹ́"],
    ),
    "kin": (
        ["Muraho neza.", "Amakuru yawe?", "Ni meza cyane.", "Murakoze cyane.", "Witwa nde?",
         "Nitwa Mugisha.", "U Rwanda ni igihugu cyiza.", "Imvura iragwa.", "Ndashaka amazi.",
         "Tuzabonana ejo."],
        ["Umwana", "Mama", "Data", "Umwarimu", "Umuhinzi", "Inshuti yanjye"],
        ["arya ibiryo", "arasoma igitabo", "ajya ku isoko", "arakora cyane", "araririmba", "amesa imyenda",
         "anywa amazi"],
        ["uyu munsi", "mu gitondo", "mu rugo", "mu murima", "nimugoroba"],
    ),
    "hau": (
        ["Sannu da zuwa.", "Ina kwana?", "Lafiya lau.", "Na gode sosai.", "Yaya aiki?", "Sunana Musa.",
         "Kano birni ne mai girma.", "Ruwan sama yana sauka.", "Ina son shayi.", "Sai gobe."],
        ["Yaro", "Mahaifina", "Malami", "Manomi", "Abokina", "Ɗan'uwana"],
        ["yana cin abinci", "yana karanta littafi", "yana zuwa kasuwa", "yana aiki", "yana waƙa",
         "yana wanke tufafi", "yana shan ruwa"],
        ["yau", "da safe", "a gida", "a gona", "da yamma"],
    ),
    "zul": (
        ["Sawubona.", "Unjani?", "Ngiyaphila, ngiyabonga.", "Ngiyabonga kakhulu.", "Ngubani igama lakho?",
         "Igama lami nguThandi.", "Izulu liyana namuhla.", "Ngifuna amanzi.", "Sizobonana kusasa.",
         "Ixoxo liyaxoxa echibini."],
        ["Umfana", "Umama", "Ubaba", "Uthisha", "Umlimi", "Umngani wami"],
        ["udla ukudla", "ufunda incwadi", "uya emakethe", "uyasebenza", "uyacula", "uwasha izingubo",
         "uqhuba imoto"],
        ["namuhla", "ekuseni", "ekhaya", "epulazini", "ntambama"],
    ),
}


def sentences(lang: str, n: int = 50) -> list[str]:
    fixed, subjects, verbs, times = LANGS[lang]
    combos = list(itertools.product(subjects, verbs, times))
    random.Random(lang).shuffle(combos)
    return fixed + [f"{s} {v} {t}." for s, v, t in combos[: n - len(fixed)]]


if __name__ == "__main__":
    here = Path(__file__).parent
    for lang in LANGS:
        (here / f"{lang}.txt").write_text("\n".join(sentences(lang)) + "\n", encoding="utf-8")
