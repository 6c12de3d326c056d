"""Frozen per-stage configuration and a YAML loader that rejects unknown keys.

Config files are plain YAML mappings (no tags, no references, no interpolation). Every key a stage
does not know is an error naming the key and the keys allowed, so a typo never silently does nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import SynthkitError


def load_yaml(path: str | Path) -> Any:
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SynthkitError(f"cannot read config {p}: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" (line {line + 1})" if line is not None else ""
        raise SynthkitError(f"{p} is not valid YAML{where}") from None


def check_keys(d: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    allowed = list(allowed)
    unknown = [k for k in d if k not in allowed]
    if unknown:
        raise SynthkitError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}")


def as_range(value: Any, where: str, lo: float | None = None, hi: float | None = None) -> tuple[float, float]:
    """``[min, max]`` (or a single number for both) as a checked tuple of floats."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value, value]
    if not (isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise SynthkitError(f"{where}: expected [min, max], got {value!r}")
    a, b = float(value[0]), float(value[1])
    if not (math.isfinite(a) and math.isfinite(b)):
        raise SynthkitError(f"{where}: expected finite numbers [min, max], got {value!r}")
    if a > b:
        raise SynthkitError(f"{where}: min {a} is greater than max {b}")
    if (lo is not None and a < lo) or (hi is not None and b > hi):
        raise SynthkitError(f"{where}: {[a, b]} is outside [{lo}, {hi}]")
    return a, b


def as_probability(value: Any, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:  # NaN fails too
        raise SynthkitError(f"{where}: p must be a number in [0, 1], got {value!r}")
    return float(value)
