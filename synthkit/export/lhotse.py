"""Lhotse: ``recordings_<split>.jsonl.gz``, ``supervisions_<split>.jsonl.gz`` and ``cuts_<split>.jsonl.gz``
written through lhotse's own classes and sequential writers; with ``--shar`` also Lhotse Shar shards
(``shar/<split>/``: cuts plus FLAC audio in tar files, self-contained and movable).

One recording per audio file (a segment row points into its recording with ``start``), one
supervision per row with ``text``, ``language``, ``speaker`` and every other key of the row (scores,
phonemes, synthesis parameters) in ``custom``; one cut per row spanning its supervision. Audio paths
are absolute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import missing_extra
from ..manifest import Utterance
from .base import Item

#: Cuts per Shar shard.
SHAR_SHARD_SIZE = 1000
#: Audio codec inside Shar tar files (lossless).
SHAR_AUDIO_FORMAT = "flac"


def _lhotse() -> Any:
    try:
        import lhotse
    except ImportError:
        raise missing_extra("lhotse", "export", "--format lhotse") from None
    return lhotse


class LhotseWriter:
    audio = "recording"

    def __init__(self, config, stats) -> None:
        self.lhotse = _lhotse()
        L = self.lhotse
        self.out = Path(config.out_dir).resolve()
        self.shar = config.shar
        self.names = config.split.names
        self.paths = {n: {kind: self.out / f"{kind}_{n}.jsonl.gz" for kind in ("recordings", "supervisions", "cuts")}
                      for n in self.names}
        self.recs = {n: L.RecordingSet.open_writer(p["recordings"], overwrite=True) for n, p in self.paths.items()}
        self.sups = {n: L.SupervisionSet.open_writer(p["supervisions"], overwrite=True) for n, p in self.paths.items()}
        self.cuts = {n: L.CutSet.open_writer(p["cuts"], overwrite=True) for n, p in self.paths.items()}
        self.rec_seen: dict[str, set[str]] = {n: set() for n in self.names}

    @staticmethod
    def check(utt: Utterance) -> str | None:
        return None

    def write(self, item: Item) -> None:
        L = self.lhotse
        from lhotse.audio import AudioSource
        from lhotse.utils import fastcopy

        rec = L.Recording(id=item.rec_id, sources=[AudioSource(type="file", channels=[0], source=str(item.rec_path))],
                          sampling_rate=item.sample_rate, num_samples=item.rec_num_samples,
                          duration=item.rec_duration, channel_ids=[0])
        sup = L.SupervisionSegment(id=item.utt.id, recording_id=item.rec_id, start=item.start,
                                   duration=item.duration, channel=0, text=item.utt.text, language=item.language,
                                   speaker=item.speaker, custom=item.extras() or None)
        if item.rec_id not in self.rec_seen[item.split]:
            self.rec_seen[item.split].add(item.rec_id)
            self.recs[item.split].write(rec)
        self.sups[item.split].write(sup)
        # a cut's supervisions are timed relative to the cut's own start
        cut = L.MonoCut(id=item.utt.id, start=item.start, duration=item.duration, channel=0, recording=rec,
                        supervisions=[fastcopy(sup, start=0.0)])
        self.cuts[item.split].write(cut)

    def close(self) -> list[Path]:
        files: list[Path] = []
        for n in self.names:
            for w in (self.recs[n], self.sups[n], self.cuts[n]):
                w.close()
            files.extend(self.paths[n].values())
            if self.shar:
                shar_dir = self.out / "shar" / n
                shar_dir.mkdir(parents=True, exist_ok=True)
                written = self.lhotse.CutSet.from_jsonl_lazy(self.paths[n]["cuts"]).to_shar(
                    shar_dir, fields={"recording": SHAR_AUDIO_FORMAT}, shard_size=SHAR_SHARD_SIZE)
                files.extend(Path(p) for ps in written.values() for p in ps)
        return files
