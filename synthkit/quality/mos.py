"""Predicted MOS: a :class:`MosPredictor` returns flat score keys for one clip.

Backends (the registry :data:`MOS_BACKENDS` maps the metric name to a factory ``(model) -> MosPredictor``):

* ``dnsmos`` — DNSMOS P.835 (Microsoft's ONNX models, shipped in the ``speechmos`` wheel and read in
  place, so nothing is downloaded) run by ONNX Runtime: :class:`Dnsmos` computes what torchmetrics'
  ``deep_noise_suppression_mean_opinion_score`` computes, with sessions built once per process and every
  window of a clip in one call. ``model="torchmetrics"`` runs torchmetrics' function itself (the weights
  copied once, atomically, to ``$SYNTHKIT_CACHE/torchmetrics/DNSMOS`` when ``SYNTHKIT_CACHE`` is set,
  else ``~/.torchmetrics/DNSMOS``); ``model="personalized"`` is pDNSMOS. Keys ``dnsmos_sig``,
  ``dnsmos_bak``, ``dnsmos_ovrl`` (and ``dnsmos_p808``). DNSMOS scores 9.01-s windows: a shorter clip is
  repeated to fill one window (as torchmetrics and the reference script do); a longer one is cut into
  evenly spaced windows that cover it, and the window scores are averaged (the reference script hops by
  1 s, which costs up to 9× more for the same average). A window costs the same compute whatever the
  clip's length (~38 GFLOP, almost all in the sig/bak/ovrl CNN), so short clips score fewer audio seconds
  per second than long ones.
* ``utmos`` — UTMOS22 strong through ``torch.hub``: ``model`` is a local clone of
  https://github.com/tarepan/SpeechMOS (a folder with ``hubconf.py``; its checkpoint in torch's hub cache)
  or ``tarepan/SpeechMOS:v1.2.0`` (loaded from torch's hub cache when cloned there before, else fetched
  with network access). Key ``utmos``.
* ``nisqa`` — NISQA v2.0 through torchmetrics: ``model`` is the path of ``nisqa.tar`` (the weights file
  of https://github.com/gabrielmittag/NISQA), or ``nisqa`` to let torchmetrics download it. Keys
  ``nisqa_mos``, ``nisqa_noi``, ``nisqa_dis``, ``nisqa_col``, ``nisqa_loud``.
* ``squim`` — torchaudio SQUIM objective (reference-free STOI, PESQ, SI-SDR): ``model`` is a local
  state-dict file of ``squim_objective_base`` (torchaudio's ``squim_objective_dns2020.pth``), or
  ``squim_objective_dns2020`` to let torchaudio download it. Keys ``squim_stoi``, ``squim_pesq``,
  ``squim_sisdr``.

Weights that would be downloaded (UTMOS, NISQA, SQUIM by name) are looked for first; offline, a
one-line error says what is missing, that ``dnsmos`` works offline, and how to get them
(:func:`check_available`, :mod:`synthkit.hub`).

Every ``predict`` takes mono float32 audio of shape ``(samples,)`` at 16 kHz (the scorer resamples once).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import SynthkitError, missing_extra

SAMPLE_RATE = 16000
#: DNSMOS input window in samples (9.01 s at 16 kHz), fixed by the ONNX models.
DNSMOS_WINDOW = int(9.01 * SAMPLE_RATE)
#: Files torchmetrics reads (relative to its DNSMOS folder) and where the speechmos wheel keeps them.
DNSMOS_FILES = {
    "DNSMOS/sig_bak_ovr.onnx": "dnsmos_models/sig_bak_ovr.onnx",
    "DNSMOS/model_v8.onnx": "dnsmos_models/model_v8.onnx",
    "pDNSMOS/sig_bak_ovr.onnx": "pdnsmos_models/sig_bak_ovr.onnx",
}
UTMOS_DEFAULT = "tarepan/SpeechMOS:v1.2.0"
UTMOS_ENTRY = "utmos22_strong"
NISQA_KEYS = ("nisqa_mos", "nisqa_noi", "nisqa_dis", "nisqa_col", "nisqa_loud")
SQUIM_DEFAULT = "squim_objective_dns2020"
SQUIM_URL = f"https://download.pytorch.org/torchaudio/models/{SQUIM_DEFAULT}.pth"
NISQA_URL = "https://github.com/gabrielmittag/NISQA/raw/refs/heads/master/weights/nisqa.tar"


@runtime_checkable
class MosPredictor(Protocol):
    def predict(self, audio: np.ndarray, sr: int) -> dict[str, float]:
        """Flat score keys for one clip, ``audio`` shape ``(samples,)``."""
        ...


def _cache_root() -> Path | None:
    root = os.environ.get("SYNTHKIT_CACHE")
    return Path(root) if root else None


def _copy_once(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` unless an identical-size file is there; atomic (temporary name + rename)."""
    if dst.is_file() and dst.stat().st_size == src.stat().st_size:
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


