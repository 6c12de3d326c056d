"""Training a restoration model, in stages, resumable, with logs a person can plot.

Stages, in order (each starts from the weights the previous one ended with):

``stats``     feature mean / std over clean training audio (stored in the model)
``cleaner``   the cleaner on (degraded, clean) feature pairs: L1 between cleaned and clean features
``vocoder``   the vocoder from *clean* features (and the degraded input's spectrum) to the clean wave
``finetune``  the vocoder again, now from the cleaner's output, as it runs at restore time; with
              ``content_weight`` > 0 also a content loss: L1 between the (normalised) encoder features
              of the restored audio and those of the clean audio, so the waveform says what the
              cleaned features say (gradients flow through the frozen encoder into the vocoder)

Training pairs are made on the fly: a random segment of a clean clip at a random level, degraded by
:mod:`synthkit.restore.degrade` (a share ``clean_fraction`` is left clean, so the model learns to leave
clean input alone). Every pair is a function of (seed, stage, step, index), so a resumed stage sees
exactly the batches an uninterrupted one would have. With ``bank.pairs`` > 0 a fixed set of pairs and
their encoder features is made once instead (:mod:`.bank`) and every step draws from it (a function
of (seed, stage, step) too): the frozen encoder then runs once per pair instead of once per step.

``init`` warm-starts parts of the model from another bundle (e.g. the vocoder of the previous
default checkpoint): tensors of the same shape are copied; the vocoder's input convolution keeps its
input-spectrum columns when the feature size changed (the feature columns start fresh).

Files in ``run_dir``: ``<stage>/state.pt`` (weights, optimiser, step; written every
``checkpoint_every`` steps and at the end), ``<stage>/log.csv`` and ``log.jsonl`` (losses, learning
rate, throughput), ``data.json`` (which clips were used and which were held out), and the bundle
``restore.pt`` (:func:`synthkit.restore.model.load_checkpoint` reads it). Run it again to resume.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import load
from ..config import check_keys, load_yaml
from ..errors import SynthkitError
from ..manifest import read_manifest, manifest_dir, Utterance
from ..rng import derive_seed
from .bank import BANK_DIR, BankConfig
from .degrade import DegradeConfig, Degrader, audio_files, load_degrade
from .model import RestoreConfig

STAGES = ("cleaner", "vocoder", "finetune")
STATE_NAME, LOG_NAME, BUNDLE_NAME = "state.pt", "log.csv", "restore.pt"
#: Clean segments are scaled to an RMS level drawn from this range (dBFS) before degradation.
LEVEL_DBFS = (-35.0, -18.0)
#: Segments quieter than this (dBFS RMS) are skipped when drawing training pairs (silence teaches nothing).
SILENCE_DBFS = -55.0


@dataclass(frozen=True)
class StageConfig:
    steps: int = 1000
    lr: float = 1e-3
    batch: int = 8
    segment_seconds: float = 3.0
    warmup: int = 100  # linear warm-up steps, then cosine decay to lr * 0.05
    checkpoint_every: int = 200
    log_every: int = 10
    grad_clip: float = 5.0
    train_cleaner: bool = False  # finetune only: also update the cleaner (at lr * 0.1)
    content_weight: float = 0.0  # finetune/vocoder: weight of the content loss on the output's encoder features

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str) -> StageConfig:
        check_keys(d, cls.__dataclass_fields__, where)
        return cls(**d)


@dataclass(frozen=True)
class TrainConfig:
    run_dir: Path
    speech: tuple[str, ...]  # folders (searched recursively) or manifests of clean speech
    holdout: tuple[str, ...] = ()  # glob patterns on paths relative to their folder: never trained on
    max_clips: int | None = None  # use at most this many training clips (short test runs)
    seed: int = 0
    degrade: DegradeConfig = field(default_factory=lambda: load_degrade("train"))
    clean_fraction: float = 0.1
    model: RestoreConfig = field(default_factory=RestoreConfig)
    stages: dict[str, StageConfig] = field(default_factory=lambda: {s: StageConfig() for s in STAGES})
    device: str = "auto"  # auto: cuda when available, else cpu
    threads: int | None = None  # torch CPU threads
    loader_workers: int = 1  # processes making training pairs (0: in the training process)
    stats_clips: int = 200  # feature statistics from every (clips // stats_clips)-th training clip, at most this many
    bank: BankConfig = field(default_factory=BankConfig)  # precomputed pairs (pairs: 0 = made on the fly)
    init: dict[str, Any] | None = None  # {"checkpoint": path | "default", "parts": ["vocoder", ...]}


def load_train_config(path: str | os.PathLike, run_dir: str | os.PathLike | None = None,
                      overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Read a recipe's ``config.yaml``. Relative paths are relative to the YAML file; ``run_dir``
    (relative to the working directory) overrides the file's. ``overrides`` replace top-level keys
    (``{"stages": {...}}`` replaces the stage table). ``extends: other.yaml`` (a recipe in the same folder)
    starts from that recipe's keys; the file's own top-level keys replace them."""
    p = Path(path)
    doc = load_yaml(p)
    if not isinstance(doc, dict):
        raise SynthkitError(f"{p}: expected a mapping")
    if "extends" in doc:
        parent = p.parent / str(doc.pop("extends"))
        if parent.resolve().parent != p.resolve().parent or not parent.is_file():
            raise SynthkitError(f"{p}: extends must name a recipe file in the same folder (relative paths stay valid)")
        base_doc = load_yaml(parent)
        if not isinstance(base_doc, dict) or "extends" in base_doc:
            raise SynthkitError(f"{parent}: an extended recipe must be a mapping without extends of its own")
        doc = {**base_doc, **doc}
    doc = {**doc, **(overrides or {})}
    keys = ("run_dir", "speech", "holdout", "max_clips", "seed", "degrade", "noise_dir", "rir_dir",
            "clean_fraction", "model", "stages", "device", "threads", "loader_workers", "stats_clips", "bank", "init")
    check_keys(doc, keys, str(p))
    base = p.resolve().parent

    def rel(v: str) -> str:
        return str((base / v).resolve()) if not Path(v).is_absolute() else v

    def rel_list(v) -> list[str] | None:
        if v is None:
            return None
        return [rel(x) for x in (v if isinstance(v, list) else [v])]

    speech = rel_list(doc.get("speech")) or []
    if not speech:
        raise SynthkitError(f"{p}: 'speech' must name at least one folder or manifest of clean speech")
    degrade = load_degrade(doc.get("degrade", "train"), rel_list(doc.get("noise_dir")), rel_list(doc.get("rir_dir")),
                           base=base)
    model_doc = dict(doc.get("model") or {})
    model = RestoreConfig.from_dict(model_doc, f"{p} model")
    stages_doc = doc.get("stages") or {}
    check_keys(stages_doc, STAGES, f"{p} stages")
    stages = {s: StageConfig.from_dict(dict(stages_doc.get(s) or {}), f"{p} stages.{s}") for s in STAGES}
    if stages["cleaner"].content_weight:
        raise SynthkitError(f"{p}: content_weight applies to the vocoder and finetune stages (they make audio)")
    if model.features.get("type") == "hf" and any(st.content_weight for st in stages.values()):
        raise SynthkitError(f"{p}: content_weight needs features that pass gradients back to the audio "
                            "(whisper or logmel); hf encoders run without gradients")
    rd = Path(run_dir) if run_dir is not None else Path(rel(doc.get("run_dir", "runs/restore")))
    cf = float(doc.get("clean_fraction", 0.1))
    if not 0 <= cf <= 1:
        raise SynthkitError(f"{p}: clean_fraction must be in [0, 1]")
    return TrainConfig(run_dir=rd, speech=tuple(speech), holdout=tuple(doc.get("holdout") or ()),
                       max_clips=doc.get("max_clips"), seed=int(doc.get("seed", 0)), degrade=degrade,
                       clean_fraction=cf, model=model, stages=stages, device=str(doc.get("device", "auto")),
                       threads=doc.get("threads"), loader_workers=int(doc.get("loader_workers", 1)),
                       stats_clips=int(doc.get("stats_clips", 200)),
                       bank=BankConfig.from_dict(doc.get("bank"), f"{p} bank"), init=_init_spec(doc.get("init"), rel, p))


