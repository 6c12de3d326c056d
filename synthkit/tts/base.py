"""What the stages ask of a synthesizer backend.

Three pieces, each as small as the stages need:

* :class:`Synthesizer` — a loaded model: ``render(text, voice) -> Audio``.
* :class:`RenderPlan` — one run's use of a backend, decided in the driver before any work and shipped
  (pickled) to the workers: the settings it adds to ``run.json``, how renditions get their voices
  (sampled from a seeded ``random.Random`` per sentence), what the model reads of a sentence (the text,
  or synthkit's IPA written with its symbols), how IPA mapped onto one of its donor voices is written,
  and the synthesizer a worker builds once.
* :class:`Backend` — the backend as a whole, registered by name in :mod:`synthkit.tts.backends`:
  it plans a run (``--backend NAME[:MODEL]``, ``--donor``), lists the donor voices it offers without
  being named (``synthkit donors``, ``--donor auto``), resolves a donor it is named for, rebuilds a
  row's voice and synthesizer (``synthkit regen``), and says whether a row can be re-made
  bit-identically from its fields alone (``reproducible``).

Licences travel with the rows: a backend whose weights have a licence puts ``license`` (and ``model``)
in every voice's params. A donor's inventory is a :class:`~synthkit.tts.espeak_phonemes.Inventory`:
the IPA segments it renders and, per segment, the model input that writes it (``ipa_to_mnemonic``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from ..languages import LanguageChoice
    from ..synth import SynthConfig
    from ..text.mapping import MappedSentence
    from .espeak_phonemes import Inventory


@dataclass(frozen=True)
class Voice:
    """A voice and the prosody it speaks with; everything a backend needs to redo a clip."""

    backend: str
    name: str  # backend's voice name, e.g. "sw+f2"
    params: dict[str, Any] = field(default_factory=dict)  # e.g. rate, pitch, pitch_range

    @property
    def speaker(self) -> str:
        return f"{self.backend}:{self.name}"

    @classmethod
    def from_row(cls, backend: str, keys: Sequence[str], fields: dict) -> Voice:
        """The voice a row of ``backend`` records: its name from the row's ``speaker``
        (``BACKEND:NAME``), its parameters from the row's ``keys``."""
        speaker = str(fields.get("speaker", ""))
        name = speaker[len(backend) + 1:] if speaker.startswith(backend + ":") else speaker
        return cls(backend, name, {k: fields[k] for k in keys if k in fields})


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # float32 mono
    sample_rate: int
    phonemes: tuple[str, ...] = ()  # what the backend reports it spoke (IPA; words split by "|"), when it can tell


class Synthesizer(Protocol):
    backend: str

    def render(self, text: str, voice: Voice, phoneme_input: bool = False, report_phonemes: bool = True) -> Audio:
        """Render ``text`` (or backend phoneme notation with ``phoneme_input``) with ``voice``.
        ``report_phonemes=False``: the caller does not need ``Audio.phonemes`` (a backend that
        collects them while rendering may skip that; the audio is the same)."""


class RenderPlan(Protocol):
    """A backend as one run uses it (see module doc). Frozen, picklable data."""

    backend: str

    def settings(self) -> dict[str, Any]:
        """Keys this backend adds to ``run.json`` (a resumed run must match them)."""

    def describe(self) -> str | None:
        """One line for the user about what renders the run (None: nothing to add)."""

    def sample_voices(self, rng: random.Random, n: int, donors: Sequence[str] | None = None) -> list[Voice]:
        """Voices of the ``n`` renditions of one sentence; ``donors`` names each rendition's donor."""

    def input_fields(self, words: list[list[str]], punctuation: list[str] | None) -> dict[str, Any]:
        """Row keys saying what the model reads of a sentence (its G2P words): ``{}`` when it reads the
        text, else ``render_text`` (and e.g. ``dropped_symbols``). Raises ``Rejected`` when it can read
        nothing of it."""

    def donor_fields(self, mapped: MappedSentence, punctuation: list[str] | None) -> dict[str, Any]:
        """Row keys for a sentence mapped onto one of its donor voices (``render_text`` at least)."""

    def donor(self, spec: str) -> Inventory:
        """The donor a ``--donor`` name of this backend stands for."""

    def donor_candidates(self) -> list[Inventory]:
        """The donors ``--donor auto`` chooses among."""

    def synthesizer(self) -> Synthesizer:
        """Load the model (once per worker)."""


