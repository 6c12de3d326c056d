"""Predicted MOS: a :class:`MosPredictor` returns flat score keys for one clip.

Backends (the registry :data:`MOS_BACKENDS` maps the metric name to a factory ``(model) -> MosPredictor``):

* ``dnsmos`` — DNSMOS P.835 through torchmetrics, with the ONNX files shipped in the ``speechmos``
  wheel copied (once, atomically) into the folder torchmetrics reads them from, so nothing is
  downloaded. Keys ``dnsmos_sig``, ``dnsmos_bak``, ``dnsmos_ovrl`` (and ``dnsmos_p808``). The folder
  is ``$SYNTHKIT_CACHE/torchmetrics/DNSMOS`` when ``SYNTHKIT_CACHE`` is set, else torchmetrics' own
  ``~/.torchmetrics/DNSMOS``. DNSMOS scores 9.01-s windows: a shorter clip is repeated to fill one
  window (as torchmetrics and the reference script do); a longer one is cut into evenly spaced windows
  that cover it, and the window scores are averaged (the reference script hops by 1 s, which costs up to
  9× more for the same average).
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


class Dnsmos:
    """DNSMOS P.835 (torchmetrics) on the ``speechmos`` wheel's ONNX files."""

    keys = ("dnsmos_p808", "dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl")

    def __init__(self, personalized: bool = False, threads: int = 1) -> None:
        install_dnsmos_weights()
        try:
            import onnxruntime  # noqa: F401
            from torchmetrics.functional.audio.dnsmos import deep_noise_suppression_mean_opinion_score
        except ImportError as exc:
            raise missing_extra(exc.name or "onnxruntime", "quality", "DNSMOS") from None
        self._fn = deep_noise_suppression_mean_opinion_score
        self.personalized = personalized
        self.threads = threads

    def predict(self, audio: np.ndarray, sr: int) -> dict[str, float]:
        import torch

        if sr != SAMPLE_RATE:
            raise ValueError(f"DNSMOS takes {SAMPLE_RATE} Hz audio, got {sr}")
        windows = torch.from_numpy(dnsmos_windows(audio))
        scores = self._fn(windows, SAMPLE_RATE, self.personalized, device="cpu", num_threads=self.threads)
        mean = scores.reshape(-1, 4).mean(dim=0).tolist()
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
    "dnsmos": lambda model, threads: Dnsmos(personalized=(model == "personalized"), threads=threads),
    "utmos": lambda model, threads: Utmos(model),
    "nisqa": lambda model, threads: Nisqa(model),
    "squim": lambda model, threads: SquimObjective(model),
}


def check_available(name: str, model: str | None = None) -> None:
    """The one-line offline error now when MOS backend ``name`` would download weights that are not on this
    machine and cannot be fetched; nothing is loaded or imported (the scoring driver asks before any work)."""
    if name == "utmos":
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
