"""The training recipe reproduces a checkpoint from scratch on CPU: a short schedule of all stages on
real speech from ../shared, through the same command the recipe runs; an interrupted run resumes to
the same weights; logs can be plotted; held-out clips are never trained on."""

import csv
import json

import numpy as np
import pytest
import torch

from synthkit.restore.model import load_checkpoint, read_bundle
from synthkit.restore.train import STAGES, load_train_config, split_clips, train

from .conftest import LIBRISPEECH, LJSPEECH, NOISE_DIR, RIR_DIR, ROOT, require_shared, run_synthkit

RECIPE = ROOT / "recipes" / "restore_train" / "config.yaml"


def tiny_config(tmp_path, steps=4):
    """The recipe's data, degradations and structure at toy size (seconds on CPU)."""
    text = f"""
speech: [{LIBRISPEECH}, {LJSPEECH / 'wavs'}]
holdout: ["librispeech_test-other/*", "LJ003-007*", "LJ003-008*", "LJ003-009*"]
max_clips: 6
stats_clips: 6
seed: 1
threads: 1
loader_workers: 1
degrade: {{preset: train, noise_dir: {NOISE_DIR}, rir_dir: {RIR_DIR}}}
model:
  features: {{type: logmel, n_mels: 40}}
  cleaner: {{dim: 32, layers: 1, heads: 2, ff_mult: 2, conv_kernel: 5}}
  vocoder: {{dim: 32, layers: 1, mult: 2}}
stages:
"""
    for s in STAGES:
        text += (f"  {s}: {{steps: {steps}, batch: 2, segment_seconds: 1.0, warmup: 1, checkpoint_every: 2, "
                 f"log_every: 1{', train_cleaner: true' if s == 'finetune' else ''}}}\n")
    p = tmp_path / "tiny.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One short-schedule run through the CLI (what recipes/restore_train/run.sh calls)."""
    require_shared()
    tmp = tmp_path_factory.mktemp("train")
    cfg = tiny_config(tmp)
    res = run_synthkit("restore-train", "--config", str(cfg), "--run-dir", str(tmp / "run"), timeout=600)
    assert res.returncode == 0, res.stderr
    return tmp, cfg, tmp / "run"


@pytest.mark.slow
def test_short_schedule_makes_a_working_checkpoint(trained):
    _, _, run = trained
    bundle = run / "restore.pt"
    meta = read_bundle(bundle)["meta"]
    assert meta["train_clips"] == 6 and set(meta["stages"]) == set(STAGES)
    model = load_checkpoint(bundle)
    assert not torch.equal(model.feat_std, torch.ones_like(model.feat_std))  # stats stage ran
    from synthkit.audio import load

    x, sr = load(sorted(LJSPEECH.glob("wavs/LJ003-007*.flac"))[0])
    y, out_sr = model.restore(x[: sr * 2], sr)
    assert out_sr == 16000 and y.size == 32000 and np.isfinite(y).all() and np.max(np.abs(y)) > 0


@pytest.mark.slow
def test_logs_can_be_plotted_and_holdout_is_respected(trained):
    _, cfg, run = trained
    for stage in STAGES:
        with open(run / stage / "log.csv", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
        assert all(np.isfinite(float(r["loss"])) for r in rows) and "lr" in rows[0] and "sec_per_step" in rows[0]
    lines = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [(r["stage"], r["step"]) for r in lines] == [(s, k) for s in STAGES for k in (1, 2, 3, 4)]
    data = json.loads((run / "data.json").read_text())
    assert not set(data["train"]) & set(data["held_out"])
    assert all("librispeech_test-other" not in p and "LJ003-007" not in p for p in data["train"])
    assert sum("librispeech_test-other" in p for p in data["held_out"]) == 100
    train_clips, held = split_clips(load_train_config(cfg))
    assert len(held) == 129 and len(train_clips) == 6


@pytest.mark.slow
def test_an_interrupted_run_resumes_to_the_same_weights(trained, tmp_path):
    """Stopped in the middle of the vocoder stage (right after a checkpoint) and started again, the run
    ends with the weights of the uninterrupted run."""
    _, cfg_path, run = trained
    cfg = load_train_config(cfg_path, run_dir=tmp_path / "resumed")
    assert train(cfg, progress=False, stop_at=("vocoder", 2)) == tmp_path / "resumed"
    assert not (tmp_path / "resumed" / "restore.pt").exists()
    bundle = train(cfg, progress=False)  # the same command again
    a = read_bundle(run / "restore.pt")["state_dict"]
    b = read_bundle(bundle)["state_dict"]
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    with open(tmp_path / "resumed" / "vocoder" / "log.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]  # no step logged twice
    # a finished run started again does nothing new
    assert train(cfg, progress=False) == bundle


def test_recipe_config_loads_and_holds_out_speakers():
    require_shared()
    cfg = load_train_config(RECIPE)
    train_clips, held = split_clips(cfg)
    assert len(held) == 129 and len(train_clips) == 363
    assert cfg.model.features["type"] == "logmel"
    noise = [s for s in cfg.degrade.steps if s["type"] == "noise"][0]["dir"]
    rirs = [s for s in cfg.degrade.steps if s["type"] == "reverb"][0]["dir"]
    # the benchmark's noises and rooms are not trained on
    assert not any(n.endswith(("cafe_short.flac", "running_tap.flac", "sheep.ogg")) for n in noise)
    assert not any(r.endswith(("council_s1r1_ch1.wav", "seminar_clap.wav")) for r in rirs)
