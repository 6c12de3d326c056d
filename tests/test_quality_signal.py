"""Weight-free signal measures and clip reading: signals made in memory, real LJSpeech speech, real noise."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from synthkit.audio import resample, save_wav
from synthkit.errors import SynthkitError
from synthkit.quality import signal as S
from synthkit.testing import noise, sine, speechlike

from .conftest import RIR_DIR
from .quality_corpus import lj_audio, ljspeech_items, noise_like

SR = 16000


def test_levels_of_a_sine_and_of_silence():
    x = sine(440, SR, 1.0, amplitude=0.5)
    assert S.peak_dbfs(x) == pytest.approx(20 * np.log10(0.5), abs=0.01)
    assert S.rms_dbfs(x) == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.05)
    z = np.zeros(SR, np.float32)
    assert S.peak_dbfs(z) == S.MIN_DBFS and S.rms_dbfs(z) == S.MIN_DBFS


def test_clipping_share():
    x = speechlike(SR, 2.0)
    assert S.clipping(x) == 0.0  # a waveform touches its peak at isolated samples only
    hard = np.clip(x * 4, -0.3, 0.3)  # clipped, then left at -10 dBFS (not at full scale)
    expected = float(np.mean(np.abs(x * 4) >= 0.3))
    assert S.clipping(hard) == pytest.approx(expected, rel=0.1)
    assert S.clipping(hard) > 0.05
    assert S.clipping(np.zeros(100, np.float32)) == 0.0


def test_wada_table_is_what_the_simulation_gives():
    fresh = S.wada_table(n=2**18, seed=3)
    assert np.max(np.abs(fresh - np.array(S._WADA_G))) < 0.02
    assert np.all(np.diff(S._WADA_G) >= 0)


def test_wada_snr_on_real_speech_with_white_and_real_noise():
    uid = ljspeech_items(1)[0][0]
    x = lj_audio(uid)
    rng = np.random.default_rng(0)
    for snr in (0.0, 10.0):
        w = rng.standard_normal(x.size).astype(np.float32)
        w *= np.sqrt(np.mean(x**2) / np.mean(w**2) / 10 ** (snr / 10))
        assert S.wada_snr(x + w) == pytest.approx(snr, abs=3.0)
    real = [S.wada_snr(x + noise_like(x, "running_tap.flac", snr)) for snr in (0, 10, 20)]
    assert real[0] < real[1] < real[2] < S.wada_snr(x)


def test_wada_snr_of_silence_reads_low():
    assert S.wada_snr(np.zeros(SR, np.float32)) == S.WADA_MIN_DB
    quiet = np.round(noise(SR, 2.0, amplitude=10 ** (-75 / 20)) * 32768) / 32768  # quantized room tone
    assert S.wada_snr(quiet) < 5


def test_bandwidth():
    assert S.bandwidth_hz(noise(SR, 1.0), SR) > 7500
    x = speechlike(SR, 2.0) + noise(SR, 2.0, amplitude=0.01)
    narrow = resample(resample(x, SR, 8000), 8000, SR)
    assert S.bandwidth_hz(narrow, SR) == pytest.approx(4000, abs=300)
    uid = ljspeech_items(1)[0][0]
    assert S.bandwidth_hz(lj_audio(uid, 22050), 22050) > 9000  # LJSpeech is recorded full-band


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_read_clip_reasons(tmp_path):
    x = sine(220, SR, 1.0)
    good = tmp_path / "good.wav"
    save_wav(good, x, SR)
    clip = S.read_clip(good)
    assert clip.sample_rate == SR and clip.duration == pytest.approx(1.0) and clip.channels == 1
    truncated = _write(tmp_path / "cut.wav", good.read_bytes()[:9000])
    empty = tmp_path / "empty.wav"
    save_wav(empty, np.zeros(0, np.float32), SR)
    nan = tmp_path / "nan.wav"
    y = x.copy()
    y[100:110] = np.nan
    sf.write(nan, y, SR, subtype="FLOAT")
    cut_flac = tmp_path / "cut.flac"
    sf.write(cut_flac, noise(SR, 2.0), SR)
    _write(cut_flac, cut_flac.read_bytes()[: cut_flac.stat().st_size // 2])
    cases = {
        tmp_path / "missing.wav": "audio file not found",
        tmp_path: "not a file",
        _write(tmp_path / "text.wav", b"hello, I am not audio\n" * 20): "cannot decode audio file",
        truncated: "truncated WAV file",
        empty: "zero-length clip",
        nan: "NaN or infinite samples",
        cut_flac: "cannot decode audio file",
    }
    for path, reason in cases.items():
        with pytest.raises(SynthkitError, match=reason):
            S.read_clip(path)


def test_sha1_is_of_the_decoded_audio(tmp_path):
    x = speechlike(SR, 1.0)
    save_wav(tmp_path / "a.wav", x, SR)
    sf.write(tmp_path / "a.flac", x, SR, subtype="PCM_16")
    assert S.read_clip(tmp_path / "a.wav").sha1 == S.read_clip(tmp_path / "a.flac").sha1
    save_wav(tmp_path / "b.wav", x * 0.5, SR)
    assert S.read_clip(tmp_path / "b.wav").sha1 != S.read_clip(tmp_path / "a.wav").sha1


def test_speech_ratio_silero_vad_on_real_speech():
    vad = S.SileroVad()
    uid = ljspeech_items(1)[0][0]
    x = lj_audio(uid)
    assert vad.speech_ratio(x) > 0.8
    silence = np.concatenate([np.zeros(SR, np.float32), x])
    assert vad.speech_ratio(silence) == pytest.approx(vad.speech_ratio(x) * x.size / silence.size, abs=0.1)
    assert vad.speech_ratio(noise(SR, 3.0, amplitude=10 ** (-75 / 20))) < 0.05


@pytest.mark.slow
def test_srmr_drops_with_real_reverberation():
    uid = ljspeech_items(1)[0][0]
    x = lj_audio(uid)
    ir, _ = sf.read(sorted(RIR_DIR.glob("*seminar*"))[0], dtype="float32", always_2d=True)
    from scipy.signal import fftconvolve

    h = resample(ir[:, 0], _ir_sr(), SR)
    wet = fftconvolve(x, h)[: x.size].astype(np.float32)
    wet *= np.sqrt(np.mean(x**2) / np.mean(wet**2))
    assert S.srmr(wet, SR) < S.srmr(x, SR)


def _ir_sr() -> int:
    return sf.info(str(sorted(RIR_DIR.glob("*seminar*"))[0])).samplerate