class Backend(Protocol):
    """A synthesizer backend as registered in :data:`synthkit.tts.backends.BACKENDS`."""

    name: str
    #: How to name it on the command line, e.g. ``"piper:VOICE|DIR"`` (for messages).
    usage: str
    #: Whether a row is re-made bit-identically from its fields (``synthkit regen``).
    reproducible: bool
    # Optional ``auto_donors = True``: ``--backend NAME --donor auto`` chooses among the donors its plan's
    # ``donor_candidates`` offers (MBROLA's voices); without it, --donor auto is espeak-ng's only. Such a
    # plan applies ``--exclude`` itself and says what it left out in ``excluded`` (donor -> why).

    def check(self, model: str | None, config: SynthConfig, choice: LanguageChoice) -> None:
        """Cheap checks before any work (no model loaded, nothing downloaded): e.g. a language no voice
        of it speaks, or a named model that cannot be had offline. Raises
        :class:`~synthkit.errors.SynthkitError`."""

    def plan(self, model: str | None, config: SynthConfig, choice: LanguageChoice,
             donors: Sequence[str] = ()) -> RenderPlan:
        """Validate ``--backend NAME:MODEL`` (and the ``--donor`` names of this backend) for a run;
        raise :class:`~synthkit.errors.SynthkitError` for anything a user can fix."""

    def donor_candidates(self, include_constructed: bool = False) -> list[Inventory]:
        """Donor voices this backend offers without a model being named (installed ones only)."""

    def donor_inventory(self, model: str | None, choice: LanguageChoice | None = None) -> Inventory:
        """The donor ``NAME:MODEL`` names."""

    def voice_from_row(self, fields: dict) -> Voice:
        """The :class:`Voice` a manifest row was rendered with."""

    def synthesizer(self, fields: dict) -> Synthesizer:
        """A synthesizer that renders a manifest row (its ``model`` key)."""


def no_references(config: SynthConfig) -> None:
    """For backends that do not clone voices."""
    if config.references:
        from ..errors import SynthkitError

        raise SynthkitError("--reference clips are for voice cloning with --backend coqui:MODEL (XTTS, YourTTS)")


def pick_speakers(rng: random.Random, pool: Sequence[Any], n: int) -> list[Any]:
    """``n`` picks from ``pool``: distinct while the pool lasts, then with repetition."""
    pool = list(pool)
    return rng.sample(pool, n) if n <= len(pool) else [rng.choice(pool) for _ in range(n)]


def write_words(words: list[list[str]], punctuation: list[str] | None, write_segment, symbols,
                marks: str = ",.;:!?") -> tuple[str, list[str]]:
    """A sentence as a phoneme model reads it: each word's segments written with ``write_segment(seg)
    -> (text, dropped symbols)``, the sentence's punctuation (``marks`` the model has) after its word,
    words separated by spaces; (text, dropped symbols). Words that write to nothing are left out."""
    punct = punctuation if punctuation and len(punctuation) == len(words) else [""] * (len(words) - 1) + ["."]
    parts, dropped = [], []
    for w, p in zip(words, punct):
        text = ""
        for seg in w:
            t, bad = write_segment(seg)
            text += t
            dropped += [b for b in bad if b not in dropped]
        if text.strip("ˈˌː"):
            parts.append(text + "".join(c for c in p if c in symbols and c in marks))
    return " ".join(parts), dropped