def _init_spec(d: Any, rel, where: Path) -> dict[str, Any] | None:
    if d is None:
        return None
    if not isinstance(d, dict):
        raise SynthkitError(f"{where}: init must be a mapping with 'checkpoint' and 'parts'")
    check_keys(d, ("checkpoint", "parts"), f"{where} init")
    parts = list(d.get("parts") or ["vocoder"])
    if not set(parts) <= {"cleaner", "vocoder"}:
        raise SynthkitError(f"{where}: init parts must be among cleaner, vocoder")
    ckpt = str(d.get("checkpoint") or "default")
    return {"checkpoint": ckpt if ckpt == "default" else rel(ckpt), "parts": parts}


# --- data ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Clip:
    path: str  # absolute
    rel: str  # relative to its folder (what holdout patterns match)


def list_clips(speech: tuple[str, ...] | list[str]) -> list[Clip]:
    """All clips of the speech sources, sorted; a source is a folder or a manifest."""
    clips = []
    for src in speech:
        s = Path(src)
        if s.is_dir():
            for f in audio_files(s):
                clips.append(Clip(f, Path(f).relative_to(s).as_posix()))
        elif s.is_file():
            base = manifest_dir(s)
            for u in read_manifest(s):
                assert isinstance(u, Utterance)
                clips.append(Clip(str(u.audio_path(base)), u.id))
        else:
            raise SynthkitError(f"speech source not found: {s}")
    return sorted(clips, key=lambda c: c.path)


