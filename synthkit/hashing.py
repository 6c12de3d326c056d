"""Content hashes of files (run settings record them so a resumed run can tell its inputs changed)."""

from __future__ import annotations

import hashlib
import os


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


#: synthkit's own folders that never shape what ``synth`` writes (later stages); left out of
#: :func:`code_sha256` so that a change there does not refuse a resume.
_NOT_SYNTH = ("restore", "quality", "export", "__pycache__")


def code_sha256(root: str | os.PathLike | None = None) -> str:
    """Hex SHA-256 over the source and data files of the installed synthkit that can shape a ``synth``
    row or clip (every ``.py``, ``.json``, ``.yaml``, ``.tsv``, ``.txt`` file of the package but those
    under :data:`_NOT_SYNTH`), by relative path. ``run.json`` records it, so that a run is never
    resumed by code that would write its rows differently (a G2P fix, a new mapping rule): the rows
    of one manifest all come from one code. ``root``: another package folder (tests)."""
    from pathlib import Path

    root = Path(root) if root is not None else Path(__file__).resolve().parent
    h = hashlib.sha256()
    files = sorted(p for p in root.rglob("*")
                   if p.is_file() and p.suffix in {".py", ".json", ".yaml", ".yml", ".tsv", ".txt"}
                   and not set(p.relative_to(root).parts[:-1]) & set(_NOT_SYNTH))
    for p in files:
        rel = p.relative_to(root).as_posix().encode()
        h.update(len(rel).to_bytes(4, "big") + rel)
        data = p.read_bytes()
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


#: Installed packages whose version can change a ``synth`` row or clip (G2P, espeak-ng and its data,
#: resampling, noise and RNG arithmetic).
SHAPING_PACKAGES = ("espeakng-loader", "phonemizer", "epitran", "panphon", "soxr", "numpy")


def code_fingerprint() -> dict[str, str | None]:
    """What ``run.json`` records of the code that wrote a run: :func:`code_sha256` and the version of
    each of :data:`SHAPING_PACKAGES` (None when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {"synthkit_sha256": code_sha256()}
    for name in SHAPING_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out
