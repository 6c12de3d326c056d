"""Split assignment: exact, deterministic, seeded, independent of row order, speaker-disjoint."""

import random

import pytest

from synthkit.errors import SynthkitError
from synthkit.export.splits import assign_splits, parse_split


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
