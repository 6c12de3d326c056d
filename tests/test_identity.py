"""Identity: a language espeak-ng speaks, rendered through itself as donor from mapped phonemes,
gives the phoneme sequence espeak-ng gives when it reads the text itself.

Compared: the IPA phoneme events espeak-ng reports while synthesizing (not audio). (The mapping
cost need not be 0: the G2P can produce a segment the language's inventory probe did not find, such
as Turkish lengthened aː, rendered as a + espeak-ng's lengthen mark — which espeak-ng reports as the
same phoneme.) Documented difference, normalized before comparing: a geminate consonant that espeak-ng reads from text
(Hindi अच्छा) is reported as one event there and as two from phoneme input; runs of the same
consonant are collapsed. Pause markers espeak-ng inserts between words of text (``_!``, ``_|``)
are not phonemes and are not reported as events."""

import pytest

from synthkit.donors import mapper_for
from synthkit.languages import resolve
from synthkit.text import mapping
from synthkit.text.g2p import make_g2p
from synthkit.text.normalize import normalize
from synthkit.tts import espeak_lib
from synthkit.tts.espeak_phonemes import inventory

from .conftest import ROOT, SW_TEXT


def collapse_geminates(events):
    out = []
    for e in events:
        if out and e == out[-1] and e.strip("ˈˌ") not in mapping_vowels():
            continue
        out.append(e)
    return out


def mapping_vowels():
    return set("aeiouɛɔəɪʊ")


HI = (ROOT / "tests/data/hi.txt").read_text(encoding="utf-8").splitlines()

CASES = [
    pytest.param("sw", SW_TEXT.read_text(encoding="utf-8").splitlines()[:40], id="sw"),
    pytest.param("tr", (ROOT / "tests/data/tr.txt").read_text(encoding="utf-8").splitlines(), id="tr"),
    pytest.param("hi", [line for line in HI if "करना" not in line], id="hi"),
    # Known, left: करना. synthkit renders [[k'Vrn,a:]], the very phonemes espeak-ng gives when it reads the
    # word (espeak_TextToPhonemes), but espeak-ng reports a tap ɾ from the text and a trill r
    # from the same phonemes given as input: a difference inside espeak-ng that no phoneme string
    # synthkit could write removes ('r*' is two taps, 'r/' is the trill). The row's donor_phonemes says r.
    pytest.param("hi", [line for line in HI if "करना" in line],
                 marks=pytest.mark.xfail(strict=True, reason="espeak-ng reports r for its own 'r' before n in "
                                                             "phoneme input, ɾ reading the text"),
                 id="hi-karna"),
]


@pytest.mark.parametrize("lang,lines", CASES)
def test_self_donor_renders_espeaks_own_phonemes(lang, lines):
    choice = resolve(lang)
    g2p, inv = make_g2p(choice.g2p), inventory(choice.voice)
    mapper = mapper_for(inv)
    for line in lines:
        text = normalize(line, choice.iso639_3, choice.iso639_1, choice.script)
        words = g2p.phonemize(text)
        mapped = mapping.map_sentence(words, mapper, inv.ipa_to_mnemonic)
        assert not mapped.unmapped, (line, mapped.unmapped)
        punct = mapping.punctuation_after_words(text, len(words))
        from_text = [p for p in espeak_lib.synthesize(text, choice.voice).phonemes if p]
        from_phonemes = [p for p in espeak_lib.synthesize(mapped.render_text(punct), choice.voice,
                                                          phoneme_input=True).phonemes if p]
        assert collapse_geminates(from_phonemes) == collapse_geminates(from_text), line


@pytest.mark.parametrize("voice", ["hi", "ur", "pa"])
def test_indic_retroflex_flap_is_ipa_everywhere(voice):
    # espeak-ng reports the flap by its mnemonic 'r.' (no IPA in its tables); read as IPA 'r' plus a
    # syllable break it merged ड़ with र. It is ɽ in the G2P, the reported events and the inventory.
    choice = resolve(voice)
    word = {"hi": "लड़का", "ur": "لڑکا", "pa": "ਲੜਕਾ"}[voice]
    assert "ɽ" in make_g2p(choice.g2p).phonemize(word)[0]
    assert "ɽ" in espeak_lib.synthesize(word, choice.voice).phonemes
    inv = inventory(choice.voice)
    assert inv.ipa_to_mnemonic["ɽ"] == "r." and "ɽ" in inv.used
    said = espeak_lib.synthesize("[[l'Vr.k,a:]]", choice.voice, phoneme_input=True).phonemes
    assert "ɽ" in said and "r." not in said
