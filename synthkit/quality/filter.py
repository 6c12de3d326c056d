"""``synthkit filter SCORED --policy P -o DIR``: split a scored manifest by the policy's per-clip rules.

Writes ``DIR/kept.jsonl`` and ``DIR/rejected.jsonl``. Each rejected row is the input row plus
``reject_reasons``: one entry per rule it broke, ``{"rule", "value", "limit", "why"}`` (e.g.
``{"rule": "cer", "value": 0.41, "limit": 0.25, "why": "cer 0.41 > max 0.25"}``). A line that is not a
manifest row goes to ``rejected.jsonl`` with its line number and text. Filtering scores nothing (run
``synthkit score`` first): a rule whose key a row lacks does not judge that row unless the rule says
``required: true``. The summary says, per rule, on how many rows it judged and why the others were not;
a rule that judged no row at all is named "NOT JUDGED". Both files are written under temporary names
and renamed when complete; the input is never modified (``DIR/kept.jsonl`` or ``DIR/rejected.jsonl``
being the input, or a file it names, is refused before any work: see :mod:`synthkit.guard`). Relative
``audio_filepath`` values are rewritten relative to ``DIR`` so the outputs
stay usable where they are.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SynthkitError
from ..manifest import BadRow, dumps_row, manifest_dir, read_manifest
from .metrics import SCORED_ON_RENDER, rebase
from .policy import Policy, RuleTally, clip_violations

KEPT_NAME = "kept.jsonl"
REJECTED_NAME = "rejected.jsonl"


@dataclass
class FilterSummary:
    kept: int = 0
    rejected: int = 0
    by_rule: Counter = field(default_factory=Counter)
    unjudged: Counter = field(default_factory=Counter)
    tally: RuleTally | None = None
    on_render: Counter = field(default_factory=Counter)  # metric -> rows whose value is of the rendering

    def text(self) -> str:
        n = self.kept + self.rejected
        lines = [f"kept {self.kept} of {n} rows, rejected {self.rejected}"]
        for rule, c in self.by_rule.most_common():
            lines.append(f"  {rule}: {c} rejected")
        for st in self.tally.statuses() if self.tally else []:
            if st.state == "not judged":
                lines.append(f"  {st.rule}: NOT JUDGED — {st.coverage()}")
            elif st.judged < st.rows:
                lines.append(f"  {st.rule}: not judged on {st.rows - st.judged} row(s): {st.why_not()}")
        if self.on_render:
            lines.append("  judged on the unaugmented render (augmented synthetic rows): "
                         + ", ".join(f"{m} ({k} rows)" for m, k in self.on_render.most_common()))
        return "\n".join(lines)


def filter_manifest(scored: str | os.PathLike, policy: Policy, out_dir: str | os.PathLike) -> FilterSummary:
    scored, out = Path(scored), Path(out_dir)
    if not scored.is_file():
        raise SynthkitError(f"scored manifest not found: {scored}")
    if out.exists() and not out.is_dir():
        raise SynthkitError(f"-o {out} exists and is not a folder")
    from .. import guard

    inputs = list(guard.manifest_inputs(scored, ("audio_filepath", policy.score.speaker_ref_key)))
    if Path(str(policy.source)).is_file():
        inputs.append(guard.Input.file("the policy", str(policy.source)))
    guard.guard(guard.stage_outputs("-o", out, (KEPT_NAME, REJECTED_NAME)), inputs)
    out.mkdir(parents=True, exist_ok=True)
    src_dir, out_abs = manifest_dir(scored), out.resolve()
    summary = FilterSummary(tally=RuleTally(policy.clip))
    tmp_k = out / f".{KEPT_NAME}.{os.getpid()}.tmp"
    tmp_r = out / f".{REJECTED_NAME}.{os.getpid()}.tmp"
    try:
        with open(tmp_k, "w", encoding="utf-8") as fk, open(tmp_r, "w", encoding="utf-8") as fr:
            for row in read_manifest(scored, errors="yield"):
                if isinstance(row, BadRow):
                    d = row.to_dict()
                    d.pop("reasons", None)
                    d["reject_reasons"] = [{"rule": "manifest_rows", "value": None, "limit": None, "why": row.reason}]
                    fr.write(dumps_row(d) + "\n")
                    summary.rejected += 1
                    summary.by_rule["manifest_rows"] += 1
                    continue
                row = rebase(row, src_dir, out_abs, ("audio_filepath", policy.score.speaker_ref_key))
                broken, unjudged = clip_violations(row, policy.clip)
                summary.unjudged.update(unjudged)
                summary.tally.add(row, broken)
                summary.on_render.update(m for m in row.get(SCORED_ON_RENDER) or [] if isinstance(m, str))
                if broken:
                    fr.write(dumps_row(row.with_fields(reject_reasons=[v.to_dict() for v in broken])) + "\n")
                    summary.rejected += 1
                    summary.by_rule.update({v.rule for v in broken})
                else:
                    fk.write(dumps_row(row) + "\n")
                    summary.kept += 1
        os.replace(tmp_k, out / KEPT_NAME)
        os.replace(tmp_r, out / REJECTED_NAME)
    finally:
        for t in (tmp_k, tmp_r):
            t.unlink(missing_ok=True)
    return summary