def is_held_out(clip: Clip, patterns: tuple[str, ...] | list[str]) -> bool:
    return any(fnmatch.fnmatch(clip.rel, p) or fnmatch.fnmatch(Path(clip.rel).name, p) for p in patterns)


def split_clips(config: TrainConfig) -> tuple[list[Clip], list[Clip]]:
    """(training clips, held-out clips) of the config's speech sources."""
    clips = list_clips(config.speech)
    train = [c for c in clips if not is_held_out(c, config.holdout)]
    held = [c for c in clips if is_held_out(c, config.holdout)]
    if config.max_clips is not None:
        train = train[: int(config.max_clips)]
    if not train:
        raise SynthkitError("no training clips left after the holdout patterns; check 'speech' and 'holdout'")
    return train, held


def load_clips(clips: list[Clip], sr: int) -> list[np.ndarray]:
    """Clips as int16 arrays at ``sr`` (half the memory of float32; all of ../shared fits easily)."""
    from ..audio import float_to_int16

    return [float_to_int16(load(c.path, sr=sr)[0]) for c in clips]


class PairMaker:
    """Makes (degraded, clean) float32 segment pairs; each a function of (seed, stage, step, index)."""

    def __init__(self, audio: list[np.ndarray], sr: int, degrade: DegradeConfig, clean_fraction: float,
                 seed: int) -> None:
        self.audio, self.sr, self.seed = audio, sr, seed
        self.degrader = Degrader(degrade)
        self.clean_fraction = clean_fraction

    def segment(self, rng: np.random.Generator, n: int) -> np.ndarray:
        for _ in range(20):
            clip = self.audio[int(rng.integers(len(self.audio)))]
            if clip.size <= n:
                seg = np.pad(clip, (0, n - clip.size))
            else:
                start = int(rng.integers(clip.size - n + 1))
                seg = clip[start:start + n]
            x = seg.astype(np.float32) / 32768.0
            rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
            if rms > 10 ** (SILENCE_DBFS / 20):
                break
        level = rng.uniform(*LEVEL_DBFS)
        x = x * np.float32(10 ** (level / 20) / max(rms, 1e-9))
        peak = float(np.max(np.abs(x)))
        if peak > 0.95:
            x = x * np.float32(0.95 / peak)
        return x.astype(np.float32)

    def pair(self, stage: str, step: int, index: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(derive_seed(self.seed, "pair", stage, step, index))
        clean = self.segment(rng, n)
        if rng.random() < self.clean_fraction:
            return clean.copy(), clean
        degraded, _ = self.degrader.apply(clean, self.sr, derive_seed(self.seed, "degrade", stage, step, index))
        return degraded, clean

    def batch(self, stage: str, step: int, size: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        pairs = [self.pair(stage, step, i, n) for i in range(size)]
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def _batches(maker: PairMaker, stage: str, start: int, stop: int, size: int, n: int) -> Iterator:
    for step in range(start, stop):
        yield maker.batch(stage, step, size, n)


def _loader(maker: PairMaker, stage: str, start: int, stop: int, size: int, n: int, workers: int):
    """Batches for steps ``start..stop-1`` in order; with ``workers`` > 0 made in background processes."""
    if workers <= 0 or stop - start <= 1:
        yield from _batches(maker, stage, start, stop, size, n)
        return
    import torch

    class _Steps(torch.utils.data.IterableDataset):
        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            k, w = (info.id, info.num_workers) if info else (0, 1)
            for step in range(start + k, stop, w):  # worker k makes every w-th step; the loader interleaves
                yield maker.batch(stage, step, size, n)

    loader = torch.utils.data.DataLoader(_Steps(), batch_size=None, num_workers=workers, prefetch_factor=4,
                                         persistent_workers=False, worker_init_fn=lambda _: torch.set_num_threads(1),
                                         # its own generator: making a loader must not draw from the
                                         # global one (a resumed run would shift its dropout draws)
                                         generator=torch.Generator().manual_seed(0))
    for deg, clean in loader:
        yield np.asarray(deg), np.asarray(clean)


# --- training -----------------------------------------------------------------------------------

def guard_run_dir(config: TrainConfig) -> None:
    """The files training writes in the run folder are no input (speech, noise, impulse responses), and
    the folder takes files; before any work (see :mod:`synthkit.guard`)."""
    from .. import guard

    rd = Path(config.run_dir)
    outputs = guard.stage_outputs("--run-dir", rd, ("data.json", "log.jsonl", BUNDLE_NAME), ("stats", *STAGES))
    inputs = [guard.Input(f"the speech {s}", Path(s), tree=Path(s).is_dir()) for s in config.speech]
    inputs += [guard.Input.folder(f"the {st['type']} folder", d) for st in config.degrade.steps
               for key in ("dir", "babble_dir") for d in st.get(key) or ()]
    guard.guard(outputs, inputs)


def pick_device(name: str) -> str:
    import torch

    from .model import check_device

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        return check_device(name, auto=True)
    except SynthkitError as exc:
        raise SynthkitError(f"{exc} (device: in the config, or --device)") from None


def _lr_at(step: int, sc: StageConfig) -> float:
    if step < sc.warmup:
        return sc.lr * (step + 1) / sc.warmup
    t = (step - sc.warmup) / max(1, sc.steps - sc.warmup)
    return sc.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(t, 1.0))))


