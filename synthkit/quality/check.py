"""``synthkit check MANIFEST``: the CI quality gate.

1. Reads the manifest (lazily, twice: once to see which scores rows lack, once to score and judge).
2. Computes the keys the policy's clip rules need and a row lacks (``synthkit score`` with those
   metrics, through :func:`synthkit.engine.map_ordered`); keys a row already has are used as they are,
   so ``synthkit score`` → ``synthkit check scored.jsonl`` does not score twice.
3. Judges every row by the per-clip rules, then the corpus by the corpus rules (see :mod:`.policy`).
4. Prints a short summary naming the failing clips and rules; writes JUnit XML (``--junit``) and an HTML
   report (``--report``) when asked.

Exit codes (CLI): 0 the corpus passes, 1 it fails, 2 the input is unusable (no manifest, no row at all,
a policy that does not parse, a model the policy names that cannot be loaded).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import SynthkitError
from ..manifest import BadRow, ManifestWriter, Utterance, manifest_dir, read_manifest
from .metrics import METRIC_KEYS, SCORE_ERRORS, SCORE_SKIPPED, audio_path, bad_row, has_metric, key_metric, rebase
from .policy import KNOWN_KEYS, Finding, Policy, RowFacts, Violation, clip_violations, corpus_findings, \
    describe_clip_rules

#: Rejected clips listed by name in the text summary (all of them go to JUnit and the report).
MAX_LISTED = 40
#: Keys kept per row for the report besides the numeric scores.
_REPORT_KEYS = ("text", "asr_text", "phone_text", "speaker", "language", "sample_rate")


@dataclass
class ClipResult:
    """One row as the gate saw it: its id, audio path, key values, and the rules it broke."""

    id: str
    audio: str | None
    values: dict[str, Any]
    violations: list[Violation]
    unjudged: list[str]
    skipped: list[str]
    line: int | None = None

    @property
    def kept(self) -> bool:
        return not self.violations


@dataclass
class CheckResult:
    manifest: str
    policy: Policy
    clips: list[ClipResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    scored_metrics: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def rejected(self) -> list[ClipResult]:
        return [c for c in self.clips if not c.kept]

    @property
    def kept_hours(self) -> float:
        return sum(_hours(c) for c in self.clips if c.kept)

    def rule_counts(self) -> Counter:
        return Counter(v.rule for c in self.clips for v in c.violations)

    def unjudged_counts(self) -> Counter:
        return Counter(k for c in self.clips for k in c.unjudged)


def _hours(c: ClipResult) -> float:
    d = c.values.get("file_duration", c.values.get("duration"))
    return float(d) / 3600 if isinstance(d, (int, float)) else 0.0


def _missing_metrics(utt: Utterance, metrics: tuple[str, ...]) -> set[str]:
    skipped = {s.split(":", 1)[0] for s in utt.get(SCORE_SKIPPED) or []}
    return {m for m in metrics if m not in skipped and not has_metric(utt, m)}


def _survey(manifest: Path, metrics: tuple[str, ...]) -> tuple[int, int, set[str]]:
    """(rows, valid rows, metrics some row lacks) in one lazy pass."""
    rows = valid = 0
    need: set[str] = set()
    for row in read_manifest(manifest, errors="yield"):
        rows += 1
        if isinstance(row, Utterance):
            valid += 1
            need |= _missing_metrics(row, metrics)
    return rows, valid, need


def _facts(c: ClipResult, base: Path, utt: Utterance | None) -> RowFacts:
    missing = None
    if utt is not None:
        try:
            if not audio_path(utt, base).is_file():
                missing = "audio file not found"
        except SynthkitError as exc:
            missing = str(exc)
    return RowFacts(c.id, c.kept, _hours(c), c.values.get("speaker"), c.values.get("language"),
                    c.values.get("audio_sha1"), missing, bad_line=c.line is not None)


def run_check(manifest: str | os.PathLike, policy: Policy, workers: int = 1, engine: str = "local",
              address: str | None = None, threads: int | None = None, scores_out: str | os.PathLike | None = None,
              progress: bool = False) -> CheckResult:
    """Score what is missing, judge every row and the corpus. Raises :class:`SynthkitError` for
    unusable input (exit 2 in the CLI)."""
    from .score import map_scores

    manifest = Path(manifest)
    if not manifest.is_file():
        raise SynthkitError(f"manifest not found: {manifest}")
    metrics = policy.needed_metrics()
    n_rows, n_valid, need = _survey(manifest, metrics)
    if n_rows == 0:
        raise SynthkitError(f"{manifest} holds no rows")
    if n_valid == 0:
        raise SynthkitError(f"no line of {manifest} is a manifest row (JSON object with 'id' or 'audio_filepath')")
    todo = tuple(m for m in metrics if m in need)
    threads = threads or max(1, (os.cpu_count() or 1) // max(1, workers))
    config = replace(policy.score, metrics=todo or ("duration",), threads=threads)
    base = manifest_dir(manifest)
    result = CheckResult(str(manifest), policy, scored_metrics=todo)

    def items() -> Iterator[tuple[Utterance | BadRow, str]]:
        for row in read_manifest(manifest, errors="yield"):
            yield row, str(base)

    writer = ManifestWriter(scores_out, resume=False) if scores_out else None
    facts: list[RowFacts] = []
    try:
        if todo:
            rows = map_scores(items(), config, workers, engine, address)
        else:
            rows = (bad_row(r) if isinstance(r, BadRow) else r for r, _ in items())  # nothing to score
        bar = _progress(progress, n_rows)
        dst = Path(scores_out).resolve().parent if scores_out else base
        for row in rows:
            if writer is not None:
                writer.write(rebase(row, base, dst, ("audio_filepath", config.speaker_ref_key)))
            clip = _clip_result(row, policy, base)
            result.clips.append(clip)
            facts.append(_facts(clip, base, row if clip.line is None else None))
            bar.update(1)
        bar.close()
    finally:
        if writer is not None:
            writer.close()
    result.findings = corpus_findings(facts, policy.corpus)
    return result


def _clip_result(row: Utterance, policy: Policy, base: Path) -> ClipResult:
    broken, unjudged = clip_violations(row, policy.clip)
    values = {k: row.get(k) for k in (*KNOWN_KEYS, *_REPORT_KEYS, "file_duration", "file_sample_rate",
                                      "audio_sha1") if row.get(k) is not None}
    try:
        audio: str | None = str(audio_path(row, base))
    except SynthkitError:
        audio = None
    is_bad_line = row.id.startswith("<line ") and "raw" in row.fields and not row.audio_filepath
    if is_bad_line:
        broken = [Violation("manifest_rows", row.get("raw"), None, (row.get(SCORE_ERRORS) or ["not a row"])[0])]
    return ClipResult(row.id, audio, values, broken, unjudged, list(row.get(SCORE_SKIPPED) or []),
                      line=row.get("line") if is_bad_line else None)


def _progress(enabled: bool, total: int):
    import sys

    from tqdm import tqdm

    return tqdm(total=total, unit="clip", file=sys.stderr, disable=not enabled or None, leave=False, desc="check")


# --- output --------------------------------------------------------------------------------------

def summary_text(result: CheckResult, max_listed: int = MAX_LISTED) -> str:
    n = len(result.clips)
    rej = result.rejected
    lines = [f"synthkit check: {'PASS' if result.passed else 'FAIL'} — {result.manifest} ({result.policy.source})",
             f"  {n} rows, {n - len(rej)} kept, {len(rej)} rejected; kept audio {result.kept_hours:.3f} h"
             + (f"; scored now: {', '.join(result.scored_metrics)}" if result.scored_metrics else "")]
    if rej:
        lines.append(f"rejected clips ({len(rej)}):")
        width = min(28, max(len(c.id) for c in rej[:max_listed]))
        for c in rej[:max_listed]:
            lines.append(f"  {c.id:<{width}}  " + "; ".join(f"[{v.rule}] {v.why}" for v in c.violations))
        if len(rej) > max_listed:
            lines.append(f"  … and {len(rej) - max_listed} more (see --junit / --report)")
        counts = result.rule_counts()
        lines.append("rejections by rule: " + ", ".join(f"{r} {k}" for r, k in counts.most_common()))
    lines.append("corpus rules:")
    for f in result.findings:
        extra = ""
        if not f.ok and f.clips:
            shown = ", ".join(f.clips[:10]) + (f", … ({len(f.clips)} in all)" if len(f.clips) > 10 else "")
            extra = f": {shown}"
        lines.append(f"  {'ok  ' if f.ok else 'FAIL'}  {f.rule:<20} {f.detail}{extra}")
    unjudged = result.unjudged_counts()
    if unjudged:
        reasons: dict[str, Counter] = defaultdict(Counter)
        for c in result.clips:
            for s in c.skipped:
                m, _, why = s.partition(": ")
                reasons[m][why] += 1
        parts = []
        for key, k in unjudged.most_common():
            m = key if key in METRIC_KEYS else (key_metric(key) or key)
            why = "; ".join(f"{w} ({c})" for w, c in reasons.get(m, Counter()).most_common(3))
            parts.append(f"{key} on {k} row(s)" + (f" — {why}" if why else ""))
        lines.append("not judged (key missing): " + "; ".join(parts))
    return "\n".join(lines)


def write_junit(result: CheckResult, path: str | os.PathLike) -> None:
    """JUnit XML: one test case per corpus rule and per clip rule (failures list the clips)."""
    cases = []
    for f in result.findings:
        body = "\n".join(f.clips)
        cases.append(("corpus", f.rule, None if f.ok else f.detail, body))
    by_rule: dict[str, list[str]] = defaultdict(list)
    for c in result.clips:
        for v in c.violations:
            by_rule[v.rule].append(f"{c.id}: {v.why}")
    rules = [r for r, _ in describe_clip_rules(result.policy.clip)]
    rules += [r for r in by_rule if r not in rules]
    for rule in rules:
        bad = by_rule.get(rule, [])
        cases.append(("clip", rule, f"{len(bad)} clip(s) rejected" if bad else None, "\n".join(bad)))
    failures = sum(1 for c in cases if c[2])
    suites = ET.Element("testsuites", name="synthkit check", tests=str(len(cases)), failures=str(failures))
    suite = ET.SubElement(suites, "testsuite", name=f"synthkit check {Path(result.manifest).name}",
                          tests=str(len(cases)), failures=str(failures), errors="0", skipped="0")
    for cls, name, failure, body in cases:
        tc = ET.SubElement(suite, "testcase", classname=f"synthkit.check.{cls}", name=name)
        if failure:
            el = ET.SubElement(tc, "failure", message=failure, type="QualityGate")
            el.text = body
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(p, encoding="utf-8", xml_declaration=True)
