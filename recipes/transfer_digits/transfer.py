"""Does the data teach? Spoken Arabic digits: a small classifier trained only on synthkit output, tested on
real speakers, beside the same classifier trained on real speakers.

    python recipes/transfer_digits/transfer.py [--config recipes/transfer_digits/config.yaml]
        [--work /tmp/transfer] [--conditions native-heavy,donors] [--seeds 0,1,2]

* **Real data**: ``../shared/data/speech/arabic_digits`` (30 speakers x 10 digits x 4 repetitions), split by
  the source's speaker-disjoint ``split`` column: 18 train speakers, 6 val, 6 test. The test speakers are
  only ever evaluated on: nothing is trained, selected or tuned on them.
* **Synthetic data**: ``synthkit synth`` (library API) renders the digit words of ``text`` (one word per
  line, line 1 = digit 0) per condition: the native espeak-ng voice reading the text, or donors only
  (``donor: auto`` with ``exclude``: Arabic's own voice, or its whole family, left out), with an
  augmentation preset (real noise and room responses from ``../shared/data``), a number of renditions
  per word (``voices``, each with its own voice variant and prosody) and prosody ranges.
* **Classifier** (one of the config's ``classifiers``, the same for every condition, fixed schedule, no
  early stopping, no selection): each clip is cut to a window centred on its speech energy; ``logmel``:
  a log-mel spectrogram (40 bands, 25 ms / 10 ms) with its dynamic range limited to ``floor_db`` below
  the clip's peak (digital silence and a room's noise floor then look alike) and per-band mean removed,
  into a 4-layer CNN; ``whisper``: hidden state ``layer`` of the frozen Whisper base encoder, each
  dimension standardised per clip, into a small head (1-D conv, mean and max over time, linear). Both
  trained ``steps`` mini-batches with AdamW, label smoothing, random crops in time and masks.
* **Mixtures**: a condition with ``mix: [a, b]`` trains on the corpora of conditions ``a`` and ``b``
  together (the same corpora, same seed).
* **Transfer ratio** = accuracy on the test speakers of the synthetic-only model / accuracy of the
  real-trained model on the same test speakers (same seed).

Everything derived (corpora, features) is cached under ``--work``; a re-run only trains.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SR = 16000
HOP = 160
WIN = 400
CROP_FRAMES = 101  # 1.0 s
CONTEXT_FRAMES = 121  # 1.2 s around the speech, random-cropped to CROP_FRAMES in training
WHISPER_FRAMES = 60  # the same 1.2 s in Whisper encoder frames (50/s)


# --- configuration ---------------------------------------------------------------------------------

def load_config(path: Path, classifier: str | None = None) -> dict:
    """The recipe's config; ``classifier`` (default: the config's ``classifier``) picks one of its
    ``classifiers``, which becomes ``cfg["classifier"]`` (with its ``name``)."""
    import yaml

    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg["_dir"] = path.resolve().parent
    name = classifier or cfg["classifier"]
    if isinstance(name, str):
        if name not in cfg.get("classifiers", {}):
            raise SystemExit(f"{path}: no classifier {name!r}; have {', '.join(cfg.get('classifiers', {}))}")
        cfg["classifier"] = {"name": name, **cfg["classifiers"][name]}
    return cfg


def _path(cfg: dict, key: str) -> Path:
    p = Path(cfg[key])
    return p if p.is_absolute() else (cfg["_dir"] / p).resolve()


# --- data ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    path: Path
    label: int
    group: str  # speaker (real) or voice (synthetic)


def real_items(real_dir: Path) -> dict[str, list[Item]]:
    """The source's speaker-disjoint split: split name -> items."""
    out: dict[str, list[Item]] = {}
    with open(real_dir / "metadata.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["split"], []).append(Item(real_dir / r["file"], int(r["digit"]), r["speaker"]))
    return out


def synth_corpus(cfg: dict, cond: dict, seed: int, work: Path) -> list[Item]:
    """Render the digit words for one condition and seed with synthkit; the items of its manifest."""
    from synthkit.augment import load_augment
    from synthkit.manifest import read_manifest
    from synthkit.synth import SynthConfig, prepare, run
    from synthkit.tts.espeak import ProsodyRanges

    s = cond["synth"]
    text = _path({**cfg, "text": s.get("text") or cfg["text"]}, "text")
    lines = int(s.get("lines_per_word", 1))
    words = [w for w in text.read_text(encoding="utf-8").splitlines() if w.strip()]
    key = hashlib.sha1(json.dumps([s, words, seed, synth_code()], sort_keys=True).encode()).hexdigest()[:12]
    out = work / "corpora" / f"{cond['name']}-s{seed}-{key}"
    text_file = work / "texts" / f"{key}.txt"
    text_file.parent.mkdir(parents=True, exist_ok=True)
    # line n of the repeated text is word (n - 1) % 10: each repeat gets its own voices and prosody
    text_file.write_text("".join(f"{w}\n" for _ in range(lines) for w in words), encoding="utf-8")
    noise = _path(cfg, "noise_dir") if s.get("real_noise", True) else None
    rir = _path(cfg, "rir_dir") if s.get("real_noise", True) else None
    spec = s.get("augment", "none")
    if spec.endswith((".yaml", ".yml")):
        spec = str((cfg["_dir"] / spec).resolve())
    aug = load_augment(spec, str(noise) if noise else None, str(rir) if rir else None)
    prosody = ProsodyRanges(**{k: tuple(v) for k, v in s.get("prosody", {}).items()})
    config = SynthConfig(language=cfg["language"], text_path=text_file, out_dir=out, voices=int(s["voices"]),
                         augment=aug, seed=seed, workers=int(cfg.get("workers", 1)), progress=False,
                         prosody=prosody, donor=s.get("donor"), donors=int(s.get("donors", 1)),
                         exclude=tuple(s.get("exclude", ())), exclude_family=tuple(s.get("exclude_family", ())),
                         mapping=_path(cfg, "mapping") if s.get("mapping") else None,
                         **({"backend": str(s["backend"])} if s.get("backend") else {}),
                         **({"variants": tuple(s["variants"])} if s.get("variants") else {}))
    if not (out / "summary.json").is_file():
        run(prepare(config))
    if s.get("restore"):  # the rendered corpus passed through `synthkit restore` (a checkpoint shipped with it)
        out = restored(out, str(s["restore"]))
    items = []
    for r in read_manifest(out / "manifest.jsonl"):
        items.append(Item(out / r.audio_filepath, (int(r["line"]) - 1) % len(words), r.get("donor") or r["voice"]))
    return items


def restored(corpus: Path, checkpoint: str) -> Path:
    """``corpus`` restored by ``synthkit restore --checkpoint CHECKPOINT --no-scores`` (cached beside it)."""
    import subprocess

    out = corpus.with_name(f"{corpus.name}-restored-{checkpoint}")
    if not (out / "summary.json").is_file():  # written last, when every clip is done
        subprocess.run([sys.executable, "-m", "synthkit", "restore", str(corpus / "manifest.jsonl"), "--out", str(out),
                        "--checkpoint", checkpoint, "--no-scores", "--workers", "1"], check=True)
    return out


# --- front end -------------------------------------------------------------------------------------

def load_audio(path: Path) -> np.ndarray:
    from synthkit.audio import load

    x, _ = load(path, sr=SR)
    return x.astype(np.float32)


def speech_window(x: np.ndarray, frames: int = CONTEXT_FRAMES) -> np.ndarray:
    """``frames`` hops of audio centred on the clip's speech energy (zero-padded)."""
    n = (frames - 1) * HOP
    if x.size == 0:
        return np.zeros(n, np.float32)
    hop_rms = np.sqrt(np.convolve(x.astype(np.float64) ** 2, np.ones(WIN) / WIN, mode="same")[::HOP] + 1e-12)
    db = 20 * np.log10(hop_rms)
    active = np.flatnonzero(db > db.max() - 30)
    centre = int((active[0] + active[-1]) / 2 * HOP) if active.size else x.size // 2
    start = centre - n // 2
    out = np.zeros(n, np.float32)
    lo, hi = max(0, start), min(x.size, start + n)
    out[lo - start:hi - start] = x[lo:hi]
    return out


def logmel(x: np.ndarray, n_mels: int, floor_db: float) -> np.ndarray:
    """(n_mels, frames) log-mel, range limited to ``floor_db`` below the peak, per-band mean removed."""
    import librosa

    m = librosa.feature.melspectrogram(y=x, sr=SR, n_fft=512, win_length=WIN, hop_length=HOP, n_mels=n_mels,
                                       fmin=50, fmax=7600, center=True, power=2.0)
    db = 10 * np.log10(m + 1e-12)
    db = np.maximum(db, db.max() - floor_db)
    db -= db.mean(axis=1, keepdims=True)
    return (db / (db.std() + 1e-6)).astype(np.float32)


def whisper_states(x: np.ndarray, layer: int) -> np.ndarray:
    """(dim, frames) hidden state ``layer`` of the frozen Whisper base encoder (synthkit's torch module,
    from the CTranslate2 weights synthkit installs) for a speech window, run unpadded as synthkit's
    restoration features are (50 frames/s), each dimension standardised over the clip's frames."""
    import torch

    from synthkit.restore.features import load_whisper  # one encoder per process, shared with restore
    from synthkit.restore.whisper_encoder import log_mel

    with torch.inference_mode():
        h = load_whisper("whisper-base").hidden_states(log_mel(torch.from_numpy(x)[None]), layer)[-1][0].numpy().T
    h = h - h.mean(axis=1, keepdims=True)
    return (h / (h.std(axis=1, keepdims=True) + 1e-5)).astype(np.float32)


def front_end(x: np.ndarray, c: dict) -> np.ndarray:
    """One clip's features for the classifier ``c``: log-mel (``front_end: logmel``, the default) or a
    Whisper encoder state (``front_end: whisper``, ``layer``)."""
    window = speech_window(x)
    if c.get("front_end", "logmel") == "whisper":
        return whisper_states(window, int(c["layer"]))[:, :WHISPER_FRAMES]
    return logmel(window, c["n_mels"], c["floor_db"])[:, :CONTEXT_FRAMES]


def features(items: list[Item], cache: Path, c: dict) -> tuple[np.ndarray, np.ndarray]:
    fe = {k: c[k] for k in ("front_end", "layer", "n_mels", "floor_db") if k in c}
    key = hashlib.sha1(json.dumps([[str(i.path), i.label] for i in items] + [fe]).encode()).hexdigest()[:16]
    f = cache / f"feats-{key}.npz"
    if f.is_file():
        d = np.load(f)
        return d["x"], d["y"]
    x = np.stack([front_end(load_audio(i.path), c) for i in items])
    y = np.asarray([i.label for i in items], np.int64)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(f.with_suffix(".tmp.npz"), x=x, y=y)
    os.replace(f.with_suffix(".tmp.npz"), f)
    return x, y


# --- classifier ------------------------------------------------------------------------------------

def build_whisper_head(n_classes: int, dim: int, hidden: int):
    """On a Whisper state (dim, frames): dropout, a 1-D convolution over 3 frames, ReLU, mean and max over
    time, linear. (The encoder itself stays frozen: its states are computed once, in ``features``.)"""
    import torch
    import torch.nn as nn

    class Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.drop = nn.Dropout(0.2)
            self.conv = nn.Conv1d(dim, hidden, 3, padding=1)
            self.out = nn.Sequential(nn.Dropout(0.3), nn.Linear(2 * hidden, n_classes))

        def forward(self, x):  # (n, 1, dim, frames), as the CNN takes it
            h = torch.relu(self.conv(self.drop(x[:, 0])))
            return self.out(torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1))

    return Head()


