"""A precomputed bank of training pairs: degraded and clean segments with their encoder features.

With a pretrained encoder (``whisper`` features) most of a training step would go into running the
frozen encoder on the same kind of pairs again and again. A bank makes ``pairs`` (degraded, clean)
segments once — pair ``i`` is :meth:`PairMaker.pair` ``("bank", i)``, a function of the run seed —
and stores, per pair, both waveforms (int16) and both feature sequences (float16, the extractor's raw
output). The stages then draw batches from it: the cleaner needs no audio at all, the vocoder no
encoder. Only the finetune stage's content loss runs the encoder (on the restored audio, with
gradients).

Files: ``run_dir/bank/part-NNNNN/{deg,clean}.npy`` (``(P, N)`` int16) and ``{fdeg,fclean}.npy``
(``(P, T, D)`` float16), ``run_dir/bank/bank.json`` (what made it). Parts are written under a
temporary name and renamed, so an interrupted build resumes at the first missing part. Pair ``i`` does
not depend on ``pairs``, so a bank can grow (a larger ``pairs`` adds parts; a short last part is made
again) or be used in part; a bank made with other settings is refused rather than mixed.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import check_keys
from ..errors import SynthkitError

BANK_DIR, BANK_META = "bank", "bank.json"


@dataclass(frozen=True)
class BankConfig:
    pairs: int = 0  # 0: no bank; pairs are made on the fly for every step
    seconds: float = 3.0  # segment length (rounded down to whole encoder frames)
    part_size: int = 100  # pairs per file
    batch: int = 10  # pairs per encoder call while building

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None, where: str) -> BankConfig:
        d = dict(d or {})
        check_keys(d, cls.__dataclass_fields__, where)
        cfg = cls(**d)
        if cfg.pairs < 0 or cfg.seconds <= 0 or cfg.part_size < 1 or cfg.batch < 1:
            raise SynthkitError(f"{where}: pairs >= 0, seconds > 0, part_size >= 1 and batch >= 1 are required")
        return cfg


def segment_samples(config: BankConfig, sr: int, hop: int) -> int:
    """Samples per bank segment: a whole number of feature frames."""
    return max(1, int(config.seconds * sr / hop)) * hop


def build(bank_dir: Path, config: BankConfig, maker, model, identity: dict[str, Any], progress: bool) -> None:
    """Make (or finish making) the bank under ``bank_dir``. ``maker`` is the run's PairMaker, ``model`` the
    restoration model (its ``extractor`` makes the features), ``identity`` what must match to reuse a bank."""
    import torch

    bank_dir.mkdir(parents=True, exist_ok=True)
    meta_path = bank_dir / BANK_META
    meta = {"config": asdict(config), **identity}
    if meta_path.exists():
        # pair i is the same whatever the number of pairs (or the encoder batch): a bank can grow or be
        # used in part; what made the pairs and their features must match
        old = json.loads(meta_path.read_text(encoding="utf-8"))
        new = json.loads(json.dumps(meta))
        same = all(old.get("config", {}).get(k) == new["config"][k] for k in ("seconds", "part_size")) and \
            all(old.get(k) == v for k, v in new.items() if k != "config")
        if not same:
            raise SynthkitError(f"{bank_dir} was made with other settings; delete it (or use a new run dir) "
                                "to make a new bank")
    else:
        meta_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    hop = int(model.extractor.hop)
    n = segment_samples(config, maker.sr, hop)
    parts = -(-config.pairs // config.part_size)
    for p in range(parts):
        final = bank_dir / f"part-{p:05d}"
        lo, hi = p * config.part_size, min(config.pairs, (p + 1) * config.part_size)
        if final.is_dir():
            if np.load(final / "deg.npy", mmap_mode="r").shape[0] >= hi - lo:
                continue
            shutil.rmtree(final)  # a last part of a smaller bank: made again, whole
        pairs = [maker.pair("bank", i, 0, n) for i in range(lo, hi)]
        deg = np.stack([a for a, _ in pairs])
        clean = np.stack([b for _, b in pairs])
        fdeg, fclean = [], []
        with torch.no_grad():
            for k in range(0, len(pairs), config.batch):
                for src, dst in ((deg, fdeg), (clean, fclean)):
                    x = torch.from_numpy(src[k:k + config.batch]).to(model.feat_mean.device)
                    dst.append(model.extractor(x).cpu().numpy().astype(np.float16))
        tmp = bank_dir / f".part-{p:05d}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for name, arr in (("deg", _int16(deg)), ("clean", _int16(clean)), ("fdeg", np.concatenate(fdeg)),
                          ("fclean", np.concatenate(fclean))):
            np.save(tmp / f"{name}.npy", arr)
        os.replace(tmp, final)
        if progress:
            print(f"  bank {hi}/{config.pairs} pairs", file=sys.stderr, flush=True)


def _int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)


class Bank:
    """The stored pairs, memory-mapped. :meth:`batch` gives tensors for a list of pair indices."""

    def __init__(self, bank_dir: Path, pairs: int) -> None:
        self.parts = []
        for p in sorted(bank_dir.glob("part-*")):
            self.parts.append({k: np.load(p / f"{k}.npy", mmap_mode="r") for k in ("deg", "clean", "fdeg", "fclean")})
        self.index = [(i, j) for i, part in enumerate(self.parts) for j in range(part["deg"].shape[0])]
        if len(self.index) < pairs:
            raise SynthkitError(f"{bank_dir} holds {len(self.index)} pairs, fewer than the {pairs} configured")
        self.index = self.index[:pairs]
        first = self.parts[0]
        self.samples, self.frames = int(first["deg"].shape[1]), int(first["fdeg"].shape[1])
        self.hop = self.samples // self.frames

    def __len__(self) -> int:
        return len(self.index)

    def batch(self, indices: list[int], frames: int | None, rng: np.random.Generator, device: str) -> dict[str, Any]:
        """``deg``/``clean`` ``(B, frames * hop)`` float waveforms, ``fdeg``/``fclean`` ``(B, frames, D)``
        raw features; a random crop of ``frames`` feature frames (the whole segment when None)."""
        import torch

        t = self.frames if frames is None else min(int(frames), self.frames)
        out: dict[str, list] = {"deg": [], "clean": [], "fdeg": [], "fclean": []}
        for k in indices:
            part = self.parts[self.index[k][0]]
            j = self.index[k][1]
            s = int(rng.integers(self.frames - t + 1))
            for name in ("deg", "clean"):
                out[name].append(np.asarray(part[name][j, s * self.hop:(s + t) * self.hop], np.float32) / 32767.0)
            for name in ("fdeg", "fclean"):
                out[name].append(np.asarray(part[name][j, s:s + t], np.float32))
        batch: dict[str, Any] = {k: torch.from_numpy(np.stack(v)).to(device) for k, v in out.items()}
        batch["cropped"] = t < self.frames
        return batch
