"""Synthesizer backends by name: ``synthkit synth --backend espeak|coqui:MODEL|piper:VOICE|kokoro:VOICE|mbrola``.

A backend spec is ``NAME`` or ``NAME:MODEL``. :data:`BACKENDS` maps a name to a factory returning the
:class:`~synthkit.tts.base.Backend` (the module is imported only then: the espeak-ng path never imports
torch, coqui-tts or onnxruntime). Rows record their backend (``backend``) and model (``model``), so any
row picks its own synthesizer (:func:`for_row`).

Adding a backend: write one module with a module-level ``backend`` object implementing
:class:`~synthkit.tts.base.Backend` (and the :class:`~synthkit.tts.base.RenderPlan` its ``plan``
returns), and add one line to :data:`BACKENDS`.

A ``--donor`` name is a backend spec too: a bare name that is not a backend is an espeak-ng voice
(``sw``); ``coqui:MODEL``, ``piper:VOICE|DIR`` and ``kokoro[:VOICE|DIR]`` name neural donors.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ..errors import SynthkitError
from .base import Backend, Synthesizer, Voice

DEFAULT = "espeak"


def _module(name: str) -> Callable[[], Backend]:
    def factory() -> Backend:
        return importlib.import_module(f"{__package__}.{name}").backend

    return factory


#: backend name -> factory() -> Backend
BACKENDS: dict[str, Callable[[], Backend]] = {
    "espeak": _module("espeak"),
    "coqui": _module("coqui"),
    "piper": _module("piper"),
    "kokoro": _module("kokoro"),
    "mbrola": _module("mbrola"),
}


def get(name: str) -> Backend:
    if name not in BACKENDS:
        raise SynthkitError(f"unknown backend {name!r}; available: {', '.join(BACKENDS)}")
    return BACKENDS[name]()


def _usage() -> str:
    return ", ".join(get(n).usage for n in BACKENDS)


def parse(spec: str) -> tuple[str, str | None]:
    """``espeak`` -> ("espeak", None); ``coqui:tts_models/en/vctk/vits`` -> ("coqui", "tts_models/...")."""
    name, _, model = (spec or DEFAULT).strip().partition(":")
    if name not in BACKENDS:
        raise SynthkitError(f"unknown --backend {spec!r}; available: {_usage()}")
    return name, (model.strip() or None)


def parse_donor(spec: str) -> tuple[str, str | None]:
    """A ``--donor`` name: ``sw`` -> ("espeak", "sw"); ``kokoro:jm_kumo`` -> ("kokoro", "jm_kumo")."""
    spec = spec.strip()
    name, sep, model = spec.partition(":")
    if name in BACKENDS and name != DEFAULT:
        return name, (model.strip() or None)
    return DEFAULT, spec


def donor_candidates(include_constructed: bool = False) -> list:
    """Every backend's donor voices that need no model to be named: espeak-ng's voices and the neural
    voices whose weights are installed (what ``synthkit donors`` ranks)."""
    out = []
    for name in BACKENDS:
        out += get(name).donor_candidates(include_constructed)
    return out


def donor_inventory(spec: str, choice=None):
    """The donor a ``--donor`` name stands for (an espeak-ng voice, or ``NAME:MODEL``)."""
    name, model = parse_donor(spec)
    return get(name).donor_inventory(model, choice)


def voice_from_row(fields: dict) -> Voice:
    name = fields.get("backend", DEFAULT)
    if name not in BACKENDS:
        raise SynthkitError(f"rows of backend {name!r} cannot be rendered (known: {', '.join(BACKENDS)})")
    return get(name).voice_from_row(fields)


def for_row(fields: dict) -> Synthesizer:
    """The synthesizer that renders a row (its ``backend`` and ``model`` keys)."""
    name = fields.get("backend")
    if name not in BACKENDS or not get(name).reproducible:
        raise SynthkitError(f"regenerating clips of backend {name!r} is not supported (known: {', '.join(BACKENDS)})")
    return get(name).synthesizer(fields)
