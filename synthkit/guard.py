"""Never write over an input: the one check every command runs on its outputs before any work.

A command names what it will write — :class:`Output` files (written or replaced: ``-o``, ``--junit``,
``DIR/kept.jsonl``) and folders whose content it writes (``DIR/wavs``) — and what it reads —
:class:`Input` files, input folders, and manifests together with every file their rows name
(:func:`manifest_inputs`). :func:`check` refuses, with one line (:class:`SynthkitError`, exit 2):

* an output file that *is* an input: the same path, a symbolic link to it or from it, or a hard link
  (same device and inode);
* an output folder that holds an input (its content is written), or an output inside an input folder
  (it would change what the command reads, now or when it resumes);
* two outputs that are the same file, an output file that exists as a folder (or the other way round).

:func:`ensure_writable` then proves each output can be written (a probe file is created and removed in
the nearest folder that exists; nothing else is made), so ``--out /proc/x`` or a read-only disk is one line before any work, not a
traceback halfway. :func:`claim` / :func:`release` keep resumable single-file outputs honest: a file is
continued only when its sidecar ``FILE.run.json`` says synthkit wrote it for the same settings.

    outputs = [Output.file("-o", out)]
    guard.check(outputs, [Input.file("MANIFEST", manifest), *guard.manifest_inputs(manifest)])
    guard.ensure_writable(outputs)
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SynthkitError
from .hashing import other_code

#: Suffix of the sidecar that records the settings of a resumable single-file output.
SIDECAR_SUFFIX = ".run.json"
_NEVER = "synthkit never writes over its input"


@dataclass(frozen=True)
class Output:
    """Something a command writes: a file (``tree=False``) or a folder whose content it writes."""

    option: str  # how the user named it ("-o", "--junit", "--out"), for the message
    path: Path
    tree: bool = False
    within: Path | None = None  # the folder the user named, when ``path`` is a file or folder inside it

    @classmethod
    def file(cls, option: str, path: str | os.PathLike) -> Output:
        return cls(option, Path(path), False)

    @classmethod
    def folder(cls, option: str, path: str | os.PathLike) -> Output:
        return cls(option, Path(path), True)


@dataclass(frozen=True)
class Input:
    """Something a command reads: a file, or a folder (``tree=True``); ``label`` says what it is."""

    label: str
    path: Path
    tree: bool = False

    @classmethod
    def file(cls, label: str, path: str | os.PathLike) -> Input:
        return cls(label, Path(path), False)

    @classmethod
    def folder(cls, label: str, path: str | os.PathLike) -> Input:
        return cls(label, Path(path), True)


def stage_outputs(option: str, out_dir: str | os.PathLike, files: Sequence[str], trees: Sequence[str] = ()) -> list[Output]:
    """The outputs of a stage that writes named files and folders inside ``out_dir``."""
    out = Path(out_dir)
    return [*(Output(option, out / f, False, out) for f in files), *(Output(option, out / t, True, out) for t in trees)]


def manifest_inputs(manifest: str | os.PathLike, keys: Sequence[str] = ("audio_filepath",),
                    label: str = "MANIFEST") -> Iterator[Input]:
    """The manifest file itself, then every file its rows name under ``keys`` (relative to its folder);
    lazily, one row at a time. Unreadable lines and non-string values name no file."""
    from .manifest import Utterance, manifest_dir, read_manifest

    path = Path(manifest)
    yield Input.file("the manifest", path)
    if not path.is_file():
        return
    base = manifest_dir(path)
    for row in read_manifest(path, errors="yield"):
        if not isinstance(row, Utterance):
            continue
        for key in keys:
            v = row.get(key)
            if isinstance(v, str) and v and "\0" not in v:
                p = Path(v)
                yield Input.file(f"{key} of row {row.id!r} in {path}", p if p.is_absolute() else base / p)


# --- comparing paths ----------------------------------------------------------------------------

def _inode(p: str) -> tuple[int, int] | None:
    try:
        st = os.stat(p)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


class _Real:
    """``os.path.realpath`` with the parent folders cached (most rows of a manifest share a few)."""

    def __init__(self) -> None:
        self._dirs: dict[str, str] = {}

    def __call__(self, p: str | os.PathLike) -> str:
        p = os.path.abspath(os.fspath(p))
        if os.path.islink(p):
            return os.path.realpath(p)
        parent, name = os.path.split(p)
        real = self._dirs.get(parent)
        if real is None:
            real = self._dirs[parent] = os.path.realpath(parent)
        return os.path.join(real, name)


def _inside(child: str, parent: str) -> bool:
    return child == parent or child.startswith(parent.rstrip(os.sep) + os.sep)


@dataclass(frozen=True)
class _Out:
    out: Output
    real: str
    inode: tuple[int, int] | None


def _say(out: Output, full: bool = False) -> str:
    if out.within is None:
        return f"{out.option} {out.path}"
    return f"{out.option} {out.within}" + (f" ({out.path.name}{'/' if out.tree else ''} in it)" if full else "")


def check(outputs: Sequence[Output], inputs: Iterable[Input]) -> None:
    """Refuse (one-line :class:`SynthkitError`) any output that would write over or into an input,
    outputs that collide, and outputs whose kind (file or folder) does not match what is there."""
    real = _Real()
    outs: list[_Out] = []
    for o in outputs:
        p = str(o.path)
        if "\0" in p:
            raise SynthkitError(f"{_say(o)}: a path cannot hold a NUL character")
        if o.within is not None and os.path.exists(o.within) and not os.path.isdir(o.within):
            raise SynthkitError(f"{_say(o)} exists and is not a folder; choose a folder")
        if o.tree and os.path.exists(p) and not os.path.isdir(p):
            raise SynthkitError(f"{_say(o, True)} exists and is not a folder; choose another output")
        if not o.tree and os.path.isdir(p):
            raise SynthkitError(f"{_say(o, True)} is a folder; give the path of a file")
        outs.append(_Out(o, real(p), _inode(p)))
    for i, a in enumerate(outs):
        for b in outs[i + 1:]:
            same = a.real == b.real or (a.inode is not None and a.inode == b.inode)
            nested = (a.out.tree and _inside(b.real, a.real)) or (b.out.tree and _inside(a.real, b.real))
            if same or nested:
                raise SynthkitError(f"{_say(a.out, True)} and {_say(b.out, True)} would write the same files; "
                                    "give them different paths")
    for inp in inputs:
        p = str(inp.path)
        if "\0" in p:
            continue
        if inp.tree:
            r = real(p)
            for o in outs:
                if _inside(o.real, r) or (o.out.tree and _inside(r, o.real)):
                    raise SynthkitError(f"{_say(o.out, True)} overlaps {inp.label} ({inp.path}); choose an output "
                                        f"outside it ({_NEVER})")
            continue
        ino = _inode(p)
        if ino is None:  # a file that is not there cannot be overwritten
            continue
        r = real(p)
        for o in outs:
            if o.out.tree:
                hit = _inside(r, o.real)
            else:
                hit = r == o.real or ino == o.inode
            if hit:
                what = "would write into a folder that holds" if o.out.tree else "is"
                raise SynthkitError(f"{_say(o.out, True)} {what} an input: {inp.label} ({inp.path}); choose another "
                                    f"path ({_NEVER})")


def ensure_writable(outputs: Sequence[Output]) -> None:
    """Prove each output can be written, creating nothing: the nearest folder that exists on the way to
    it must be a folder that takes a new file (a probe file is made there and removed at once). One
    line on failure, before any work (``--out /proc/x``, a read-only disk, a path through a file)."""
    seen: set[str] = set()
    for o in outputs:
        target = Path(os.path.abspath(o.path if o.tree else o.path.parent))
        folder = target
        while not os.path.lexists(folder) and folder.parent != folder:
            folder = folder.parent
        key = str(folder)
        if key in seen:
            continue
        seen.add(key)
        if not folder.is_dir():
            raise SynthkitError(f"{_say(o)}: cannot write there, {folder} is not a folder")
        try:
            fd, probe = tempfile.mkstemp(prefix=".synthkit-probe-", dir=folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise SynthkitError(f"{_say(o)}: cannot write in {folder} ({exc.strerror or exc})") from None


def guard(outputs: Sequence[Output], inputs: Iterable[Input]) -> None:
    """:func:`check` then :func:`ensure_writable`."""
    check(outputs, inputs)
    ensure_writable(outputs)


# --- resumable single-file outputs --------------------------------------------------------------

def sidecar(path: str | os.PathLike) -> Path:
    p = Path(path)
    return p.with_name(p.name + SIDECAR_SUFFIX)


def _diff(have: dict[str, Any], want: dict[str, Any]) -> str:
    keys = sorted(k for k in set(have) | set(want) if have.get(k) != want.get(k))
    return ", ".join(keys[:6]) or "format"


def claim(option: str, path: str | os.PathLike, settings: dict[str, Any]) -> bool:
    """Before writing a resumable file: ``True`` when ``path`` holds rows synthkit wrote with these
    ``settings`` (continue it), ``False`` when it is new or empty (start it). Anything else — a file
    without its sidecar, or one written with other settings — is refused: it is not ours to continue.
    Call :func:`record` once the checks are over, before the first row is written."""
    p, side = Path(path), sidecar(path)
    if not p.exists() or (p.is_file() and p.stat().st_size == 0):
        return False
    if not side.is_file():
        raise SynthkitError(f"{option} {p} already exists and synthkit did not write it (no {side.name} beside it); "
                            "choose another file or delete it")
    try:
        have = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        have = None
    if not isinstance(have, dict):
        raise SynthkitError(f"{option} {p}: its {side.name} is unreadable; choose another file or delete both")
    refusal = other_code(f"{option} {p}", have, settings, "another file")
    if refusal:
        raise SynthkitError(refusal)
    if have != settings:
        raise SynthkitError(f"{option} {p} was written with other settings ({_diff(have, settings)}); choose another "
                            "file or delete it (and its " + side.name + ")")
    return True


def record(path: str | os.PathLike, settings: dict[str, Any]) -> None:
    """Write ``FILE.run.json`` (atomically) so a later run may continue ``path``."""
    side = sidecar(path)
    side.parent.mkdir(parents=True, exist_ok=True)
    tmp = side.with_name(f".{side.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(settings, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, side)


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Replace ``path`` with ``data`` in one step (temporary file in the same folder, then rename)."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()


__all__ = ["Input", "Output", "check", "claim", "ensure_writable", "guard", "manifest_inputs", "record",
           "sidecar", "stage_outputs", "write_atomic"]