# --- DNSMOS --------------------------------------------------------------------------------------

def dnsmos_dir() -> Path:
    """Folder torchmetrics reads DNSMOS from (see module doc)."""
    root = _cache_root()
    if root is not None:
        return root / "torchmetrics" / "DNSMOS"
    return Path(os.path.expanduser("~/.torchmetrics/DNSMOS"))


def speechmos_dir() -> Path | None:
    """The installed ``speechmos`` package folder (holds the DNSMOS ONNX files), or None."""
    import importlib.util

    spec = importlib.util.find_spec("speechmos")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def install_dnsmos_weights() -> Path:
    """Make the DNSMOS ONNX files available where torchmetrics reads them; return that folder.

    Idempotent. Files already there (ours or torchmetrics' own downloads) are kept. Points
    ``torchmetrics.functional.audio.dnsmos.DNSMOS_DIR`` at the folder."""
    target = dnsmos_dir()
    missing = [rel for rel in DNSMOS_FILES if not (target / rel).is_file()]
    src = speechmos_dir()
    if src is not None:
        for rel, wheel_rel in DNSMOS_FILES.items():
            if (src / wheel_rel).is_file():
                _copy_once(src / wheel_rel, target / rel)
        missing = [rel for rel in DNSMOS_FILES if not (target / rel).is_file()]
    if missing:
        raise SynthkitError(
            f"DNSMOS weights not found: {target} lacks {', '.join(missing)} and the 'speechmos' wheel that ships "
            "them is not installed; install it with: pip install 'synthkit[quality]' (or run ./setup.sh)")
    try:
        import torchmetrics.functional.audio.dnsmos as tm_dnsmos
    except ImportError:
        raise missing_extra("torchmetrics", "quality", "DNSMOS") from None
    tm_dnsmos.DNSMOS_DIR = str(target)
    return target


