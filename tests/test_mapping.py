"""Phoneme mapping: per-class tables for the tricky segments, suprasegmentals, overrides."""

import pytest

from synthkit.donors import mapper_for
from synthkit.errors import SynthkitError
from synthkit.text import mapping
from synthkit.text.mapping import Mapper, load_overrides, map_sentence
from synthkit.tts.espeak_phonemes import inventory

TRICKY = [
    # (class, target, donor voice, rendered as, how)
    ("affricate (donor has it)", "t͡ʃ", "sw", ("tʃ",), "exact"),
    ("affricate (donor lacks it)", "t͡ʃ", "fi", ("t", "ʃ"), "decomposed"),
    ("diphthong (donor lacks it)", "aɪ", "sw", ("a", "i"), "decomposed"),
    ("diphthong (donor has it)", "aɪ", "af", ("aɪ",), "exact"),
    ("prenasalized stop", "ᵐb", "sw", ("m", "b"), "decomposed"),
    ("prenasalized stop", "ⁿd", "sw", ("n", "d"), "decomposed"),
    ("prenasalized affricate", "ⁿd͡ʒ", "tr", ("n", "dʒ"), "decomposed"),
    ("labial-velar stop", "k͡p", "sw", ("k", "p"), "decomposed"),
    ("labial-velar stop", "ɡ͡b", "sw", ("ɡ", "b"), "decomposed"),
    ("labialized stop", "kʷ", "sw", ("k", "w"), "decomposed"),
    ("aspirated stop (donor has it)", "kʰ", "hi", ("kʰ",), "exact"),
    ("ejective (donor has it)", "tʼ", "am", ("tʼ",), "exact"),
    ("ejective (donor lacks it)", "kʼ", "sw", ("k",), "nearest"),
    ("implosive", "ɗ", "vi", ("ɗ",), "exact"),
    ("implosive (donor lacks it)", "ɓ", "sw", ("b",), "nearest"),
    ("click", "ǃ", "sw", ("t",), "nearest"),
    ("click", "ǀ", "sw", ("t",), "nearest"),
    ("nasal vowel (donor has it)", "ɔ̃", "fr", ("ɔ̃",), "exact"),
    ("nasal vowel (donor lacks it)", "ã", "sw", ("a", "ŋ"), "decomposed"),
    ("glottal stop (donor has it)", "ʔ", "ar", ("ʔ",), "exact"),
    ("glottal stop (donor lacks it: left out, not k)", "ʔ", "sw", (), "omitted"),
    ("rhotic approximant (donor has a trill)", "ɹ", "sw", ("r",), "nearest"),
]


@pytest.mark.parametrize("klass,target,voice,donor,how", TRICKY, ids=[f"{t[0]}:{t[1]}->{t[2]}" for t in TRICKY])
def test_tricky_segment_classes(klass, target, voice, donor, how):
    sm, lengthen = mapper_for(inventory(voice)).map(target)
    assert (sm.donor, sm.how) == (donor, how)
    assert not lengthen and not sm.unmapped
    assert sm.cost == 0 if how == "exact" else 0 < sm.cost < mapping.UNMAPPED_COST


@pytest.mark.parametrize("target,voice,donor,lengthen", [
    ("aː", "cs", ("aː",), False),  # long vowel the donor has
    ("aː", "sw", ("a",), True),  # long vowel the donor lacks: short + espeak-ng's lengthen mark
    ("tː", "sw", ("t",), True),  # geminate
    ("ɛː", "sw", ("e",), True),
])
def test_length(target, voice, donor, lengthen):
    sm, lengthened = mapper_for(inventory(voice)).map(target)
    assert sm.donor == donor and lengthened == lengthen


def test_length_renders_lengthen_mark():
    inv = inventory("sw")
    ms = map_sentence([["m", "aː", "t", "a"]], mapper_for(inv), inv.ipa_to_mnemonic)
    assert ms.mnemonic_words == ["m'a:ta"]
    assert ms.donor_words == [["m", "ˈaː", "t", "a"]]


