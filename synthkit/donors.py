"""Donor ranking and the cross-lingual transfer matrix (``synthkit donors``).

A donor's cost for a target text is the token-weighted mean of the mapping cost of every target
segment (see :mod:`synthkit.text.mapping`); its coverage is the share of tokens it renders exactly,
and its acceptable coverage the share mapped within :data:`~synthkit.text.mapping.UNMAPPED_COST`.
A donor's phonological score is ``cost + COVERAGE_WEIGHT * (1 - coverage)``. Donors are ranked by the
percentile of that score among the candidates plus a measured prior: how well the donor is heard when it
speaks other languages (:mod:`synthkit.donor_prior`; the target's own language left out), then by the
score and acceptable coverage. Before all that comes a **contrast floor**: a donor that merges more of the
target's contrasts than the best candidate does (two target segments rendered alike, e.g. Yoruba /ɛ/ and
/e/ both as [e]: its ``merged`` share of tokens, counted beyond the most frequent segment of each merged
set) by more than :data:`MERGE_TOLERANCE` of the tokens is ranked after every donor that does not,
however well it is heard: speech that a listener understands but that has lost a phonemic contrast
teaches a model the wrong language. Constructed and fictional languages
(espeak-ng's ``art`` family: Esperanto, Lojban, Quenya, Klingon, ...) are left out unless asked for.

Excluding donors (:func:`excluded_voices`), to simulate a language no voice speaks with one that has a
voice: a *language* (``ar``, ``ara``, ``en``) excludes every voice of that language (``en`` and ``eng``:
en-gb, en-us, en-029, ...; ISO 639-3 of the voice's primary subtag); a *voice* code with a region or
variant (``en-us``) only that voice. A *family* is one of the groups espeak-ng files its voices under,
named by ISO 639-5 codes (``sem`` Semitic: am ar he mt ti; ``gmw`` West Germanic; ``roa`` Romance;
``bnt`` Bantu; ...; :func:`families` lists them), or a language code standing for the group its voice is
filed under (``ar`` -> ``sem``). The groups are espeak-ng's, and shallow: ``inc`` (Indic) and ``ira``
(Iranian) are separate groups although both Indo-European.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .errors import SynthkitError
from .text.inventory import TargetInventory
from .text.mapping import Mapper, UnrenderableOverride, load_overrides
from .tts.espeak_phonemes import Inventory, inventories

WORST_N = 3
#: How much inexact coverage counts in the ranking: a donor's rank score is
#: ``cost + COVERAGE_WEIGHT * (1 - coverage)``. Cheap near-misses everywhere (nasalizing every /u/)
#: should not beat a donor that renders most segments exactly.
COVERAGE_WEIGHT = 0.02
#: The contrast floor (module doc): a donor whose merged share of tokens exceeds the lowest among the
#: candidates by more than this is ranked after every donor within it. 0.10: Yoruba donors merging
#: /ɛ e/ and /ɔ o/ (sw, am, ti, nl, om, fa-latn) lose 10.4-11.1 % of the tokens and fall below it. Most
#: smaller mergers are between segments espeak-ng's narrow G2P writes apart but a language does not
#: contrast (Spanish ð/β and ɣ/x, Turkish ɪ/i): at 0.05 the floor held back ~47 of 128 donors for
#: Spanish and Italian that listeners (Whisper) hear well, and the ranking's Spearman with the measured
#: CER fell from 0.77 to 0.56 (es) and 0.80 to 0.47 (it) (`bench/bench_donor_verify.py`).
MERGE_TOLERANCE = 0.10


@dataclass(frozen=True)
class DonorScore:
    voice: str
    name: str
    cost: float
    coverage: float  # share of tokens rendered as the same IPA segment
    acceptable: float  # share of tokens mapped within UNMAPPED_COST
    worst: tuple[tuple[str, str, float, int], ...]  # (target, donor rendering, cost, tokens)
    #: share of tokens whose contrast the donor loses: target segments rendered alike, each merged set
    #: counted beyond its most frequent segment (module doc)
    merged: float = 0.0
    #: the merged sets, most tokens first, as ``"ɛ/e→e"`` (target segments / donor rendering)
    mergers: tuple[str, ...] = ()
    #: ranked after the donors within the contrast floor (:data:`MERGE_TOLERANCE`)
    below_floor: bool = False
    #: how the donor is heard in other languages (0 = best, 1 = worst; see synthkit.donor_prior); None:
    #: not measured (ranked as the neutral 0.5)
    prior: float | None = None
    #: what the ranking sorts by (lower is better): percentile of ``score`` among the candidates + prior
    rank_key: float | None = None

    @property
    def score(self) -> float:
        """The phonological score (lower is better)."""
        return self.cost + COVERAGE_WEIGHT * (1 - self.coverage)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 6)
        d["merged"] = round(self.merged, 4)
        d["mergers"] = list(self.mergers)
        for k in ("prior", "rank_key"):
            d[k] = None if d[k] is None else round(d[k], 4)
        d["worst"] = [{"target": t, "donor": r, "cost": round(c, 4), "tokens": n} for t, r, c, n in self.worst]
        return d


def mapper_for(inv: Inventory, overrides_path: str | Path | None = None) -> Mapper:
    overrides = load_overrides(overrides_path, inv.voice) if overrides_path else None
    return Mapper(inv.segments, overrides, inv.native, inv.voice)


def score_donor(target: TargetInventory, inv: Inventory, overrides_path: str | Path | None = None) -> DonorScore:
    mapper = mapper_for(inv, overrides_path)
    total = target.tokens or 1
    cost = exact = ok = 0.0
    per_seg = []
    renderings: dict[tuple[str, ...], list[tuple[int, str]]] = {}
    for seg, n in target.counts.items():
        sm, lengthen = mapper.map(seg)
        cost += n * sm.cost
        exact += n * (sm.how == "exact")
        ok += n * (not sm.unmapped)
        per_seg.append((sm.cost * n, seg, " ".join(sm.donor) or "∅", sm.cost, n))
        # a long segment the donor lacks is its short one plus espeak-ng's lengthen mark: still apart
        renderings.setdefault(tuple(sm.donor) + (("ː",) if lengthen else ()), []).append((n, seg))
    per_seg.sort(reverse=True)
    worst = tuple((seg, r, c, n) for w, seg, r, c, n in per_seg[:WORST_N] if w > 0)
    merged, mergers = _mergers(renderings)
    return DonorScore(inv.voice, inv.name, cost / total, exact / total, ok / total, worst,
                      merged / total, mergers)


def _mergers(renderings: dict[tuple[str, ...], list[tuple[int, str]]]) -> tuple[int, tuple[str, ...]]:
    """(tokens whose contrast is lost, the merged sets as ``"ɛ/e→e"``, most lost tokens first) from donor
    rendering -> [(tokens, target segment)]. A segment dropped (rendered as nothing) merges with nothing."""
    lost = []
    for donor, segs in renderings.items():
        if len(segs) < 2 or not donor:
            continue
        segs = sorted(segs, key=lambda x: (-x[0], x[1]))
        said = " ".join(donor).replace(" ː", "ː")
        lost.append((sum(n for n, _ in segs[1:]), "/".join(s for _, s in segs) + "→" + said))
    lost.sort(key=lambda x: (-x[0], x[1]))
    return sum(n for n, _ in lost), tuple(m for _, m in lost)


def _iso3(code: str) -> str:
    from .languages import _iso

    primary = code.lower().split("-")[0]
    info = _iso(primary) if len(primary) in (2, 3) and primary.isalpha() else None
    return info[0] if info else primary


def families() -> dict[str, list[str]]:
    """espeak-ng's voice groups (ISO 639-5 family codes) -> the donor voices filed under each."""
    out: dict[str, list[str]] = {}
    for voice, inv in sorted(inventories().items()):
        out.setdefault(inv.identifier.split("/")[0] if "/" in inv.identifier else inv.voice, []).append(voice)
    return out


