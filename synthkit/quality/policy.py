"""Quality policy: per-clip rules (which clips are kept) and corpus rules (does the corpus pass).

A policy is a YAML file with three optional sections. A section left out takes the built-in default's
(:data:`DEFAULT_POLICY_YAML`); a ``clip`` section given replaces the default's rules; keys left out of a
given ``corpus`` or ``score`` section take their defaults. Unknown keys are errors.

.. code-block:: yaml

    clip:                      # a clip is rejected when it breaks any of these
      duration:     {min: 0.3, max: 40}   # rejected when duration < 0.3 or duration > 40 (seconds)
      clipping:     {max: 0.001}          # rejected when clipping > 0.001 (share of clipped samples)
      rms_dbfs:     {min: -45}            # rejected when rms_dbfs < -45 (near-silent clip)
      speech_ratio: {min: 0.2}            # rejected when speech_ratio < 0.2 (VAD: little or no speech)
      snr_db:       {min: 5}              # rejected when snr_db < 5 (WADA-SNR estimate)
      dnsmos_ovrl:  {min: 2.5}            # rejected when dnsmos_ovrl < 2.5 (not in the default policy)
      cer:          {max: 0.3}            # rejected when cer > 0.3 (only rows that have text)
      duration_match: 0.1                 # rejected when |duration - file_duration| > 0.1 s
      sample_rate_match: true             # rejected when sample_rate != file_sample_rate
      language_match: {top_k: 3}          # rejected when the row's language is not among the 3 languages
                                          # Whisper hears most likely (lid_top; not in the default policy)
      custom:                             # thresholds on keys other tools wrote
        my_score: {min: 0.5}
    corpus:                    # the gate fails when any of these fails
      min_kept_fraction: 1.0   # fails when kept clips / all rows < 1.0
      min_hours: 0             # fails when the kept audio is shorter than this many hours
      unique_ids: true         # fails when an id occurs twice
      files_exist: true        # fails when a row's audio file is missing (or the row names none)
      no_duplicate_audio: true # fails when two rows hold the same decoded audio
      max_speaker_share: 1.0   # fails when one speaker holds more than this share of the kept hours
      min_speakers: 1          # fails when fewer speakers than this remain among kept clips
      max_language_share: 1.0  # fails when one language holds more than this share of the kept hours
    score:                     # how `check` computes keys the rules need and rows lack
      asr: auto                         # BACKEND:MODEL (see synthkit.quality.asr); auto = Whisper
                                        # tiny.en for English rows, Whisper base for other languages
      asr_language: null                # force one language (else each row's `language`)
      asr_context: clip                 # Whisper windows: clip (clip length + 1 s) or 30s
      lid: faster-whisper:base          # multilingual Whisper for lid / language_match
      phones: transformers:facebook/wav2vec2-xlsr-53-espeak-cv-ft
      per_weighted: false
      speaker_ref: null                 # one reference clip (relative to this file)
      speaker_ref_key: speaker_ref      # row key naming a row's reference clip
      models: {}                        # e.g. {utmos: path/to/SpeechMOS, nisqa: path/to/nisqa.tar}
      on_render: [snr_db, speech_ratio, cer, per]  # judged on the unaugmented render of augmented synthetic
                                        # rows, not on the damage asked for ([]: on the files; see .metrics)

A bound is ``{min: X}``, ``{max: Y}`` or both, plus ``required: true`` to reject rows that lack the key
(by default a rule does not judge a row without its key, e.g. ``cer`` on a row without text or in a
language the ASR model does not know). Every summary says on how many rows each rule judged, and why the
others were not judged (:class:`RuleTally`): a rule that judged no row at all is *not judged* — never
reported as passed (JUnit ``<skipped>``, "not judged" in the summaries and the report) — and with
``required: true`` it fails instead. Every row with ``score_errors`` (unreadable, missing, truncated or
non-audio file, NaN samples, zero-length clip, a manifest line that is not a row, a metric that failed)
is always rejected.

``language_match`` (``{top_k: K}``, K from 1 to 5, or ``true`` for K = 3) compares the row's ``language``
with the K most likely languages in ``lid_top`` (metric ``lid``, Whisper's language identification): a
clip in another language than its label, or whose audio is not speech of that language at all, is
rejected even where no transcript check runs. Rows whose language Whisper does not know (see
:mod:`.whisper_languages`) and rows without a ``language`` are not judged by it (counted as such).
"""

