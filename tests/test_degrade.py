"""The degradation simulator: each step does what it says, output stays aligned, every parameter is
recorded and a clip is re-made bit-identically from its records; ``synthkit degrade`` end to end."""

import hashlib
import json

import numpy as np
import pytest
import soundfile as sf

from synthkit.errors import SynthkitError
from synthkit.manifest import read_manifest
from synthkit.restore.degrade import CODECS, Degrader, load_degrade, replay, summarize
from synthkit.testing import speechlike

from .conftest import LJSPEECH, NOISE_DIR, RIR_DIR, require_shared

SR = 16000


def one_step(**step):
    return Degrader(load_degrade({"steps": [{"p": 1.0, **step}]}))


def band_energy(x, lo, hi, sr=SR):
    spec = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(x.size, 1 / sr)
    return spec[(f >= lo) & (f < hi)].sum()


def lag(a, b):
    """Lag (samples) of the cross-correlation peak of b against a."""
    n = 4096
    c = np.fft.irfft(np.fft.rfft(b[:n * 4], 2 * n * 4) * np.conj(np.fft.rfft(a[:n * 4], 2 * n * 4)))
    k = int(np.argmax(c))
    return k if k < n * 4 else k - 2 * n * 4


@pytest.mark.parametrize("preset", ["train", "eval", "light", "telephone"])
def test_presets_replay_bit_identically_with_real_material(preset):
    require_shared()
    d = Degrader(load_degrade(preset, str(NOISE_DIR), str(RIR_DIR)))
    x = speechlike(seconds=3.0)
    applied = set()
    for seed in range(8):
        y, records = d.apply(x, SR, seed)
        assert y.shape == x.shape and y.dtype == np.float32 and np.max(np.abs(y)) <= 1.0
        assert np.array_equal(replay(x, SR, json.loads(json.dumps(records))), y)  # from the JSON row alone
        assert np.array_equal(d.apply(x, SR, seed)[0], y)  # the same seed, the same clip
        applied |= {r["type"] for r in records if r["applied"]}
        assert summarize(records)
    if preset == "eval":  # every clip gets all four damages
        assert applied == {"reverb", "noise", "band_limit", "codec"}


def test_noise_is_added_at_the_recorded_snr():
    require_shared()
    x = speechlike(seconds=2.0)
    for seed in range(3):
        y, [rec] = Degrader(load_degrade({"steps": [{"type": "noise", "p": 1, "snr_db": [3, 12]}]},
                                         noise_dir=str(NOISE_DIR))).apply(x, SR, seed)
        assert 3 <= rec["snr_db"] <= 12 and rec["noise_file"].startswith(str(NOISE_DIR))
        snr = 10 * np.log10(np.sum(x ** 2) / np.sum((y - x) ** 2))
        assert snr == pytest.approx(rec["snr_db"], abs=0.2)


@pytest.mark.parametrize("color", ["white", "pink", "brown"])
def test_coloured_noise_without_files(color):
    x = speechlike(seconds=2.0)
    y, [rec] = one_step(type="noise", snr_db=[10, 10], colors=[color]).apply(x, SR, 1)
    assert rec["color"] == color and "noise_file" not in rec
    n = y - x
    ratio = band_energy(n, 50, 500) / band_energy(n, 4000, 7500)
    # energy per band: white ~ width (450 vs 3500 Hz), pink ~ log(f2/f1) (2.3 vs 0.63), brown ~ 1/f
    lo, hi = {"white": (0.05, 0.3), "pink": (2.0, 8.0), "brown": (100.0, np.inf)}[color]
    assert lo < ratio < hi


def test_shaped_noise_follows_its_recorded_envelope():
    x = speechlike(seconds=2.0)
    y, [rec] = one_step(type="noise", snr_db=[0, 0], colors=["shaped"]).apply(x, SR, 4)
    assert rec["color"] == "shaped" and len(rec["shape_db"]) == 8
    n = y - x
    points = np.geomspace(50.0, SR / 2, 8)
    # the band around the loudest envelope point holds more energy than the one around the quietest
    hi, lo = int(np.argmax(rec["shape_db"][1:-1])) + 1, int(np.argmin(rec["shape_db"][1:-1])) + 1
    e = [band_energy(n, points[k] * 0.9, points[k] * 1.1) / (points[k] * 0.2) for k in (hi, lo)]
    assert e[0] > e[1]


def test_babble_mixes_several_recorded_talkers():
    require_shared()
    from .conftest import LIBRISPEECH

    step = {"type": "noise", "p": 1, "snr_db": [5, 5], "p_babble": 1.0, "talkers": [4, 4],
            "babble_dir": str(LIBRISPEECH / "librispeech_train-clean-100")}
    d = Degrader(load_degrade({"steps": [step]}))
    x = speechlike(seconds=2.0)
    y, [rec] = d.apply(x, SR, 0)
    assert len(rec["babble"]) == 4 and len({t["file"] for t in rec["babble"]}) == 4
    assert all(t["file"].endswith(".flac") and -6 <= t["gain_db"] <= 0 for t in rec["babble"])
    snr = 10 * np.log10(np.sum(x ** 2) / np.sum((y - x) ** 2))
    assert snr == pytest.approx(5.0, abs=0.2)
    assert np.array_equal(replay(x, SR, [rec]), y)