class _Log:
    """Appends rows to ``<stage>/log.csv`` and ``log.jsonl``; on resume, drops rows logged after the
    state it resumes from (those steps are trained again)."""

    def __init__(self, run_dir: Path, stage: str, resume_step: int) -> None:
        self.csv_path = run_dir / stage / LOG_NAME
        self.jsonl_path = run_dir / "log.jsonl"
        for path, is_csv in ((self.csv_path, True), (self.jsonl_path, False)):
            if path.exists():  # rows written after the last checkpoint are made again: drop them
                lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
                keep = [ln for i, ln in enumerate(lines) if self._keep(ln, i, is_csv, stage, resume_step)]
                path.write_text("".join(keep), encoding="utf-8")
        self.fields: list[str] | None = None
        if self.csv_path.exists() and self.csv_path.stat().st_size:
            with open(self.csv_path, encoding="utf-8") as f:
                self.fields = next(csv.reader(f))

    @staticmethod
    def _keep(line: str, i: int, is_csv: bool, stage: str, resume_step: int) -> bool:
        if not line.endswith("\n"):
            return False
        if is_csv:
            return i == 0 or int(line.split(",", 1)[0]) <= resume_step  # "step" counts steps done
        try:
            row = json.loads(line)
        except ValueError:
            return False
        return row.get("stage") != stage or int(row.get("step", 0)) <= resume_step

    def write(self, row: dict[str, Any]) -> None:
        self.csv_path.parent.mkdir(parents=True, exist_ok=True)
        if self.fields is None:
            self.fields = list(row)
            with open(self.csv_path, "w", encoding="utf-8", newline="") as f:
                csv.writer(f).writerow(self.fields)
        with open(self.csv_path, "a", encoding="utf-8", newline="") as f:
            csv.writer(f).writerow([_fmt(row.get(k)) for k in self.fields])
        with open(self.jsonl_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


def _fmt(v: Any) -> Any:
    return f"{v:.6g}" if isinstance(v, float) else v


def _save_state(path: Path, model, opt, step: int, done: bool, extra: dict[str, Any]) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict() if opt is not None else None,
                "step": step, "done": done, "torch_rng": torch.get_rng_state(), **extra}, tmp)
    os.replace(tmp, path)


