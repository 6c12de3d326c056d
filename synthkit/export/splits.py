"""Deterministic train/dev/test splits, by utterance or speaker-disjoint.

A split spec is ``name=fraction,...`` (``train=0.9,dev=0.05,test=0.05``); fractions sum to 1.
Assignment depends only on the set of ids (and speakers), the spec and the seed — never on the order
of the manifest's rows or on the number of workers — so the same command always gives the same split.

* ``by="utterance"``: ids are sorted, shuffled with the seed, and cut into blocks whose sizes are the
  fractions rounded by largest remainder (every non-empty split gets at least one utterance).
* ``by="speaker"``: speakers are sorted and shuffled with the seed; each speaker goes, with all their
  utterances, to the split furthest below its target utterance count. No speaker is in two splits.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import SynthkitError
from ..rng import derive_seed

#: The split used when no ``--split`` is given: everything in one split called ``train`` (as
#: Hugging Face names an unsplit dataset; ``all`` is reserved there).
NO_SPLIT = (("train", 1.0),)
SPLIT_BY = ("utterance", "speaker")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SplitSpec:
    """Named fractions, in the order given (``(("train", 0.9), ("dev", 0.05), ...)``)."""

    parts: tuple[tuple[str, float], ...] = NO_SPLIT

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.parts)

    def to_str(self) -> str:
        return ",".join(f"{n}={f:g}" for n, f in self.parts)


def parse_split(spec: str | None) -> SplitSpec:
    """``"train=0.9,dev=0.05,test=0.05"`` -> :class:`SplitSpec`. ``None`` or ``""``: one split ``train``."""
    if not spec:
        return SplitSpec()
    parts: list[tuple[str, float]] = []
    for item in spec.split(","):
        name, sep, value = item.strip().partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name):
            raise SynthkitError(f"--split {spec!r}: expected name=fraction items such as train=0.9,dev=0.05,test=0.05")
        try:
            frac = float(value)
        except ValueError:
            raise SynthkitError(f"--split {spec!r}: {value.strip()!r} is not a number") from None
        if not (0.0 < frac <= 1.0) or math.isnan(frac):
            raise SynthkitError(f"--split {spec!r}: fraction of {name!r} must be in (0, 1], got {value.strip()}")
        if name in (n for n, _ in parts):
            raise SynthkitError(f"--split {spec!r}: split {name!r} is named twice")
        parts.append((name, frac))
    total = sum(f for _, f in parts)
    if abs(total - 1.0) > _SUM_TOLERANCE:
        raise SynthkitError(f"--split {spec!r}: fractions sum to {total:g}, not 1")
    return SplitSpec(tuple(parts))


def _counts(n: int, fractions: Sequence[float]) -> list[int]:
    """Largest-remainder rounding of ``n * fraction``, at least 1 per split when ``n`` allows."""
    exact = [n * f for f in fractions]
    counts = [math.floor(e) for e in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    for i in range(len(counts)):  # a requested split must not come out empty
        if counts[i] == 0 and n >= len(counts):
            donor = max(range(len(counts)), key=lambda j: counts[j])
            counts[donor] -= 1
            counts[i] = 1
    return counts


def assign_splits(ids: Sequence[str], spec: SplitSpec, seed: int = 0, by: str = "utterance",
                  speakers: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map each id to a split name. ``speakers`` (id -> speaker) is needed for ``by="speaker"``.

    Raises :class:`SynthkitError` when a requested split would be empty (too few utterances or
    speakers for the spec)."""
    if by not in SPLIT_BY:
        raise SynthkitError(f"--split-by must be one of {', '.join(SPLIT_BY)}, got {by!r}")
    names = spec.names
    if len(names) == 1:
        return {i: names[0] for i in ids}
    rng = random.Random(derive_seed(seed, "split", spec.to_str(), by))
    fractions = [f for _, f in spec.parts]
    if by == "utterance":
        order = sorted(ids)
        rng.shuffle(order)
        counts = _counts(len(order), fractions)
        if len(order) < len(names):
            raise SynthkitError(f"--split {spec.to_str()}: {len(order)} utterances are too few for {len(names)} splits")
        out: dict[str, str] = {}
        start = 0
        for name, c in zip(names, counts):
            for i in order[start:start + c]:
                out[i] = name
            start += c
        return out
    if speakers is None:
        raise ValueError("by='speaker' needs the speaker of every id")
    per_speaker = Counter(speakers[i] for i in ids)
    spk_order = sorted(per_speaker)
    rng.shuffle(spk_order)
    total = len(ids)
    targets = [total * f for f in fractions]
    filled = [0] * len(names)
    spk_split: dict[str, str] = {}
    for spk in spk_order:
        k = max(range(len(names)), key=lambda j: (targets[j] - filled[j], -j))
        spk_split[spk] = names[k]
        filled[k] += per_speaker[spk]
    empty = [n for n, c in zip(names, filled) if c == 0]
    if empty:
        raise SynthkitError(f"--split {spec.to_str()} --split-by speaker: {len(spk_order)} speaker(s) are too few; "
                            f"split(s) {', '.join(empty)} would be empty (use fewer splits or --split-by utterance)")
    return {i: spk_split[speakers[i]] for i in ids}