def dnsmos_windows(audio: np.ndarray) -> np.ndarray:
    """Cut 16-kHz audio ``(samples,)`` into DNSMOS windows, shape ``(n_windows, DNSMOS_WINDOW)``.

    Shorter than one window: repeated to fill it. Longer: ``ceil(len / window)`` evenly spaced windows
    from the start to the end (they overlap slightly)."""
    x = np.asarray(audio, dtype=np.float32)
    if x.size <= DNSMOS_WINDOW:
        return np.resize(x, DNSMOS_WINDOW)[None, :]
    n = -(-x.size // DNSMOS_WINDOW)
    starts = np.linspace(0, x.size - DNSMOS_WINDOW, n).round().astype(int)
    return np.stack([x[s:s + DNSMOS_WINDOW] for s in starts])


#: STFT and mel settings of DNSMOS's P.808 input (Microsoft's dnsmos_local.py, as torchmetrics computes them).
P808_N_FFT, P808_HOP, P808_MELS = 321, 160, 120
#: The third-order polynomials that map the models' raw outputs to P.835 MOS (sig, bak, ovrl), from
#: Microsoft's DNSMOS script: (plain, personalized).
DNSMOS_POLY = {
    False: ((-0.08397278, 1.22083953, 0.0052439), (-0.13166888, 1.60915514, -0.39604546),
            (-0.06766283, 1.11546468, 0.04602535)),
    True: ((-0.01019296, 0.02751166, 1.19576786, -0.24348726), (-0.04976499, 0.44276479, -0.1644611, 0.96883132),
           (-0.00533021, 0.005101, 1.18058466, -0.11236046)),
}
#: Windows run through the ONNX models in one call (all of a clip's, up to this many).
DNSMOS_BATCH = 8


def _slaney_mel(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Mel filter bank ``(n_mels, 1 + n_fft // 2)``, Slaney scale and area normalization (librosa's
    default, which DNSMOS's P.808 features were computed with)."""
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0

    def hz_to_mel(f: np.ndarray) -> np.ndarray:
        f = np.asarray(f, dtype=np.float64)
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-12) / min_log_hz) / logstep, f / f_sp)

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)

    fft_freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fft_freqs)
    weights = np.zeros((n_mels, fft_freqs.size), dtype=np.float32)
    for i in range(n_mels):
        weights[i] = np.maximum(0.0, np.minimum(-ramps[i] / fdiff[i], ramps[i + 2] / fdiff[i + 1]))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return weights


@lru_cache(maxsize=1)
def _p808_bank() -> tuple[np.ndarray, np.ndarray]:
    n = np.arange(P808_N_FFT)
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / P808_N_FFT)  # periodic Hann
    return window, _slaney_mel(SAMPLE_RATE, P808_N_FFT, P808_MELS)


def p808_features(windows: np.ndarray) -> np.ndarray:
    """The P.808 model's input for DNSMOS windows ``(n, DNSMOS_WINDOW)``: log-mel ``(n, 900, 120)`` of each
    window without its last 10 ms (centred 321-point STFT, hop 160, power, 120 Slaney mels, dB against the
    window's maximum floored 80 dB below it, then ``(dB + 40) / 40``) — what torchmetrics' DNSMOS feeds it."""
    window, mel = _p808_bank()
    x = np.asarray(windows, dtype=np.float32)[:, :-P808_HOP]
    pad = P808_N_FFT // 2
    x = np.pad(x, ((0, 0), (pad, pad)))
    n_frames = 1 + (x.shape[1] - P808_N_FFT) // P808_HOP
    frames = np.lib.stride_tricks.sliding_window_view(x, P808_N_FFT, axis=1)[:, ::P808_HOP][:, :n_frames]
    spec = np.fft.rfft(frames * window, axis=-1).astype(np.complex64)
    power = (spec.real ** 2 + spec.imag ** 2).astype(np.float32)
    mels = power @ mel.T  # (n, frames, mels)
    db = 10.0 * np.log10(np.maximum(mels, 1e-10))
    db -= 10.0 * np.log10(np.maximum(mels.max(axis=(1, 2), keepdims=True), 1e-10))
    db = np.maximum(db, db.max(axis=(1, 2), keepdims=True) - 80.0)
    return ((db + 40.0) / 40.0).astype(np.float32)


def dnsmos_polyfit(raw: np.ndarray, personalized: bool) -> np.ndarray:
    """``raw`` ``(n, 4)`` = (p808, sig, bak, ovrl) as the models give them -> DNSMOS values (p808 is kept)."""
    out = np.array(raw, dtype=np.float64)
    for col, coeffs in enumerate(DNSMOS_POLY[personalized], start=1):
        out[:, col] = np.polyval(coeffs, out[:, col])
    return out


