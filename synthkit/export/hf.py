"""Hugging Face ``datasets``: Parquet shards in the Hub's layout (``data/<split>-00000-of-00001.parquet``)
and a ``README.md`` whose ``configs`` name the splits, so ``datasets.load_dataset(OUT)`` loads it.

Columns: ``id``, ``audio`` (the ``Audio`` feature; each row embeds its WAV bytes, so the folder is
self-contained), ``text``, ``duration``, ``language``, ``speaker`` and one column per other key of the
rows (scores, phonemes, synthesis parameters): numbers, strings and booleans keep their type, nested
values (lists, objects) are JSON text. The schema comes from ``datasets.Features`` (it is stored in
the Parquet metadata, as ``Dataset.to_parquet`` stores it); rows are written in batches, so memory
stays bounded however large the corpus is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import missing_extra
from ..manifest import Utterance
from .base import MAPPED_KEYS, Item, safe_name, to_kind

#: Rows per Parquet row group (audio rows are large; the Hub uses ~100).
ROWS_PER_GROUP = 100
#: Start a new shard once a shard holds this many bytes of audio.
SHARD_BYTES = 500 * 2**20
DATA_DIR = "data"
#: Column names of the fixed part of the schema.
BASE_COLUMNS = ("id", "audio", "text", "duration", "language", "speaker")
_KIND_DTYPE = {"bool": "bool", "int": "int64", "float": "float64", "string": "string", "json": "string"}


def _modules() -> tuple[Any, Any, Any]:
    try:
        import datasets
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise missing_extra("datasets", "export", "--format hf") from None
    return datasets, pa, pq


class _Split:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[dict[str, Any]] = []
        self.shards: list[Path] = []
        self.writer = None
        self.shard_bytes = 0
        self.buffer_bytes = 0


class HfWriter:
    audio = "embed"

    def __init__(self, config, stats) -> None:
        datasets, self.pa, self.pq = _modules()
        self.out = Path(config.out_dir).resolve()
        (self.out / DATA_DIR).mkdir(parents=True, exist_ok=True)
        self.extra = {(f"extra_{k}" if k in BASE_COLUMNS else k): (k, kind)
                      for k, kind in stats.extra_kinds.items() if k not in MAPPED_KEYS}
        V = datasets.Value
        features = {"id": V("string"), "audio": datasets.Audio(sampling_rate=config.sample_rate),
                    "text": V("string"), "duration": V("float64"), "language": V("string"), "speaker": V("string")}
        for col, (_, kind) in self.extra.items():
            features[col] = V(_KIND_DTYPE[kind])
        self.features = datasets.Features(features)
        self.schema = self.features.arrow_schema  # carries the features as Parquet metadata
        self.splits = {n: _Split(n) for n in config.split.names}

    @staticmethod
    def check(utt: Utterance) -> str | None:
        return None

    def write(self, item: Item) -> None:
        assert item.clip_bytes is not None
        fields = item.utt.fields
        row: dict[str, Any] = {
            "id": item.utt.id,
            "audio": {"bytes": item.clip_bytes, "path": f"{safe_name(item.utt.id)}.wav"},
            "text": item.utt.text,
            "duration": item.duration,
            "language": item.language,
            "speaker": item.speaker,
        }
        for col, (key, kind) in self.extra.items():
            row[col] = to_kind(fields.get(key), kind)
        s = self.splits[item.split]
        s.rows.append(row)
        s.buffer_bytes += len(item.clip_bytes)
        if len(s.rows) >= ROWS_PER_GROUP:
            self._flush(s)

    def _flush(self, s: _Split) -> None:
        if s.writer is None:
            path = self.out / DATA_DIR / f".{s.name}-{len(s.shards):05d}.parquet.tmp"
            s.shards.append(path)
            s.writer = self.pq.ParquetWriter(path, self.schema)
            s.shard_bytes = 0
        if s.rows:
            s.writer.write_table(self.pa.Table.from_pylist(s.rows, schema=self.schema))
        s.shard_bytes += s.buffer_bytes
        s.rows, s.buffer_bytes = [], 0
        if s.shard_bytes >= SHARD_BYTES:
            s.writer.close()
            s.writer = None

    def close(self) -> list[Path]:
        files: list[Path] = []
        for s in self.splits.values():
            if s.rows or not s.shards:
                self._flush(s)
            if s.writer is not None:
                s.writer.close()
                s.writer = None
            n = len(s.shards)
            for i, tmp in enumerate(s.shards):
                final = self.out / DATA_DIR / f"{s.name}-{i:05d}-of-{n:05d}.parquet"
                os.replace(tmp, final)
                files.append(final)
        card = self.out / "README.md"
        lines = ["---", "configs:", "- config_name: default", "  data_files:"]
        for name in self.splits:
            lines += [f"  - split: {name}", f"    path: {DATA_DIR}/{name}-*"]
        lines += ["---", "", "Speech dataset exported by synthkit (`synthkit export --format hf`).",
                  "Load it with `datasets.load_dataset(\"<this folder>\")`.", ""]
        card.write_text("\n".join(lines), encoding="utf-8")
        files.append(card)
        return files
