"""The measured donor prior (synthkit.donor_prior) and how the ranking uses it."""

import json
import math

import pytest

from synthkit import donor_prior as dp
from synthkit.donor_verify import spearman
from synthkit.donors import rank_donors
from synthkit.languages import resolve
from synthkit.text.g2p import make_g2p
from synthkit.text.inventory import measure_file
from synthkit.tts.espeak_phonemes import inventories

from .conftest import ROOT


def test_percentiles_rank_with_ties():
    assert dp.percentiles({"a": 0.3, "b": 0.1, "c": 0.3, "d": 0.9}) == {"b": 0.0, "a": 0.5, "c": 0.5, "d": 1.0}
    assert dp.percentiles({"a": 1.0}) == {"a": 0.5}


def test_prior_is_the_mean_percentile_over_the_other_languages():
    measured = {
        "xxa": {f"v{i}": i / 10 for i in range(10)},  # v0 best ... v9 worst
        "xxb": {f"v{i}": (9 - i) / 10 for i in range(10)},  # the other way round
        "xxc": {"v0": 0.1, "v1": 0.2},  # too few donors: not used
    }
    both = dp.prior(measured)
    assert all(math.isclose(both[f"v{i}"], 0.5) for i in range(10))
    only_a = dp.prior(measured, leave_out=["xxb"])
    assert only_a["v0"] == 0.0 and only_a["v9"] == 1.0
    assert dp.prior(measured, leave_out=["xxa", "xxb"]) == {}


def test_languages_count_in_the_prior_by_the_reliability_of_their_measurement():
    """A language whose donor ordering a second measurement would barely reproduce (Swahili and Hausa
    through Whisper base: reliability 0.24, 0.35) counts for that share; unmeasured reliability counts 1."""
    measured = {
        "xxa": {f"v{i}": i / 10 for i in range(10)},  # v0 best
        "xxb": {f"v{i}": (9 - i) / 10 for i in range(10)},  # v9 best
    }
    p = dp.prior(measured, reliability={"xxa": 0.75, "xxb": 0.25})
    assert math.isclose(p["v0"], 0.75 * 0.0 + 0.25 * 1.0) and math.isclose(p["v9"], 0.75)
    assert dp.prior(measured, reliability={"xxb": 0.0}) == dp.prior(measured, leave_out=["xxb"])
    assert dp.prior(measured, reliability={"xxa": 1.0, "xxb": 1.0}) == dp.prior(measured)
    assert dp.language_weight({"xxa": 1.4}, "xxa") == 1.0 and dp.language_weight({"xxa": -0.2}, "xxa") == 0.0
    assert dp.language_weight(None, "xxa") == 1.0 and dp.language_weight({"xxb": 0.3}, "xxa") == 1.0


def test_a_language_whose_round_trip_cannot_tell_donors_apart_feeds_neither_prior_nor_weight():
    """When even the donor heard best is read with CER >= WEAK_JUDGE_CER (Whisper base on Yoruba, Hindi),
    its donors' order is the ASR's noise: it does not move the prior, nor the weight chosen."""
    good = {f"v{i}": 0.1 + i / 100 for i in range(10)}  # v0 best
    weak = {f"v{i}": 0.9 - i / 100 for i in range(10)}  # the other way round, but every donor unread
    assert dp.judged(good) and not dp.judged(weak) and not dp.judged({})
    assert dp.prior({"xxa": good, "xxw": weak}) == dp.prior({"xxa": good})
    scores = {lang: {f"v{i}": i / 1000 for i in range(10)} for lang in ("xxa", "xxb", "xxw")}
    cer = {"xxa": good, "xxb": dict(good), "xxw": weak}
    assert dp.choose_weight(cer, scores) == dp.choose_weight({"xxa": good, "xxb": dict(good)}, scores)
    assert not math.isnan(dp.loo_spearman(cer, scores, "xxw", 1.0))  # it is still judged as a target


def test_rank_keys_add_the_prior_to_the_score_percentile():
    keys = dp.rank_keys({"a": 0.001, "b": 0.002, "c": 0.003}, {"a": 1.0, "c": 0.0})
    assert keys == {"a": 1.0, "b": 0.5 + dp.NEUTRAL, "c": 1.0}
    assert dp.rank_keys({"a": 0.001, "b": 0.002}, {}) == {"a": 0.5, "b": 1.5}


@pytest.fixture(scope="module")
def swahili():
    choice = resolve("sw")
    return choice, measure_file(ROOT / "recipes/swahili/text.txt", make_g2p(choice.g2p), choice.iso639_3,
                                choice.iso639_1, choice.script)


def test_ranking_without_prior_is_phonological(swahili):
    _, target = swahili
    ranked = rank_donors(target, voices=["tn", "bg", "cmn", "sw"], priors={})
    scores = [round(s.score, 6) for s in ranked]
    assert scores == sorted(scores)
    assert all(s.prior is None for s in ranked)


def test_a_prior_moves_a_donor_heard_badly_down(swahili):
    _, target = swahili
    plain = [s.voice for s in rank_donors(target, voices=["tn", "bg", "cmn", "it"], priors={})]
    first = plain[0]  # best phonologically (score percentile 0), heard worst (prior 1); the others prior 0
    moved = rank_donors(target, voices=plain, priors={v: float(v == first) for v in plain}, weight=1.0)
    order = [s.voice for s in moved]
    # keys: first 0 + 1 = 1; the others 1/3, 2/3, 1 (a tie with the last, broken by the score)
    assert order == [plain[1], plain[2], first, plain[3]]
    assert moved[2].prior == 1.0 and math.isclose(moved[2].rank_key, 1.0)