def test_decomposition_beats_nearest_only_when_closer():
    m = mapper_for(inventory("sw"))
    for seg in ("k͡p", "t͡ʃ", "ᵐb"):
        sm, _ = m.map(seg)
        best_single = min(mapping.distance(seg, x) for x in inventory("sw").segments)
        assert sm.cost <= best_single


def test_tone_is_rendered_as_pitch_and_left_out_of_donor_phonemes():
    inv = inventory("sw")
    words = [["k", "ú"], ["à", "á", "r", "ɔ̀"]]
    ms = map_sentence(words, mapper_for(inv), inv.ipa_to_mnemonic, pitch=50, tonal=True)
    high, low = mapping.EMBEDDED_PITCH.format(70), mapping.EMBEDDED_PITCH.format(32)
    # each pitch command goes before its syllable's onset, never between onset and vowel
    assert ms.mnemonic_words[0] == f"{high}ku"
    assert ms.mnemonic_words[1] == f"{low}a{high}'a{low}Ro"
    flat = " ".join(" ".join(w) for w in ms.donor_words)
    assert "\u0301" not in flat and "\u0300" not in flat


def test_unmarked_vowels_are_mid_in_tonal_text_only():
    inv = inventory("sw")
    m = mapper_for(inv)
    tonal = map_sentence([["b", "a"]], m, inv.ipa_to_mnemonic, pitch=40, tonal=True)
    plain = map_sentence([["b", "a"]], m, inv.ipa_to_mnemonic, pitch=40, tonal=False)
    assert mapping.EMBEDDED_PITCH.format(40) in tonal.mnemonic_words[0]
    assert "\x01" not in plain.mnemonic_words[0]


@pytest.mark.parametrize("word,stressed", [
    (["b", "a", "b", "a"], ["b", "ˈa", "b", "a"]),  # penultimate
    (["a", "k", "a", "t", "a"], ["a", "k", "ˈa", "t", "a"]),
    (["m", "i"], ["m", "i"]),  # one syllable: no mark
    (["h", "ˈa", "b", "a"], ["h", "ˈa", "b", "a"]),  # the G2P's own stress is kept
])
def test_default_stress(word, stressed):
    assert mapping.default_stress([word]) == [stressed]


def test_overrides_win(tmp_path):
    tsv = tmp_path / "over.tsv"
    tsv.write_text("# target\tdonor\tvoice\nǃ\tk\nɓ\tm b\tsw\nɓ\tp\tfi\n", encoding="utf-8")
    m = mapper_for(inventory("sw"), tsv)
    assert m.map("ǃ")[0].donor == ("k",) and m.map("ǃ")[0].how == "override"
    assert m.map("ɓ")[0].donor == ("m", "b")  # the row for another voice is skipped


def test_override_the_voice_cannot_render(tmp_path):
    tsv = tmp_path / "over.tsv"
    tsv.write_text("ǃ\tǃ\n", encoding="utf-8")
    with pytest.raises(SynthkitError, match="cannot render"):
        mapper_for(inventory("sw"), tsv)


def test_bad_override_file(tmp_path):
    tsv = tmp_path / "over.tsv"
    tsv.write_text("ǃ\n", encoding="utf-8")
    with pytest.raises(SynthkitError, match="over.tsv:1"):
        load_overrides(tsv)


def test_segment_without_features_is_dropped_and_reported():
    m = Mapper(["a", "b"])
    sm = m.map_base("ᵐ")
    assert sm.how == "dropped" and sm.unmapped
    ms = map_sentence([["b", "a", "ᵐ"]], m, {"a": "a", "b": "b"})
    assert ms.unmapped == ["ᵐ"]
    assert ms.donor_words == [["b", "a"]]  # rendered without it


def test_far_segments_are_flagged_unmapped():
    m = Mapper(["a", "i", "u"])  # a donor with vowels only
    sm, _ = m.map("k")
    assert sm.unmapped and sm.cost > mapping.UNMAPPED_COST


