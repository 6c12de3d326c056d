"""What every export format shares: the item a writer receives, the writer protocol, field helpers.

An export turns manifest rows into :class:`Item` objects (audio already written or encoded, split
chosen) and hands them, in manifest order, to one format writer. Formats differ in what audio they
need:

* recording formats (``nemo``, ``kaldi``, ``lhotse``) reference one WAV per *recording*; a row that is
  a segment of a longer recording (it has an ``offset``, NeMo-style) keeps its start and duration;
* clip formats (``ljspeech``) need one WAV per utterance, cut out of its recording;
* embedding formats (``hf``) store each utterance's WAV bytes inside the dataset.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from ..manifest import Utterance

#: Keys every format maps to its own fields (not carried as "extra" keys).
MAPPED_KEYS = frozenset({"id", "audio_filepath", "duration", "text", "offset", "language", "speaker",
                         "sample_rate"})
#: Folder (under ``--out``) for the audio files an export writes.
AUDIO_DIR = "wavs"
_SAFE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_.+-]")


@dataclass(frozen=True)
class ScanStats:
    """What the first pass over the manifest learned (rows accepted for export)."""

    rows: int = 0
    speakers: frozenset[str] = frozenset()
    #: extra key -> column kind for tabular formats: "bool", "int", "float", "string" or "json"
    extra_kinds: Mapping[str, str] = field(default_factory=dict)
    segments: bool = False  # some row is a segment of a longer recording


@dataclass(frozen=True)
class Item:
    """One utterance ready for a format writer.

    Times are seconds. ``start``/``duration`` locate the utterance inside its recording
    (``start == 0`` and ``duration == recording duration`` for a whole-file clip)."""

    utt: Utterance
    split: str
    rec_id: str
    sample_rate: int
    start: float
    duration: float
    segment: bool  # part of a longer recording (a row with ``offset``)
    rec_path: Path | None = None  # absolute path of the recording WAV (recording formats)
    rec_num_samples: int = 0
    clip_path: Path | None = None  # absolute path of the utterance's own WAV (clip formats)
    clip_bytes: bytes | None = None  # the utterance's WAV bytes (embedding formats)

    @property
    def rec_duration(self) -> float:
        return self.rec_num_samples / self.sample_rate

    @property
    def speaker(self) -> str | None:
        s = self.utt.get("speaker")
        return None if s is None else str(s)

    @property
    def language(self) -> str | None:
        lang = self.utt.get("language")
        return None if lang is None else str(lang)

    def extras(self) -> dict[str, Any]:
        """The row's other keys (scores, phonemes, synthesis parameters, other tools' keys)."""
        return {k: v for k, v in self.utt.fields.items() if k not in MAPPED_KEYS}


class Writer(Protocol):
    """A format: receives items in manifest order, then ``close()`` returns the files it wrote.

    Built as ``cls(config, stats)`` after the first pass; ``cls.check(utt)`` returns why a row cannot
    be written in this format (or ``None``), before any work."""

    #: "recording", "clip" or "embed": what audio the items must carry.
    audio: ClassVar[str]

    @staticmethod
    def check(utt: Utterance) -> str | None: ...

    def write(self, item: Item) -> None: ...

    def close(self) -> list[Path]: ...


def safe_name(key: str) -> str:
    """A file-name-safe, unique stem for an id: the id itself when it is safe, else a sanitized form
    plus a short hash of the original (so two ids never share a file)."""
    if _SAFE.match(key) and len(key) <= 200:
        return key
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    return f"{_UNSAFE_CHARS.sub('_', key)[:150]}_{digest}"


def one_line(text: str | None) -> str:
    """Text on one line: every run of whitespace (newlines, tabs) becomes one space."""
    return " ".join((text or "").split())


def column_kind(values: set[str]) -> str:
    """Column kind for a set of Python type names seen in one extra key (``None`` excluded)."""
    if not values:
        return "string"
    if values == {"bool"}:
        return "bool"
    if values == {"int"}:
        return "int"
    if values <= {"int", "float"}:
        return "float"
    if values == {"str"}:
        return "string"
    return "json"


def type_name(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return "other"


def to_kind(value: Any, kind: str) -> Any:
    """``value`` as a column of ``kind`` (JSON text for nested values)."""
    if value is None:
        return None
    if kind == "json":
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if kind == "float":
        return float(value)
    return value
