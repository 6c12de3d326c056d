"""Write text.txt: 200 Swahili sentences for the Swahili recipe and the tests.

Sentences are composed from hand-written parts (subjects, verbs with objects, places, times) so the
text covers common Swahili syllables, numbers (expanded by synthkit's Swahili number rule) and
abbreviations. Deterministic: the same file every time.
"""

import itertools
import random
from pathlib import Path

SUBJECTS = ["Mwalimu", "Mama yangu", "Baba", "Mtoto mdogo", "Rafiki yetu", "Daktari", "Mkulima", "Dada yake",
            "Kaka yangu", "Mwanafunzi", "Bibi", "Mvuvi", "Fundi", "Mpishi", "Dereva"]
VERBS = ["anasoma kitabu kipya", "anapika chakula kitamu", "ananunua matunda", "anaandika barua ndefu",
         "anaenda shambani", "anacheza mpira", "anaimba wimbo mzuri", "anafua nguo", "analima mahindi",
         "anavua samaki", "anajenga nyumba", "anaosha vyombo", "anasafiri kwa basi", "anakunywa chai",
         "anauza mboga"]
PLACES = ["sokoni", "nyumbani", "shuleni", "mjini", "kijijini", "ufukweni", "hospitalini", "kanisani",
          "msikitini", "dukani"]
TIMES = ["asubuhi", "mchana", "jioni", "usiku", "leo", "kesho", "jana", "kila siku"]
EXTRA = [
    "Habari ya asubuhi, rafiki yangu.",
    "Karibu sana nyumbani kwetu.",
    "Asante kwa msaada wako mkubwa.",
    "Tutaonana kesho jioni.",
    "Mvua kubwa imenyesha usiku wote.",
    "Watoto wanapenda kucheza nje.",
    "Bei ya sukari imepanda sana mwaka huu.",
    "Tafadhali funga mlango unapotoka.",
    "Jua linawaka na anga ni safi.",
    "Nchi ya Tanzania ina milima mirefu.",
    "Ziwa Victoria ni kubwa kuliko maziwa yote barani Afrika.",
    "Tunahitaji maji safi ya kunywa.",
    "Bw. Juma alinunua ndizi, machungwa, maembe n.k.",
    "Dkt. Amina anafanya kazi hospitalini.",
    "Shule yetu ina wanafunzi 450 na walimu 18.",
    "Treni inaondoka saa 3 asubuhi.",
    "Alizaliwa mwaka 1998 katika kijiji kidogo.",
    "Nimesoma kurasa 125 za kitabu hiki.",
    "Kilo moja ya mchele inauzwa shilingi 2500.",
    "Joto la leo ni nyuzi 31.5.",
]


def sentences(n: int = 200) -> list[str]:
    rng = random.Random(20261121)
    combos = list(itertools.product(SUBJECTS, VERBS, PLACES, TIMES))
    rng.shuffle(combos)
    out = list(EXTRA)
    for s, v, p, t in combos:
        if len(out) >= n:
            break
        out.append(f"{s} {v} {p} {t}.")
    return out[:n]


if __name__ == "__main__":
    Path(__file__).with_name("text.txt").write_text("\n".join(sentences()) + "\n", encoding="utf-8")
