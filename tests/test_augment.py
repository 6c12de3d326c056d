import numpy as np
import pytest

from synthkit.augment import Augmenter, load_augment
from synthkit.errors import SynthkitError
from synthkit.testing import speechlike

from .conftest import NOISE_DIR, RIR_DIR, require_shared


@pytest.mark.parametrize("preset", ["light", "heavy"])
def test_replay_is_bit_identical_with_real_material(preset):
    require_shared()
    cfg = load_augment(preset, str(NOISE_DIR), str(RIR_DIR))
    aug = Augmenter(cfg)
    x = speechlike()
    applied = set()
    for seed in range(12):
        y, records = aug.apply(x, 16000, seed)
        applied |= {r["type"] for r in records if r["should_apply"]}
        # a fresh chain built from the records alone (no config) gives the same clip
        assert np.array_equal(Augmenter.from_records(records).replay(x, 16000, seed, records), y)
    assert {"noise", "reverb", "gain"} <= applied
    noise_recs = [r for r in records if r["type"] == "noise" and r["should_apply"]]
    for r in noise_recs:  # rows name the original material file, not a cache copy
        assert r["noise_file_path"].startswith(str(NOISE_DIR))


def test_simulated_rooms_and_coloured_noise_replay():
    aug = Augmenter(load_augment("heavy"))
    x = speechlike()
    for seed in range(6):
        y, records = aug.apply(x, 16000, seed)
        assert np.array_equal(Augmenter.from_records(records).replay(x, 16000, seed, records), y)
    kinds = {r["transform"] for r in records}
    assert {"ColoredNoise", "ShoeboxRoom"} <= kinds


def test_none_preset_is_identity():
    x = speechlike()
    y, recs = Augmenter(load_augment("none")).apply(x, 16000, 0)
    assert recs == [] and np.array_equal(x, y)


def test_yaml_form(tmp_path):
    require_shared()
    p = tmp_path / "aug.yaml"
    p.write_text(f"transforms:\n  - {{type: noise, p: 1.0, snr_db: [0, 0], dir: {NOISE_DIR}}}\n"
                 "  - {type: mp3, p: 1.0, bitrate_kbps: [32, 32]}\n  - {type: band_limit, p: 1, cutoff_hz: 3000}\n")
    aug = Augmenter(load_augment(str(p)))
    x = speechlike()
    y, recs = aug.apply(x, 16000, 1)
    assert [r["type"] for r in recs] == ["noise", "mp3", "band_limit"]
    assert recs[0]["snr_db"] == 0 and recs[1]["bitrate"] == 32
    # 0 dB SNR: the added noise is about as strong as the signal
    assert np.std(y - x) > 0.3 * np.std(x)


@pytest.mark.parametrize("yaml_text,msg", [
    ("transforms:\n  - {type: noise, snr: [1, 2]}\n", "unknown key"),
    ("transforms:\n  - {type: echo}\n", "unknown type"),
    ("transforms:\n  - {type: gain, p: 2}\n", "p must be"),
    ("transforms:\n  - {type: gain, gain_db: [5, 1]}\n", "greater than max"),
    ("transforms:\n  - {type: tempo, rate: [0.2, 1.0]}\n", "rate: .*outside"),
    ("transforms:\n  - {type: pitch_shift, semitones: [0, 30]}\n", "semitones: .*outside"),
    ("transforms:\n  - {type: noise, dir: /nonexistent}\n", "folder not found"),
    ("presets: light\n", "unknown key"),
    ("transforms: [\n", "not valid YAML"),
])
def test_yaml_errors(tmp_path, yaml_text, msg):
    p = tmp_path / "aug.yaml"
    p.write_text(yaml_text)
    with pytest.raises(SynthkitError, match=msg):
        load_augment(str(p))


def test_unknown_preset():
    with pytest.raises(SynthkitError, match="neither a preset"):
        load_augment("medium")


def test_speaker_transforms_replay_and_change_the_voice(tmp_path):
    """pitch_shift moves pitch and formants (another speaker), tempo the speaking rate; both replay."""
    p = tmp_path / "aug.yaml"
    p.write_text("transforms:\n  - {type: pitch_shift, p: 1.0, semitones: [3, 3]}\n"
                 "  - {type: tempo, p: 1.0, rate: [1.25, 1.25]}\n")
    aug = Augmenter(load_augment(str(p)))
    sr = 16000
    t = np.arange(sr) / sr
    x = (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    y, recs = aug.apply(x, sr, 3)
    assert [r["num_semitones"] for r in recs[:1]] == [3] and recs[1]["rate"] == 1.25
    assert abs(y.size - sr / 1.25) < 0.02 * sr  # faster: shorter
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.size)))
    peak_hz = np.argmax(spectrum) * sr / y.size
    assert abs(peak_hz - 200 * 2 ** (3 / 12)) < 8, peak_hz  # three semitones up
    assert np.array_equal(Augmenter.from_records(recs).replay(x, sr, 3, recs), y)