def test_reverb_keeps_the_clip_aligned_and_adds_a_tail():
    require_shared()
    x = speechlike(seconds=3.0)
    for step in ({"type": "reverb", "dir": str(RIR_DIR), "p_simulated": 0.0},
                 {"type": "reverb", "rt60": [0.5, 0.5]}):
        y, [rec] = Degrader(load_degrade({"steps": [{"p": 1, **step}]})).apply(x, SR, 3)
        assert ("ir_file" in rec) == ("dir" in step) and ("room" in rec) == ("dir" not in step)
        # the strongest arrival at sample 0: comparable sample by sample with the clean clip (a simulated
        # room's direct path is a fractional-delay pulse, so its peak can sit a sample or two off)
        assert abs(lag(x, y)) <= 2
        assert np.sum((y - x) ** 2) > 0.01 * np.sum(x ** 2)  # the reverberant tail is there


def test_tail_gain_scales_the_reverberation():
    x = 0.3 * speechlike(seconds=2.0)
    y = {t: one_step(type="reverb", rt60=[0.6, 0.6], tail_db=[t, t]).apply(x, SR, 0)[0] for t in (0.0, -20.0, -40.0)}
    # y_t = direct + 10^(t/20) * tail, so differences isolate the tail and scale with its gain
    ratio = np.sum((y[-20.0] - y[-40.0]) ** 2) / np.sum((y[0.0] - y[-40.0]) ** 2)
    assert ratio == pytest.approx(((0.1 - 0.01) / (1 - 0.01)) ** 2, rel=0.01)


def test_band_limit_removes_energy_above_the_cutoff():
    x = speechlike(seconds=2.0) + 0.05 * np.random.default_rng(0).standard_normal(2 * SR).astype(np.float32)
    y, [rec] = one_step(type="band_limit", cutoff_hz=[3000, 3000]).apply(x, SR, 0)
    assert band_energy(y, 4000, 8000) < 1e-4 * band_energy(x, 4000, 8000)
    assert band_energy(y, 100, 2000) == pytest.approx(band_energy(x, 100, 2000), rel=0.05)
    y2, [rec2] = one_step(type="resample", rates_hz=[8000]).apply(x, SR, 0)
    assert rec2["rate_hz"] == 8000 and band_energy(y2, 4100, 8000) < 1e-3 * band_energy(x, 4100, 8000)


@pytest.mark.parametrize("codec", CODECS)
def test_codecs_round_trip_aligned(codec):
    x = speechlike(seconds=2.0)
    y, [rec] = one_step(type="codec", codecs=[codec]).apply(x, SR, 2)
    assert rec["codec"] == codec and y.shape == x.shape
    assert not np.array_equal(x, y)
    assert abs(lag(x, y)) <= 2  # no encoder delay left in
    err = np.sum((y - x) ** 2) / np.sum(x ** 2)
    assert err < 0.5, err
    if codec in ("ulaw", "alaw", "gsm"):  # telephone codecs run at 8 kHz: nothing above 4 kHz survives
        xb = x + 0.02 * np.random.default_rng(0).standard_normal(x.size).astype(np.float32)
        yb, _ = one_step(type="codec", codecs=[codec]).apply(xb, SR, 2)
        assert band_energy(yb, 4200, 8000) < 1e-2 * band_energy(xb, 4200, 8000)


