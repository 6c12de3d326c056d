"""How well each espeak-ng donor voice is heard when it speaks *other* languages: a measured prior.

The phonological score (:mod:`synthkit.donors`) only says whether a donor has segments close to the
target's; most donors cover a target's segments almost exactly, so their scores lie close together
and say little about what a listener hears. Measured by round trip (render through the donor, Whisper
base reads it back, CER against the text; :mod:`synthkit.donor_verify`), donors differ in something
the score does not see: some voices are heard well whatever foreign language they are fed (clear,
steady formant voices), others badly (voices that impose lexical tone or their own reduction rules).

This module keeps those measurements: for every measured target language, each donor's round-trip
CER, turned into a percentile within that language (0 = the donor heard best, 1 = worst; languages
differ in how well the ASR knows them, so raw CERs are not comparable across languages). A donor's
**prior** is the mean of its percentiles over the measured languages, each language weighted by how
reproducible its measured donor ordering is (:func:`language_weight`). The ranking synthkit uses
(:func:`synthkit.donors.rank_donors`) orders donors by ``pct(score) + weight * prior``: the
percentile of the phonological score among the candidates plus the weighted prior (a donor without
measurements gets the neutral 0.5), the target's own language always left out of the prior, so that a
measured language is ranked as one nobody measured would be.

The weight is not set by hand: :func:`choose_weight` takes, from :data:`WEIGHTS`, the one whose
ranking best orders the measured languages' donors by CER, each language judged with a prior made
without it (leave one language out). The table ships as ``synthkit/data/donor_prior.json`` (the CERs,
the phonological scores they were measured beside, and the chosen weight), made by
``recipes/donor_prior/build.py`` from ``bench/bench_donor_verify.py``'s measurements. The benchmark
nests this: for each target, the weight is chosen on the other languages and the prior made from them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

#: The shipped table (see module doc).
PRIOR_PATH = Path(__file__).with_name("data") / "donor_prior.json"
#: Weight of the prior against the percentile of the phonological score (both lie in 0-1) when the
#: table does not give one (equal say).
PRIOR_WEIGHT = 1.0
#: The weights :func:`choose_weight` tries (0: the phonological score alone; large: the prior decides,
#: the score breaks ties).
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
#: A donor with no measurement: neither favoured nor held back.
NEUTRAL = 0.5
#: When even the donor heard best has a CER at or above this, the ASR reads none of them: its round trip
#: cannot tell donors apart (Whisper base on Yoruba and Hindi donors: best 0.52 and 0.74, median 0.75 and
#: 0.86, and no ranking correlates with it). ``donors --verify`` says so, and such a language's
#: measurements do not feed the prior or the choice of its weight (:func:`judged`).
WEAK_JUDGE_CER = 0.5


def judged(cers: Mapping[str, float]) -> bool:
    """Whether a language's round trips can tell its donors apart: the donor heard best has a CER below
    :data:`WEAK_JUDGE_CER`."""
    return bool(cers) and min(cers.values()) < WEAK_JUDGE_CER


def ranks(xs: Sequence[float]) -> list[float]:
    """1-based rank of each of ``xs`` (ties share their mean rank)."""
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    out = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def percentiles(values: Mapping[str, float]) -> dict[str, float]:
    """key -> its rank among ``values`` as a share in 0-1 (0 = lowest value; ties share their mean
    rank); a single value gets 0.5."""
    keys = list(values)
    if len(keys) == 1:
        return {keys[0]: NEUTRAL}
    r = ranks([values[k] for k in keys])
    return {k: (rk - 1) / (len(keys) - 1) for k, rk in zip(keys, r)}


def language_weight(reliability: Mapping[str, float] | None, lang: str) -> float:
    """How much ``lang``'s percentiles count in the prior: the measured reliability of its donor ordering
    (:func:`synthkit.donor_verify.cer_reliability`, clipped to 0-1), i.e. the share of that ordering
    that a second measurement would reproduce; 1 when it was not measured (one window of sentences)."""
    if not reliability or lang not in reliability or reliability[lang] is None:
        return 1.0
    return min(1.0, max(0.0, float(reliability[lang])))


def prior(measured: Mapping[str, Mapping[str, float]], leave_out: Sequence[str] = (),
          min_donors: int = 10, reliability: Mapping[str, float] | None = None) -> dict[str, float]:
    """voice -> mean CER percentile over the languages of ``measured`` (language -> voice -> CER) but
    those in ``leave_out``, each language weighted by the reliability of its measurement
    (:func:`language_weight`); languages with fewer than ``min_donors`` measured donors are not used
    (their percentiles are too coarse), nor those whose round trip cannot tell donors apart
    (:func:`judged`: their order is the ASR's noise)."""
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for lang, cers in measured.items():
        if lang in leave_out or len(cers) < min_donors or not judged(cers):
            continue
        w = language_weight(reliability, lang)
        if w <= 0:
            continue
        for voice, p in percentiles(cers).items():
            sums[voice] = sums.get(voice, 0.0) + w * p
            counts[voice] = counts.get(voice, 0.0) + w
    return {v: sums[v] / counts[v] for v in sums}


def rank_keys(scores: Mapping[str, float], priors: Mapping[str, float],
              weight: float = PRIOR_WEIGHT) -> dict[str, float]:
    """voice -> what the ranking sorts by (lower is better): the percentile of its phonological score
    among ``scores`` plus ``weight`` times its prior (:data:`NEUTRAL` when it has none)."""
    pct = percentiles(dict(scores)) if scores else {}
    return {v: pct[v] + weight * priors.get(v, NEUTRAL) for v in scores}


def loo_spearman(cer: Mapping[str, Mapping[str, float]], scores: Mapping[str, Mapping[str, float]], lang: str,
                 weight: float, leave_out: Sequence[str] = (),
                 reliability: Mapping[str, float] | None = None) -> float:
    """Spearman between ``lang``'s measured CERs and the ranking by ``pct(score) + weight * prior``, the
    prior made without ``lang`` (and without ``leave_out``)."""
    from .donor_verify import spearman

    priors = prior(cer, leave_out=[lang, *leave_out], reliability=reliability)
    voices = [v for v in cer[lang] if v in scores.get(lang, {})]
    keys = rank_keys({v: scores[lang][v] for v in voices}, priors, weight)
    return spearman([keys[v] for v in voices], [cer[lang][v] for v in voices])


def choose_weight(cer: Mapping[str, Mapping[str, float]], scores: Mapping[str, Mapping[str, float]],
                  leave_out: Sequence[str] = (), weights: Sequence[float] = WEIGHTS,
                  reliability: Mapping[str, float] | None = None) -> float:
    """The weight (of ``weights``) with the highest mean :func:`loo_spearman` over the languages of
    ``cer`` but ``leave_out`` and those whose round trip cannot tell donors apart (:func:`judged`); ties
    go to the smaller weight."""
    langs = [lang for lang in cer if lang not in leave_out and lang in scores and judged(cer[lang])]
    if len(langs) < 2:
        return PRIOR_WEIGHT

    def mean_rho(w: float) -> float:
        vals = [loo_spearman(cer, scores, lang, w, leave_out, reliability) for lang in langs]
        vals = [v for v in vals if v == v]
        return sum(vals) / len(vals) if vals else float("-inf")

    return max(weights, key=lambda w: (round(mean_rho(w), 6), -w))


@lru_cache(maxsize=1)
def table() -> dict:
    """The shipped measurements (``{"meta": ..., "weight": w, "cer": {language: {voice: CER}}, "score":
    {language: {voice: phonological score}}}``); empty when the file is absent (then every donor gets
    the neutral prior and the ranking is phonological)."""
    if not PRIOR_PATH.is_file():
        return {"meta": {}, "weight": PRIOR_WEIGHT, "cer": {}, "score": {}}
    return json.loads(PRIOR_PATH.read_text(encoding="utf-8"))


def shipped_prior(leave_out: Sequence[str] = ()) -> dict[str, float]:
    """The prior from the shipped table (``leave_out``: ISO 639-3 codes, as the table names them)."""
    t = table()
    return prior(t["cer"], leave_out, reliability=t.get("reliability"))


def shipped_weight() -> float:
    return float(table().get("weight", PRIOR_WEIGHT))