def excluded_voices(languages: Sequence[str] = (), families_: Sequence[str] = ()) -> dict[str, str]:
    """Donor voices left out by ``--exclude LANG`` and ``--exclude-family FAM`` -> why (see module doc).
    Raises :class:`SynthkitError` for a code that names nothing."""
    invs = inventories()
    out: dict[str, str] = {}
    for code in languages:
        c = code.strip().lower()
        if c in invs and "-" in c:
            hits = [c]
        else:
            hits = [v for v in invs if _iso3(v) == _iso3(c)]
        if not hits:
            raise SynthkitError(f"--exclude {code}: no espeak-ng donor voice speaks {code!r}; "
                                "see 'synthkit languages'")
        for v in hits:
            out.setdefault(v, f"language {code}")
    groups = families()
    for code in families_:
        c = code.strip().lower()
        if c in groups:
            fam = c
        else:
            voices = [v for v in invs if _iso3(v) == _iso3(c)]
            if not voices:
                raise SynthkitError(f"--exclude-family {code}: neither an espeak-ng voice family "
                                    f"({', '.join(sorted(groups))}) nor a language with a voice")
            fam = invs[voices[0]].identifier.split("/")[0]
        for v in groups.get(fam, []):
            out.setdefault(v, f"family {fam}" + (f" (of {code})" if fam != c else ""))
    return out