def test_shipped_table_covers_the_espeak_donors_and_leaves_the_target_out(swahili):
    choice, target = swahili
    table = dp.table()
    cer = table["cer"]
    assert len(cer) >= 8, sorted(cer)  # measured languages
    n = table["meta"]["sentences"]
    assert table["meta"]["asr"] and min(n.values() if isinstance(n, dict) else [n]) >= 8
    donors = [v for v, inv in inventories().items() if not inv.constructed]
    covered = dp.shipped_prior()
    assert sum(v in covered for v in donors) >= 0.95 * len(donors)
    assert all(0.0 <= p <= 1.0 for p in covered.values())
    # the target's own measurements are not part of its prior
    assert choice.iso639_3 in cer
    ranked = rank_donors(target, voices=["tn", "bg", "cmn"], language=choice.iso639_3)
    others = dp.shipped_prior([choice.iso639_3])
    assert all(math.isclose(s.prior, others[s.voice]) for s in ranked)
    # what the JSON ranking carries
    d = ranked[0].to_dict()
    assert {"score", "prior", "rank_key"} <= set(d) and json.dumps(d)


def test_shipped_prior_orders_donors_as_heard_in_a_language_it_left_out():
    """The claim behind the prior, on the shipped measurements: for each measured language, the prior
    made from the *other* languages alone orders that language's donors by how they were heard."""
    cer, reliability = dp.table()["cer"], dp.table().get("reliability")
    rhos = {}
    for lang, cers in cer.items():
        prior = dp.prior(cer, leave_out=[lang], reliability=reliability)
        voices = [v for v in cers if v in prior]
        rhos[lang] = spearman([prior[v] for v in voices], [cers[v] for v in voices])
    assert sum(r > 0.3 for r in rhos.values()) >= len(rhos) // 2, rhos


def test_the_ranking_with_the_prior_beats_the_score_alone_on_languages_left_out():
    """Nested as in bench_donor_verify: for each measured language, the weight chosen and the prior made
    without it; the ranking it gets is compared with the phonological score alone on its measured CERs."""
    t = dp.table()
    cer, scores, rel = t["cer"], t["score"], t.get("reliability")
    better = 0
    for lang in cer:
        w = dp.choose_weight(cer, scores, leave_out=[lang], reliability=rel)
        with_prior = dp.loo_spearman(cer, scores, lang, w, reliability=rel)
        alone = dp.loo_spearman(cer, scores, lang, 0.0, reliability=rel)
        better += with_prior > alone
    assert better >= 0.75 * len(cer), better
    assert t["weight"] in dp.WEIGHTS and t["weight"] > 0


def test_mergers_count_the_tokens_beyond_each_merged_sets_most_frequent_segment():
    from synthkit.donors import _mergers

    lost, sets = _mergers({("e",): [(30, "e"), (10, "ɛ")], ("o",): [(5, "ɔ"), (20, "o"), (1, "ɔ̃")],
                           ("a",): [(40, "a")], (): [(3, "ʔ"), (2, "h")]})
    assert lost == 10 + 6  # ɛ (10) merged into e; ɔ and ɔ̃ (5 + 1) into o; dropped segments merge with nothing
    assert sets == ("e/ɛ→e", "o/ɔ/ɔ̃→o")


def test_the_contrast_floor_holds_a_donor_that_merges_yoruba_vowels_back_however_well_heard():
    from synthkit.donors import MERGE_TOLERANCE

    choice = resolve("yor-Latn")
    target = measure_file(ROOT / "tests/data/yor.txt", make_g2p(choice.g2p), choice.iso639_3, choice.iso639_1,
                          choice.script)
    # sw renders Yoruba /ɛ/ as [e] and /ɔ/ as [o] (its inventory has no open-mid vowels); sr keeps them apart
    voices = ["sw", "sr", "bg"]
    ranked = rank_donors(target, voices=voices, priors={"sw": 0.0, "sr": 1.0, "bg": 1.0}, weight=8.0)
    by = {s.voice: s for s in ranked}
    assert {"ɛ/e→e", "ɔ/o→o"} <= {m.replace("e/ɛ", "ɛ/e").replace("o/ɔ", "ɔ/o") for m in by["sw"].mergers}
    assert by["sw"].merged > by["sr"].merged + MERGE_TOLERANCE and by["sw"].below_floor
    assert not by["sr"].below_floor and by["sw"].rank_key < by["sr"].rank_key  # the prior favours sw ...
    assert ranked[-1].voice == "sw"  # ... and it still comes last


def test_a_long_segment_rendered_short_plus_lengthen_mark_is_no_merger():
    # Czech /i/ and /iː/ through a donor without long vowels: [[i]] and [[i:]] stay apart
    choice = resolve("cs")
    target = measure_file(ROOT / "tests/data/ces.txt", make_g2p(choice.g2p), choice.iso639_3, choice.iso639_1,
                          choice.script)
    assert target.counts.get("iː") and target.counts.get("i")
    (es,) = rank_donors(target, voices=["es"], priors={})  # Spanish has no iː: rendered [[i:]]
    assert not any(m.startswith(("i/iː", "iː/i")) for m in es.mergers), es.mergers
