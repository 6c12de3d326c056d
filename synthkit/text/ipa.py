"""IPA strings as sequences of segments.

A *segment* is one base symbol with everything that modifies it: combining diacritics (tone accents,
nasalization, syllabicity), length marks, secondary articulations (ʰ ʷ ʲ ˠ ˤ), tie-barred partners
(t͡ʃ), a leading stress mark (ˈa, espeak-ng style) and leading prenasalization (ᵐb, ⁿd).

In manifests ``phonemes`` is segments joined by spaces, words joined by `` | ``.
"""

from __future__ import annotations

import unicodedata

WORD_SEP = "|"
STRESS = frozenset("ˈˌ")
#: Modifier letters that attach to the preceding base.
POST_MODIFIERS = frozenset("ːˑʰʱʷʲˠˤˀʼ˞ˡⁿ̚" "˥˦˧˨˩" "ʴ")
#: Superscript nasals that, before a consonant, mark prenasalization of the following base.
PRE_NASALS = frozenset("ᵐⁿᵑᶬᶮᶯɴ̆")
TIES = frozenset("\u0361\u035c")
#: Tone diacritics (combining) and tone letters; stripped by :func:`strip_tone`.
TONE_MARKS = frozenset("\u0300\u0301\u0302\u030c\u0304\u030b\u030f\u1dc4\u1dc5\u1dc6\u1dc7\u1dc8\u1dc9" "˥˦˧˨˩")
LENGTH_MARKS = frozenset("ːˑ")


VOWELS = frozenset("aeiouyɑɐɒæɛœɜɞəɘɵɤɯɨʉɪʏʊøɶʌɔɚɝ")


def _ends_in_vowel(seg: str) -> bool:
    bases = [c for c in unicodedata.normalize("NFD", seg) if not _is_combining(c) and c not in POST_MODIFIERS]
    return bool(bases) and bases[-1] in VOWELS


def _is_combining(ch: str) -> bool:
    return unicodedata.category(ch) == "Mn"


def segment_word(ipa: str) -> list[str]:
    """Split one word of IPA into segments (see module doc). Whitespace must not occur."""
    segs: list[str] = []
    prefix = ""
    join_next = False
    for ch in unicodedata.normalize("NFD", ipa):
        if ch in STRESS:
            prefix += ch
        elif ch in TIES:
            if segs:
                segs[-1] += ch
                join_next = True
            else:
                prefix += ch
        elif ch in PRE_NASALS and (not segs or _ends_in_vowel(segs[-1])):
            prefix += ch  # prenasalized stop: ᵐb, or aⁿda
        elif _is_combining(ch) or (ch in POST_MODIFIERS and segs):
            if segs and not prefix:
                segs[-1] += ch
            else:
                prefix += ch
        elif join_next and segs:
            segs[-1] += prefix + ch
            prefix = ""
            join_next = False
        else:
            segs.append(prefix + ch)
            prefix = ""
    if prefix:
        if segs:
            segs[-1] += prefix
        else:
            segs.append(prefix)
    return [unicodedata.normalize("NFC", s) for s in segs]


def segment(ipa: str) -> list[list[str]]:
    """Split an IPA string into words (on whitespace) of segments."""
    return [segment_word(w) for w in ipa.split()]


def join_words(words: list[list[str]]) -> str:
    """The manifest form: ``"h a b ˈa r i | j a"``."""
    return f" {WORD_SEP} ".join(" ".join(w) for w in words if w)


def split_words(phonemes: str) -> list[list[str]]:
    """Inverse of :func:`join_words`."""
    words: list[list[str]] = [[]]
    for tok in phonemes.split():
        if tok == WORD_SEP:
            words.append([])
        else:
            words[-1].append(tok)
    return [w for w in words if w]


def doubled_as_long(seg: str) -> str:
    """A consonant written twice as one segment (espeak-ng's IPA for a long aspirate: Hindi चिट्ठी
    ``ʈʰʈʰ``, अच्छा ``cʰcʰ``, from its ``t.#:``/``c#:``) as the consonant plus the length mark (``ʈʰː``),
    the form it gives for other long consonants (पत्थर ``tʰː``). Rendered doubled, it is said as two
    aspirated releases, longer than espeak-ng's own reading; rendered long, as espeak-ng reads the text.
    Anything else is returned unchanged."""
    stress = "".join(c for c in seg if c in STRESS)
    body = strip_stress(seg)
    half = len(body) // 2
    if half and len(body) == 2 * half and body[:half] == body[half:] and not _ends_in_vowel(body[:half]) \
            and not any(c in LENGTH_MARKS for c in body) and segment_word(body[:half]) == [body[:half]]:
        return stress + body[:half] + "ː"
    return seg


def strip_stress(seg: str) -> str:
    return "".join(c for c in seg if c not in STRESS)


def strip_tone(seg: str) -> str:
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", seg) if c not in TONE_MARKS))


def tone_of(seg: str) -> str:
    """The tone marks on a segment (combining accents or tone letters), '' when none."""
    return "".join(c for c in unicodedata.normalize("NFD", seg) if c in TONE_MARKS)
