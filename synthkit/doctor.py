"""``synthkit doctor``: what is installed, which weights are present, and what to install for the rest.

Each check is a function returning a :class:`Check`. Checks import lazily and never download.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    hint: str = ""  # what to install when not ok
    required: bool = False  # needed by the offline default


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def package(name: str, module: str, dist: str, extra: str, purpose: str, required: bool = False) -> Callable[[], Check]:
    def check() -> Check:
        try:
            importlib.import_module(module)
        except Exception as exc:  # ImportError, or OSError from a broken native library
            msg = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            return Check(name, False, f"{purpose}: not importable ({msg})", f"pip install 'synthkit[{extra}]'", required)
        return Check(name, True, f"{purpose}: {dist} {_version(dist) or '?'}", required=required)

    return check


def _espeak() -> Check:
    try:
        from .tts import espeak_lib

        voices = espeak_lib.list_voices()
        return Check("espeak-ng", True, f"library + data from espeakng-loader {_version('espeakng-loader')}: "
                     f"{len(voices)} voices, {len(espeak_lib.list_variants())} variants", required=True)
    except Exception as exc:
        return Check("espeak-ng", False, f"cannot load libespeak-ng: {exc}", "pip install espeakng-loader", True)


def _epitran() -> Check:
    from .languages import epitran_codes

    codes = epitran_codes()
    if not codes:
        return Check("epitran", False, "not installed", "pip install epitran", True)
    return Check("epitran", True, f"epitran {_version('epitran')}: {len(codes)} G2P maps", required=True)


CHECKS: list[Callable[[], Check]] = [
    _espeak,
    package("phonemizer", "phonemizer", "phonemizer", "core", "espeak-ng G2P", True),
    _epitran,
    package("panphon", "panphon", "panphon", "core", "articulatory features", True),
    package("audiomentations", "audiomentations", "audiomentations", "core", "augmentation", True),
    package("fast-mp3-augment", "fast_mp3_augment", "fast-mp3-augment", "core", "MP3 codec augmentation", True),
    package("pyroomacoustics", "pyroomacoustics", "pyroomacoustics", "core", "simulated rooms", True),
    package("torch", "torch", "torch", "core", "neural models"),
]


def _restore_checkpoint() -> Check:
    from .restore.model import DEFAULT_CHECKPOINT

    if not DEFAULT_CHECKPOINT.is_file():
        return Check("restore checkpoint", False, f"default restoration model missing ({DEFAULT_CHECKPOINT})",
                     "reinstall synthkit, or train one: recipes/restore_train/run.sh --install")
    try:
        from .restore.model import read_bundle

        b = read_bundle(DEFAULT_CHECKPOINT)
    except Exception as exc:  # SynthkitError, or torch missing
        return Check("restore checkpoint", False, f"default restoration model unusable: {exc}",
                     "pip install 'synthkit[quality]'")
    size = DEFAULT_CHECKPOINT.stat().st_size / 2**20
    feats = b["config"].get("features", {}).get("type", "?")
    return Check("restore checkpoint", True, f"default restoration model: {b['sample_rate']} Hz, {feats} features, "
                 f"{size:.1f} MiB")


CHECKS += [
    package("transformers", "transformers", "transformers", "quality", "pretrained speech-encoder features (restore)"),
    _restore_checkpoint,
]


def run_checks() -> list[Check]:
    out = []
    for c in CHECKS:
        try:
            out.append(c())
        except Exception as exc:  # a check must never take doctor down
            out.append(Check(getattr(c, "__name__", "check"), False, f"check failed: {exc}"))
    return out
