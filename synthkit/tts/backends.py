"""Synthesizer backends by name: ``synthkit synth --backend espeak|coqui:MODEL``.

A backend spec is ``NAME`` or ``NAME:MODEL``. :data:`BACKENDS` maps a name to a factory that builds a
:class:`~synthkit.tts.base.Synthesizer` from the model part (espeak-ng takes none); :data:`VOICE_READERS`
maps it to the function that rebuilds a row's :class:`~synthkit.tts.base.Voice`. Rows record their
backend (``backend``) and, for coqui, the model (``model``), so any row picks its own synthesizer
(:func:`for_row`). Factories import their libraries when called: the espeak-ng path never imports
torch or coqui-tts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import SynthkitError
from .base import Synthesizer, Voice

DEFAULT = "espeak"


def _espeak(model: Any) -> Synthesizer:
    from .espeak import EspeakSynthesizer

    if model:
        raise SynthkitError(f"--backend espeak takes no model (got {model!r}); voices come from --lang and --donor")
    return EspeakSynthesizer()


def _coqui(model: Any) -> Synthesizer:
    from .coqui import CoquiSynthesizer

    if not model:
        raise SynthkitError("--backend coqui needs a model: coqui:NAME (tts_models/...), coqui:mms or coqui:FOLDER")
    return CoquiSynthesizer(model)


def _espeak_voice(fields: dict) -> Voice:
    from .espeak import voice_from_row

    return voice_from_row(fields)


def _coqui_voice(fields: dict) -> Voice:
    from .coqui import voice_from_row

    return voice_from_row(fields)


#: backend name -> factory(model: str | resolved model | None) -> Synthesizer
BACKENDS: dict[str, Callable[[Any], Synthesizer]] = {"espeak": _espeak, "coqui": _coqui}
#: backend name -> function(row fields) -> the Voice the row was rendered with
VOICE_READERS: dict[str, Callable[[dict], Voice]] = {"espeak": _espeak_voice, "coqui": _coqui_voice}


def parse(spec: str) -> tuple[str, str | None]:
    """``espeak`` -> ("espeak", None); ``coqui:tts_models/en/vctk/vits`` -> ("coqui", "tts_models/...")."""
    name, _, model = (spec or DEFAULT).strip().partition(":")
    if name not in BACKENDS:
        raise SynthkitError(f"unknown --backend {spec!r}; available: espeak, coqui:MODEL (a coqui model name, "
                            "mms, or a model folder)")
    return name, (model.strip() or None)


def load(spec: str) -> Synthesizer:
    name, model = parse(spec)
    return BACKENDS[name](model)


def voice_from_row(fields: dict) -> Voice:
    name = fields.get("backend", DEFAULT)
    if name not in VOICE_READERS:
        raise SynthkitError(f"rows of backend {name!r} cannot be rendered (known: {', '.join(VOICE_READERS)})")
    return VOICE_READERS[name](fields)


def for_row(fields: dict) -> Synthesizer:
    """The synthesizer that renders a row (its ``backend`` and ``model`` keys)."""
    name = fields.get("backend")
    if name not in BACKENDS:
        raise SynthkitError(f"regenerating clips of backend {name!r} is not supported (known: {', '.join(BACKENDS)})")
    return BACKENDS[name](fields.get("model"))