@lru_cache(maxsize=8)
def _dnsmos_session(path: str, threads: int):
    """One ONNX Runtime session per model file and thread count, per process (built once, reused)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # waiting threads sleep instead of spinning: on cores shared with other workers a spin only burns them
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])


def dnsmos_model_files(personalized: bool = False) -> tuple[Path, Path]:
    """(sig_bak_ovr, P.808) ONNX files, read in place from the ``speechmos`` wheel (or, without it, from the
    folder torchmetrics downloads to)."""
    src = speechmos_dir()
    names = ("pdnsmos_models" if personalized else "dnsmos_models", "dnsmos_models")
    if src is not None and all((src / n / f).is_file() for n, f in zip(names, ("sig_bak_ovr.onnx", "model_v8.onnx"))):
        return src / names[0] / "sig_bak_ovr.onnx", src / names[1] / "model_v8.onnx"
    d = dnsmos_dir()
    pair = (d / ("pDNSMOS" if personalized else "DNSMOS") / "sig_bak_ovr.onnx", d / "DNSMOS" / "model_v8.onnx")
    if all(p.is_file() for p in pair):
        return pair
    raise SynthkitError("DNSMOS weights not found: the 'speechmos' wheel that ships them is not installed; install it "
                        "with: pip install 'synthkit[quality]' (or run ./setup.sh)")


class Dnsmos:
    """DNSMOS P.835 on the ``speechmos`` wheel's ONNX files, run by ONNX Runtime directly.

    The same computation as torchmetrics' ``deep_noise_suppression_mean_opinion_score`` on the same
    windows (``tests/test_quality_models.py`` compares them on real recordings), without its per-call
    costs: the sessions are built once per process, all of a clip's windows go through each model in one
    call, the P.808 log-mel is computed in NumPy (:func:`p808_features`), and neither torch nor librosa is
    imported. ``reference=True`` runs torchmetrics' function instead (what synthkit used before; slower)."""

    keys = ("dnsmos_p808", "dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl")

    def __init__(self, personalized: bool = False, threads: int = 1, reference: bool = False) -> None:
        self.personalized = personalized
        self.threads = max(1, int(threads))
        self.reference = reference
        if reference:
            install_dnsmos_weights()
            try:
                from torchmetrics.functional.audio.dnsmos import deep_noise_suppression_mean_opinion_score
            except ImportError as exc:
                raise missing_extra(exc.name or "torchmetrics", "quality", "DNSMOS") from None
            self._fn = deep_noise_suppression_mean_opinion_score
            return
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            raise missing_extra("onnxruntime", "quality", "DNSMOS") from None
        sig, p808 = dnsmos_model_files(personalized)
        self._sig = _dnsmos_session(str(sig), self.threads)
        self._p808 = _dnsmos_session(str(p808), self.threads)

    def raw_windows(self, windows: np.ndarray) -> np.ndarray:
        """DNSMOS values ``(n, 4)`` = (p808, sig, bak, ovrl) of each window ``(n, DNSMOS_WINDOW)``."""
        windows = np.ascontiguousarray(windows, dtype=np.float32)
        if self.reference:
            import torch

            return self._fn(torch.from_numpy(windows), SAMPLE_RATE, self.personalized, device="cpu",
                            num_threads=self.threads).reshape(-1, 4).double().numpy()
        parts = []
        for i in range(0, windows.shape[0], DNSMOS_BATCH):
            w = windows[i:i + DNSMOS_BATCH]
            sig = self._sig.run(None, {"input_1": w})[0]
            p808 = self._p808.run(None, {"input_1": p808_features(w)})[0]
            parts.append(np.concatenate([p808, sig], axis=-1).astype(np.float64))
        return dnsmos_polyfit(np.concatenate(parts), self.personalized)

    def predict(self, audio: np.ndarray, sr: int) -> dict[str, float]:
        if sr != SAMPLE_RATE:
            raise ValueError(f"DNSMOS takes {SAMPLE_RATE} Hz audio, got {sr}")
        mean = self.raw_windows(dnsmos_windows(audio)).mean(axis=0)
        return dict(zip(self.keys, (float(v) for v in mean)))


# --- UTMOS (torch.hub) ---------------------------------------------------------------------------

