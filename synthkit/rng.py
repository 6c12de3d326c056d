"""Seeds derived from (run seed, utterance id, purpose), so any one clip can be redone alone."""

from __future__ import annotations

import hashlib
import random

import numpy as np


def derive_seed(*parts: object) -> int:
    """A 32-bit seed that depends only on ``parts`` (stable across processes and Python versions;
    unlike ``hash()``, which is salted per process)."""
    key = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "little")


def seeded_random(*parts: object) -> random.Random:
    """A private ``random.Random`` seeded from ``parts``."""
    return random.Random(derive_seed(*parts))


def seed_globals(seed: int) -> None:
    """Seed the global ``random`` and NumPy generators. Needed only for libraries that draw from the
    global generators (audiomentations does); synthkit's own code uses private generators."""
    random.seed(seed)
    np.random.seed(seed)
