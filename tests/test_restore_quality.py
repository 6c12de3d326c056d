"""The shipped checkpoint on real held-out speech: it improves DNSMOS OVRL of degraded clips (real
rooms, real noise, codec, band-limiting that training never saw) without moving the voice; and the
DSP baseline and the before/after scores behave."""

import numpy as np
import pytest

from synthkit.audio import load
from synthkit.restore.degrade import Degrader, load_degrade
from synthkit.rng import derive_seed

from .conftest import LIBRISPEECH, LJSPEECH, NOISE_DIR, RIR_DIR, require_shared

EVAL_NOISE = [str(NOISE_DIR / n) for n in ("cafe_short.flac", "running_tap.flac", "sheep.ogg")]
EVAL_RIRS = [str(RIR_DIR / n) for n in ("openair_ir_council_s1r1_ch1.wav", "spatialaudio_seminar_clap.wav")]


@pytest.fixture(scope="module")
def scorer():
    from synthkit.restore.scores import Scorer

    return Scorer(threads=2)


@pytest.fixture(scope="module")
def held_out():
    """Held-out clips (never trained on), degraded like the benchmark's set: (clean, degraded) pairs."""
    require_shared()
    files = sorted(LJSPEECH.glob("wavs/LJ003-008*.flac"))[:3] + sorted(
        (LIBRISPEECH / "librispeech_test-other").glob("*/*.flac"))[::30][:3]
    deg = Degrader(load_degrade("eval", EVAL_NOISE, EVAL_RIRS))
    pairs = []
    for f in files:
        x, _ = load(f, sr=16000)
        x = x * np.float32(0.3 / np.max(np.abs(x)))
        pairs.append((x, deg.apply(x, 16000, derive_seed(0, f.stem))[0]))
    return pairs


@pytest.mark.slow
def test_shipped_checkpoint_improves_dnsmos_on_held_out_degraded_speech(held_out, scorer):
    import torch

    from synthkit.restore.model import load_checkpoint

    torch.set_num_threads(2)
    model = load_checkpoint()  # the default shipped in the package
    before, after, sim_in, sim_out = [], [], [], []
    for clean, degraded in held_out:
        restored, sr = model.restore(degraded, 16000)
        assert sr == 16000 and restored.shape == degraded.shape
        before.append(scorer.dnsmos(degraded, 16000)["ovrl"])
        after.append(scorer.dnsmos(restored, 16000)["ovrl"])
        sim_in.append(scorer.speaker_similarity(clean, degraded, 16000))
        sim_out.append(scorer.speaker_similarity(clean, restored, 16000))
    print("OVRL", np.round(before, 2), "->", np.round(after, 2), "speaker sim", np.round(sim_in, 3), "->",
          np.round(sim_out, 3))
    assert np.mean(after) > np.mean(before) + 0.2
    assert np.mean(sim_out) > np.mean(sim_in) - 0.05  # the voice is kept


@pytest.mark.slow
def test_dsp_baseline_and_scores_on_real_speech(scorer):
    from pesq import pesq

    from synthkit.restore.dsp import mmse_lsa

    require_shared()
    x, _ = load(LJSPEECH / "wavs" / "LJ003-0090.flac", sr=16000)
    other, _ = load(sorted((LIBRISPEECH / "librispeech_test-other").glob("*/*.flac"))[0], sr=16000)
    noisy = x + 0.005 * np.random.default_rng(0).standard_normal(x.size).astype(np.float32)
    enhanced = mmse_lsa(noisy)
    assert enhanced.shape == x.shape
    assert pesq(16000, x, enhanced, "wb") > pesq(16000, x, noisy, "wb") + 0.2
    d_clean, d_noisy = scorer.dnsmos(x, 16000), scorer.dnsmos(noisy, 16000)
    assert d_clean["ovrl"] > d_noisy["ovrl"] and d_clean["bak"] > d_noisy["bak"]
    assert scorer.dnsmos(enhanced, 16000)["bak"] > d_noisy["bak"]
    same, diff = scorer.speaker_similarity(x, enhanced, 16000), scorer.speaker_similarity(x, other, 16000)
    assert same > 0.7 > diff


def test_character_error_rate_uses_the_quality_normalization():
    from synthkit.restore.scores import cer

    assert cer("Hello, World!", "hello world") == 0.0
    assert cer("It was in 1814.", "it was in 1814") == 0.0  # numbers are read the same way on both sides
    assert cer("abc", "abd") == pytest.approx(1 / 3)
