"""LJSpeech layout for coqui-tts: ``wavs/<id>.wav`` and ``metadata.csv``.

* One speaker: ``id|text|text`` lines (LJSpeech's own format; coqui-tts' ``ljspeech`` formatter
  reads the third column).
* Several speakers: coqui-tts' ``coqui`` format, a ``|``-separated CSV with the header
  ``audio_file|text|speaker_name``.

``metadata.csv`` lists every utterance; with ``--split`` there is also ``metadata_<split>.csv`` per
split (coqui-tts: ``meta_file_train="metadata_train.csv"``, ``meta_file_val="metadata_dev.csv"``).
Texts are put on one line; rows without text, or with a ``|`` in it, are rejected. One WAV per
utterance (a segment of a longer recording is cut out). Score keys have no column here.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..manifest import Utterance
from .base import AUDIO_DIR, Item, one_line

METADATA = "metadata.csv"
#: speaker_name for rows without a speaker in a multi-speaker export
UNKNOWN_SPEAKER = "unknown"


class LjspeechWriter:
    audio = "clip"

    def __init__(self, config, stats) -> None:
        self.out = Path(config.out_dir).resolve()
        self.multi = len(stats.speakers) > 1
        names = [METADATA] + ([f"metadata_{n}.csv" for n in config.split.names] if len(config.split.names) > 1 else [])
        self.paths = [self.out / n for n in names]
        self.files = {p.name: open(p, "w", encoding="utf-8", newline="") for p in self.paths}
        self.csv = {k: csv.writer(f, delimiter="|", lineterminator="\n") for k, f in self.files.items()}
        if self.multi:
            for w in self.csv.values():
                w.writerow(["audio_file", "text", "speaker_name"])

    @staticmethod
    def check(utt: Utterance) -> str | None:
        text = one_line(utt.text)
        if not text:
            return "no text (an LJSpeech/coqui-tts dataset needs one)"
        if "|" in text:
            return "text contains '|', the LJSpeech column separator"
        return None

    def write(self, item: Item) -> None:
        assert item.clip_path is not None
        text = one_line(item.utt.text)
        stem = item.clip_path.stem
        targets = [METADATA] + ([f"metadata_{item.split}.csv"] if f"metadata_{item.split}.csv" in self.files else [])
        for name in targets:
            if self.multi:
                self.csv[name].writerow([f"{AUDIO_DIR}/{stem}.wav", text, item.speaker or UNKNOWN_SPEAKER])
            else:
                self.files[name].write(f"{stem}|{text}|{text}\n")

    def close(self) -> list[Path]:
        for f in self.files.values():
            f.close()
        return list(self.paths)