def rank_donors(target: TargetInventory, voices: list[str] | None = None, include_constructed: bool = False,
                overrides_path: str | Path | None = None, extra: Sequence[Inventory] = (),
                exclude: Collection[str] = (), skipped: list[tuple[str, str]] | None = None,
                language: str | None = None, priors: dict[str, float] | None = None,
                weight: float | None = None) -> list[DonorScore]:
    """Score every backend's donor voices (:func:`synthkit.tts.backends.donor_candidates`: espeak-ng's
    voices and the installed neural voices) but those in ``exclude`` (voice codes, see
    :func:`excluded_voices`), or only ``voices`` (``--donor`` names; ``[]`` for none), and the ``extra``
    donors (e.g. a coqui phoneme model) for ``target``; best first.

    With ``skipped`` (a list), a donor that cannot render a line of ``overrides_path`` (e.g. a global
    override to a segment one voice lacks) is left out and ``(voice, reason)`` appended, so the others
    are still ranked; without it, that raises :class:`~synthkit.text.mapping.UnrenderableOverride`.

    Ranked by :func:`synthkit.donor_prior.rank_keys`: the score's percentile among the donors scored plus
    ``weight`` times the donor's prior, from the shipped measurements less those of ``language`` (the
    target's ISO 639-3 code), or ``priors`` when given (voice -> prior; ``{}`` ranks by the score alone);
    the weight is the shipped table's (:func:`synthkit.donor_prior.choose_weight`) unless given."""
    from . import donor_prior
    from .tts import backends

    if target.tokens == 0:
        raise SynthkitError("the text gave no phonemes to map (every sentence was rejected or empty)")
    if voices is not None:
        chosen = [backends.donor_inventory(v) for v in voices]
    else:
        chosen = [i for i in backends.donor_candidates(include_constructed) if i.voice not in exclude]
        if not chosen and not extra:
            raise SynthkitError("every donor voice was excluded (--exclude / --exclude-family)")
    chosen = list({inv.voice: inv for inv in [*chosen, *extra]}.values())  # a donor named twice counts once
    scores = []
    for inv in chosen:
        try:
            scores.append(score_donor(target, inv, overrides_path))
        except UnrenderableOverride as exc:
            if skipped is None:
                raise
            skipped.append((inv.voice, str(exc)))
    if chosen and not scores:
        raise SynthkitError(f"no donor can render the mapping overrides in {overrides_path} "
                            f"(first: {skipped[0][1] if skipped else '?'})")
    from .text.mapping import save_feature_cache

    save_feature_cache()
    if priors is None:
        priors = donor_prior.shipped_prior([language] if language else ())
    if weight is None:
        weight = donor_prior.shipped_weight()
    keys = donor_prior.rank_keys({s.voice: round(s.score, 6) for s in scores}, priors, weight)
    floor = min((s.merged for s in scores), default=0.0) + MERGE_TOLERANCE
    scores = [replace(s, prior=priors.get(s.voice), rank_key=keys[s.voice], below_floor=s.merged > floor + 1e-9)
              for s in scores]
    scores.sort(key=lambda s: (s.below_floor, round(s.rank_key, 6), round(s.score, 6), -s.acceptable, s.voice))
    return scores


def format_ranking(scores: list[DonorScore], top: int) -> str:
    """The ranking as a table: ``score`` is phonological, ``heard`` the donor's prior (how it is heard in
    other languages, 0 = best; – = not measured), ``key`` what the rank is by, ``lost`` the share of tokens
    whose contrast the donor merges (``!``: below the contrast floor, ranked after the others whatever its
    key), then the worst-mapped segments and the merged sets."""
    lines = [f"{'rank':>4}  {'voice':<10} {'key':>5} {'score':>7} {'heard':>5} {'cost':>7} {'exact':>6} {'ok':>6} "
             f"{'lost':>6}  worst-mapped (target→donor cost×tokens); merged"]
    for i, s in enumerate(scores[:top], 1):
        worst = ", ".join(f"{t}→{r} {c:.2f}×{n}" for t, r, c, n in s.worst) or "—"
        if s.mergers:
            worst += "; merges " + ", ".join(s.mergers[:3]) + (" …" if len(s.mergers) > 3 else "")
        key = "–" if s.rank_key is None else f"{s.rank_key:.2f}"
        heard = "–" if s.prior is None else f"{s.prior:.2f}"
        lost = f"{s.merged:5.1%}" + ("!" if s.below_floor else " ")
        lines.append(f"{i:>4}  {s.voice:<10} {key:>5} {s.score:7.4f} {heard:>5} {s.cost:7.4f} {s.coverage:6.1%} "
                     f"{s.acceptable:6.1%} {lost:>6}  {worst}")
    if any(s.below_floor for s in scores[:top]):
        lines.append(f"! merges more of the target's contrasts than the best donor by over {MERGE_TOLERANCE:.0%} "
                     "of the tokens: ranked after every donor that does not")
    return "\n".join(lines)


