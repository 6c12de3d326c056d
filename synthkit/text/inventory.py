"""A target language's phoneme inventory, measured from its G2P output over the user's text."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .g2p import G2P
from .mapping import Seg
from .normalize import Rejected, normalize


@dataclass
class TargetInventory:
    """Segment token counts (base segment, length kept; stress and tone counted apart)."""

    counts: Counter = field(default_factory=Counter)
    tones: Counter = field(default_factory=Counter)
    sentences: int = 0
    rejected: int = 0

    @property
    def tokens(self) -> int:
        return sum(self.counts.values())

    @property
    def tonal(self) -> bool:
        """Whether the text marks tone (then unmarked vowels are rendered mid tone)."""
        return bool(self.tones)

    def add(self, words: Iterable[list[str]]) -> None:
        for w in words:
            for seg in w:
                s = Seg.parse(seg)
                self.counts[unicodedata.normalize("NFC", s.base + ("ː" if s.long else ""))] += 1
                if s.tone:
                    self.tones[s.tone] += 1
        self.sentences += 1

    def to_dict(self) -> dict:
        return {"sentences": self.sentences, "rejected": self.rejected, "tokens": self.tokens,
                "segments": dict(self.counts.most_common()), "tones": dict(self.tones)}


def measure(lines: Iterable[str], g2p: G2P, iso639_3: str, iso639_1: str | None, script: str | None) -> TargetInventory:
    inv = TargetInventory()
    for line in lines:
        if not line.strip():
            continue
        try:
            inv.add(g2p.phonemize(normalize(line, iso639_3, iso639_1, script)))
        except Rejected:
            inv.rejected += 1
    return inv


def measure_file(path: Path, g2p: G2P, iso639_3: str, iso639_1: str | None, script: str | None) -> TargetInventory:
    with open(path, encoding="utf-8-sig") as f:
        return measure(f, g2p, iso639_3, iso639_1, script)
