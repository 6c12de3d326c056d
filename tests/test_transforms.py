"""synthkit's own augmentation transforms (synthkit.transforms): what they do to audio, measured, and
that rows of earlier versions (audiomentations / pyroomacoustics transforms) still replay."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from synthkit.augment import Augmenter, load_augment
from synthkit.testing import speechlike
from synthkit.transforms import SOUND_SPEED, ColoredNoise, GainDb, ShoeboxRoom, coloured_noise, fast_length, shoebox_ir

from .conftest import ROOT


def _octave_slope_db(x: np.ndarray, sr: int = 16000) -> float:
    """Least-squares slope (dB per octave) of the averaged periodogram between 125 Hz and 4 kHz."""
    seg = 4096
    frames = x[: x.size // seg * seg].reshape(-1, seg) * np.hanning(seg)
    psd = np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0)
    f = np.fft.rfftfreq(seg, 1 / sr)
    band = (f >= 125) & (f <= 4000)
    return float(np.polyfit(np.log2(f[band]), 10 * np.log10(psd[band]), 1)[0])


@pytest.mark.parametrize("f_decay", [-6.02, -3.01, 0.0, 3.01, 6.02])
def test_coloured_noise_has_the_asked_slope_and_snr(f_decay):
    x = speechlike(seconds=8.0)
    t = ColoredNoise(p=1.0)
    t.parameters = {"should_apply": True, "snr_db": 10.0, "f_decay": f_decay, "noise_seed": 3}
    t.freeze_parameters()
    y = t(x, 16000)
    noise = y - x
    assert _octave_slope_db(noise) == pytest.approx(f_decay, abs=0.5)
    snr = 10 * math.log10(np.mean(x.astype(np.float64) ** 2) / np.mean(noise.astype(np.float64) ** 2))
    assert snr == pytest.approx(10.0, abs=0.05)
    assert abs(np.mean(noise)) < 0.01 * np.std(noise)


def test_coloured_noise_samples_are_gaussian():
    # excess kurtosis of Gaussian noise is 0; white and pink noise from the drawn spectrum stay there
    for exponent in (0.0, 1.0, -1.0):
        y = coloured_noise(96000, exponent, 11).astype(np.float64)
        k = np.mean((y - y.mean()) ** 4) / np.var(y) ** 2 - 3
        assert abs(k) < 0.1, (exponent, k)
        assert y.std() == pytest.approx(1.0, abs=1e-3)
    assert coloured_noise(0, 1.0, 1).size == 0
    assert coloured_noise(1, 1.0, 1).size == 1


def _t30(ir: np.ndarray, sr: int) -> float:
    """Reverberation time from the Schroeder decay between -5 and -35 dB."""
    e = np.cumsum(ir[::-1] ** 2)[::-1]
    db = 10 * np.log10(e / e[0] + 1e-30)
    i5, i35 = int(np.argmax(db <= -5)), int(np.argmax(db <= -35))
    return float(-60 / np.polyfit(np.arange(i5, i35) / sr, db[i5:i35], 1)[0])


@pytest.mark.parametrize("rt60", [0.15, 0.3, 0.6, 0.9])
@pytest.mark.parametrize("room", [([5.0, 4.0, 3.0], [2.0, 2.0, 1.5], [3.0, 2.5, 1.5]),
                                  ([8.0, 6.0, 3.5], [1.0, 1.0, 1.5], [3.2, 1.5, 1.6]),
                                  ([3.0, 3.0, 2.4], [1.0, 1.0, 1.2], [1.4, 1.2, 1.3])])
def test_shoebox_room_decays_at_its_rt60_and_starts_with_the_direct_sound(rt60, room):
    dims, src, mic = room
    sr = 16000
    ir = shoebox_ir(dims, src, mic, rt60, sr, seed=1)
    # within 20 %: an 8 x 6 x 3.5 m room cannot absorb enough (Sabine's absorption is capped at 0.98)
    # for its early reflections to die as fast as 0.15 s asks (measured 0.173 s); the rest are within 10 %
    assert _t30(ir, sr) == pytest.approx(rt60, rel=0.2 if rt60 < 0.2 else 0.1)
    delay = np.linalg.norm(np.subtract(src, mic)) / SOUND_SPEED * sr
    assert int(np.argmax(np.abs(ir))) == round(delay)  # the direct path is the strongest arrival
    assert ir[: int(delay) - 1].any() == False  # noqa: E712  nothing arrives before it
    assert ir.size == math.ceil((delay / sr + rt60) * sr) + 1


def test_shoebox_room_gets_wetter_with_rt60_and_distance():
    def drr(ir):
        k = int(np.argmax(np.abs(ir)))
        return 10 * np.log10(np.sum(ir[max(0, k - 1):k + 2] ** 2) / np.sum(ir[k + 2:] ** 2))

    dims, src = [6.0, 5.0, 3.0], [2.0, 2.0, 1.5]
    near_dry = drr(shoebox_ir(dims, src, [2.5, 2.0, 1.5], 0.2, 16000, 0))
    near_wet = drr(shoebox_ir(dims, src, [2.5, 2.0, 1.5], 0.8, 16000, 0))
    far_wet = drr(shoebox_ir(dims, src, [4.5, 3.0, 1.5], 0.8, 16000, 0))
    assert near_dry > near_wet > far_wet
    assert near_dry > 0 > far_wet  # close and dry: mostly direct sound; far and live: mostly room


def test_reverb_and_gain_keep_length_and_level():
    x = speechlike()
    room = ShoeboxRoom(0.4, 0.4, p=1.0)
    y = room(x, 16000)
    assert y.shape == x.shape and y.dtype == np.float32
    assert np.max(np.abs(y)) == pytest.approx(np.max(np.abs(x)), rel=1e-5)
    assert not np.allclose(y, x)
    gain = GainDb(-6.0, -6.0, p=1.0)
    assert np.allclose(gain(x, 16000), x * 10 ** (-6 / 20), atol=1e-7)


def test_fast_length():
    for n in [1, 2, 3, 7, 97, 1000, 48000, 56001, 65537, 100003]:
        m = fast_length(n)
        assert m >= n and m < 1.25 * n + 2
        k = m
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        assert k == 1


def test_default_preset_uses_own_transforms_without_heavy_imports(tmp_path):
    """The default preset runs without importing audiomentations, pyroomacoustics or scipy.signal (the
    imports cost ~0.6 CPU s per synth worker) and replays exactly."""
    code = (
        "import sys, json, numpy as np\n"
        "from synthkit.augment import Augmenter, load_augment\n"
        "from synthkit.testing import speechlike\n"
        "aug = Augmenter(load_augment('light'))\n"
        "x = speechlike(); names = set(); same = True\n"
        "for seed in range(20):\n"
        "    y, recs = aug.apply(x, 16000, seed)\n"
        "    names |= {r['transform'] for r in recs if r['should_apply']}\n"
        "    same &= bool(np.array_equal(Augmenter.from_records(recs).replay(x, 16000, seed, recs), y))\n"
        "heavy = [m for m in ('audiomentations', 'pyroomacoustics', 'scipy.signal') if m in sys.modules]\n"
        "print(json.dumps({'names': sorted(names), 'same': same, 'heavy': heavy}))\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out == {"names": ["ColoredNoise", "GainDb", "ShoeboxRoom"], "same": True, "heavy": []}


def test_rows_of_earlier_versions_replay_with_the_transforms_that_made_them():
    """Records naming audiomentations' AddColorNoise and Gain and the pyroomacoustics SimulatedRoom (what
    synthkit wrote before its own transforms) are replayed with those classes, bit-identically."""
    cfg = load_augment("heavy")  # noise, reverb, band_limit, mp3, gain; no folders
    legacy = Augmenter(cfg, ["AddColorNoise", "SimulatedRoom", "LowPassFilter", "Mp3Compression", "Gain"])
    x = speechlike()
    seen = set()
    for seed in range(8):
        y, records = legacy.apply(x, 16000, seed)
        seen |= {r["transform"] for r in records if r["should_apply"]}
        assert np.array_equal(Augmenter.from_records(records).replay(x, 16000, seed, records), y)
    assert {"AddColorNoise", "SimulatedRoom", "Gain"} <= seen