def test_clipping_and_packet_loss_record_what_they_did():
    x = speechlike(seconds=2.0)
    y, [rec] = one_step(type="clipping", clip_percentile=[90, 90]).apply(x, SR, 0)
    assert np.max(np.abs(y)) == pytest.approx(rec["clip_level"], rel=1e-6)
    assert rec["clip_level"] == pytest.approx(np.percentile(np.abs(x), 90), rel=1e-6)
    y, [rec] = one_step(type="packet_loss", loss_rate=[0.3, 0.3], packet_ms=20, burst=0.5).apply(x, SR, 0)
    p = rec["packet_samples"]
    assert p == 320 and rec["lost_packets"]
    for i in range(-(-x.size // p)):
        seg = y[i * p:(i + 1) * p]
        assert (not np.any(seg)) == (i in rec["lost_packets"])


def test_steps_combine_at_random_and_each_draw_is_independent():
    steps = [{"type": "noise", "p": 0.5, "snr_db": [5, 20]}, {"type": "codec", "p": 0.5, "codecs": ["mp3"]}]
    d = Degrader(load_degrade({"steps": steps}))
    x = speechlike(seconds=1.0)
    combos = {tuple(r["applied"] for r in d.apply(x, SR, s)[1]) for s in range(40)}
    assert combos == {(False, False), (False, True), (True, False), (True, True)}
    # changing one step's probability leaves the other step's draws alone
    d2 = Degrader(load_degrade({"steps": [{**steps[0], "p": 1.0}, steps[1]]}))
    for s in range(10):
        assert d.apply(x, SR, s)[1][1] == d2.apply(x, SR, s)[1][1]


@pytest.mark.parametrize("doc,msg", [
    ({"steps": [{"type": "noise", "snr": [1, 2]}]}, "unknown key"),
    ({"steps": [{"type": "echo"}]}, "unknown type"),
    ({"steps": [{"type": "codec", "codecs": ["aac"]}]}, "codecs must be"),
    ({"steps": [{"type": "noise", "p": 2}]}, "p must be"),
    ({"steps": [{"type": "band_limit", "cutoff_hz": [5000, 100]}]}, "greater than max"),
    ({"preset": "nope"}, "unknown preset"),
    ({"steps": [{"type": "noise", "dir": "/nonexistent/noise"}]}, "not found"),
])
def test_bad_configs_are_clear_errors(doc, msg):
    with pytest.raises(SynthkitError, match=msg):
        load_degrade(doc)


def test_yaml_config_with_relative_folders(tmp_path):
    require_shared()
    (tmp_path / "deg.yaml").write_text(
        f"preset: eval\nnoise_dir: {NOISE_DIR}\nrir_dir: {RIR_DIR}\n", encoding="utf-8")
    cfg = load_degrade(str(tmp_path / "deg.yaml"))
    assert [s["type"] for s in cfg.steps] == ["reverb", "noise", "band_limit", "codec"]
    assert cfg.steps[1]["dir"] == [str(NOISE_DIR)]


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_degrade_command_folder_in_manifest_out(cli, tmp_path):
    require_shared()
    src = tmp_path / "clean"
    src.mkdir()
    for f in sorted(LJSPEECH.glob("wavs/*.flac"))[:3]:
        (src / f.name).write_bytes(f.read_bytes())
    (src / "sub").mkdir()
    sf.write(src / "sub" / "tone.wav", speechlike(seconds=1.0), 22050)
    (src / "broken.wav").write_bytes(b"RIFF not audio")
    before = {p: sha(p) for p in src.rglob("*") if p.is_file()}

    out = tmp_path / "degraded"
    res = cli("degrade", str(src), "--out", str(out), "--noise-dir", str(NOISE_DIR), "--rir-dir", str(RIR_DIR),
              "--seed", "3", "--quiet")
    assert res.exit_code == 0, res.output
    rows = list(read_manifest(out / "manifest.jsonl"))
    assert [r.id for r in rows] == sorted([f.stem for f in src.glob("*.flac")] + ["sub/tone"])
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rejects] == ["broken"] and "cannot read" in rejects[0]["reason"]
    for r in rows:
        y, sr = sf.read(out / r.audio_filepath, dtype="float32")
        assert sr == 16000 and r["sample_rate"] == 16000 and r.duration == pytest.approx(y.size / sr)
        assert r["source_audio_filepath"].startswith(str(src))
        assert [s["type"] for s in r["degrade"]] == ["reverb", "noise", "band_limit", "codec"]
        assert all(s["applied"] for s in r["degrade"])
        # the row alone re-makes the clip (to 16-bit rounding)
        from synthkit.audio import load

        x, _ = load(r["source_audio_filepath"], sr=16000)
        assert np.max(np.abs(replay(x, 16000, r["degrade"]) - y)) <= 1 / 32768 + 1e-7
    assert {p: sha(p) for p in src.rglob("*") if p.is_file()} == before  # input untouched

    # the same command again: nothing new, same manifest; another seed on the same --out is refused
    text = (out / "manifest.jsonl").read_text()
    res = cli("degrade", str(src), "--out", str(out), "--noise-dir", str(NOISE_DIR), "--rir-dir", str(RIR_DIR),
              "--seed", "3", "--quiet")
    assert res.exit_code == 0 and (out / "manifest.jsonl").read_text() == text
    res = cli("degrade", str(src), "--out", str(out), "--noise-dir", str(NOISE_DIR), "--rir-dir", str(RIR_DIR),
              "--seed", "4", "--quiet")
    assert res.exit_code == 2 and "different settings" in res.stderr
    # the same command by other code (run.json records synthkit's code and scipy's version) is refused too
    run = json.loads((out / "run.json").read_text())
    run["code"]["scipy"] = "0.0.1"
    (out / "run.json").write_text(json.dumps(run))
    res = cli("degrade", str(src), "--out", str(out), "--noise-dir", str(NOISE_DIR), "--rir-dir", str(RIR_DIR),
              "--seed", "3", "--quiet")
    assert res.exit_code == 2 and "written by other code (scipy 0.0.1 ->" in res.stderr
    assert (out / "manifest.jsonl").read_text() == text


def test_degrade_refuses_to_write_into_its_input(cli, tmp_path):
    src = tmp_path / "clean"
    src.mkdir()
    sf.write(src / "a.wav", speechlike(seconds=1.0), 16000)
    for out in (src, src / "sub", tmp_path):
        res = cli("degrade", str(src), "--out", str(out), "--preset", "light", "--quiet")
        assert res.exit_code == 2 and "overlaps the input" in res.stderr
    assert sorted(p.name for p in src.iterdir()) == ["a.wav"]
