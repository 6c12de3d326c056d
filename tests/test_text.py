"""Per-language tables for normalization, numbers, G2P and language resolution."""

import pytest

from synthkit.errors import SynthkitError
from synthkit.languages import resolve
from synthkit.text.g2p import make_g2p
from synthkit.text.ipa import join_words
from synthkit.text.normalize import Rejected, normalize
from synthkit.text.numbers import swahili_cardinal

NORMALIZE = [
    # (iso3, iso1, script, input, expected)
    ("swa", "sw", "Latn", "  Habari\u00a0 ya\tasubuhi  ", "Habari ya asubuhi"),
    ("swa", "sw", "Latn", "Nina miaka 25.", "Nina miaka ishirini na tano."),
    ("swa", "sw", "Latn", "Bei ni 2500 na 3.5", "Bei ni elfu mbili mia tano na tatu nukta tano"),
    ("swa", "sw", "Latn", "Bw. Juma n.k.", "Bwana Juma na kadhalika"),
    ("eng", "en", "Latn", "Dr. Smith has 42 cats.", "Doctor Smith has forty-two cats."),
    ("eng", "en", "Latn", "1,000,000 people", "one million people"),
    ("tur", "tr", "Latn", "5 elma", "beş elma"),
    ("yor", "yo", "Latn", "e\u0323 ku\u0301", "ẹ kú"),  # NFC
    ("hin", "hi", "Deva", "नमस्ते दोस्त", "नमस्ते दोस्त"),
]


@pytest.mark.parametrize("iso3,iso1,script,text,expected", NORMALIZE)
def test_normalize(iso3, iso1, script, text, expected):
    assert normalize(text, iso3, iso1, script) == expected


REJECTS = [
    ("yor", "yo", "Latn", "Mo ní ajá 5", "no number rule"),  # digits never dropped silently
    ("kin", "rw", "Latn", "Imyaka 12", "no number rule"),
    ("swa", "sw", "Latn", "...!?", "empty after normalization"),
    ("swa", "sw", "Latn", "Habari 中国", "outside the Latn script"),
    ("hin", "hi", "Deva", "नमस्ते hello", "outside the Deva script"),
]


@pytest.mark.parametrize("iso3,iso1,script,text,reason", REJECTS)
def test_normalize_rejects(iso3, iso1, script, text, reason):
    with pytest.raises(Rejected, match=reason):
        normalize(text, iso3, iso1, script)


def test_too_long_rejected():
    with pytest.raises(Rejected, match="too long"):
        normalize("neno " * 300, "swa", "sw", "Latn", max_chars=1000)


@pytest.mark.parametrize("n,words", [(0, "sifuri"), (12, "kumi na mbili"), (105, "mia moja na tano"),
                                     (1005, "elfu moja na tano"), (2500, "elfu mbili mia tano"),
                                     (1999, "elfu moja mia tisa tisini na tisa"), (10**6, "milioni moja")])
def test_swahili_numbers(n, words):
    assert swahili_cardinal(n) == words


G2P = [
    ("espeak:sw", "Habari yangu", "h a b ˈa r i | j ˈa ŋ ɡ u"),
    ("espeak:tr", "Çocuklar", "tʃ o dʒ ʊ k ɫ ˈa r"),
    ("espeak:hi", "मेरा नाम", "m ˌeː ɾ aː | n ˈaː m"),
    ("epitran:swa-Latn", "chakula", "t͡ʃ a k u l a"),
    ("epitran:yor-Latn", "gbogbo ọ̀rẹ́", "ɡ͡b o ɡ͡b o | ɔ̀ r ɛ́"),  # labial-velar, tones on vowels
    ("epitran:hau-Latn", "ƙasa", "kʼ a s a"),  # ejective
    ("epitran:zul-Latn", "Sawubona", "s a w u ɓ o n a"),
    ("epitran:kin-Latn", "Muraho", "m u ɾ a h o"),
]


@pytest.mark.parametrize("spec,text,phonemes", G2P)
def test_g2p(spec, text, phonemes):
    assert join_words(make_g2p(spec).phonemize(text)) == phonemes


def test_epitran_rejects_unmappable():
    with pytest.raises(Rejected, match="cannot map"):
        make_g2p("epitran:swa-Latn").phonemize("habari 中")


RESOLVE = [
    ("sw", "swa", "espeak:sw", "sw"),
    ("swa", "swa", "espeak:sw", "sw"),
    ("swh", "swh", "espeak:sw", "sw"),
    ("swa-Latn", "swa", "epitran:swa-Latn", "sw"),
    ("yo", "yor", "epitran:yor-Latn", None),
    ("yor-Latn", "yor", "epitran:yor-Latn", None),
    ("kin", "kin", "epitran:kin-Latn", None),
    ("ha", "hau", "epitran:hau-Latn", None),
    ("zu", "zul", "epitran:zul-Latn", None),
    ("en-us", "eng", "espeak:en-us", "en-us"),
    ("tr", "tur", "espeak:tr", "tr"),
]


@pytest.mark.parametrize("code,iso3,g2p,voice", RESOLVE)
def test_resolve(code, iso3, g2p, voice):
    c = resolve(code)
    assert (c.iso639_3, c.g2p, c.voice) == (iso3, g2p, voice)


@pytest.mark.parametrize("code,msg", [("xx", "unknown language"), ("ibo", "no G2P covers Igbo"), ("", "empty")])
def test_resolve_errors(code, msg):
    with pytest.raises(SynthkitError, match=msg):
        resolve(code)


def test_g2p_preference():
    assert resolve("sw", "epitran").g2p == "epitran:swa-Latn"
    with pytest.raises(SynthkitError, match="espeak-ng has no G2P"):
        resolve("yo", "espeak")
