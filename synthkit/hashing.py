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


#: Per resumable command: the synthkit folders that never shape what it writes (left out of its
#: :func:`code_sha256`, so a change there does not refuse a resume) and the installed packages whose
#: version can change what it writes (G2P, espeak-ng and its data, resampling, filters, codecs, models).
STAGE_CODE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "synth": (("restore", "quality", "export"),
              ("espeakng-loader", "phonemizer", "epitran", "panphon", "soxr", "numpy")),
    "degrade": (("quality", "export"), ("numpy", "scipy", "soxr", "soundfile")),
    "restore": (("export",), ("numpy", "scipy", "soxr", "soundfile", "torch", "onnxruntime", "speechmos",
                              "Resemblyzer", "ctranslate2", "faster-whisper")),
    "score": (("restore", "export"), ("numpy", "scipy", "soxr", "soundfile", "onnxruntime", "speechmos",
                                      "Resemblyzer", "ctranslate2", "faster-whisper", "silero-vad", "torch",
                                      "torchmetrics", "espeakng-loader", "phonemizer", "epitran", "panphon")),
}
_TEXT_SUFFIXES = {".py", ".json", ".yaml", ".yml", ".tsv", ".txt"}


def code_sha256(exclude: tuple[str, ...] = (), root: str | os.PathLike | None = None) -> str:
    """Hex SHA-256 over the source and data files of the installed synthkit (every ``.py``, ``.json``,
    ``.yaml``, ``.tsv``, ``.txt`` file of the package but those under a folder named in ``exclude``;
    checkpoints are recorded by their own hash where they are used), by relative path. A command's
    ``run.json`` records it, so that a run is never resumed by code that would write its rows
    differently (a G2P fix, a new mapping rule): the rows of one manifest all come from one code.
    ``root``: another package folder (tests)."""
    from pathlib import Path

    root = Path(root) if root is not None else Path(__file__).resolve().parent
    skip = {*exclude, "__pycache__"}
    h = hashlib.sha256()
    files = sorted(p for p in root.rglob("*")
                   if p.is_file() and p.suffix in _TEXT_SUFFIXES and not set(p.relative_to(root).parts[:-1]) & skip)
    for p in files:
        rel = p.relative_to(root).as_posix().encode()
        h.update(len(rel).to_bytes(4, "big") + rel)
        data = p.read_bytes()
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def code_fingerprint(command: str) -> dict[str, str | None]:
    """What a resumable ``command``'s run settings record of the code that wrote them (see
    :data:`STAGE_CODE`): its :func:`code_sha256` and the version of each package that shapes its output
    (None when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    exclude, packages = STAGE_CODE[command]
    out: dict[str, str | None] = {"synthkit_sha256": code_sha256(exclude)}
    for name in packages:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def code_difference(theirs: object, ours: dict[str, str | None]) -> str:
    """What differs between the code a run recorded (its settings' ``code``) and ``ours``
    (:func:`code_fingerprint`), in words; empty when nothing does."""
    if not isinstance(theirs, dict):
        return "a synthkit that did not record its code"
    return ", ".join("synthkit's code" if k == "synthkit_sha256" else f"{k} {theirs.get(k)} -> {ours[k]}"
                     for k in ours if theirs.get(k) != ours[k])


def other_code(subject: str, have: dict, wanted: dict, instead: str) -> str | None:
    """The one-line refusal when two run settings differ in their recorded ``code`` alone (``subject``
    was written by other code; ``instead``: what else to choose), else None."""
    if "code" not in wanted or {k for k in set(have) | set(wanted) if have.get(k) != wanted.get(k)} != {"code"}:
        return None
    return (f"{subject} was written by other code ({code_difference(have.get('code'), wanted['code'])}); its rows "
            f"would not match new ones: finish it with the install that began it, or choose {instead}")
