import pytest

from synthkit.text import ipa

SEGMENTATION = [
    # (ipa word, segments): stress, length, affricates (tied), tones, prenasalization, clicks,
    # labial-velars, secondary articulation, syllabic nasals
    ("habˈari", ["h", "a", "b", "ˈa", "r", "i"]),
    ("t͡ʃaːɡa", ["t͡ʃ", "aː", "ɡ", "a"]),
    ("ɔ̀rɛ́", ["ɔ̀", "r", "ɛ́"]),
    ("ᵐbuzi", ["ᵐb", "u", "z", "i"]),
    ("aⁿda", ["a", "ⁿd", "a"]),
    ("tⁿa", ["tⁿ", "a"]),
    ("kʷʰaː", ["kʷʰ", "aː"]),
    ("k͡pá", ["k͡p", "á"]),
    ("ǃʰa", ["ǃʰ", "a"]),
    ("n̩ti", ["n̩", "t", "i"]),
    ("a˥˩", ["a˥˩"]),
    ("ɡ͡bo", ["ɡ͡b", "o"]),
]


@pytest.mark.parametrize("word,segments", SEGMENTATION)
def test_segment_word(word, segments):
    assert ipa.segment_word(word) == segments


def test_join_and_split_words():
    words = [["h", "a"], ["j", "a"]]
    assert ipa.join_words(words) == "h a | j a"
    assert ipa.split_words("h a | j a") == words


@pytest.mark.parametrize("seg,stripped,tone", [("á", "a", "\u0301"), ("ɔ̀", "ɔ", "\u0300"), ("a˥˩", "a", "˥˩"), ("b", "b", "")])
def test_tone(seg, stripped, tone):
    assert ipa.strip_tone(seg) == stripped
    assert ipa.tone_of(seg) == tone
