"""The export driver: scan the manifest, choose splits, make audio in workers, feed one format writer.

Two lazy passes over the manifest. The first checks every row (audio present, id unique, what the
format needs) and collects ids and speakers for the split; rows that cannot be exported go to
``rejects.jsonl`` with a reason and the rest go on. The second pass makes the audio through
:func:`synthkit.engine.map_ordered` (``--workers``) and hands items to the writer in manifest order,
so the export is the same for any number of workers. ``export.json`` records the settings, the
counts per split and the files written; an ``--out`` folder holding another export is refused.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import __version__, guard
from ..errors import SynthkitError
from ..hashing import file_sha256
from ..manifest import BadRow, ManifestWriter, Utterance, manifest_dir, read_manifest
from .base import ScanStats, Writer, column_kind, safe_name, type_name
from .media import AudioContext, AudioJob, AudioResult, complete, init_worker, process
from .splits import SPLIT_BY, SplitSpec, assign_splits, overlaps, resolve_split_by, sentence_key, uses_speakers

#: format name -> "module:WriterClass" (imported only when the format is used)
FORMATS: dict[str, str] = {
    "nemo": "synthkit.export.nemo:NemoWriter",
    "lhotse": "synthkit.export.lhotse:LhotseWriter",
    "kaldi": "synthkit.export.kaldi:KaldiWriter",
    "hf": "synthkit.export.hf:HfWriter",
    "ljspeech": "synthkit.export.ljspeech:LjspeechWriter",
}
SETTINGS_NAME = "export.json"
REJECTS_NAME = "rejects.jsonl"
#: Export sample rates synthkit accepts (Hz).
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8000, 48000
#: A segment may end this much past its recording's end (rounding of offsets and durations).
END_TOLERANCE_S = 0.01


@dataclass(frozen=True)
class ExportConfig:
    manifest: Path
    format: str
    out_dir: Path
    split: SplitSpec = field(default_factory=SplitSpec)
    split_by: str = "auto"  # auto, utterance, speaker, text, speaker+text (see .splits)
    sample_rate: int | None = None  # None: keep each clip's rate
    seed: int = 0
    shar: bool = False  # lhotse: also write Lhotse Shar shards
    workers: int = 1
    progress: bool = False


@dataclass
class ExportSummary:
    format: str = ""
    out_dir: str = ""
    splits: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejects: int = 0
    files: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    split_by: str = ""  # the grouping used (``auto`` resolved)
    split_by_reason: str = ""
    warnings: list[str] = field(default_factory=list)  # one line each (splits that share sentences/speakers)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def text(self) -> str:
        parts = ", ".join(f"{n}: {s['utterances']} utt / {s['speakers']} spk / {s['hours']:.3f} h"
                          for n, s in self.splits.items())
        grouping = f"; split by {self.split_by} ({self.split_by_reason})" if len(self.splits) > 1 else ""
        warned = f"; {len(self.warnings)} warning(s) (stderr, {SETTINGS_NAME})" if self.warnings else ""
        return (f"{self.format} export in {self.out_dir}: {parts}; {self.rejects} rejects "
                f"({REJECTS_NAME}); {self.wall_s:.1f} s{grouping}{warned}")


def writer_class(name: str) -> type:
    if name not in FORMATS:
        raise SynthkitError(f"unknown export format {name!r}; available: {', '.join(FORMATS)}")
    module, cls = FORMATS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def settings(config: ExportConfig) -> dict[str, Any]:
    """Everything that shapes an export; re-running into the same ``--out`` must match it."""
    return {
        "format": config.format,
        "manifest": str(Path(config.manifest).resolve()),
        "manifest_sha256": file_sha256(Path(config.manifest)),
        "split": config.split.to_str(),
        "split_by": config.split_by,
        "sample_rate": config.sample_rate,
        "seed": config.seed,
        "shar": config.shar,
    }


def check_config(config: ExportConfig) -> type:
    """Validate arguments before any work; returns the writer class."""
    cls = writer_class(config.format)
    if not Path(config.manifest).is_file():
        raise SynthkitError(f"manifest not found: {config.manifest}")
    if config.split_by not in SPLIT_BY:
        raise SynthkitError(f"--split-by must be one of {', '.join(SPLIT_BY)}, got {config.split_by!r}")
    if config.sample_rate is not None and not MIN_SAMPLE_RATE <= config.sample_rate <= MAX_SAMPLE_RATE:
        raise SynthkitError(f"--sample-rate {config.sample_rate} is outside {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz")
    if config.shar and config.format != "lhotse":
        raise SynthkitError("--shar applies to --format lhotse only")
    if config.workers < 1:
        raise SynthkitError("--workers must be at least 1")
    out = Path(config.out_dir)
    if out.exists() and not out.is_dir():
        raise SynthkitError(f"--out {out} exists and is not a folder")
    if out.resolve() == manifest_dir(config.manifest):
        raise SynthkitError(f"--out {out} is the manifest's own folder; choose a new folder")
    return cls


def check_out_dir(out: Path, wanted: dict[str, Any]) -> None:
    if not out.exists() or not any(out.iterdir()):
        return
    prev = out / SETTINGS_NAME
    if not prev.is_file():
        raise SynthkitError(f"--out {out} is not empty and holds no {SETTINGS_NAME}; choose a new folder")
    try:
        have = json.loads(prev.read_text(encoding="utf-8")).get("settings")
    except (OSError, ValueError, AttributeError):
        have = None
    if have != wanted:
        raise SynthkitError(f"--out {out} holds another export (other settings or another manifest); "
                            "choose a new folder or delete it")


# --- first pass ---------------------------------------------------------------------------------

@dataclass
class _Scan:
    ids: list[str] = field(default_factory=list)
    speakers: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str | None] = field(default_factory=dict)  # id -> splits.sentence_key
    kinds: dict[str, set[str]] = field(default_factory=dict)
    segments: bool = False
    rejects: list[dict[str, Any]] = field(default_factory=list)


def _segment(utt: Utterance) -> tuple[float, float | None] | None:
    """``(offset, duration)`` for a row that is a segment of a longer recording, else ``None``."""
    off = utt.get("offset")
    if off is None:
        return None
    if isinstance(off, bool) or not isinstance(off, (int, float)) or off < 0:
        raise ValueError(f"'offset' must be a number >= 0, got {off!r}")
    if utt.duration is None or utt.duration <= 0:
        raise ValueError("a row with 'offset' needs a positive 'duration'")
    return float(off), float(utt.duration)


def _row_problem(utt: Utterance, base: Path, config: ExportConfig, cls: type) -> str | None:
    if not utt.audio_filepath:
        return "no audio_filepath"
    try:
        path = utt.audio_path(base)
    except SynthkitError as exc:
        return str(exc)
    if not path.is_file():
        return f"audio file not found: {path}"
    try:
        _segment(utt)
    except ValueError as exc:
        return str(exc)
    if uses_speakers(config.split_by) and len(config.split.parts) > 1 and utt.get("speaker") in (None, ""):
        return f"no speaker (--split-by {config.split_by} needs one)"
    return cls.check(utt)


def _scan(config: ExportConfig, cls: type) -> _Scan:
    scan = _Scan()
    seen: set[str] = set()
    base = manifest_dir(config.manifest)
    for row in read_manifest(config.manifest, errors="yield"):
        if isinstance(row, BadRow):
            scan.rejects.append(row.to_dict())
            continue
        reason = "duplicate id (an earlier row has it)" if row.id in seen else _row_problem(row, base, config, cls)
        if reason:
            scan.rejects.append({"id": row.id, "reasons": [reason]})
            continue
        seen.add(row.id)
        scan.ids.append(row.id)
        if row.get("speaker") not in (None, ""):
            scan.speakers[row.id] = str(row.get("speaker"))
        scan.texts[row.id] = sentence_key(row.text)
        if "offset" in row.fields:
            scan.segments = True
        for k, v in row.fields.items():
            t = type_name(v)
            kinds = scan.kinds.setdefault(k, set())
            if t is not None:
                kinds.add(t)
    return scan


# --- second pass ------------------------------------------------------------------------------

def _recording_id(source: Path) -> str:
    digest = hashlib.sha1(str(source).encode("utf-8")).hexdigest()[:8]
    return f"{safe_name(source.stem)[:100]}_{digest}"


def _jobs(config: ExportConfig, accepted: dict[str, str], mode: str) -> Iterator[AudioJob]:
    base = manifest_dir(config.manifest)
    done: set[str] = set()
    recordings: set[str] = set()
    for row in read_manifest(config.manifest, errors="yield"):
        if isinstance(row, BadRow) or row.id not in accepted or row.id in done:
            continue
        done.add(row.id)
        source = row.audio_path(base).resolve()
        seg = _segment(row)
        rec_id = _recording_id(source) if seg else row.id
        first = rec_id not in recordings
        recordings.add(rec_id)
        start, dur = seg if seg else (0.0, None)
        yield AudioJob(row, accepted[row.id], str(source), rec_id, seg is not None, start, dur,
                       write_recording=first and mode == "recording")


def _finish_recording(result: AudioResult, cache: dict[str, tuple[Path, int, int]]) -> AudioResult:
    """Recording mode: attach the recording's facts to a row and check a segment lies inside it."""
    if result.recording is not None:
        cache[result.rec_id] = result.recording
    item = result.item
    if item is None:
        return result
    rec = cache.get(item.rec_id)
    if rec is None:
        return replace(result, item=None, reason=f"its recording ({item.rec_id}) could not be read")
    item = complete(item, rec)
    if item.segment:
        if item.start >= item.rec_duration:
            return replace(result, item=None, reason=f"offset {item.start:g} s is past the end of its "
                                                     f"recording ({item.rec_duration:.3f} s)")
        end = item.start + item.duration
        if end > item.rec_duration + END_TOLERANCE_S:
            return replace(result, item=None, reason=f"segment ends at {end:.3f} s, after its recording "
                                                     f"({item.rec_duration:.3f} s)")
        item = replace(item, duration=min(item.duration, item.rec_duration - item.start))
    return replace(result, item=item)


