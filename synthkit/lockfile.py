"""Installed distributions against ``requirements.lock``, the exact environment ``./setup.sh`` installs.

The lock is found at the repository root next to the ``synthkit`` package (an editable or source
install); a wheel install has none, and :func:`find_lock` returns None. :func:`compare` reads the pins
(``name==version`` lines; environment markers are evaluated) and the installed distributions
(:mod:`importlib.metadata`, first one on ``sys.path`` wins, as for imports) and returns what differs.
Nothing is imported.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = "requirements.lock"
#: Installed on purpose outside the lock: synthkit itself, pip, and what ./setup.sh adds without the lock.
OUTSIDE_LOCK = frozenset({"synthkit", "pip", "nemo-toolkit"})
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._\-]*)(?:\[[^\]]*\])?==([^\s;\\]+)\s*(?:;([^\\#]*))?")


def normalize(name: str) -> str:
    """PEP 503 name (``Foo_Bar`` and ``foo.bar`` -> ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def find_lock() -> Path | None:
    """``requirements.lock`` at the root of the checkout synthkit runs from, or None (a wheel install)."""
    root = Path(__file__).resolve().parent.parent
    path = root / LOCK_NAME
    return path if path.is_file() and (root / "pyproject.toml").is_file() else None


def _marker_applies(marker: str | None) -> bool:
    if not marker or not marker.strip():
        return True
    try:
        from packaging.markers import Marker
    except ImportError:  # cannot evaluate: count the pin
        return True
    try:
        return Marker(marker.strip()).evaluate()
    except Exception:
        return True


def read_pins(path: str | Path) -> dict[str, str]:
    """Normalized name -> pinned version, for every pin in the lock that applies to this interpreter."""
    pins = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        m = _PIN.match(line.strip())
        if m and _marker_applies(m.group(3)):
            pins[normalize(m.group(1))] = m.group(2)
    return pins


def installed() -> dict[str, str]:
    """Normalized name -> version of every installed distribution (the first on ``sys.path`` wins).

    Read from the ``NAME-VERSION.dist-info`` folder names (as the wheel spec writes them; parsing every
    METADATA file takes 30 times longer), and from the metadata of any other kind of installation."""
    out: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for n in names:
            stem = n[: -len(".dist-info")]
            if n.endswith(".dist-info") and stem.count("-") == 1:
                name, version = stem.split("-")
                out.setdefault(normalize(name), version)
            elif n.endswith((".egg-info", ".dist-info")):  # legacy or unusual names: ask the metadata
                try:
                    dist = md.PathDistribution(Path(entry or ".") / n)
                    if dist.metadata["Name"]:
                        out.setdefault(normalize(dist.metadata["Name"]), dist.version)
                except Exception:
                    continue
    return out


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        from packaging.version import InvalidVersion, Version
    except ImportError:
        return False
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False


@dataclass(frozen=True)
class Drift:
    lock: Path
    pinned: int
    differ: tuple[tuple[str, str, str], ...]  # (name, locked, installed)
    missing: tuple[tuple[str, str], ...]  # (name, locked): pinned, not installed
    extra: tuple[tuple[str, str], ...]  # (name, installed): installed, not pinned (OUTSIDE_LOCK left out)

    @property
    def matches(self) -> bool:
        return not self.differ and not self.missing

    def text(self, most: int = 8) -> str:
        def few(items: list[str]) -> str:
            return ", ".join(items[:most]) + (f" (+{len(items) - most} more)" if len(items) > most else "")

        if self.matches and not self.extra:
            return f"installed versions match {self.lock} ({self.pinned} packages)"
        parts = []
        if self.differ:
            parts.append(f"{len(self.differ)} differ: " + few([f"{n} {i} (lock {lk})" for n, lk, i in self.differ]))
        if self.missing:
            parts.append(f"{len(self.missing)} not installed: " + few([f"{n}=={lk}" for n, lk in self.missing]))
        if self.extra:
            parts.append(f"{len(self.extra)} installed but not in the lock: "
                         + few([f"{n} {v}" for n, v in self.extra]))
        head = f"installed versions match {self.lock} ({self.pinned} packages); " if self.matches else \
            f"installed versions differ from {self.lock}: "
        return head + "; ".join(parts)

    def to_dict(self) -> dict:
        return {"lock": str(self.lock), "pinned": self.pinned, "matches": self.matches,
                "differ": [{"name": n, "locked": lk, "installed": i} for n, lk, i in self.differ],
                "missing": [{"name": n, "locked": lk} for n, lk in self.missing],
                "extra": [{"name": n, "installed": v} for n, v in self.extra]}


def compare(lock: str | Path) -> Drift:
    """What in this environment differs from the pins of ``lock``."""
    pins, have = read_pins(lock), installed()
    differ = tuple((n, v, have[n]) for n, v in sorted(pins.items()) if n in have and not _same(have[n], v))
    missing = tuple((n, v) for n, v in sorted(pins.items()) if n not in have)
    extra = tuple((n, v) for n, v in sorted(have.items()) if n not in pins and n not in OUTSIDE_LOCK)
    return Drift(Path(lock), len(pins), differ, missing, extra)


__all__ = ["LOCK_NAME", "OUTSIDE_LOCK", "Drift", "compare", "find_lock", "installed", "normalize", "read_pins"]