def _load_state(path: Path, device: str) -> dict[str, Any] | None:
    import torch

    if not path.exists():
        return None
    return torch.load(path, map_location=device, weights_only=True)


def compute_stats(model, audio: list[np.ndarray], sr: int, max_clips: int, device: str) -> None:
    """Set the model's feature mean / std from clean clips (per feature dimension)."""
    import torch

    total = sq = None
    count = 0
    step = max(1, len(audio) // max(1, max_clips))
    with torch.no_grad():
        for a in audio[::step][:max_clips]:
            x = torch.from_numpy(a.astype(np.float32) / 32768.0)[None].to(device)
            f = model.extractor(x)[0].double()  # (T, D)
            total = f.sum(0) if total is None else total + f.sum(0)
            sq = (f * f).sum(0) if sq is None else sq + (f * f).sum(0)
            count += f.shape[0]
    mean = total / count
    std = (sq / count - mean * mean).clamp_min(1e-8).sqrt()
    model.feat_mean.copy_(mean.float())
    model.feat_std.copy_(std.float().clamp_min(1e-3))


def _stage_params(model, stage: str, sc: StageConfig):
    if stage == "cleaner":
        return [{"params": list(model.cleaner.parameters()), "lr": sc.lr}]
    groups = [{"params": list(model.vocoder.parameters()), "lr": sc.lr}]
    if stage == "finetune" and sc.train_cleaner:
        groups.append({"params": list(model.cleaner.parameters()), "lr": sc.lr * 0.1})
    return groups


def _features_grad(model, wave):
    """Normalised features of generated audio, keeping the graph back to ``wave`` (the encoder's own
    weights are frozen)."""
    ex = model.extractor
    raw = ex(wave, grad=True) if getattr(ex, "keeps_graph_on_request", False) else ex(wave)
    return (raw - model.feat_mean) / model.feat_std


def _stage_loss(model, loss_fn, stage: str, batch: dict[str, Any], sc: StageConfig) -> dict[str, Any]:
    """Loss terms of one step. ``batch`` has ``deg``/``clean`` waveforms and, from a bank, their raw
    features ``fdeg``/``fclean`` (computed here otherwise)."""
    import torch
    from torch.nn import functional as F

    deg, clean = batch["deg"], batch["clean"]

    def norm(raw):
        return (raw - model.feat_mean) / model.feat_std

    with torch.no_grad():
        fc = norm(batch["fclean"]) if "fclean" in batch else model.features(clean)
        fd = norm(batch["fdeg"]) if "fdeg" in batch else model.features(deg)
    if stage == "cleaner":
        cleaned = model.clean(fd)
        l1 = F.l1_loss(cleaned, fc)
        return {"loss": l1, "feat_l1": l1, "feat_l1_input": F.l1_loss(fd, fc)}
    if stage == "vocoder":
        feats = fc
    elif sc.train_cleaner:
        feats = model.clean(fd)
    else:
        with torch.no_grad():
            feats = model.clean(fd)
    out = model.synthesize(feats, deg)
    terms = loss_fn(out, clean)
    if sc.content_weight > 0:
        if batch.get("cropped"):  # features of a crop differ at its edges from a crop of the features
            with torch.no_grad():
                fc = model.features(clean)
        fo = _features_grad(model, out)
        t = min(fo.shape[1], fc.shape[1])
        terms["content"] = F.l1_loss(fo[:, :t], fc[:, :t])
        terms["loss"] = terms["loss"] + sc.content_weight * terms["content"]
    return terms


def warm_start(model, spec: dict[str, Any]) -> dict[str, Any]:
    """Copy ``spec["parts"]`` of the bundle ``spec["checkpoint"]`` into ``model`` where shapes allow
    (see the module doc); returns what was done, for the bundle's metadata."""
    import torch

    from .model import DEFAULT_CHECKPOINT, read_bundle

    path = DEFAULT_CHECKPOINT if spec["checkpoint"] == "default" else Path(spec["checkpoint"])
    bundle = read_bundle(path)
    src = {k: v.float() for k, v in bundle["state_dict"].items() if v.is_floating_point()}
    own = model.state_dict()
    copied, partial, skipped = 0, [], []
    with torch.no_grad():
        for name, t in own.items():
            if name.split(".")[0] not in spec["parts"] or name not in src:
                continue
            s = src[name]
            if s.shape == t.shape:
                t.copy_(s)
                copied += 1
            elif name == "vocoder.inp.weight" and model.vocoder.config.input_spectrum and s.shape[0] == t.shape[0] \
                    and s.shape[2] == t.shape[2]:
                bins = model.stft_spec.bins  # the input-spectrum columns come last in both
                t[:, -bins:] = s[:, -bins:]
                t[:, :-bins] *= 0.1  # the new feature columns start small next to the trained ones
                partial.append(name)
            else:
                skipped.append(name)
    return {"checkpoint": str(path), "parts": list(spec["parts"]), "tensors_copied": copied,
            "partly_copied": partial, "skipped": skipped}


def train(config: TrainConfig, progress: bool = True, stop_at: tuple[str, int] | None = None) -> Path:
    """Run (or resume) every stage, then write the bundle ``run_dir/restore.pt``; returns its path.

    ``stop_at=(stage, step)`` ends the run once that stage has saved its state at that step (as an
    interruption right after a checkpoint would); it returns ``run_dir`` and writes no bundle."""
    import torch

    from .losses import ReconstructionLoss
    from .model import build_model, count_parameters, save_checkpoint

    if config.threads:
        torch.set_num_threads(int(config.threads))
    device = pick_device(config.device)
    run_dir = Path(config.run_dir)
    guard_run_dir(config)
    run_dir.mkdir(parents=True, exist_ok=True)
    sr = config.model.sample_rate
    torch.manual_seed(config.seed)
    model = build_model(config.model).to(device)
    init_info = warm_start(model, config.init) if config.init else None

    train_clips, held = split_clips(config)
    _write_json(run_dir / "data.json", {"train": [c.path for c in train_clips], "held_out": [c.path for c in held],
                                        "holdout_patterns": list(config.holdout)})
    _say(progress, f"restore-train: {len(train_clips)} training clips, {len(held)} held out; device {device}; "
                   f"model {count_parameters(model) / 1e6:.2f} M parameters")
    audio = load_clips(train_clips, sr)
    train_seconds = sum(a.size for a in audio) / sr

    stats_path = run_dir / "stats" / STATE_NAME
    state = _load_state(stats_path, device)
    if state is None:
        compute_stats(model, audio, sr, config.stats_clips, device)
        _save_state(stats_path, model, None, 0, True, {})
    else:
        model.load_state_dict(state["model"])

    maker = PairMaker(audio, sr, config.degrade, config.clean_fraction, config.seed)
    bank = None
    if config.bank.pairs > 0:
        from .bank import Bank, build

        _say(progress, f"restore-train: bank of {config.bank.pairs} pairs")
        identity = {"seed": config.seed, "features": dict(config.model.features), "sample_rate": sr,
                    "degrade": config.degrade.to_dict(), "clean_fraction": config.clean_fraction,
                    "train": [c.path for c in train_clips]}
        build(run_dir / BANK_DIR, config.bank, maker, model, identity, progress)
        bank = Bank(run_dir / BANK_DIR, config.bank.pairs)
    loss_fn = ReconstructionLoss(sr, model.stft_spec).to(device)
    t_total = time.monotonic()
    stage_info = {}
    for stage in STAGES:
        sc = config.stages[stage]
        path = run_dir / stage / STATE_NAME
        state = _load_state(path, device)
        if state is not None:
            model.load_state_dict(state["model"])
        if state is not None and state["done"]:
            stage_info[stage] = state.get("info", {})
            _say(progress, f"restore-train: stage {stage} already done ({state['step']} steps)")
            continue
        stop = stop_at[1] if stop_at and stop_at[0] == stage else None
        batches = _bank_batches(bank, config.seed, stage, sc, sr, device) if bank is not None else None
        stage_info[stage] = _run_stage(model, stage, sc, maker, loss_fn, path, state, run_dir, device,
                                       config.loader_workers, progress, stop, batches)
        if stop is not None:
            return run_dir
    meta = {
        "trained_by": "synthkit.restore.train (recipes/restore_train)",
        "seed": config.seed,
        "train_clips": len(train_clips),
        "train_audio_hours": round(train_seconds / 3600, 3),
        "held_out_clips": len(held),
        "holdout_patterns": list(config.holdout),
        "degrade": config.degrade.to_dict(),
        "clean_fraction": config.clean_fraction,
        "bank": asdict(config.bank),
        "init": init_info,
        "stages": {s: {**asdict(config.stages[s]), **stage_info.get(s, {})} for s in STAGES},
        "device": device,
        "parameters": count_parameters(model),
        "wall_seconds_this_run": round(time.monotonic() - t_total, 1),
    }
    return save_checkpoint(run_dir / BUNDLE_NAME, model, meta)


def _bank_batches(bank, seed: int, stage: str, sc: StageConfig, sr: int, device: str):
    """``step -> batch`` from the bank: indices and crops drawn from (seed, stage, step)."""
    frames = max(1, int(round(sc.segment_seconds * sr / bank.hop)))

    def get(step: int) -> dict[str, Any]:
        rng = np.random.default_rng(derive_seed(seed, "bank-batch", stage, step))
        idx = [int(i) for i in rng.integers(len(bank), size=sc.batch)]
        return bank.batch(idx, frames if frames < bank.frames else None, rng, device)

    return get


def _run_stage(model, stage, sc: StageConfig, maker: PairMaker, loss_fn, path: Path, state, run_dir: Path,
               device: str, workers: int, progress: bool, stop: int | None = None, bank_batches=None) -> dict[str, Any]:
    import torch

    model.train()
    groups = _stage_params(model, stage, sc)
    opt = torch.optim.AdamW(groups, lr=sc.lr, betas=(0.8, 0.99), weight_decay=0.01)
    base_lrs = [g["lr"] for g in groups]
    start = 0
    seconds_before = 0.0
    if state is not None and state.get("optimizer") is not None:
        opt.load_state_dict(state["optimizer"])
        start = int(state["step"])
        seconds_before = float(state.get("info", {}).get("seconds", 0.0))
        if state.get("torch_rng") is not None:
            torch.set_rng_state(state["torch_rng"].cpu())  # dropout draws continue as if never stopped
    log = _Log(run_dir, stage, start)
    n = int(sc.segment_seconds * model.sample_rate)
    _say(progress, f"restore-train: stage {stage}: steps {start}..{sc.steps}")
    t0 = time.monotonic()
    acc: dict[str, float] = {}
    acc_n = 0
    t_log = time.monotonic()
    if bank_batches is not None:
        source = (bank_batches(step) for step in range(start, sc.steps))
    else:
        source = ({"deg": torch.as_tensor(d, device=device), "clean": torch.as_tensor(c, device=device)}
                  for d, c in _loader(maker, stage, start, sc.steps, sc.batch, n, workers))
    for step, batch in enumerate(source, start):
        factor = _lr_at(step, sc) / sc.lr
        for g, base in zip(opt.param_groups, base_lrs):
            g["lr"] = base * factor
        terms = _stage_loss(model, loss_fn, stage, batch, sc)
        opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        gnorm = torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], sc.grad_clip)
        if not torch.isfinite(gnorm):
            opt.zero_grad(set_to_none=True)  # skip a step whose gradient blew up
        else:
            opt.step()
        for k, v in terms.items():
            acc[k] = acc.get(k, 0.0) + float(v.detach())
        acc_n += 1
        done = step + 1
        if done % sc.log_every == 0 or done == sc.steps:
            now = time.monotonic()
            row = {"step": done, "stage": stage, **{k: v / acc_n for k, v in acc.items()},
                   "lr": opt.param_groups[0]["lr"], "grad_norm": float(gnorm),
                   "sec_per_step": (now - t_log) / acc_n, "elapsed_s": seconds_before + now - t0}
            log.write(row)
            _say(progress, f"  {stage} {done}/{sc.steps} loss {row['loss']:.4f} ({row['sec_per_step']:.2f} s/step)")
            acc, acc_n, t_log = {}, 0, now
        if (done % sc.checkpoint_every == 0 or done == stop) and done < sc.steps:
            _save_state(path, model, opt, done, False, {"info": {"seconds": seconds_before + time.monotonic() - t0}})
        if done == stop:
            return {}
    info = {"seconds": round(seconds_before + time.monotonic() - t0, 1)}
    _save_state(path, model, opt, sc.steps, True, {"info": info})
    model.eval()
    return info


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(obj, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _say(enabled: bool, msg: str) -> None:
    if enabled:
        print(msg, file=sys.stderr, flush=True)


def install_default(bundle: str | os.PathLike) -> Path:
    """Copy a finished bundle to the package's default checkpoint (what ``synthkit restore`` uses
    without ``--checkpoint``). The bundle is loaded first, so a broken file is never installed."""
    import shutil

    from .model import DEFAULT_CHECKPOINT, load_checkpoint

    load_checkpoint(bundle)
    DEFAULT_CHECKPOINT.parent.mkdir(parents=True, exist_ok=True)
    tmp = DEFAULT_CHECKPOINT.with_name(f".{DEFAULT_CHECKPOINT.name}.tmp")
    shutil.copyfile(bundle, tmp)
    os.replace(tmp, DEFAULT_CHECKPOINT)
    return DEFAULT_CHECKPOINT