from __future__ import annotations

import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import check_keys, load_yaml
from ..errors import SynthkitError
from .metrics import METRIC_KEYS, SCORE_ERRORS, SCORE_SKIPPED, ScoreConfig, key_metric, parse_on_render
from .whisper import CONTEXTS

#: Keys that hold text or hashes, never thresholds.
_NON_NUMERIC = frozenset({"asr_text", "asr_model", "phone_text", "audio_sha1", "lid", "lid_top"})
#: Keys a bound may name (scores synthkit writes); others go under ``clip.custom``.
KNOWN_KEYS = tuple(["duration", "per_weighted", *(k for ks in METRIC_KEYS.values() for k in ks
                                                   if k not in _NON_NUMERIC)])
_CLIP_SPECIAL = ("duration_match", "sample_rate_match", "language_match", "custom")
#: language_match: how many of the most likely languages may hold the row's language (default, most).
DEFAULT_TOP_K, MAX_TOP_K = 3, 5
_BOUND_KEYS = ("min", "max", "required")
_CORPUS_KEYS = ("min_kept_fraction", "min_hours", "unique_ids", "files_exist", "no_duplicate_audio",
                "max_speaker_share", "min_speakers", "max_language_share")
_SCORE_KEYS = ("asr", "asr_language", "asr_context", "lid", "phones", "per_weighted", "speaker_ref", "speaker_ref_key",
               "models", "on_render")

DEFAULT_POLICY_YAML = """\
# synthkit's built-in quality policy (used when --policy is not given). It rejects clearly broken clips
# and is calibrated on real recordings (LJSpeech) and on synthkit's own espeak-ng corpora. DNSMOS is not
# in it: DNSMOS rates clean formant-synthesized speech 1.1-2.9, as low as noisy recordings, so it cannot
# separate the two there; recipes/ci_gate/policy.yaml adds it for recorded or restored speech.
clip:
  duration:     {min: 0.3, max: 40}   # rejected when duration < 0.3 s or > 40 s
  clipping:     {max: 0.001}          # rejected when more than 0.1 % of samples are clipped
  rms_dbfs:     {min: -45}            # rejected when the clip is near-silent (rms below -45 dBFS)
  speech_ratio: {min: 0.2}            # rejected when VAD finds speech in less than 20 % of the clip
  snr_db:       {min: 5}              # rejected when the WADA-SNR estimate is below 5 dB
  cer:          {max: 0.3}            # rejected when the ASR round trip differs by more than 30 % of characters
  duration_match: 0.1                 # rejected when the row's duration and the file differ by > 0.1 s
  sample_rate_match: true             # rejected when the row's sample_rate differs from the file's
corpus:
  min_kept_fraction: 1.0              # fails when any row is rejected (filter first, or lower this)
  min_hours: 0
  unique_ids: true
  files_exist: true
  no_duplicate_audio: true
  max_speaker_share: 1.0
  min_speakers: 1
  max_language_share: 1.0
"""


@dataclass(frozen=True)
class Bound:
    """``min <= row[key] <= max``; ``required``: a row without the key breaks the rule."""

    key: str
    min: float | None = None
    max: float | None = None
    required: bool = False

    def describe(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(f"{self.key} < {self.min:g}")
        if self.max is not None:
            parts.append(f"{self.key} > {self.max:g}")
        return "rejected when " + " or ".join(parts) + (" or missing" if self.required else "")


@dataclass(frozen=True)
class Violation:
    """One rule a row broke: the rule's name, the value found, the limit, and a readable sentence."""

    rule: str
    value: Any
    limit: Any
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "value": self.value, "limit": self.limit, "why": self.why}


