"""The record that flows through every stage, and the JSONL manifest that stores it.

One JSON object per line. NeMo-compatible keys ``audio_filepath`` (relative to the manifest's folder),
``duration`` (seconds) and ``text``, plus ``id`` and whatever a stage adds. Keys synthkit does not know
are carried through untouched, so other tools' fields survive a read/write round trip.

* :func:`read_manifest` is lazy (one line at a time) and reads ``.jsonl`` and ``.jsonl.gz``.
* :class:`ManifestWriter` resumes: it knows the ids already written (``id in writer``), drops a
  trailing half-written line left by a killed process, and writes each row with a single flushed write.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SynthkitError

MANIFEST_NAME = "manifest.jsonl"
#: Keys stored as attributes of :class:`Utterance`; every other key lives in ``Utterance.fields``.
CORE_KEYS = ("id", "audio_filepath", "duration", "text")


@dataclass(frozen=True)
class Utterance:
    """One utterance. Immutable: derive new ones with :meth:`with_fields`.

    ``fields`` holds every other key in the order it was added (language, speaker, phonemes, scores,
    keys of other tools, ...). Treat it as read-only."""

    id: str
    audio_filepath: str | None = None
    duration: float | None = None
    text: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    # -- mapping-style access over core keys and fields ---------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        if key in CORE_KEYS:
            value = getattr(self, key)
            return default if value is None else value
        return self.fields.get(key, default)

    def __getitem__(self, key: str) -> Any:
        if key in CORE_KEYS:
            return getattr(self, key)
        return self.fields[key]

    def __contains__(self, key: str) -> bool:
        return (key in CORE_KEYS and getattr(self, key) is not None) or key in self.fields

    def with_fields(self, **updates: Any) -> Utterance:
        """A copy with keys set (core keys or fields). A value of ``None`` for a field removes it."""
        core = {k: updates.pop(k) for k in CORE_KEYS if k in updates}
        fields = dict(self.fields)
        for k, v in updates.items():
            if v is None:
                fields.pop(k, None)
            else:
                fields[k] = v
        return dataclasses.replace(self, fields=fields, **core)

    def audio_path(self, base_dir: str | os.PathLike) -> Path:
        """Absolute path of the audio, resolving ``audio_filepath`` against the manifest's folder."""
        if self.audio_filepath is None or self.audio_filepath == "":
            raise SynthkitError(f"row {self.id!r} has no audio_filepath")
        if not isinstance(self.audio_filepath, str) or "\0" in self.audio_filepath:
            raise SynthkitError(f"row {self.id!r}: audio_filepath is not a path: {self.audio_filepath!r}")
        p = Path(self.audio_filepath)
        return p if p.is_absolute() else Path(base_dir) / p

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id}
        for k in CORE_KEYS[1:]:
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        d.update(self.fields)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Utterance:
        """Build from a parsed row. A row without ``id`` takes its audio file's stem as id (NeMo
        manifests have none); a row with neither raises ``ValueError``."""
        d = dict(d)
        uid = d.pop("id", None)
        if uid is None or uid == "":
            afp = d.get("audio_filepath")
            if not afp:
                raise ValueError("row has neither 'id' nor 'audio_filepath'")
            uid = Path(str(afp)).stem
        duration = d.pop("duration", None)
        if duration is not None and not isinstance(duration, (int, float)):
            raise ValueError(f"'duration' is not a number: {duration!r}")
        return cls(
            id=str(uid),
            audio_filepath=d.pop("audio_filepath", None),
            duration=None if duration is None else float(duration),
            text=d.pop("text", None),
            fields=d,
        )


@dataclass(frozen=True)
class BadRow:
    """A manifest line that could not be turned into an :class:`Utterance`."""

    line: int
    raw: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "raw": self.raw[:500], "reasons": [self.reason]}


def _open_text(path: Path, mode: str) -> io.TextIOBase:
    # reading accepts a UTF-8 byte-order mark (editors on Windows write one); writing never adds one
    encoding = "utf-8-sig" if mode == "r" else "utf-8"
    if path.name.endswith(".gz"):
        return gzip.open(path, mode + "t", encoding=encoding)  # type: ignore[return-value]
    return open(path, mode, encoding=encoding)


def read_manifest(path: str | os.PathLike, errors: str = "raise") -> Iterator[Utterance | BadRow]:
    """Yield the rows of a ``.jsonl`` / ``.jsonl.gz`` manifest lazily, one line at a time.

    ``errors="raise"``: a bad line raises :class:`SynthkitError` naming file and line.
    ``errors="yield"``: a bad line is yielded as a :class:`BadRow` and reading goes on.
    Blank lines are skipped; a UTF-8 byte-order mark at the start is accepted."""
    if errors not in ("raise", "yield"):
        raise ValueError("errors must be 'raise' or 'yield'")
    path = Path(path)
    if not path.is_file():
        raise SynthkitError(f"manifest not found: {path}")
    try:
        with _open_text(path, "r") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict):
                        raise ValueError(f"line is JSON but not an object ({type(obj).__name__})")
                    utt = Utterance.from_dict(obj)
                except (ValueError, TypeError) as exc:
                    reason = f"not a valid manifest row: {exc}"
                    if errors == "raise":
                        raise SynthkitError(f"{path}:{n}: {reason}") from None
                    yield BadRow(n, line.rstrip("\n"), reason)
                    continue
                yield utt
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        if isinstance(exc, SynthkitError):
            raise
        raise SynthkitError(f"cannot read manifest {path}: {exc}") from None