#: What scores MOS offline in every install of ``synthkit[quality]``.
OFFLINE_MOS = "--metrics dnsmos (DNSMOS ships in the speechmos wheel)"
_CHECKPOINT_URL = re.compile(r"https?://[^\s\"']+?/([^/\s\"']+\.(?:pt|pth|ckpt|tar))")


def utmos_clone(source: str) -> tuple[Path | None, list[str]]:
    """(the local clone ``torch.hub`` uses for UTMOS ``source``, the checkpoint files its ``hubconf.py``
    fetches that are not in torch's hub cache yet). ``source`` is a folder or ``owner/repo[:ref]``; the
    clone is None when a named repo is not in torch's hub cache. Reads only ``hubconf.py``."""
    from ..hub import torch_home

    hub_dir = torch_home() / "hub"
    local = Path(source).expanduser()
    clone: Path | None = local if local.is_dir() else None
    if clone is None and "/" in source and not local.exists() and not source.startswith((".", "/", "~")):
        repo, _, ref = source.partition(":")
        owner, name = repo.split("/", 1)
        folders = [hub_dir / f"{owner}_{name}_{r.replace('/', '_')}" for r in ((ref,) if ref else ("main", "master"))]
        clone = next((f for f in folders if (f / "hubconf.py").is_file()), None)
    if clone is None or not (clone / "hubconf.py").is_file():
        return clone, []
    urls = _CHECKPOINT_URL.findall((clone / "hubconf.py").read_text(encoding="utf-8", errors="replace"))
    return clone, [f for f in urls if not (hub_dir / "checkpoints" / f).is_file()]


def _utmos_local(source: str) -> Path | None:
    """The local clone for UTMOS ``source`` when it and its checkpoints are on this machine; None when they
    are not but can be downloaded now (or ``source`` is no name at all: the loader says what is wrong);
    offline, the one-line error. Imports nothing."""
    from ..hub import require_download, torch_home

    hub_dir = torch_home() / "hub"
    clone, lacking = utmos_clone(source)
    if clone is None:
        if "/" in source and not Path(source).expanduser().exists() and not source.startswith((".", "/", "~")):
            repo = source.partition(":")[0]
            require_download("UTMOS", source, f"no clone in torch's hub cache {hub_dir}", OFFLINE_MOS,
                             f"run again with network access (torch.hub clones https://github.com/{repo} into "
                             f"{hub_dir}), or give a local clone: --model utmos=DIR", "https://github.com")
        return None
    if lacking:
        require_download("UTMOS checkpoint", lacking[0], f"not in torch's hub cache {hub_dir / 'checkpoints'}",
                         OFFLINE_MOS, f"run again with network access (the hubconf.py of {clone} downloads it into "
                         f"{hub_dir / 'checkpoints'})", "https://github.com")
    return clone


class Utmos:
    """UTMOS22 strong learner loaded with ``torch.hub`` from a local clone or a GitHub name (a name whose
    clone is in torch's hub cache loads from that clone, without asking GitHub)."""

    keys = ("utmos",)

    def __init__(self, model: str | None = None, entry: str = UTMOS_ENTRY) -> None:
        source = model or UTMOS_DEFAULT
        cached = _utmos_local(source)  # before importing torch: offline errors come at once
        import torch

        local = cached or Path(source).expanduser()
        try:
            if local.is_dir():
                if not (local / "hubconf.py").is_file():
                    raise SynthkitError(f"UTMOS: {local} has no hubconf.py; give a local clone of "
                                        "https://github.com/tarepan/SpeechMOS")
                self._model = torch.hub.load(str(local), entry, source="local", trust_repo=True)
            elif "/" in source and not local.exists() and not source.startswith((".", "/", "~")):
                self._model = torch.hub.load(source, entry, source="github", trust_repo=True)
            else:
                raise SynthkitError(f"UTMOS model {source!r} not found: give a local clone of "
                                    f"https://github.com/tarepan/SpeechMOS (folder with hubconf.py) or, with network "
                                    f"access, {UTMOS_DEFAULT!r}")
        except SynthkitError:
            raise
        except Exception as exc:
            raise SynthkitError(f"cannot load UTMOS from {source!r} ({type(exc).__name__}: {exc}); offline, give a "
                                "local clone of https://github.com/tarepan/SpeechMOS whose checkpoint is in torch's "
                                "hub cache") from None
        self._model.eval()

    def predict(self, audio: np.ndarray, sr: int) -> dict[str, float]:
        import torch

        with torch.inference_mode():
            score = self._model(torch.from_numpy(np.asarray(audio, np.float32))[None, :], sr)
        return {"utmos": float(torch.as_tensor(score).reshape(-1)[0])}


