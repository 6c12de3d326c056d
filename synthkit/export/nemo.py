"""NeMo: one JSONL manifest per split (``<split>.jsonl``), every key of the row carried.

Each line has NeMo's ``audio_filepath`` (relative to the manifest's folder, which NeMo resolves),
``duration`` and ``text`` first, ``offset`` for a segment of a longer recording, then ``id`` and all
other keys of the synthkit row (language, speaker, phonemes, scores, ...). ``sample_rate`` is the
exported audio's rate.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..manifest import ManifestWriter, Utterance
from .base import Item


class NemoWriter:
    audio = "recording"

    def __init__(self, config, stats) -> None:
        self.out = Path(config.out_dir).resolve()
        self.writers = {n: ManifestWriter(self.out / f"{n}.jsonl", resume=False) for n in config.split.names}

    @staticmethod
    def check(utt: Utterance) -> str | None:
        return None

    def write(self, item: Item) -> None:
        row: dict[str, Any] = {
            "audio_filepath": os.path.relpath(item.rec_path, self.out),
            "duration": round(item.duration, 6),
            "text": item.utt.text or "",
        }
        if item.segment:
            row["offset"] = round(item.start, 6)
        row["id"] = item.utt.id
        for k, v in item.utt.fields.items():
            if k not in row:
                row[k] = v
        if "sample_rate" in row:
            row["sample_rate"] = item.sample_rate
        self.writers[item.split].write(row)

    def close(self) -> list[Path]:
        for w in self.writers.values():
            w.close()
        return [w.path for w in self.writers.values()]
