"""The training recipe reproduces a checkpoint from scratch on CPU: a short schedule of all stages on
real speech from ../shared, through the same command the recipe runs; an interrupted run resumes to
the same weights; logs can be plotted; held-out clips are never trained on."""

import csv
import json

import numpy as np
import pytest
import torch

from synthkit.restore.model import load_checkpoint, read_bundle
from synthkit.errors import SynthkitError
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


WHISPER_RECIPE = ROOT / "recipes" / "restore_train" / "whisper.yaml"
MULTILINGUAL = LJSPEECH.parent / "multilingual"


@pytest.mark.slow
def test_whisper_feature_training_through_the_recipe_code(tmp_path):
    """A tiny schedule of the Whisper-feature recipe: a pair bank built once (and reused on a second
    run), the content loss on the restored audio's encoder features, the vocoder warm-started from the
    shipped checkpoint; the bundle names its encoder and restores audio."""
    require_shared()
    text = f"""
speech: [{LJSPEECH / 'wavs'}, {MULTILINGUAL / 'mls_cmltts' / 'de'}]
holdout: ["LJ003-007*", "LJ003-008*", "LJ003-009*", "135_*"]
max_clips: 6
stats_clips: 6
seed: 1
threads: 1
loader_workers: 0
degrade: {{preset: train, noise_dir: {NOISE_DIR}, rir_dir: {RIR_DIR}}}
bank: {{pairs: 6, seconds: 1.0, part_size: 4, batch: 3}}
init: {{checkpoint: default, parts: [vocoder]}}
model:
  features: {{type: whisper, model: whisper-base, layer: 2}}
  cleaner: {{dim: 32, layers: 1, heads: 2, ff_mult: 2, conv_kernel: 5}}
  vocoder: {{dim: 256, layers: 6, kernel: 7, mult: 3}}
stages:
  cleaner: {{steps: 2, batch: 2, segment_seconds: 1.0, warmup: 1, log_every: 1}}
  vocoder: {{steps: 2, batch: 2, segment_seconds: 0.5, warmup: 1, log_every: 1}}
  finetune: {{steps: 2, batch: 2, segment_seconds: 1.0, warmup: 1, log_every: 1, train_cleaner: true, content_weight: 1.0}}
"""
    cfg_path = tmp_path / "whisper.yaml"
    cfg_path.write_text(text, encoding="utf-8")
    cfg = load_train_config(cfg_path, run_dir=tmp_path / "run")
    bundle = train(cfg, progress=False)
    parts = sorted((tmp_path / "run" / "bank").glob("part-*"))
    assert len(parts) == 2
    deg = np.load(parts[0] / "deg.npy")
    fdeg = np.load(parts[0] / "fdeg.npy")
    assert deg.shape == (4, 16000) and deg.dtype == np.int16
    assert fdeg.shape == (4, 50, 512) and fdeg.dtype == np.float16  # 50 frames/s of 512-d features
    with open(tmp_path / "run" / "finetune" / "log.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and all(np.isfinite(float(r["content"])) and float(r["content"]) > 0 for r in rows)
    meta = read_bundle(bundle)["meta"]
    assert meta["init"]["partly_copied"] == ["vocoder.inp.weight"] and meta["init"]["tensors_copied"] > 10
    assert meta["bank"]["pairs"] == 6
    model = load_checkpoint(bundle)
    assert model.config.features == {"type": "whisper", "model": "whisper-base", "layer": 2}
    assert not any(k.startswith("extractor") for k in read_bundle(bundle)["state_dict"])  # the encoder is not stored
    from synthkit.audio import load

    x, sr = load(sorted(LJSPEECH.glob("wavs/LJ003-007*.flac"))[0])
    y, out_sr = model.restore(x[: sr * 2], sr)
    assert out_sr == 16000 and y.size == 32000 and np.isfinite(y).all() and np.max(np.abs(y)) > 0
    # the bank is made once: a second run with the same settings reuses it
    mtime = parts[0].stat().st_mtime_ns
    train(load_train_config(cfg_path, run_dir=tmp_path / "run"), progress=False)
    assert parts[0].stat().st_mtime_ns == mtime
    # the bank can grow: the parts it has are kept, the short last one is made again, whole
    cfg_path.write_text(text.replace("pairs: 6,", "pairs: 8,"), encoding="utf-8")
    train(load_train_config(cfg_path, run_dir=tmp_path / "run"), progress=False)
    assert parts[0].stat().st_mtime_ns == mtime
    assert np.load(parts[1] / "deg.npy").shape[0] == 4 and len(list((tmp_path / "run" / "bank").glob("*part-*"))) == 2


def test_whisper_recipe_holds_out_speakers_in_several_languages():
    require_shared()
    cfg = load_train_config(WHISPER_RECIPE)
    train_clips, held = split_clips(cfg)
    assert cfg.model.features["type"] == "whisper"
    held_paths = {c.path for c in held}
    assert not held_paths & {c.path for c in train_clips}
    for part in ("/fleurs/", "/yoruba/", "/mls_cmltts/de/135_", "/mls_cmltts/pl/11295_", "/vctk/p225_",
                 "librispeech_test-other", "LJ003-008"):
        assert any(part in p for p in held_paths), part
        assert not any(part in c.path for c in train_clips), part
    langs = {c.path.split("/mls_cmltts/")[1][:2] for c in train_clips if "/mls_cmltts/" in c.path}
    assert langs == {"de", "es", "fr", "it", "nl", "pl", "pt"}
    assert any("/css10/" in c.path for c in train_clips)


def test_a_recipe_extends_another_in_its_folder(tmp_path):
    base = load_train_config(WHISPER_RECIPE)
    more = load_train_config(ROOT / "recipes" / "restore_train" / "whisper_more.yaml")
    # what it does not name is the extended recipe's, paths resolved alike
    assert more.speech == base.speech and more.holdout == base.holdout and more.model == base.model
    assert more.degrade == base.degrade and more.bank == base.bank
    # what it names replaces the whole key
    assert more.stages["cleaner"].steps == 0 and more.stages["finetune"].steps == 1200
    assert set(more.init["parts"]) == {"cleaner", "vocoder"} and more.init["checkpoint"].endswith("whisper.pt")
    outside = tmp_path / "x.yaml"
    outside.write_text(f"extends: {WHISPER_RECIPE}\n")
    with pytest.raises(SynthkitError, match="same folder"):
        load_train_config(outside)