def transfer_matrix(targets: dict[str, TargetInventory], include_constructed: bool = False,
                    exclude: Collection[str] = ()) -> tuple[list[str], list[str], list[list[float]]]:
    """(target codes, donor voices, score[target][donor]); donors ordered by mean score."""
    rows: dict[str, dict[str, float]] = {}
    for code, inv in targets.items():
        rows[code] = {s.voice: s.score for s in rank_donors(inv, include_constructed=include_constructed,
                                                            exclude=exclude)}
    donors = sorted(next(iter(rows.values())), key=lambda v: (sum(r[v] for r in rows.values()) / len(rows), v))
    codes = list(targets)
    return codes, donors, [[rows[c][d] for d in donors] for c in codes]


#: Above this many donors the heatmap cells carry no numbers (they would not be readable).
ANNOTATE_MAX = 40


def write_matrix(out_dir: Path, codes: list[str], donors: list[str], costs: list[list[float]],
                 name: str = "transfer_matrix", kind: str = "score") -> tuple[Path, Path]:
    """Write ``<name>.csv`` and ``<name>.png`` (heatmap) into ``out_dir``.

    ``kind="score"`` (phonological scores): the scores of one target lie close together (0-0.04 for
    most), and targets differ in how hard they are, so each row is coloured by the donor's rank within
    that target (best = brightest), not by the raw score; the raw scores are in the CSV and, for up to
    :data:`ANNOTATE_MAX` donors, written in the cells. ``kind="cer"`` (measured round-trip CER): CER
    means the same for every target, so colours are the CER itself (0 to 1); empty cells were not
    measured (the ASR does not know the language)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, png_path = out_dir / f"{name}.csv", out_dir / f"{name}.png"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["target", *donors])
        for code, row in zip(codes, costs):
            w.writerow([code, *("" if c is None or c != c else f"{c:.4f}" for c in row)])
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = np.asarray([[np.nan if c is None else c for c in row] for row in costs], dtype=float)
    annotate = len(donors) <= ANNOTATE_MAX
    cell_w = 0.55 if annotate else 0.16
    fig, ax = plt.subplots(figsize=(max(6.0, cell_w * len(donors) + 2.5), max(2.5, 0.45 * len(codes) + 1.8)))
    if kind == "score":
        shown = np.full_like(data, np.nan)
        for i, row in enumerate(data):
            ok = ~np.isnan(row)
            if ok.sum() > 1:
                order = np.argsort(np.argsort(row[ok], kind="stable"), kind="stable")
                shown[i, ok] = order / (ok.sum() - 1)
        im = ax.imshow(shown, aspect="auto", cmap="viridis_r", vmin=0, vmax=1)
        label = "rank of the donor for this target (0 = best, 1 = worst)"
        title = "Donor score per target (phonological: feature distance + inexact coverage), coloured by rank"
    else:
        im = ax.imshow(data, aspect="auto", cmap="magma_r", vmin=0, vmax=1)
        label = "round-trip CER (0 = every character heard right)"
        title = "Measured round-trip CER: donor-rendered speech read back by a multilingual ASR"
    if annotate:
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                if not np.isnan(data[i, j]):
                    dark = (shown[i, j] if kind == "score" else data[i, j]) > 0.5  # the _r maps: high = dark
                    ax.text(j, i, f"{data[i, j]:.3f}" if kind == "score" else f"{data[i, j]:.2f}",
                            ha="center", va="center", fontsize=5.5, color="white" if dark else "black")
    ax.set_xticks(range(len(donors)), donors, rotation=90, fontsize=6 if not annotate else 7)
    ax.set_yticks(range(len(codes)), codes, fontsize=8)
    ax.set_xlabel("donor voice, best on average at the left")
    ax.set_ylabel("target language")
    ax.set_title(title, fontsize=9)
    cb = fig.colorbar(im, ax=ax, fraction=0.02, pad=0.01)
    cb.set_label(label, fontsize=7)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)
    return csv_path, png_path
