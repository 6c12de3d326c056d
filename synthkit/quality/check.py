"""``synthkit check MANIFEST``: the CI quality gate.

1. Reads the manifest (lazily, twice: once to see which scores rows lack, once to score and judge).
2. Computes the keys the policy's clip rules need and a row lacks (``synthkit score`` with those
   metrics, through :func:`synthkit.engine.map_ordered`); keys a row already has are used as they are,
   so ``synthkit score`` → ``synthkit check scored.jsonl`` does not score twice.
3. Judges every row by the per-clip rules, then the corpus by the corpus rules (see :mod:`.policy`).
4. Prints a short summary naming the failing clips and rules; writes JUnit XML (``--junit``) and an HTML
   report (``--report``) when asked.

Verdicts name only what was judged: "scored now" lists the metrics that produced a value on at least one
row in this run (with the row count); every per-clip rule says on how many rows it judged; a rule that
judged no row (its key missing everywhere: no text, a language the ASR model does not know, a metric not
scored) is *not judged* — a JUnit ``<skipped>`` with the reason, never a pass — unless the policy marks it
``required: true``, which rejects the rows that lack it and so fails.

Exit codes (CLI): 0 the corpus passes, 1 it fails, 2 the input is unusable (no manifest, no row at all,
a policy that does not parse, a model the policy names that cannot be loaded).
"""

from __future__ import annotations

import io
import os
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import SynthkitError
from ..manifest import BadRow, ManifestWriter, Utterance, manifest_dir, read_manifest
from .metrics import SCORE_ERRORS, SCORE_SKIPPED, SCORED_ON_RENDER, audio_path, bad_row, has_metric, rebase
from .policy import KNOWN_KEYS, Finding, Policy, RowFacts, RuleStatus, RuleTally, Violation, clip_violations, \
    corpus_findings, describe_clip_rules

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
    not_judged: dict[str, str] = field(default_factory=dict)  # rule -> why it could not judge this row

    @property
    def kept(self) -> bool:
        return not self.violations


