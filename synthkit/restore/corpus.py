"""Inputs and outputs shared by ``synthkit restore`` and ``synthkit degrade``: a manifest or a folder
in, a folder with ``manifest.jsonl`` and ``wavs/`` out, never written over the input."""

from __future__ import annotations

import errno
import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from ..audio import load, wav_truncation
from ..augment import AUDIO_SUFFIXES
from ..errors import SynthkitError
from ..guard import Input, manifest_inputs
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


@dataclass(frozen=True)
class Unusable:
    """An input row (or folder entry) that cannot be used, with its id and the reason: it becomes a
    reject, written in input order like every other row."""

    id: str
    audio_filepath: str | None
    reason: str


def guard_inputs(src: Path, out: Path, extra: Sequence[Input] = ()) -> None:
    """Before any work: no file ``out`` gets is an input (the manifest or folder, every file the
    manifest's rows name, ``extra``), and ``out`` takes files (see :mod:`synthkit.guard`)."""
    from ..synth import guard_out_dir

    inputs: Iterable[Input] = [Input.folder("the input folder", src)] if src.is_dir() else manifest_inputs(src)
    guard_out_dir(out, [*extra, *inputs])


def read_input(src: Path) -> Iterator[Utterance | BadRow | Unusable]:
    """Rows of a manifest (``errors="yield"``) or of a folder (one row per audio file, id = path
    relative to the folder without suffix), each with an absolute ``audio_filepath``. A row whose
    audio path is missing or not a string, and a folder entry that is a looping or broken symbolic
    link (file or folder), comes as :class:`Unusable`."""
    if src.is_dir():
        yield from _read_folder(src)
        return
    base = manifest_dir(src)
    for row in read_manifest(src, errors="yield"):
        if isinstance(row, BadRow):
            yield row
            continue
        afp = row.audio_filepath
        try:
            path = row.audio_path(base)
        except SynthkitError as exc:
            yield Unusable(row.id, afp if isinstance(afp, str) else None, str(exc))
            continue
        yield row.with_fields(audio_filepath=str(path))


def _read_folder(src: Path) -> Iterator[Utterance | Unusable]:
    """Audio files under ``src`` in path order, following folder links once (a link back to a folder
    already read is a reject, not an endless walk)."""
    entries: list[tuple[Path, str | None]] = []  # (path, reason it cannot be used)
    visited = {os.path.realpath(src)}
    for root, dirs, files in os.walk(src, followlinks=True):
        keep = []
        for d in sorted(dirs):
            full = os.path.join(root, d)
            real = os.path.realpath(full)
            if d.startswith("."):
                continue
            if real in visited or os.path.realpath(root).startswith(real.rstrip(os.sep) + os.sep):
                entries.append((Path(full), f"folder link {d} leads back to a folder already read ({real}); "
                                            "symbolic-link loop"))
                continue
            visited.add(real)
            keep.append(d)
        dirs[:] = keep
        for name in files:
            p = Path(root) / name
            if name.startswith(".") or p.suffix.lower() not in INPUT_SUFFIXES:
                continue
            try:
                ok = p.is_file()
                why = None if ok else "not a regular file"
            except OSError as exc:  # (Path.is_file hides most errors; kept for other platforms)
                ok, why = False, exc.strerror or str(exc)
            if not ok and p.is_symlink():
                try:
                    os.stat(p)
                    why = "the symbolic link does not lead to a regular file"
                except OSError as exc:
                    why = ("symbolic-link loop" if exc.errno == errno.ELOOP else
                           f"broken symbolic link ({exc.strerror})")
            entries.append((p, why))
    for p, why in sorted(entries):
        uid = PurePosixPath(p.relative_to(src).with_suffix("").as_posix()).as_posix()
        if why is None:
            yield Utterance(uid, str(p))
        else:
            yield Unusable(uid, str(p), f"{p}: {why}")


#: A path component of an id that can be a file name as it is (anything else is made safe and hashed).
_CLEAN_PART = re.compile(r"^[^./\\\x00-\x1f\x7f][^/\\\x00-\x1f\x7f]{0,199}$")


def output_rel(uid: str) -> str:
    """``wavs/<id>.wav`` for an id whose parts are plain file names (folders kept); any other id (``..``,
    a leading ``/`` or ``.``, backslashes, control characters, empty parts, very long) becomes one flat,
    safe name with a hash of the id, so no two ids share a file and nothing can leave ``wavs/``."""
    parts = uid.split("/")
    if uid and all(_CLEAN_PART.match(p) and p not in (".", "..") for p in parts):
        return "/".join([WAV_DIR, *parts[:-1], parts[-1] + ".wav"])
    digest = hashlib.sha1(uid.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    stem = re.sub(r"[^A-Za-z0-9_+=,@-]+", "_", uid).strip("_")[:120]
    return f"{WAV_DIR}/{stem + '_' if stem else ''}{digest}.wav"


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
    """Whether ``a`` and ``b`` name one file: the same path after links, or the same inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except (OSError, ValueError):
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def read_source(row: Utterance, out: Path, sr: int | None = None) -> tuple[tuple[np.ndarray, int] | None, dict | None]:
    """A row's input audio (resampled to ``sr`` when given) for writing to ``out``:
    ``((x, sr), None)``, or ``(None, reject)`` when it cannot be used (unreadable, empty, non-finite,
    truncated, or ``out`` is the input file itself)."""
    src = row.audio_filepath
    if same_file(src, out):
        return None, {"id": row.id, "audio_filepath": src, "reason": "output would overwrite the input file"}
    cut = wav_truncation(src)
    if cut:
        return None, {"id": row.id, "audio_filepath": src, "reason": cut}
    try:
        x, got_sr = load(src, sr=sr)
    except SynthkitError as exc:
        return None, {"id": row.id, "audio_filepath": src, "reason": str(exc)}
    if x.size == 0 or not np.all(np.isfinite(x)):
        return None, {"id": row.id, "audio_filepath": src, "reason": "empty or non-finite audio"}
    return (x, got_sr), None