def manifest_dir(path: str | os.PathLike) -> Path:
    """The folder that relative ``audio_filepath`` values are resolved against."""
    return Path(path).resolve().parent


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.ndarray):
        return [_jsonable(x) for x in v.tolist()]
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, Path):
        return str(v)
    return v


def dumps_row(row: Utterance | BadRow | Mapping[str, Any]) -> str:
    """One JSON line (no newline). NaN/inf become null; NumPy scalars become Python numbers."""
    d = row.to_dict() if isinstance(row, (Utterance, BadRow)) else row
    try:  # plain Python values (what synth's rows hold): no conversion pass
        return json.dumps(d, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # NumPy values, NaN/inf, paths, ...
        return json.dumps(_jsonable(d), ensure_ascii=False, allow_nan=False)


class ManifestWriter:
    """Append rows to a JSONL manifest; resumable.

    On opening an existing file with ``resume=True`` it reads the keys already present (``key`` of
    each row, default ``id``) and drops a trailing partial line (what a killed writer can leave).
    Each :meth:`write` is one ``write`` + ``flush`` of a whole line, so after a SIGKILL the file holds
    whole rows only, or whole rows plus one partial line that the next resume drops.
    ``.gz`` files are rewritten on resume (a gzip stream cannot be truncated in place).

    A file that does not look like rows this class wrote (a line that is not a JSON object, or a
    trailing partial line that does not start a JSON object) is refused, never truncated: resuming
    is for files synthkit wrote (callers check that first, see :mod:`synthkit.guard`)."""

    def __init__(self, path: str | os.PathLike, resume: bool = True, key: str = "id") -> None:
        self.path = Path(path)
        self.key = key
        self._keys: Counter[str] = Counter()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume and self.path.exists():
            self._recover()
        elif self.path.exists():
            self.path.unlink()
        self._f = _open_text(self.path, "a")

    def _refuse(self, why: str) -> SynthkitError:
        return SynthkitError(f"{self.path}: cannot continue this file, {why}; it is not a manifest synthkit was "
                             "writing (choose another output or delete it)")

    def _recover(self) -> None:
        gz = self.path.name.endswith(".gz")
        good: list[str] = []
        good_end = 0
        partial = ""
        if gz:
            try:
                with gzip.open(self.path, "rt", encoding="utf-8") as f:
                    for line in f:
                        if not line.endswith("\n"):
                            partial = line
                            break
                        good.append(line)
            except (gzip.BadGzipFile, UnicodeDecodeError):
                raise self._refuse("it is not gzip-compressed UTF-8 text") from None
            except (EOFError, OSError):  # a stream cut short by a kill: keep the whole lines read
                pass
        else:
            with open(self.path, "rb") as f:
                data = f.read()
            for raw in data.splitlines(keepends=True):
                if not raw.endswith(b"\n"):
                    partial = raw.decode("utf-8", errors="replace")
                    break
                good.append(raw.decode("utf-8", errors="replace"))
                good_end += len(raw)
        if good and good[0].startswith("\ufeff"):
            good[0] = good[0][1:]
        if partial.strip() and not partial.lstrip("\ufeff").lstrip().startswith("{"):
            raise self._refuse("its last line is not a JSON row")
        rows = []
        for i, line in enumerate(good):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                if i == len(good) - 1 and line.lstrip().startswith("{"):
                    # a torn last line that happened to end in a newline byte
                    good = good[:i]
                    good_end -= len(line.encode("utf-8"))
                    break
                raise self._refuse(f"line {i + 1} is not JSON") from None
            if not isinstance(obj, dict):
                raise self._refuse(f"line {i + 1} is not a JSON object")
            rows.append(obj)
        for obj in rows:
            k = obj.get(self.key)
            if k is not None:
                self._keys[str(k)] += 1
        if gz:
            tmp = self.path.with_name(self.path.name + ".tmp")
            with gzip.open(tmp, "wt", encoding="utf-8") as f:
                f.writelines(good)
            os.replace(tmp, self.path)
        elif good_end != self.path.stat().st_size:
            with open(self.path, "r+b") as f:
                f.truncate(good_end)

    def __contains__(self, key: object) -> bool:
        return str(key) in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def rows(self) -> int:
        """Rows with a key in the file (a repeated key counts each time)."""
        return sum(self._keys.values())

    def count(self, key: object) -> int:
        """How many rows with this key the file holds (repeated ids are counted, not merged)."""
        return self._keys.get(str(key), 0)

    def write(self, row: Utterance | BadRow | Mapping[str, Any]) -> None:
        line = dumps_row(row) + "\n"
        self._f.write(line)
        self._f.flush()
        d = row.to_dict() if isinstance(row, (Utterance, BadRow)) else row
        k = d.get(self.key)
        if k is not None:
            self._keys[str(k)] += 1

    def write_lines(self, lines: Iterable[tuple[str, str]]) -> None:
        """Append rows already serialized by :func:`dumps_row`, as (key, line) pairs, in one write
        (a killed writer still leaves whole rows plus at most one partial line)."""
        lines = list(lines)
        if not lines:
            return
        self._f.write("".join(line + "\n" for _, line in lines))
        self._f.flush()
        self._keys.update(str(k) for k, _ in lines)

    def write_all(self, rows: Iterable[Utterance | Mapping[str, Any]]) -> int:
        n = 0
        for r in rows:
            self.write(r)
            n += 1
        return n

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()

    def __enter__(self) -> ManifestWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