@dataclass
class CheckResult:
    manifest: str
    policy: Policy
    clips: list[ClipResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: metric -> rows it produced a value for in this run (metrics asked for but scored on no row: absent)
    scored_counts: dict[str, int] = field(default_factory=dict)
    tally: RuleTally | None = None
    #: metric -> rows whose value was measured on the unaugmented render (augmented synthetic rows)
    on_render: Counter = field(default_factory=Counter)

    @property
    def passed(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def scored_metrics(self) -> tuple[str, ...]:
        """Metrics actually computed on at least one row in this run."""
        return tuple(m for m, n in self.scored_counts.items() if n)

    def rule_statuses(self) -> list[RuleStatus]:
        """Every per-clip rule with on how many rows it judged and rejected (see :class:`RuleStatus`)."""
        if self.tally is None:
            self.tally = RuleTally(self.policy.clip)
            for c in self.clips:
                if c.line is None:
                    self.tally.count(c.not_judged, c.violations)
        return self.tally.statuses()

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


def guard_outputs(manifest: str | os.PathLike, policy: Policy, junit: str | os.PathLike | None = None,
                  report_dir: str | os.PathLike | None = None, scores_out: str | os.PathLike | None = None) -> None:
    """Before any work: ``--junit``, ``--report`` and ``--scores`` are no input (the manifest, a file its
    rows name, the policy) and no two of them collide; their folders take files (see :mod:`synthkit.guard`)."""
    from .. import guard
    from ..report import AUDIO_DIR, REPORT_NAME

    outputs = []
    if junit is not None:
        outputs.append(guard.Output.file("--junit", junit))
    if scores_out is not None:
        outputs.append(guard.Output.file("--scores", scores_out))
    if report_dir is not None:
        rd = Path(report_dir)
        if rd.exists() and not rd.is_dir():
            raise SynthkitError(f"--report {rd} exists and is not a folder")
        outputs += guard.stage_outputs("--report", rd, (REPORT_NAME,), (AUDIO_DIR,))
    if not outputs:
        return
    if not Path(manifest).is_file():
        raise SynthkitError(f"manifest not found: {manifest}")
    inputs = list(guard.manifest_inputs(manifest, ("audio_filepath", policy.score.speaker_ref_key)))
    if policy.source and Path(str(policy.source)).is_file():
        inputs.append(guard.Input.file("the policy", str(policy.source)))
    guard.guard(outputs, inputs)


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
    result = CheckResult(str(manifest), policy, scored_counts={m: 0 for m in todo}, tally=RuleTally(policy.clip))
    lacked: deque[set[str]] = deque()  # per row in flight, the metrics it lacked (results come in input order)

    def items() -> Iterator[tuple[Utterance | BadRow, str]]:
        for row in read_manifest(manifest, errors="yield"):
            lacked.append(_missing_metrics(row, todo) if isinstance(row, Utterance) else set())
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
            for m in lacked.popleft():
                if has_metric(row, m):
                    result.scored_counts[m] += 1
            if writer is not None:
                writer.write(rebase(row, base, dst, ("audio_filepath", config.speaker_ref_key)))
            clip = _clip_result(row, policy, base)
            result.on_render.update(m for m in row.get(SCORED_ON_RENDER) or [] if isinstance(m, str))
            if clip.line is None:
                assert result.tally is not None
                clip.not_judged = result.tally.add(row, clip.violations)
            result.clips.append(clip)
            facts.append(_facts(clip, base, row if clip.line is None else None))
            bar.update(1)
        bar.close()
    finally:
        if writer is not None:
            writer.close()
    result.findings = corpus_findings(facts, policy.corpus) + _required_findings(result)
    return result


def _required_findings(result: CheckResult) -> list[Finding]:
    """A ``required: true`` rule that judged no row fails the gate itself (whatever ``min_kept_fraction``
    allows): the policy said the corpus must be judged by it."""
    if not any(b.required for b in result.policy.clip.bounds):
        return []
    unjudged = [st for st in result.rule_statuses() if st.required and st.judged == 0 and st.rows]
    if not unjudged:
        return [Finding("required_rules", True, "every required rule judged rows")]
    return [Finding("required_rules", False, "; ".join(f"{st.rule} is required but {st.coverage()}"
                                                       for st in unjudged))]


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

def on_render_note(result: CheckResult) -> str:
    """Which metrics were judged on the unaugmented render of augmented synthetic rows, on how many rows."""
    parts = ", ".join(f"{m} ({k} rows)" for m, k in result.on_render.most_common())
    return (f"judged on the unaugmented render, not on the augmentation asked for: {parts} "
            "(score.on_render in a policy; `synthkit regen --no-augment` makes that audio)")


def _scored_now(result: CheckResult) -> str:
    n = sum(1 for c in result.clips if c.line is None)
    parts = [f"{m} ({k} of {n} rows)" if k < n else m for m, k in result.scored_counts.items() if k]
    return "scored now: " + ", ".join(parts) if parts else ""


_STATE_LABEL = {"failed": "FAIL", "passed": "ok", "not judged": "NOT JUDGED"}


def summary_text(result: CheckResult, max_listed: int = MAX_LISTED) -> str:
    n = len(result.clips)
    rej = result.rejected
    lines = [f"synthkit check: {'PASS' if result.passed else 'FAIL'} — {result.manifest} ({result.policy.source})",
             f"  {n} rows, {n - len(rej)} kept, {len(rej)} rejected; kept audio {result.kept_hours:.3f} h"]
    scored = _scored_now(result)
    if scored:
        lines.append(f"  {scored}")
    if result.on_render:
        lines.append(f"  {on_render_note(result)}")
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
    statuses = result.rule_statuses()
    lines.append("clip rules:")
    for st in statuses:
        rejected = f"{st.rejected} rejected; " if st.rejected else ""
        lines.append(f"  {_STATE_LABEL[st.state]:<10}  {st.rule:<20} {rejected}{st.coverage()}")
    if any(st.state == "not judged" for st in statuses):
        lines.append("  (a rule that judged no row neither passes nor fails the gate; `required: true` in a policy "
                     "makes rows without its key fail)")
    return "\n".join(lines)


def _junit_cases(result: CheckResult) -> list[tuple[str, str, str, str, str]]:
    """(class, name, outcome: "" | "failure" | "skipped", message, body) per corpus rule and clip rule."""
    cases = []
    for f in result.findings:
        cases.append(("corpus", f.rule, "" if f.ok else "failure", "" if f.ok else f.detail, "\n".join(f.clips)))
    by_rule: dict[str, list[str]] = defaultdict(list)
    for c in result.clips:
        for v in c.violations:
            by_rule[v.rule].append(f"{c.id}: {v.why}")
    statuses = {st.rule: st for st in result.rule_statuses()}
    rules = [r for r, _ in describe_clip_rules(result.policy.clip)]
    rules += [r for r in by_rule if r not in rules]
    for rule in rules:
        bad = by_rule.get(rule, [])
        st = statuses.get(rule)
        coverage = st.coverage() if st else ""
        if bad:
            msg = f"{len(bad)} clip(s) rejected"
            if st and st.required and st.judged == 0:
                msg = f"required but not judged on any row: {msg}"
            cases.append(("clip", rule, "failure", f"{msg}; {coverage}" if coverage else msg, "\n".join(bad)))
        elif st and st.state == "not judged":
            cases.append(("clip", rule, "skipped", f"not judged: {coverage}", ""))  # coverage says why
        else:
            cases.append(("clip", rule, "", coverage, ""))
    return cases


def write_junit(result: CheckResult, path: str | os.PathLike) -> None:
    """JUnit XML: one test case per corpus rule and per clip rule (failures list the clips). A clip rule
    that judged no row is ``<skipped>`` with the reason, never a pass; every clip rule's ``system-out``
    says on how many rows it judged."""
    cases = _junit_cases(result)
    failures = sum(1 for c in cases if c[2] == "failure")
    skipped = sum(1 for c in cases if c[2] == "skipped")
    suites = ET.Element("testsuites", name="synthkit check", tests=str(len(cases)), failures=str(failures),
                        skipped=str(skipped))
    suite = ET.SubElement(suites, "testsuite", name=f"synthkit check {Path(result.manifest).name}",
                          tests=str(len(cases)), failures=str(failures), errors="0", skipped=str(skipped))
    for cls, name, outcome, message, body in cases:
        tc = ET.SubElement(suite, "testcase", classname=f"synthkit.check.{cls}", name=name)
        if outcome:
            el = ET.SubElement(tc, outcome, message=message, **({"type": "QualityGate"} if outcome == "failure" else {}))
            el.text = body or None
        if cls == "clip" and message:
            ET.SubElement(tc, "system-out").text = message
    from ..guard import write_atomic

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    ET.ElementTree(suites).write(buf, encoding="utf-8", xml_declaration=True)
    write_atomic(p, buf.getvalue())