# --- NISQA (torchmetrics) ------------------------------------------------------------------------

def nisqa_dir() -> Path:
    root = _cache_root()
    return root / "torchmetrics" / "NISQA" if root is not None else Path(os.path.expanduser("~/.torchmetrics/NISQA"))


class Nisqa:
    """NISQA v2.0 through torchmetrics, on a local ``nisqa.tar`` (copied to torchmetrics' folder)."""

    keys = NISQA_KEYS

    def __init__(self, model: str | None = None) -> None:
        from ..checks import found

        if not found("torchmetrics"):
            raise missing_extra("torchmetrics", "quality", "NISQA")
        target = nisqa_dir()
        if model and model != "nisqa":
            src = Path(model).expanduser()
            if src.is_dir():
                src = src / "nisqa.tar"
            if not src.is_file():
                raise SynthkitError(f"NISQA weights not found at {model}: give the path of nisqa.tar from "
                                    "https://github.com/gabrielmittag/NISQA/tree/master/weights")
            _copy_once(src, target / "nisqa.tar")
        else:  # torchmetrics downloads it on first use (needs network): offline, say so now
            check_available("nisqa", model)
        try:
            import torchmetrics.functional.audio.nisqa as tm_nisqa
        except ImportError:
            raise missing_extra("torchmetrics", "quality", "NISQA") from None
        tm_nisqa.NISQA_DIR = str(target)
        tm_nisqa._load_nisqa_model.cache_clear()
        try:
            tm_nisqa._load_nisqa_model()
        except Exception as exc:
            raise SynthkitError(f"cannot load NISQA weights from {target / 'nisqa.tar'} ({type(exc).__name__}: "
                                f"{exc}); offline, give the path of nisqa.tar") from None
        self._fn = tm_nisqa.non_intrusive_speech_quality_assessment

    def predict(self, audio: np.ndarray, sr: int) -> dict[str, float]:
        import torch

        values = self._fn(torch.from_numpy(np.asarray(audio, np.float32)), int(sr)).reshape(-1).tolist()
        return dict(zip(self.keys, (float(v) for v in values)))


# --- SQUIM (torchaudio) --------------------------------------------------------------------------

def squim_path() -> Path:
    """Where torchaudio keeps ``squim_objective_dns2020.pth`` once downloaded
    (``$TORCH_HOME/hub/torchaudio/models``)."""
    from ..hub import torch_home

    return torch_home() / "hub" / "torchaudio" / "models" / f"{SQUIM_DEFAULT}.pth"


def _squim_local() -> Path | None:
    """torchaudio's SQUIM weights file when it is on this machine; None when it can be downloaded now;
    offline, the one-line error."""
    from ..hub import require_download

    path = squim_path()
    if path.is_file():
        return path
    require_download("SQUIM weights", path.name, f"not in {path.parent}", OFFLINE_MOS,
                     f"run again with network access (torchaudio downloads {SQUIM_URL}), or download it yourself and "
                     "give --model squim=FILE", SQUIM_URL)
    return None


