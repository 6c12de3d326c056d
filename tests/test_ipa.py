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


@pytest.mark.parametrize("seg,expected", [
    ("ʈʰʈʰ", "ʈʰː"), ("cʰcʰ", "cʰː"), ("ˈkk", "ˈkː"), ("t͡ʃt͡ʃ", "t͡ʃː"),
    ("tʰː", "tʰː"), ("aa", "aa"), ("ɾ", "ɾ"), ("tʰtʰː", "tʰtʰː"), ("ab", "ab"),
])
def test_a_consonant_written_twice_is_one_long_consonant(seg, expected):
    assert ipa.doubled_as_long(seg) == expected


def test_hindi_long_aspirates_are_rendered_as_espeak_reads_them():
    # espeak-ng reads चिट्ठी as c'It.#:i and writes its IPA as ʈʰʈʰ; rendered doubled that was two
    # aspirated releases (reported ʈ ʈʰ), long it is the same length and events as espeak-ng's reading
    from synthkit.text.g2p import make_g2p
    from synthkit.tts import espeak_lib

    word = make_g2p("espeak:hi").phonemize("चिट्ठी")[0]
    assert "ʈʰː" in word and "ʈʰʈʰ" not in word
    own = espeak_lib.synthesize("चिट्ठी", "hi")
    long = espeak_lib.synthesize("[[c'It.#:i]]", "hi", phoneme_input=True)
    assert len(own.samples) == len(long.samples) and own.phonemes == long.phonemes
