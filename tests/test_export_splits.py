"""Split assignment: exact, deterministic, seeded, independent of row order, speaker-disjoint."""

import random

import pytest

from synthkit.errors import SynthkitError
from synthkit.export import splits
from synthkit.export.splits import assign_splits, overlaps, parse_split, speaker_sources


def corpus(n_speakers=30, seed=0):
    rng = random.Random(seed)
    ids, spk = [], {}
    for s in range(n_speakers):
        for k in range(rng.randint(1, 12)):
            uid = f"s{s:03d}_u{k:02d}"
            ids.append(uid)
            spk[uid] = f"spk{s}"
    return ids, spk


@pytest.mark.parametrize("spec,n,expected", [
    ("train=0.9,dev=0.05,test=0.05", 100, [90, 5, 5]),
    ("train=0.9,dev=0.05,test=0.05", 10, [8, 1, 1]),  # every requested split gets one
    ("a=0.5,b=0.5", 7, [4, 3]),
    ("train=1", 5, [5]),
])
def test_utterance_split_sizes(spec, n, expected):
    ids = [f"u{i}" for i in range(n)]
    out = assign_splits(ids, parse_split(spec), seed=3)
    assert [sum(1 for v in out.values() if v == name) for name in parse_split(spec).names] == expected


def test_deterministic_seeded_and_order_independent():
    ids, spk = corpus()
    spec = parse_split("train=0.8,dev=0.1,test=0.1")
    for by in ("utterance", "speaker"):
        a = assign_splits(ids, spec, 1, by, spk)
        shuffled = ids[:]
        random.Random(9).shuffle(shuffled)
        assert assign_splits(shuffled, spec, 1, by, spk) == a
        assert assign_splits(ids, spec, 2, by, spk) != a


def test_speaker_split_is_disjoint_and_close_to_the_fractions():
    ids, spk = corpus(n_speakers=60)
    spec = parse_split("train=0.8,dev=0.1,test=0.1")
    out = assign_splits(ids, spec, 0, "speaker", spk)
    by_split = {n: {spk[i] for i, s in out.items() if s == n} for n in spec.names}
    assert not (by_split["train"] & by_split["dev"]) and not (by_split["train"] & by_split["test"])
    assert not (by_split["dev"] & by_split["test"])
    for name, frac in spec.parts:
        share = sum(1 for s in out.values() if s == name) / len(ids)
        assert abs(share - frac) < 0.05, (name, share)


def test_too_few_speakers_or_utterances_is_an_error():
    with pytest.raises(SynthkitError, match="too few"):
        assign_splits(["a", "b", "c"], parse_split("train=0.8,dev=0.1,test=0.1"), 0, "speaker",
                      {"a": "x", "b": "x", "c": "y"})
    with pytest.raises(SynthkitError, match="too few"):
        assign_splits(["a", "b"], parse_split("train=0.8,dev=0.1,test=0.1"))


@pytest.mark.parametrize("bad", ["train=0.9,dev=0.2", "train", "train=x", "train=0.5,train=0.5", "=1",
                                 "train=0,dev=1", "9x=1"])
def test_bad_specs(bad):
    with pytest.raises(SynthkitError, match="--split"):
        parse_split(bad)


# --- sentences: several renditions of one sentence never cross splits ------------------------------

def renditions(n_sentences=40, voices=3, n_speakers=11, seed=0):
    """A synthetic corpus as `synth --voices N` makes it: every sentence read by N voices drawn from a
    pool, so each voice reads many sentences and each sentence is read by several voices."""
    rng = random.Random(seed)
    ids, spk, txt = [], {}, {}
    for s in range(n_sentences):
        for k, v in enumerate(rng.sample(range(n_speakers), voices)):
            uid = f"sw_{s:06d}_{k:02d}"
            ids.append(uid)
            spk[uid] = f"espeak:sw+v{v}"
            txt[uid] = splits.sentence_key(f"Sentensi namba {s}." if k else f"  sentensi NAMBA {s}")
    return ids, spk, txt