class SquimObjective:
    """torchaudio SQUIM objective: reference-free STOI, PESQ and SI-SDR estimates."""

    keys = ("squim_stoi", "squim_pesq", "squim_sisdr")

    def __init__(self, model: str | None = None) -> None:
        if not model or model == SQUIM_DEFAULT:
            _squim_local()  # before importing torch: offline errors come at once
        import torch

        try:
            from torchaudio.models import squim_objective_base
        except ImportError:
            raise missing_extra("torchaudio", "quality", "SQUIM") from None
        if model and model != SQUIM_DEFAULT:
            path = Path(model).expanduser()
            if not path.is_file():
                raise SynthkitError(f"SQUIM weights not found at {model}: give the path of a state-dict file of "
                                    "torchaudio's squim_objective_base (squim_objective_dns2020.pth)")
            try:
                state = torch.load(path, map_location="cpu", weights_only=True)
                net = squim_objective_base()
                net.load_state_dict(state)
            except Exception as exc:
                raise SynthkitError(f"{path} is not a squim_objective_base state dict ({type(exc).__name__}: "
                                    f"{str(exc)[:200]})") from None
        else:
            try:
                from torchaudio.pipelines import SQUIM_OBJECTIVE

                net = SQUIM_OBJECTIVE.get_model()
            except Exception as exc:
                raise SynthkitError(f"cannot download SQUIM weights ({type(exc).__name__}); offline, give the path of "
                                    "squim_objective_dns2020.pth") from None
        self._model = net.eval()

    def predict(self, audio: np.ndarray, sr: int) -> dict[str, float]:
        import torch

        if sr != SAMPLE_RATE:
            raise ValueError(f"SQUIM takes {SAMPLE_RATE} Hz audio, got {sr}")
        with torch.inference_mode():
            stoi, pesq, sisdr = self._model(torch.from_numpy(np.asarray(audio, np.float32))[None, :])
        return {"squim_stoi": float(stoi[0]), "squim_pesq": float(pesq[0]), "squim_sisdr": float(sisdr[0])}


#: metric name -> factory(model name or path or None, threads) -> MosPredictor
MOS_BACKENDS: dict[str, Callable[[str | None, int], MosPredictor]] = {
    "dnsmos": lambda model, threads: _dnsmos(model, threads),
    "utmos": lambda model, threads: Utmos(model),
    "nisqa": lambda model, threads: Nisqa(model),
    "squim": lambda model, threads: SquimObjective(model),
}


def _check_dnsmos_model(model: str | None) -> None:
    if model not in (None, "", "personalized", "torchmetrics"):
        raise SynthkitError(f"--model dnsmos={model}: use dnsmos=personalized (pDNSMOS) or dnsmos=torchmetrics "
                            "(the reference computation, slower); the weights come from the speechmos wheel")


def _dnsmos(model: str | None, threads: int) -> Dnsmos:
    _check_dnsmos_model(model)
    return Dnsmos(personalized=(model == "personalized"), threads=threads, reference=(model == "torchmetrics"))


def check_available(name: str, model: str | None = None) -> None:
    """The one-line offline error now when MOS backend ``name`` would download weights that are not on this
    machine and cannot be fetched; nothing is loaded or imported (the scoring driver asks before any work)."""
    if name == "dnsmos":
        _check_dnsmos_model(model)
    elif name == "utmos":
        _utmos_local(model or UTMOS_DEFAULT)
    elif name == "nisqa" and (not model or model == "nisqa") and not (nisqa_dir() / "nisqa.tar").is_file():
        from ..hub import require_download

        require_download("NISQA weights", "nisqa.tar", f"not in {nisqa_dir()}", OFFLINE_MOS,
                         f"run again with network access (torchmetrics downloads {NISQA_URL}), or download it "
                         "yourself and give --model nisqa=FILE", NISQA_URL)
    elif name == "squim" and (not model or model == SQUIM_DEFAULT):
        _squim_local()


def load_mos(name: str, model: str | None = None, threads: int = 1) -> MosPredictor:
    if name not in MOS_BACKENDS:
        raise SynthkitError(f"unknown MOS backend {name!r}; available: {', '.join(MOS_BACKENDS)}")
    return MOS_BACKENDS[name](model, threads)