def test_feature_order_is_panphons():
    import panphon

    assert tuple(panphon.FeatureTable().names) == mapping.FEATURES


@pytest.mark.parametrize("klass,segments", [
    ("vowel", "a i ə ɛ ɔ̃ y"),
    ("nasal", "m n ŋ ɲ m̩"),
    ("rhotic", "r ɾ ɹ ɻ ʀ ɽ ʁ"),
    ("lateral", "l ɫ ʎ ɬ"),
    ("glide", "j w ɥ ɰ ʋ"),
    ("sibilant", "s z ʃ ʒ ɕ ʂ t͡s t͡ʃ d͡ʒ"),
    ("stop", "p b t d k ɡ ʔ ǃ ɓ kʼ"),
    ("fricative", "f v θ ð x ɣ χ ħ ʕ h ɦ β"),
])
def test_sound_classes(klass, segments):
    for seg in segments.split():
        assert mapping.sound_class(mapping.vectors(seg)[0]) == klass, seg


@pytest.mark.parametrize("target,donor_has,expected", [
    # raw feature distance puts the glide j nearest to English ɹ (0.11 against 0.22 for r)
    ("ɹ", ["j", "w", "r", "a"], "r"),
    ("ɹ", ["j", "w", "ɾ", "a"], "ɾ"),
    ("r", ["j", "l", "ɾ", "a"], "ɾ"),
    ("s", ["θ", "ʃ", "t", "a"], "ʃ"),  # a sibilant for a sibilant, not θ
    ("z", ["ð", "s", "a"], "s"),
    ("θ", ["f", "s", "t"], "f"),
])
def test_class_aware_mapping_keeps_the_class(target, donor_has, expected):
    sm = Mapper(donor_has).map_base(target)
    assert sm.donor == (expected,) and not sm.unmapped


def test_rhotic_through_real_donors():
    """English ɹ ('three', 'four', 'zero') is rendered as a rhotic by donors that have one."""
    for voice in ("de", "es", "sw", "nl", "it", "fr"):
        sm, _ = mapper_for(inventory(voice)).map("ɹ")
        assert mapping.sound_class(mapping.vectors(sm.donor[0])[0]) == "rhotic", (voice, sm)
        assert sm.unmapped == (voice == "fr")  # French's only rhotic, uvular ʁ, is far from ɹ by features


def test_glide_for_a_rhotic_is_reported_unmapped():
    sm = Mapper(["j", "w", "a"]).map_base("ɹ")
    assert sm.donor == ("j",) and sm.unmapped


def test_override_is_never_reported_unmapped(tmp_path):
    tsv = tmp_path / "over.tsv"
    tsv.write_text("ǃ\tk\nɹ\tj\n", encoding="utf-8")
    m = mapper_for(inventory("es"), tsv)
    sm, _ = m.map("ɹ")
    assert sm.how == "override" and sm.cost > mapping.UNMAPPED_COST and not sm.unmapped
    ms = map_sentence([["θ", "ɹ", "ˈiː"], ["ǃ", "a"]], m, inventory("es").ipa_to_mnemonic)
    assert ms.unmapped == []


def test_a_glide_keeps_its_lip_position_or_becomes_its_vowel():
    """Ukrainian has no /w/: feature distance alone took j (Yoruba 'Báwo' said 'bajo'); a language
    without /w/ takes it as [u] or a labial approximant, never [j]. Donors with w keep it."""
    uk = mapper_for(inventory("uk"))
    sm, _ = uk.map("w")
    assert sm.donor == ("u",) and sm.cost < mapping.UNMAPPED_COST
    assert uk.map("j")[0].donor == ("j",)
    lv = mapper_for(inventory("lv"))  # has the labial approximant ʋ
    assert lv.map("w")[0].donor == ("ʋ",)
    assert mapper_for(inventory("sw")).map("w")[0].donor == ("w",)