@dataclass(frozen=True)
class ClipRules:
    bounds: tuple[Bound, ...] = ()
    duration_match: float | None = 0.1
    sample_rate_match: bool = True
    language_match: int | None = None  # top-k, or None: the rule is off

    def keys(self) -> list[str]:
        return [b.key for b in self.bounds]


@dataclass(frozen=True)
class CorpusRules:
    min_kept_fraction: float = 1.0
    min_hours: float = 0.0
    unique_ids: bool = True
    files_exist: bool = True
    no_duplicate_audio: bool = True
    max_speaker_share: float = 1.0
    min_speakers: int = 1
    max_language_share: float = 1.0


@dataclass(frozen=True)
class Policy:
    clip: ClipRules = field(default_factory=ClipRules)
    corpus: CorpusRules = field(default_factory=CorpusRules)
    score: ScoreConfig = field(default_factory=ScoreConfig)
    source: str = "built-in default policy"

    def needed_metrics(self) -> tuple[str, ...]:
        """Metrics whose keys the clip rules read (``duration`` always: file checks need it)."""
        names = {"duration"}
        for b in self.clip.bounds:
            m = key_metric(b.key)
            if m:
                names.add(m)
        if self.clip.language_match is not None:
            names.add("lid")
        return tuple(m for m in METRIC_KEYS if m in names)


# --- loading -------------------------------------------------------------------------------------

