"""Kaldi / ESPnet data folders, one per split: ``wav.scp``, ``text``, ``utt2spk``, ``spk2utt``,
``reco2dur``, ``utt2dur``, ``utt2lang`` (when rows have a language) and ``segments`` (when rows are
segments of longer recordings; then every utterance is listed there).

Kaldi wants every file sorted by id (C locale) and ``utt2spk`` sorted the same way when sorted by
speaker, which holds when the speaker id is a prefix of the utterance id: an utterance id becomes
``<speaker>-<id>`` unless the id already starts with ``<speaker>-``, and when no speaker id has a
character that sorts before ``-``: such characters (whitespace, ``+``, ``,``, ``-``) in speakers
become ``_`` (``espeak:sw+f3`` -> ``espeak:sw_f3``). Rows without a speaker are their own speaker
(Kaldi's convention). Ids with whitespace are rejected.
Audio paths are absolute. Score keys have no place in a Kaldi folder and are not carried.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from ..errors import SynthkitError
from ..manifest import Utterance
from .base import Item, one_line, safe_name

#: Separator between speaker and utterance id in a Kaldi utterance id.
SEP = "-"
_LOW = re.compile(r"[\x00-\x2d]")


def _c_sorted(d: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(d.items(), key=lambda kv: kv[0].encode("utf-8"))


class _Folder:
    def __init__(self) -> None:
        self.wav: dict[str, str] = {}
        self.reco2dur: dict[str, str] = {}
        self.text: dict[str, str] = {}
        self.utt2spk: dict[str, str] = {}
        self.utt2dur: dict[str, str] = {}
        self.utt2lang: dict[str, str] = {}
        self.segments: dict[str, str] = {}


class KaldiWriter:
    audio = "recording"

    def __init__(self, config, stats) -> None:
        self.out = Path(config.out_dir).resolve()
        if any(c.isspace() for c in str(self.out)):
            raise SynthkitError(f"--out {self.out} contains whitespace, which a Kaldi wav.scp cannot hold; "
                                "choose another folder")
        self.segments = stats.segments
        self.names = config.split.names
        self.folders = {n: _Folder() for n in self.names}

    @staticmethod
    def check(utt: Utterance) -> str | None:
        if any(c.isspace() for c in utt.id):
            return "id contains whitespace (Kaldi ids cannot)"
        return None

    @staticmethod
    def speaker_id(speaker: str) -> str:
        """A Kaldi speaker id: characters that sort at or before the separator ``-`` (whitespace,
        ``+``, ``,``, ``-`` ...) become ``_``, so utterance ids sort the same way as their speakers."""
        return _LOW.sub("_", speaker)

    @classmethod
    def ids(cls, item: Item) -> tuple[str, str]:
        """(Kaldi utterance id, Kaldi speaker id) of an item."""
        if not item.speaker:  # its own speaker
            spk = cls.speaker_id(item.utt.id)
            if spk != item.utt.id:
                spk = safe_name(item.utt.id)
            return spk, spk
        spk = cls.speaker_id(item.speaker)
        uid = item.utt.id if item.utt.id.startswith(spk + SEP) else f"{spk}{SEP}{item.utt.id}"
        return uid, spk

    def write(self, item: Item) -> None:
        f = self.folders[item.split]
        uid, spk = self.ids(item)
        rec = item.rec_id if self.segments and item.segment else uid
        f.wav[rec] = str(item.rec_path)
        f.reco2dur[rec] = f"{item.rec_duration:.6f}"
        f.text[uid] = one_line(item.utt.text)
        f.utt2spk[uid] = spk
        f.utt2dur[uid] = f"{item.duration:.6f}"
        if item.language:
            f.utt2lang[uid] = item.language
        if self.segments:
            f.segments[uid] = f"{rec} {item.start:.6f} {item.start + item.duration:.6f}"

    def close(self) -> list[Path]:
        files: list[Path] = []
        for name, f in self.folders.items():
            d = self.out / name
            d.mkdir(parents=True, exist_ok=True)
            spk2utt: dict[str, list[str]] = defaultdict(list)
            for uid, spk in _c_sorted(f.utt2spk):
                spk2utt[spk].append(uid)
            tables = {"wav.scp": f.wav, "reco2dur": f.reco2dur, "text": f.text, "utt2spk": f.utt2spk,
                      "utt2dur": f.utt2dur, "spk2utt": {s: " ".join(u) for s, u in spk2utt.items()}}
            if f.utt2lang:
                tables["utt2lang"] = f.utt2lang
            if self.segments:
                tables["segments"] = f.segments
            for fname, table in tables.items():
                path = d / fname
                with open(path, "w", encoding="utf-8", newline="\n") as fh:
                    for k, v in _c_sorted(table):
                        fh.write(f"{k} {v}".rstrip() + "\n")
                files.append(path)
        return files