def build_model(n_classes: int, widths: tuple[int, ...]):
    """Conv 3x3 (the first with stride 2: a quarter of the compute, for CPU) + batch norm + ReLU per
    width, 2x2 max-pool between, global average pool, dropout, linear."""
    import torch.nn as nn

    layers, c_in = [], 1
    for i, c in enumerate(widths):
        layers += [nn.Conv2d(c_in, c, 3, padding=1, stride=2 if i == 0 else 1, bias=False), nn.BatchNorm2d(c),
                   nn.ReLU()]
        if i < len(widths) - 1:
            layers.append(nn.MaxPool2d(2))
        c_in = c
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(c_in, n_classes))


def _crop(x: np.ndarray) -> int:
    """Frames of the 1-s crop for features of x's kind (log-mel or Whisper frames)."""
    return CROP_FRAMES if x.shape[-1] == CONTEXT_FRAMES else WHISPER_FRAMES * CROP_FRAMES // CONTEXT_FRAMES


def _batch(x: np.ndarray, rng: np.random.Generator, spec_aug: bool):
    """Random 1-s crops and SpecAugment masks of a batch (n, bands, frames) -> (n, 1, bands, crop)."""
    n, mels, t = x.shape
    crop = _crop(x)
    out = np.empty((n, mels, crop), np.float32)
    for k in range(n):
        s = rng.integers(0, t - crop + 1)
        v = x[k, :, s:s + crop].copy()
        if spec_aug:
            f0, fw = rng.integers(0, mels), rng.integers(0, mels // 5 + 1)
            v[f0:f0 + fw] = 0.0
            t0, tw = rng.integers(0, crop), rng.integers(0, crop * 12 // CROP_FRAMES)
            v[:, t0:t0 + tw] = 0.0
        out[k] = v
    return out[:, None]


def train(x: np.ndarray, y: np.ndarray, seed: int, c: dict):
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if c.get("front_end", "logmel") == "whisper":
        model = build_whisper_head(10, x.shape[1], int(c.get("hidden", 128)))
    else:
        model = build_model(10, tuple(c["widths"]))
    opt = torch.optim.AdamW(model.parameters(), lr=c["lr"], weight_decay=c["weight_decay"])
    steps, bs = int(c["steps"]), int(c["batch"])
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=c["lr"], total_steps=steps, pct_start=0.15)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=c["label_smoothing"])
    model.train()
    for _ in range(steps):
        idx = rng.integers(0, len(x), bs)
        xb = torch.from_numpy(_batch(x[idx], rng, True))
        loss = loss_fn(model(xb), torch.from_numpy(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return model.eval()


def accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    import torch

    crop = _crop(x)
    s = (x.shape[2] - crop) // 2
    with torch.inference_mode():
        pred = model(torch.from_numpy(x[:, None, :, s:s + crop].copy())).argmax(1).numpy()
    return float((pred == y).mean())


# --- conditions ------------------------------------------------------------------------------------

def run_condition(cfg: dict, cond: dict, seed: int, work: Path, real: dict[str, list[Item]]) -> dict:
    import torch

    torch.set_num_threads(int(cfg.get("threads", 1)))
    c = cfg["classifier"]
    feats = work / "features"
    t0 = time.perf_counter()
    if cond["name"] == "real":
        train_items = real["train"]
    elif "mix" in cond:  # the corpora of several conditions together (each rendered as it is alone)
        parts = {c["name"]: c for c in cfg["conditions"]}
        train_items = [i for name in cond["mix"] for i in synth_corpus(cfg, parts[name], seed, work)]
    else:
        train_items = synth_corpus(cfg, cond, seed, work)
    x, y = features(train_items, feats, c)
    t1 = time.perf_counter()
    model = train(x, y, seed, c)
    t2 = time.perf_counter()
    out = {"condition": cond["name"], "seed": seed, "train_clips": len(train_items),
           "train_groups": len({i.group for i in train_items}), "synth_features_s": round(t1 - t0, 1),
           "train_s": round(t2 - t1, 1)}
    for split in ("val", "test"):
        xs, ys = features(real[split], feats, c)
        out[f"{split}_acc"] = accuracy(model, xs, ys)
    return out


@lru_cache(maxsize=1)
def synth_code() -> dict:
    """The code that renders (and restores) a corpus, as ``synthkit synth``/``restore`` record it in
    ``run.json``: a corpus or a finished run made by other code is not reused (a G2P fix changes the audio).
    Hashed once per process (it reads every synthkit source file)."""
    from synthkit.hashing import code_fingerprint

    return {"synth": code_fingerprint("synth"), "restore": code_fingerprint("restore")}


def condition_key(cfg: dict, cond: dict) -> str:
    """What a finished run in ``results.jsonl`` was measured with (the condition and the classifier, and
    for synthetic data the code that rendered it)."""
    c = {k: v for k, v in cfg["classifier"].items() if k != "name"}
    if "mix" in cond:  # a mixture is what its parts are
        parts = {x["name"]: x for x in cfg["conditions"]}
        cond = {**cond, "parts": [parts[m] for m in cond["mix"]]}
    code = [] if cond["name"] == "real" else [synth_code()]
    return hashlib.sha1(json.dumps([cond, c, *code], sort_keys=True).encode()).hexdigest()[:10]


def finished(cfg: dict, work: Path) -> list[dict]:
    """The runs in ``work/results.jsonl`` that match the config's conditions as they are now."""
    path = work / "results.jsonl"
    keys = {c["name"]: condition_key(cfg, c) for c in cfg["conditions"]}
    rows = [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []
    return [r for r in rows if keys.get(r["condition"]) == r.get("config")]


def run(cfg: dict, work: Path, conditions: list[str] | None = None, seeds: list[int] | None = None,
        log=print) -> list[dict]:
    real = real_items(_path(cfg, "real_dir"))
    results_file = work / "results.jsonl"
    done = {}
    if results_file.is_file():
        for line in results_file.read_text().splitlines():
            r = json.loads(line)
            done[(r["condition"], r["seed"], r.get("config"))] = r
    fingerprint = hashlib.sha1(json.dumps({k: v for k, v in cfg.items() if k != "_dir"}, sort_keys=True,
                                          default=str).encode()).hexdigest()[:10]
    out = []
    for cond in cfg["conditions"]:
        if conditions and cond["name"] not in conditions:
            continue
        for seed in seeds or cfg["seeds"]:
            ckey = condition_key(cfg, cond)
            if (cond["name"], seed, ckey) in done:
                out.append(done[(cond["name"], seed, ckey)])
                continue
            r = run_condition(cfg, cond, seed, work, real)
            r["config"] = ckey
            r["classifier"] = cfg["classifier"].get("name", "")
            r["fingerprint"] = fingerprint
            with open(results_file, "a", encoding="utf-8") as f:
                f.write(json.dumps(r) + "\n")
            log(json.dumps(r))
            out.append(r)
    return out


def summarize(results: list[dict]) -> list[dict]:
    """Per condition: mean and spread of accuracies and of the transfer ratio (per seed, against the
    real-trained model of the same seed)."""
    real = {r["seed"]: r for r in results if r["condition"] == "real"}
    by: dict[str, list[dict]] = {}
    for r in results:
        by.setdefault(r["condition"], []).append(r)
    rows = []
    for name, rs in by.items():
        test = [r["test_acc"] for r in rs]
        val = [r["val_acc"] for r in rs]
        ratios = [r["test_acc"] / real[r["seed"]]["test_acc"] for r in rs if r["seed"] in real]
        rows.append({"condition": name, "seeds": len(rs), "train_clips": rs[0]["train_clips"],
                     "test_acc": float(np.mean(test)), "test_sd": float(np.std(test)),
                     "val_acc": float(np.mean(val)),
                     "ratio": float(np.mean(ratios)) if ratios else math.nan,
                     "ratio_min": float(np.min(ratios)) if ratios else math.nan,
                     "ratio_max": float(np.max(ratios)) if ratios else math.nan})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=HERE / "config.yaml")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "transfer_digits")
    ap.add_argument("--conditions", default="")
    ap.add_argument("--seeds", default="")
    ap.add_argument("--classifier", default=None, help="one of the config's classifiers (default: its `classifier`)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    cfg = load_config(args.config, args.classifier)
    args.work.mkdir(parents=True, exist_ok=True)
    results = run(cfg, args.work, [c for c in args.conditions.split(",") if c] or None,
                  [int(s) for s in args.seeds.split(",") if s] or None)
    for row in summarize(results):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
