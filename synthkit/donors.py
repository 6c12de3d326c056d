"""Donor ranking and the cross-lingual transfer matrix (``synthkit donors``).

A donor's cost for a target text is the token-weighted mean of the mapping cost of every target
segment (see :mod:`synthkit.text.mapping`); its coverage is the share of tokens it renders exactly,
and its acceptable coverage the share mapped within :data:`~synthkit.text.mapping.UNMAPPED_COST`.
Donors are ranked by ``cost + COVERAGE_WEIGHT * (1 - coverage)``, then by acceptable coverage. Constructed and fictional languages
(espeak-ng's ``art`` family: Esperanto, Lojban, Quenya, Klingon, ...) are left out unless asked for.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import SynthkitError
from .text.inventory import TargetInventory
from .text.mapping import Mapper, UnrenderableOverride, load_overrides
from .tts.espeak_phonemes import Inventory

WORST_N = 3
#: How much inexact coverage counts in the ranking: a donor's rank score is
#: ``cost + COVERAGE_WEIGHT * (1 - coverage)``. Cheap near-misses everywhere (nasalizing every /u/)
#: should not beat a donor that renders most segments exactly.
COVERAGE_WEIGHT = 0.02


@dataclass(frozen=True)
class DonorScore:
    voice: str
    name: str
    cost: float
    coverage: float  # share of tokens rendered as the same IPA segment
    acceptable: float  # share of tokens mapped within UNMAPPED_COST
    worst: tuple[tuple[str, str, float, int], ...]  # (target, donor rendering, cost, tokens)

    @property
    def score(self) -> float:
        """What donors are ranked by (lower is better)."""
        return self.cost + COVERAGE_WEIGHT * (1 - self.coverage)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 6)
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
    for seg, n in target.counts.items():
        sm, _ = mapper.map(seg)
        cost += n * sm.cost
        exact += n * (sm.how == "exact")
        ok += n * (not sm.unmapped)
        per_seg.append((sm.cost * n, seg, " ".join(sm.donor) or "∅", sm.cost, n))
    per_seg.sort(reverse=True)
    worst = tuple((seg, r, c, n) for w, seg, r, c, n in per_seg[:WORST_N] if w > 0)
    return DonorScore(inv.voice, inv.name, cost / total, exact / total, ok / total, worst)


def rank_donors(target: TargetInventory, voices: list[str] | None = None, include_constructed: bool = False,
                overrides_path: str | Path | None = None, extra: Sequence[Inventory] = (),
                skipped: list[tuple[str, str]] | None = None) -> list[DonorScore]:
    """Score every backend's donor voices (:func:`synthkit.tts.backends.donor_candidates`: espeak-ng's
    voices and the installed neural voices), or only ``voices`` (``--donor`` names; ``[]`` for none),
    and the ``extra`` donors (e.g. a coqui phoneme model) for ``target``; best first.

    With ``skipped`` (a list), a donor that cannot render a line of ``overrides_path`` (e.g. a global
    override to a segment one voice lacks) is left out and ``(voice, reason)`` appended, so the others
    are still ranked; without it, that raises :class:`~synthkit.text.mapping.UnrenderableOverride`."""
    from .tts import backends

    if target.tokens == 0:
        raise SynthkitError("the text gave no phonemes to map (every sentence was rejected or empty)")
    if voices is not None:
        chosen = [backends.donor_inventory(v) for v in voices]
    else:
        chosen = backends.donor_candidates(include_constructed)
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
    scores.sort(key=lambda s: (round(s.score, 6), -s.acceptable, s.voice))
    return scores


def format_ranking(scores: list[DonorScore], top: int) -> str:
    lines = [f"{'rank':>4}  {'voice':<10} {'score':>7} {'cost':>7} {'exact':>6} {'ok':>6}  "
             "worst-mapped (target→donor cost×tokens)"]
    for i, s in enumerate(scores[:top], 1):
        worst = ", ".join(f"{t}→{r} {c:.2f}×{n}" for t, r, c, n in s.worst) or "—"
        lines.append(f"{i:>4}  {s.voice:<10} {s.score:7.4f} {s.cost:7.4f} {s.coverage:6.1%} {s.acceptable:6.1%}  {worst}")
    return "\n".join(lines)


def transfer_matrix(targets: dict[str, TargetInventory], include_constructed: bool = False
                    ) -> tuple[list[str], list[str], list[list[float]]]:
    """(target codes, donor voices, score[target][donor]); donors ordered by mean score."""
    rows: dict[str, dict[str, float]] = {}
    for code, inv in targets.items():
        rows[code] = {s.voice: s.score for s in rank_donors(inv, include_constructed=include_constructed)}
    donors = sorted(next(iter(rows.values())), key=lambda v: (sum(r[v] for r in rows.values()) / len(rows), v))
    codes = list(targets)
    return codes, donors, [[rows[c][d] for d in donors] for c in codes]


def write_matrix(out_dir: Path, codes: list[str], donors: list[str], costs: list[list[float]]) -> tuple[Path, Path]:
    """Write ``transfer_matrix.csv`` and ``transfer_matrix.png`` (heatmap) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, png_path = out_dir / "transfer_matrix.csv", out_dir / "transfer_matrix.png"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["target", *donors])
        for code, row in zip(codes, costs):
            w.writerow([code, *(f"{c:.4f}" for c in row)])
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = np.asarray(costs)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.16 * len(donors) + 2), max(2.5, 0.45 * len(codes) + 1.5)))
    im = ax.imshow(data, aspect="auto", cmap="viridis_r")
    ax.set_xticks(range(len(donors)), donors, rotation=90, fontsize=6)
    ax.set_yticks(range(len(codes)), codes, fontsize=8)
    ax.set_xlabel("donor voice, best on average at the left")
    ax.set_ylabel("target language")
    ax.set_title("Donor score: token-weighted feature distance + inexact coverage (lower is better)")
    fig.colorbar(im, ax=ax, fraction=0.02, pad=0.01)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)
    return csv_path, png_path