def export_manifest(config: ExportConfig) -> ExportSummary:
    """Export ``config.manifest`` to ``config.format`` under ``config.out_dir``; see the module doc."""
    from ..engine import map_ordered

    t0 = time.monotonic()
    cls = check_config(config)
    wanted = settings(config)
    out = Path(config.out_dir)
    check_out_dir(out, wanted)
    guard.guard([guard.Output.folder("--out", out)], guard.manifest_inputs(config.manifest))
    scan = _scan(config, cls)
    if not scan.ids:
        raise SynthkitError(f"no row of {config.manifest} can be exported "
                            f"({len(scan.rejects)} rejected; first reason: "
                            f"{scan.rejects[0]['reasons'][0] if scan.rejects else 'the manifest is empty'})")
    split_by, why = resolve_split_by(config.split_by, scan.texts)
    accepted = assign_splits(scan.ids, config.split, config.seed, split_by, scan.speakers, scan.texts)
    stats = ScanStats(rows=len(scan.ids), speakers=frozenset(scan.speakers.values()),
                      extra_kinds={k: column_kind(v) for k, v in scan.kinds.items()}, segments=scan.segments)
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / SETTINGS_NAME, {"settings": wanted, "complete": False})  # a re-run may take over
    writer: Writer = cls(config, stats)
    ctx = AudioContext(out.resolve(), config.sample_rate, cls.audio)
    summary = ExportSummary(format=config.format, out_dir=str(out), split_by=split_by, split_by_reason=why)
    written: dict[str, str] = {}
    per_split = {n: {"utterances": 0, "speakers": set(), "seconds": 0.0} for n in config.split.names}
    cache: dict[str, tuple[Path, int, int]] = {}
    bar = _progress(len(scan.ids), config.progress)
    with ManifestWriter(out / REJECTS_NAME, resume=False) as rejects:
        for r in scan.rejects:
            rejects.write(r)
        jobs = _jobs(config, accepted, cls.audio)
        for result in map_ordered(process, jobs, config.workers, init_worker, (ctx,)):
            bar.update(1)
            if cls.audio == "recording":
                result = _finish_recording(result, cache)
            if result.item is None:
                rejects.write({"id": result.uid, "reasons": [result.reason or "unknown"]})
                continue
            item = result.item
            writer.write(item)
            written[result.uid] = item.split
            s = per_split[item.split]
            s["utterances"] += 1
            s["seconds"] += item.duration
            if item.speaker is not None:
                s["speakers"].add(item.speaker)
        summary.rejects = len(rejects)
    bar.close()
    files = writer.close()
    summary.files = sorted(str(Path(f).resolve().relative_to(out.resolve())) for f in files)
    summary.splits = {n: {"utterances": s["utterances"], "speakers": len(s["speakers"]),
                          "hours": round(s["seconds"] / 3600, 4)} for n, s in per_split.items()}
    if len(config.split.names) > 1:
        summary.warnings = overlaps(written, config.split.names, scan.speakers, scan.texts)
    summary.wall_s = round(time.monotonic() - t0, 2)
    _write_json(out / SETTINGS_NAME, {"settings": wanted, "complete": True, "synthkit_version": __version__,
                                      **summary.to_dict()})
    return summary


def _write_json(path: Path, obj: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="utt", file=sys.stderr, disable=not enabled or None, leave=False, desc="export")


__all__ = ["ExportConfig", "ExportSummary", "FORMATS", "export_manifest"]