def by_split(out, key):
    sets = {}
    for i, s in out.items():
        sets.setdefault(s, set()).add(key[i])
    return sets


def test_text_split_keeps_every_sentence_in_one_split_and_is_seeded_and_order_independent():
    ids, spk, txt = renditions()
    spec = parse_split("train=0.8,dev=0.1,test=0.1")
    out = assign_splits(ids, spec, 0, "text", spk, txt)
    sets = by_split(out, txt)
    assert not (sets["train"] & sets["dev"]) and not (sets["train"] & sets["test"]) and not (sets["dev"] & sets["test"])
    assert [sum(1 for s in out.values() if s == n) for n in spec.names] == [96, 12, 12]
    shuffled = ids[:]
    random.Random(4).shuffle(shuffled)
    assert assign_splits(shuffled, spec, 0, "text", spk, txt) == out
    assert assign_splits(ids, spec, 1, "text", spk, txt) != out
    # an utterance split of the same corpus leaks sentences, and splits.overlaps() says so in one line
    leak = splits.overlaps(assign_splits(ids, spec, 0, "utterance"), spec.names, spk, txt)
    assert len(leak) == 2 and leak[0].startswith("splits share") and "sentence(s)" in leak[0]
    assert "speaker(s)" in leak[1] and "\n" not in "".join(leak)
    assert not [w for w in splits.overlaps(out, spec.names, spk, txt) if "sentence" in w]


def test_speaker_plus_text_keeps_both_speakers_and_sentences_in_one_split():
    # 24 speakers in 12 pairs; each pair reads its own 3 sentences (both speakers read each one)
    ids, spk, txt = [], {}, {}
    for p in range(12):
        for s in range(3):
            for v in (0, 1):
                uid = f"p{p:02d}_s{s}_v{v}"
                ids.append(uid)
                spk[uid] = f"spk{p}_{v}"
                txt[uid] = splits.sentence_key(f"pair {p} sentence {s}")
    spec = parse_split("train=0.5,dev=0.25,test=0.25")
    out = assign_splits(ids, spec, 0, "speaker+text", spk, txt)
    assert splits.overlaps(out, spec.names, spk, txt) == []  # neither a speaker nor a sentence is shared
    assert sorted(out.values()).count("dev") == 18
    # in a corpus made with --voices 3 every speaker and sentence are connected: no speaker+text split
    # exists, and the error says why; a speaker split of it shares sentences, and splits.overlaps() says so
    ids, spk, txt = renditions()
    with pytest.raises(SynthkitError, match="1 connected group.*too few.*--split-by text"):
        assign_splits(ids, spec, 0, "speaker+text", spk, txt)
    leak = splits.overlaps(assign_splits(ids, spec, 0, "speaker", spk, txt), spec.names, spk, txt)
    assert len(leak) == 1 and "sentence(s)" in leak[0]


def test_auto_chooses_text_for_renditions_and_utterance_otherwise():
    ids, spk, txt = renditions(n_sentences=5)
    by, why = splits.resolve_split_by("auto", txt)
    assert by == "text" and "5 sentence(s) occur in several rows (15 rows)" in why
    by, why = splits.resolve_split_by("auto", {f"u{i}": splits.sentence_key(f"line {i}") for i in range(9)})
    assert by == "utterance" and why.startswith("auto")
    assert splits.resolve_split_by("speaker", txt) == ("speaker", "--split-by speaker")
    with pytest.raises(SynthkitError, match="--split-by"):
        splits.resolve_split_by("sentence", txt)


@pytest.mark.parametrize("a,b", [
    ("Habari, yako?", "habari yako"),
    ("ＡＢＣ  def", "abc def"),  # NFKC: full-width letters
    ("Straße!", "STRASSE"),  # case folding
    ("café", "cafe\u0301"),  # one sentence in NFC or NFD
    ("«Ndiyo» — alisema.", "ndiyo alisema"),
])
def test_sentence_key_ignores_case_form_punctuation_and_spacing(a, b):
    assert splits.sentence_key(a) == splits.sentence_key(b) is not None


