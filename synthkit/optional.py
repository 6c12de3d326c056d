"""Optional heavy packages (coqui-tts, speechbrain): import them, or say exactly what is missing.

coqui-tts and speechbrain import torchaudio, and PyPI's only torchaudio build for torch 2.13 links
CUDA libraries (``libc10_cuda.so``, ``libcudart``) that a CPU-only machine lacks. ``./setup.sh``
deletes torchaudio's compiled extensions so its pure-Python parts (all that coqui-tts and speechbrain
use) import. :func:`explain` turns an import failure into one line that says which of these is the
problem and what to run; :func:`require` raises it as a :class:`~synthkit.errors.SynthkitError`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import SynthkitError

#: Import name -> pip distribution, for packages an extra pulls in.
DISTRIBUTIONS = {"TTS": "coqui-tts", "trainer": "coqui-tts-trainer", "speechbrain": "speechbrain",
                 "torchaudio": "torchaudio", "torchcodec": "torchcodec", "torch": "torch", "six": "six",
                 "hyperpyyaml": "HyperPyYAML", "uroman": "uroman",
                 "sentencepiece": "sentencepiece"}
#: Fragments of the loader error raised when torchaudio's CUDA-linked extensions are present.
CUDA_LIB_MARKERS = ("libc10_cuda", "libcudart", "libcuda.so", "libtorchaudio", "torchaudio/lib", "_torchaudio")
SETUP_HINT = "run ./setup.sh, which removes torchaudio's CUDA extensions"


def explain(exc: BaseException, package: str, extra: str) -> str:
    """Why importing ``package`` (a pip distribution, from extra ``extra``) failed, and what to do."""
    msg = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)[:200]
    if any(m in msg for m in CUDA_LIB_MARKERS) or (isinstance(exc, OSError) and "torchaudio" in msg):
        return (f"{package} imports torchaudio, whose compiled extensions need CUDA libraries this machine "
                f"lacks ({msg}); {SETUP_HINT} (PyPI has only a CUDA build of torchaudio for this torch)")
    if "torchcodec" in str(exc):  # coqui-tts's own check on torch >= 2.9
        return (f"{package} needs torchcodec for audio I/O, which is not installed; pip install -c constraints.txt "
                f"'synthkit[{extra}]' (or run ./setup.sh; constraints.txt pins 0.13.0, as 0.14+ fails to load)")
    if "PyTorch and Torchaudio" in str(exc):
        return (f"{package} needs torch and torchaudio; run ./setup.sh (it installs the pinned CPU torch and "
                "torchaudio and removes torchaudio's CUDA extensions)")
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        dist = DISTRIBUTIONS.get(top, top)
        if dist == package:
            return f"{package} is not installed; pip install 'synthkit[{extra}]' (or run ./setup.sh)"
        if top == "torchaudio":
            return (f"{package} needs torchaudio, which is not installed; run ./setup.sh (it installs the "
                    "pinned torchaudio and removes its CUDA extensions)")
        return (f"{package} needs the Python package '{dist}', which is not installed; "
                f"pip install 'synthkit[{extra}]' (or run ./setup.sh)")
    return f"{package} does not import ({type(exc).__name__}: {msg}); reinstall with ./setup.sh"


def require(module: str, package: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`SynthkitError` saying what is missing (see :func:`explain`)."""
    try:
        return importlib.import_module(module)
    except Exception as exc:  # ImportError, or OSError from a CUDA-linked library
        raise SynthkitError(f"{purpose}: {explain(exc, package, extra)}") from None
