"""Inputs and outputs shared by ``synthkit restore`` and ``synthkit degrade``: a manifest or a folder
in, a folder with ``manifest.jsonl`` and ``wavs/`` out, never written over the input."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import numpy as np

from ..audio import load
from ..augment import AUDIO_SUFFIXES
from ..errors import SynthkitError
from ..manifest import BadRow, Utterance, manifest_dir, read_manifest

WAV_DIR = "wavs"
INPUT_SUFFIXES = AUDIO_SUFFIXES + (".aiff", ".aif", ".au")


def is_manifest(path: Path) -> bool:
    return path.is_file() and (path.name.endswith(".jsonl") or path.name.endswith(".jsonl.gz"))


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def check_paths(src: Path, out: Path, option: str = "--out") -> tuple[Path, Path]:
    """Resolve input and output; refuse an output that equals, contains or lies inside the input
    (so the input is never written over). Returns the resolved pair."""
    if not src.exists():
        raise SynthkitError(f"input not found: {src}")
    if not (src.is_dir() or is_manifest(src)):
        raise SynthkitError(f"input {src} is neither a folder of audio nor a .jsonl / .jsonl.gz manifest")
    s, o = src.resolve(), out.resolve()
    if o.exists() and not o.is_dir():
        raise SynthkitError(f"{option} {out} exists and is not a folder")
    in_root = s if s.is_dir() else s.parent
    if o == in_root or _inside(s, o) or (s.is_dir() and _inside(o, s)):
        raise SynthkitError(f"{option} {out} overlaps the input {src}; choose a folder outside it "
                            "(synthkit never writes over its input)")
    return s, o


def read_input(src: Path) -> Iterator[Utterance | BadRow]:
    """Rows of a manifest (``errors="yield"``) or of a folder (one row per audio file, id = path
    relative to the folder without suffix), each with an absolute ``audio_filepath``."""
    if src.is_dir():
        files = sorted(p for p in src.rglob("*") if p.suffix.lower() in INPUT_SUFFIXES and p.is_file()
                       and not p.name.startswith("."))
        for p in files:
            yield Utterance(PurePosixPath(p.relative_to(src).with_suffix("").as_posix()).as_posix(), str(p))
        return
    base = manifest_dir(src)
    for row in read_manifest(src, errors="yield"):
        if isinstance(row, BadRow):
            yield row
            continue
        if not row.audio_filepath:
            yield BadRow(-1, row.id, f"row {row.id!r} has no audio_filepath")
            continue
        yield row.with_fields(audio_filepath=str(row.audio_path(base)))


def output_rel(uid: str) -> str:
    """``wavs/<id>.wav`` with the id's folders kept and anything that could leave ``wavs/`` removed."""
    parts = [p for p in uid.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts:
        parts = ["_"]
    return "/".join([WAV_DIR, *parts[:-1], parts[-1] + ".wav"])


def bad_row_record(row: BadRow) -> dict:
    return {"id": f"line:{row.line}" if row.line >= 0 else f"row:{row.raw}", "line": row.line,
            "raw": row.raw[:500], "reason": row.reason}


def remove_leftovers(out: Path) -> None:
    """Delete half-written WAVs (``.NAME.PID.tmp``) a killed run left under ``out/wavs``."""
    wavs = out / WAV_DIR
    if wavs.is_dir():
        for p in wavs.rglob(".*.tmp"):
            p.unlink(missing_ok=True)


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def read_source(row: Utterance, out: Path, sr: int | None = None) -> tuple[tuple[np.ndarray, int] | None, dict | None]:
    """A row's input audio (resampled to ``sr`` when given) for writing to ``out``:
    ``((x, sr), None)``, or ``(None, reject)`` when it cannot be used (unreadable, empty, non-finite,
    or ``out`` is the input file itself)."""
    src = row.audio_filepath
    if same_file(src, out):
        return None, {"id": row.id, "audio_filepath": src, "reason": "output would overwrite the input file"}
    try:
        x, got_sr = load(src, sr=sr)
    except SynthkitError as exc:
        return None, {"id": row.id, "audio_filepath": src, "reason": str(exc)}
    if x.size == 0 or not np.all(np.isfinite(x)):
        return None, {"id": row.id, "audio_filepath": src, "reason": "empty or non-finite audio"}
    return (x, got_sr), None