def test_sentence_key_keeps_different_words_apart_and_rows_without_text_alone():
    assert splits.sentence_key("habari yako") != splits.sentence_key("habari zako")
    assert splits.sentence_key(None) is None and splits.sentence_key("?!") is None
    ids = ["a", "b", "c", "d"]
    txt = {"a": "x", "b": "x", "c": None, "d": None}
    outs = [assign_splits(ids, parse_split("p=0.5,q=0.5"), seed, "text", {}, txt) for seed in range(10)]
    assert all(o["a"] == o["b"] for o in outs)
    assert any(o["c"] != o["d"] for o in outs)  # rows without text are groups of their own, not one "no text"


def test_blended_voices_stay_with_the_voices_they_blend():
    # kokoro:blend speakers: a blend shares a voice with every blend (and plain style) of the same source
    assert speaker_sources("kokoro:jf_alpha*0.587+jm_kumo*0.413") == ("kokoro:jf_alpha", "kokoro:jm_kumo")
    assert speaker_sources("espeak-ng:sw+f2") == ("espeak-ng:sw+f2",)  # a variant, not a blend
    assert speaker_sources("kokoro:jf_alpha") == ("kokoro:jf_alpha",)
    styles = ["a", "b", "c", "d", "e", "f"]
    pairs = [("a", "b"), ("b", "c"), ("d", "e")]  # sources a-b-c joined; d-e joined; f alone
    spk = {}
    for k, (x, y) in enumerate(pairs * 4):
        spk[f"blend{k}"] = f"kokoro:{x}*0.6+{y}*0.4"
    for k, st in enumerate(styles * 2):
        spk[f"plain{k}"] = f"kokoro:{st}"
    ids = sorted(spk)
    spec = parse_split("train=0.5,test=0.5")
    out = assign_splits(ids, spec, 0, "speaker", spk)
    split_of_source: dict[str, set[str]] = {}
    for i, s in out.items():
        for src in speaker_sources(spk[i]):
            split_of_source.setdefault(src, set()).add(s)
    assert all(len(v) == 1 for v in split_of_source.values()), split_of_source
    assert split_of_source["kokoro:a"] == split_of_source["kokoro:c"]  # joined through b
    assert len(set(out.values())) == 2
    assert overlaps(out, spec.names, spk, {}) == []
    # an utterance split of the same corpus shares source voices, and the warning counts sources
    leak = {i: ("train" if n % 2 else "test") for n, i in enumerate(ids)}
    warn = overlaps(leak, ("train", "test"), spk, {})
    assert warn and "speaker(s)" in warn[0] and "kokoro:a" in warn[0]
    # every style blended with every other: one group, a clear error
    spk_all = {f"u{k}": f"kokoro:{x}*0.5+{y}*0.5" for k, (x, y) in enumerate(zip(styles, styles[1:] + styles[:1]))}
    with pytest.raises(SynthkitError, match="1 speaker.*blended voices"):
        assign_splits(sorted(spk_all), spec, 0, "speaker", spk_all)


def test_speaker_split_without_blends_is_unchanged_by_source_grouping():
    # assignments recorded with the code before blends were grouped by their sources: the same split
    import hashlib
    import json

    ids, spk = corpus(n_speakers=60)
    spec = parse_split("train=0.8,dev=0.1,test=0.1")
    for by, digest in (("speaker", "363d180494fd7910"), ("speaker+text", "2640b880d1e630a8")):
        out = assign_splits(ids, spec, 3, by, spk, {i: None for i in ids})
        assert hashlib.sha1(json.dumps(sorted(out.items())).encode()).hexdigest()[:16] == digest, by
