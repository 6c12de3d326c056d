import hashlib

import numpy as np

from synthkit.tts import espeak_lib
from synthkit.tts.espeak import DEFAULT_VARIANTS, ProsodyRanges, sample_voices
from synthkit.rng import seeded_random

TEXT = "Habari ya asubuhi, rafiki yangu."


def digest(r):
    return hashlib.sha256(r.samples.tobytes()).hexdigest()


def test_render_depends_only_on_inputs():
    """espeak-ng keeps state between utterances; synthkit restores it (or reloads the library) so each
    render stands alone."""
    first = digest(espeak_lib.synthesize(TEXT, "sw+m1", rate=160))
    for other in ("sw+f2", "sw+klatt", "sw"):
        espeak_lib.synthesize("Kitu kingine kabisa, kirefu zaidi.", other, rate=200, pitch=70)
    assert digest(espeak_lib.synthesize(TEXT, "sw+m1", rate=160)) == first
    assert not espeak_lib.is_loaded()


def test_render_basics():
    r = espeak_lib.synthesize(TEXT, "sw")
    assert r.sample_rate == 22050 and r.samples.dtype == np.int16
    assert 1.0 < r.samples.size / r.sample_rate < 5.0
    assert [p for p in r.phonemes if p][:6] == ["h", "a", "b", "ˈa", "r", "i"]
    slow = espeak_lib.synthesize(TEXT, "sw", rate=100)
    assert slow.samples.size > r.samples.size * 1.3


def test_voices_and_variants_listed():
    langs = {l for v in espeak_lib.list_voices() for l in v.languages}
    assert {"sw", "tr", "hi", "en-us"} <= langs
    assert set(DEFAULT_VARIANTS) - {""} <= set(espeak_lib.list_variants())


def test_sample_voices_distinct_and_seeded():
    a = sample_voices(seeded_random(0, "x"), "sw", 3)
    b = sample_voices(seeded_random(0, "x"), "sw", 3)
    assert a == b
    assert len({v.name for v in a}) == 3
    pr = ProsodyRanges()
    assert all(pr.rate[0] <= v.params["rate"] <= pr.rate[1] for v in a)


def test_arabic_geminate_keeps_its_vowel_after_nfc():
    """NFC (synthkit's normalization) puts a vowel mark before the shadda; espeak-ng reads a vowel only
    after it, and used to drop the vowel after every geminate (سِتَّة 'six' read as [sitt])."""
    import unicodedata

    from synthkit.text.g2p import make_g2p
    from synthkit.text.normalize import normalize

    six = normalize("سِتَّة", "ara", "ar", "Arab")  # NFC: fatha (U+064E) before shadda (U+0651)
    assert six.index("\u064e") < six.index("\u0651")
    fixed = espeak_lib.espeak_text(six)
    assert fixed.index("\u0651") < fixed.index("\u064e") and len(fixed) == len(six)
    assert unicodedata.normalize("NFC", fixed) == six  # canonically the same text
    assert espeak_lib.espeak_text(TEXT) is TEXT  # text without a shadda goes through untouched
    g2p = make_g2p("espeak:ar")
    assert [p.lstrip("ˈˌ") for p in g2p.phonemize(six)[0]] == ["s", "i", "tː", "a", "t"]
    sun = normalize("الشَّمْسُ", "ara", "ar", "Arab")
    assert [p.lstrip("ˈˌ") for p in g2p.phonemize(sun)[0]][3:6] == ["ʃ", "a", "m"]
    # what espeak-ng says when it renders the text itself (the native voice) has the vowel too
    spoken = [p.lstrip("ˈˌ") for w in espeak_lib.synthesize(six, "ar").words for p in w]
    assert spoken[:4] == ["s", "i", "t", "a"], spoken


def test_hebrew_points_are_left_out_for_espeak():
    """espeak-ng's Hebrew voice spells a niqqud point out by its English name; it reads the letters."""
    from synthkit.text.g2p import make_g2p

    g2p = make_g2p("espeak:he")
    pointed, plain = "שָׁלוֹם", "שלום"
    assert espeak_lib.espeak_text(pointed) == plain
    assert g2p.phonemize(pointed) == g2p.phonemize(plain)
    assert [p.lstrip("ˈˌ") for p in g2p.phonemize(pointed)[0]] == ["ʃ", "a", "l", "o", "m"]
    spoken = [p for w in espeak_lib.synthesize(pointed, "he").words for p in w]
    assert "(en)" not in spoken and len(espeak_lib.synthesize(pointed, "he").words) == 1