def _number(v: Any, where: str, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise SynthkitError(f"{where}: expected a number, got {v!r}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise SynthkitError(f"{where}: {v!r} is outside [{lo}, {hi}]")
    return float(v)


def _bool(v: Any, where: str) -> bool:
    if not isinstance(v, bool):
        raise SynthkitError(f"{where}: expected true or false, got {v!r}")
    return v


def _bound(key: str, spec: Any, where: str) -> Bound:
    if not isinstance(spec, Mapping):
        raise SynthkitError(f"{where}: expected a mapping like {{min: 1, max: 2}}, got {spec!r}")
    check_keys(spec, _BOUND_KEYS, where)
    lo = None if spec.get("min") is None else _number(spec["min"], f"{where}.min")
    hi = None if spec.get("max") is None else _number(spec["max"], f"{where}.max")
    if lo is None and hi is None:
        raise SynthkitError(f"{where}: give min, max or both")
    if lo is not None and hi is not None and lo > hi:
        raise SynthkitError(f"{where}: min {lo:g} is greater than max {hi:g}")
    return Bound(key, lo, hi, _bool(spec.get("required", False), f"{where}.required"))


def _clip_rules(d: Mapping[str, Any], where: str) -> ClipRules:
    check_keys(d, [*KNOWN_KEYS, *_CLIP_SPECIAL], where)
    bounds = [_bound(k, v, f"{where}.{k}") for k, v in d.items() if k not in _CLIP_SPECIAL]
    custom = d.get("custom") or {}
    if not isinstance(custom, Mapping):
        raise SynthkitError(f"{where}.custom: expected a mapping of key: {{min, max}}")
    bounds += [_bound(str(k), v, f"{where}.custom.{k}") for k, v in custom.items()]
    dm = d.get("duration_match", 0.1)
    if dm is not False and dm is not None:
        dm = _number(dm, f"{where}.duration_match", 0.0)
    else:
        dm = None
    return ClipRules(tuple(bounds), dm, _bool(d.get("sample_rate_match", True), f"{where}.sample_rate_match"),
                     _top_k(d.get("language_match"), f"{where}.language_match"))


def _top_k(v: Any, where: str) -> int | None:
    if v is None or v is False:
        return None
    if v is True:
        return DEFAULT_TOP_K
    if not isinstance(v, Mapping):
        raise SynthkitError(f"{where}: expected {{top_k: K}} (K from 1 to {MAX_TOP_K}), true or false, got {v!r}")
    check_keys(v, ("top_k",), where)
    k = _number(v.get("top_k", DEFAULT_TOP_K), f"{where}.top_k", 1, MAX_TOP_K)
    if k != int(k):
        raise SynthkitError(f"{where}.top_k: expected a whole number, got {k:g}")
    return int(k)


def _corpus_rules(d: Mapping[str, Any], where: str) -> CorpusRules:
    check_keys(d, _CORPUS_KEYS, where)
    base = CorpusRules()
    kw: dict[str, Any] = {}
    for k, v in d.items():
        default = getattr(base, k)
        if isinstance(default, bool):
            kw[k] = _bool(v, f"{where}.{k}")
        elif k == "min_speakers":
            kw[k] = int(_number(v, f"{where}.{k}", 0))
        elif k == "min_hours":
            kw[k] = _number(v, f"{where}.{k}", 0.0)
        else:
            kw[k] = _number(v, f"{where}.{k}", 0.0, 1.0)
    return replace(base, **kw)


def _score_config(d: Mapping[str, Any], where: str, base_dir: Path | None) -> ScoreConfig:
    check_keys(d, _SCORE_KEYS, where)
    kw: dict[str, Any] = {}
    for k in ("asr", "asr_language", "asr_context", "lid", "phones", "speaker_ref_key"):
        if d.get(k) is not None:
            if not isinstance(d[k], str):
                raise SynthkitError(f"{where}.{k}: expected a string, got {d[k]!r}")
            kw[k] = d[k]
    if "per_weighted" in d:
        kw["per_weighted"] = _bool(d["per_weighted"], f"{where}.per_weighted")
    if d.get("speaker_ref") is not None:
        p = Path(str(d["speaker_ref"])).expanduser()
        kw["speaker_ref"] = str(p if p.is_absolute() or base_dir is None else base_dir / p)
    models = d.get("models") or {}
    if not isinstance(models, Mapping):
        raise SynthkitError(f"{where}.models: expected a mapping of metric: model")
    check_keys(models, ("dnsmos", "utmos", "nisqa", "squim"), f"{where}.models")
    kw["models"] = tuple((str(k), str(v)) for k, v in models.items())
    if kw.get("asr_context", "clip") not in CONTEXTS:
        raise SynthkitError(f"{where}.asr_context: expected one of {', '.join(CONTEXTS)}, got {kw['asr_context']!r}")
    if d.get("on_render") is not None:
        v = d["on_render"]
        if not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            raise SynthkitError(f"{where}.on_render: expected a list of metric names such as [cer, snr_db], got {v!r}")
        try:
            kw["on_render"] = parse_on_render(v)
        except SynthkitError as exc:
            raise SynthkitError(f"{where}.on_render: {exc}") from None
    return ScoreConfig(**kw)


def parse_policy(data: Any, source: str, base_dir: Path | None = None) -> Policy:
    """A :class:`Policy` from parsed YAML. Sections left out take the built-in default's values."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise SynthkitError(f"{source}: a policy is a mapping with sections clip, corpus, score")
    check_keys(data, ("clip", "corpus", "score"), source)
    for sec in ("clip", "corpus", "score"):
        if data.get(sec) is not None and not isinstance(data[sec], Mapping):
            raise SynthkitError(f"{source}: section {sec!r} must be a mapping")
    default = _default_data()
    clip = _clip_rules(data["clip"] if data.get("clip") is not None else default["clip"], f"{source}: clip")
    corpus = _corpus_rules(data.get("corpus") or default["corpus"], f"{source}: corpus")
    score = _score_config(data.get("score") or {}, f"{source}: score", base_dir)
    return Policy(clip, corpus, score, source)


def _default_data() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(DEFAULT_POLICY_YAML)


def default_policy() -> Policy:
    return parse_policy(_default_data(), "built-in default policy")


def load_policy(path: str | os.PathLike | None) -> Policy:
    """The policy in ``path`` (YAML), or the built-in default when ``path`` is None."""
    if path is None:
        return default_policy()
    p = Path(path)
    if not p.is_file():
        raise SynthkitError(f"policy file not found: {p}")
    return parse_policy(load_yaml(p), str(p), p.resolve().parent)


# --- per-clip rules ------------------------------------------------------------------------------

def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def clip_violations(row: Mapping[str, Any] | Any, rules: ClipRules) -> tuple[list[Violation], list[str]]:
    """(rules broken, rules that could not judge the row because its key is missing).

    ``row`` is anything with ``.get(key)`` (an :class:`~synthkit.manifest.Utterance` or a dict)."""
    out: list[Violation] = []
    unjudged: list[str] = []
    errors = row.get(SCORE_ERRORS)
    if errors:
        out.append(Violation("score_errors", list(errors), None, "could not be scored: " + "; ".join(errors)))
    for b in rules.bounds:
        v = row.get(b.key)
        if v is None:
            if b.required:
                out.append(Violation(b.key, None, None, f"{b.key} is missing (required)"))
            elif not errors:
                unjudged.append(b.key)
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            out.append(Violation(b.key, v, None, f"{b.key} is not a number: {v!r}"))
            continue
        if b.min is not None and v < b.min:
            out.append(Violation(b.key, v, b.min, f"{b.key} {_fmt(v)} < min {b.min:g}"))
        if b.max is not None and v > b.max:
            out.append(Violation(b.key, v, b.max, f"{b.key} {_fmt(v)} > max {b.max:g}"))
    d, fd = row.get("duration"), row.get("file_duration")
    if rules.duration_match is not None and isinstance(d, (int, float)) and isinstance(fd, (int, float)):
        if abs(d - fd) > rules.duration_match:
            out.append(Violation("duration_match", fd, rules.duration_match,
                                 f"row says duration {d:g} s but the file holds {fd:g} s"))
    sr, fsr = row.get("sample_rate"), row.get("file_sample_rate")
    if rules.sample_rate_match and sr is not None and fsr is not None and sr != fsr:
        out.append(Violation("sample_rate_match", fsr, sr, f"row says sample_rate {sr} but the file is {fsr} Hz"))
    if rules.language_match is not None:
        v = language_match(row, rules.language_match)
        if isinstance(v, Violation):
            out.append(v)
        elif v is None and not errors:
            unjudged.append("language_match")
    return out, unjudged


def language_match(row: Mapping[str, Any] | Any, top_k: int) -> Violation | bool | None:
    """The ``language_match`` verdict: a :class:`Violation`, True (the row's language is among the
    ``top_k`` languages of ``lid_top``), or None (not judged: no ``language``, a language Whisper does
    not know, or no ``lid_top``)."""
    from .whisper_languages import whisper_code

    label, top = row.get("language"), row.get("lid_top")
    want = whisper_code(label) if isinstance(label, str) else None
    if want is None or not isinstance(top, Mapping) or not top:
        return None
    ranked = sorted(top.items(), key=lambda kv: -float(kv[1]))[:top_k]
    if want in {whisper_code(str(c)) for c, _ in ranked}:
        return True
    heard = ", ".join(f"{c} {float(p):.2f}" for c, p in ranked)
    return Violation("language_match", [c for c, _ in ranked], label,
                     f"language {label!r} is not among the {top_k} languages Whisper hears most likely ({heard})")


def _skip_reason(row: Mapping[str, Any] | Any, key: str) -> str:
    metric = key_metric(key)
    for entry in row.get(SCORE_SKIPPED) or []:
        m, _, why = str(entry).partition(": ")
        if metric is not None and m == metric:
            return why
    if row.get(SCORE_ERRORS):
        return "the row could not be scored (score_errors)"
    return f"no {key} in the row" + (f" (metric {metric} not scored)" if metric else "")


#: Rules other than bounds -> the row keys they compare (a rule judges a row that has all of them).
SPECIAL_RULE_KEYS: dict[str, tuple[str, ...]] = {
    "duration_match": ("duration", "file_duration"),
    "sample_rate_match": ("sample_rate", "file_sample_rate"),
}


def not_judged(row: Mapping[str, Any] | Any, rules: ClipRules) -> dict[str, str]:
    """The per-clip rules that could not judge ``row``, each with why (a missing key and the reason the
    scorer gave for skipping it, when it gave one)."""
    out: dict[str, str] = {}
    for b in rules.bounds:
        if row.get(b.key) is None:
            out[b.key] = _skip_reason(row, b.key)
    active = {r for r, _ in describe_clip_rules(rules)}
    for rule, keys in SPECIAL_RULE_KEYS.items():
        if rule not in active:
            continue
        missing = [k for k in keys if row.get(k) is None]
        if missing:
            out[rule] = _skip_reason(row, missing[0]) if row.get(SCORE_ERRORS) else f"no {' or '.join(missing)} in the row"
    if rules.language_match is not None and language_match(row, rules.language_match) is None:
        out["language_match"] = _language_match_skip(row)
    return out


def _language_match_skip(row: Mapping[str, Any] | Any) -> str:
    """Why ``language_match`` could not judge ``row`` (see :func:`language_match`)."""
    from .whisper_languages import whisper_code

    label = row.get("language")
    if not isinstance(label, str) or not label:
        return "no language in the row"
    if whisper_code(label) is None:
        return f"language {label!r} is not one Whisper knows"
    return _skip_reason(row, "lid_top")


@dataclass(frozen=True)
class RuleStatus:
    """One per-clip rule over a whole manifest: on how many rows it judged and rejected, and why the
    rest were not judged. ``state``: ``failed`` (it rejected a row), ``not judged`` (it judged none; a
    ``required`` rule then rejects every row, so it fails), or ``passed``."""

    rule: str
    rows: int
    judged: int
    rejected: int
    required: bool = False
    reasons: tuple[tuple[str, int], ...] = ()  # (why not judged, rows), most common first

    @property
    def state(self) -> str:
        if self.rejected:
            return "failed"
        return "not judged" if self.judged == 0 and self.rows else "passed"

    def why_not(self) -> str:
        """Why rows were not judged, most common first, with row counts."""
        s = "; ".join(f"{why} ({n})" for why, n in self.reasons[:3])
        return s + (f"; … ({len(self.reasons) - 3} more reasons)" if len(self.reasons) > 3 else "")

    def coverage(self) -> str:
        """``judged on 12 of 593 rows; not judged on 581: <why> (581)``, for summaries."""
        if self.judged == 0 and self.rows:
            return f"judged on none of {self.rows} rows: {self.why_not()}"
        s = f"judged on {self.judged} of {self.rows} rows"
        if self.judged < self.rows:
            s += f"; not judged on {self.rows - self.judged}: {self.why_not()}"
        return s


@dataclass
class RuleTally:
    """Counts, row by row, which per-clip rules judged and rejected each row (``check`` and ``filter``)."""

    rules: ClipRules
    rows: int = 0
    judged: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    why_not: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, row: Mapping[str, Any] | Any, broken: Iterable[Violation]) -> dict[str, str]:
        """Count one row (``broken``: its violations); returns its :func:`not_judged` rules."""
        missing = not_judged(row, self.rules)
        self.count(missing, broken)
        return missing

    def count(self, missing: Mapping[str, str], broken: Iterable[Violation]) -> None:
        """Count one row from its :func:`not_judged` rules and its violations."""
        self.rows += 1
        for rule, _ in describe_clip_rules(self.rules):
            if rule in missing:
                self.why_not[rule][missing[rule]] += 1
            else:
                self.judged[rule] += 1
        self.rejected.update({v.rule for v in broken})

    def statuses(self) -> list[RuleStatus]:
        required = {b.key for b in self.rules.bounds if b.required}
        return [RuleStatus(rule, self.rows, self.judged[rule], self.rejected[rule], rule in required,
                           tuple(self.why_not[rule].most_common()))
                for rule, _ in describe_clip_rules(self.rules)]


def describe_clip_rules(rules: ClipRules) -> list[tuple[str, str]]:
    """(rule, sentence) for every per-clip rule, for summaries and reports."""
    out = [("score_errors", "rejected when the row cannot be scored (file missing, unreadable, truncated, "
                            "not audio, NaN samples, zero length, not a manifest row)")]
    out += [(b.key, b.describe()) for b in rules.bounds]
    if rules.duration_match is not None:
        out.append(("duration_match", f"rejected when |duration - file_duration| > {rules.duration_match:g} s"))
    if rules.sample_rate_match:
        out.append(("sample_rate_match", "rejected when sample_rate != file_sample_rate"))
    if rules.language_match is not None:
        out.append(("language_match", f"rejected when the row's language is not among the {rules.language_match} "
                                      "languages Whisper hears most likely (lid_top); rows in languages Whisper does "
                                      "not know are not judged"))
    return out


# --- corpus rules --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """The outcome of one corpus rule."""

    rule: str
    ok: bool
    detail: str
    clips: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowFacts:
    """What the corpus rules need to know about one row."""

    id: str
    kept: bool
    hours: float
    speaker: str | None
    language: str | None
    audio_sha1: str | None
    file_missing: str | None  # why the row's audio file is missing, or None
    bad_line: bool = False


def corpus_findings(rows: Iterable[RowFacts], rules: CorpusRules) -> list[Finding]:
    rows = list(rows)
    n = len(rows)
    kept = [r for r in rows if r.kept]
    out: list[Finding] = []
    bad_lines = [r.id for r in rows if r.bad_line]
    out.append(Finding("manifest_rows", not bad_lines,
                       f"{len(bad_lines)} line(s) are not manifest rows" if bad_lines else "every line is a row",
                       tuple(bad_lines)))
    frac = len(kept) / n if n else 0.0
    out.append(Finding("min_kept_fraction", frac >= rules.min_kept_fraction,
                       f"kept {len(kept)} of {n} rows ({frac:.1%}); need ≥ {rules.min_kept_fraction:.1%}",
                       tuple(r.id for r in rows if not r.kept)))
    hours = sum(r.hours for r in kept)
    if rules.min_hours > 0:
        out.append(Finding("min_hours", hours >= rules.min_hours,
                           f"kept {hours:.3f} h; need ≥ {rules.min_hours:g} h"))
    if rules.unique_ids:
        counts = Counter(r.id for r in rows if not r.bad_line)
        dup = sorted(k for k, c in counts.items() if c > 1)
        out.append(Finding("unique_ids", not dup, f"{len(dup)} id(s) occur more than once" if dup else
                           "all ids unique", tuple(dup)))
    if rules.files_exist:
        missing = [r.id for r in rows if r.file_missing]
        out.append(Finding("files_exist", not missing, f"{len(missing)} row(s) without their audio file"
                           if missing else "every audio file exists", tuple(missing)))
    if rules.no_duplicate_audio:
        groups: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            if r.audio_sha1:
                groups[r.audio_sha1].append(r.id)
        dups = [g for g in groups.values() if len(g) > 1]
        ids = tuple(i for g in dups for i in g)
        out.append(Finding("no_duplicate_audio", not dups,
                           f"{len(dups)} group(s) of rows with identical audio: "
                           + "; ".join(" = ".join(g) for g in dups[:5]) if dups else "no duplicate audio", ids))
    for label, attr, max_share in (("speaker", "speaker", rules.max_speaker_share),
                                   ("language", "language", rules.max_language_share)):
        if max_share < 1.0 and hours > 0:
            per: Counter = Counter()
            for r in kept:
                per[getattr(r, attr) or "(none)"] += r.hours
            top, top_h = per.most_common(1)[0]
            share = top_h / hours
            out.append(Finding(f"max_{label}_share", share <= max_share,
                               f"{label} {top!r} holds {share:.1%} of kept hours; allowed ≤ {max_share:.1%}"))
    if rules.min_speakers > 1:
        speakers = {r.speaker for r in kept if r.speaker}
        out.append(Finding("min_speakers", len(speakers) >= rules.min_speakers,
                           f"{len(speakers)} speaker(s) among kept clips; need ≥ {rules.min_speakers}"))
    return out
