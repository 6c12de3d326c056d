"""The synthesizer protocol: one method, ``render(text, voice) -> Audio``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True)
class Voice:
    """A voice and the prosody it speaks with; everything a backend needs to redo a clip."""

    backend: str
    name: str  # backend's voice name, e.g. "sw+f2"
    params: dict[str, Any] = field(default_factory=dict)  # e.g. rate, pitch, pitch_range

    @property
    def speaker(self) -> str:
        return f"{self.backend}:{self.name}"


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # float32 mono
    sample_rate: int
    phonemes: tuple[str, ...] = ()  # what the backend reports it spoke (IPA; words split by "|"), when it can tell


class Synthesizer(Protocol):
    backend: str

    def render(self, text: str, voice: Voice, phoneme_input: bool = False) -> Audio:
        """Render ``text`` (or backend phoneme notation with ``phoneme_input``) with ``voice``."""
