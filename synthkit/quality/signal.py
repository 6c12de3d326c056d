"""Weight-free signal measures, reading clips for scoring, and the silero-vad speech ratio.

Every measure takes a mono float32 array ``x`` of shape ``(samples,)`` in [-1, 1] (and its sample
rate where it matters) and returns one float. Levels are dBFS (0 dBFS = full scale) and never lower
than :data:`MIN_DBFS`, so digital silence stays a number in JSON.

* ``peak_dbfs``     — 20·log10(max |x|).
* ``rms_dbfs``      — 20·log10(root mean square).
* ``clipping``      — share of samples sitting on a flat top at the clip's peak level: |x| ≥ 99.9 % of
  the peak, in runs of ≥ 2 consecutive samples. ~0 for a clean recording (a waveform touches its
  peak at isolated samples); the share of clipped samples for a clip that was clipped and possibly
  scaled afterwards.
* ``snr_db``        — WADA-SNR (Kim & Stern, Interspeech 2008): the clip's amplitude statistic
  G = log(mean |x|) − mean(log |x|) mapped to an SNR through a table computed for speech with
  Gamma(0.4)-distributed amplitudes plus Gaussian noise (:func:`wada_table`). Range −20…100 dB.
  Amplitudes are floored at half a 16-bit step, so quantized near-silence does not read as clean.
* ``bandwidth_hz``  — effective bandwidth: the highest frequency at which the long-term spectrum of
  the louder half of the frames is within :data:`BANDWIDTH_FLOOR_DB` of its maximum. A clip
  upsampled from 8 kHz scores ~4000 even when stored at 16 kHz.
* ``srmr``          — speech-to-reverberation modulation energy ratio (torchmetrics, fast variant);
  lower means more reverberant. Needs torchmetrics and gammatone.
* ``speech_ratio``  — share of the clip inside speech segments found by silero-vad (its weights ship
  in the ``silero-vad`` wheel).
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import wav_truncation  # noqa: F401  (re-exported: scoring's truncation check)
from ..errors import SynthkitError, missing_extra

#: Floor for levels in dBFS (digital silence reads as this, not -inf).
MIN_DBFS = -120.0
#: A sample is "at the peak" when |x| >= this share of the clip's peak (see ``clipping``).
CLIP_LEVEL = 0.999
#: The spectrum counts up to where it falls this far below its maximum (see ``bandwidth_hz``).
BANDWIDTH_FLOOR_DB = 50.0
#: Analysis window for the bandwidth estimate (seconds).
BANDWIDTH_WINDOW_S = 0.032
#: Sample rate that models and VAD work at; clips are resampled to it once per row.
MODEL_SAMPLE_RATE = 16000
#: Range of the WADA-SNR estimate (dB).
WADA_MIN_DB, WADA_MAX_DB = -20.0, 100.0
#: Shape of the Gamma distribution WADA assumes for clean-speech amplitudes.
WADA_GAMMA_SHAPE = 0.4

# G(SNR) for SNR = -20, -18, ..., 100 dB: ``wada_table()`` with its defaults (2**21 samples, seed 0),
# rounded to 4 decimals. Kept as data so workers do not spend a second recomputing it; a test checks
# that a fresh computation agrees.
_WADA_SNR_DB = tuple(range(-20, 101, 2))
_WADA_G = (
    0.4097, 0.4097, 0.4097, 0.4099, 0.4106, 0.4123, 0.4153, 0.4201, 0.4287, 0.4422, 0.4623, 0.4893,
    0.5241, 0.5661, 0.6144, 0.6679, 0.7249, 0.7837, 0.8427, 0.9008, 0.9568, 1.0102, 1.0609, 1.1089,
    1.1537, 1.195, 1.2333, 1.2683, 1.3009, 1.3305, 1.3576, 1.3828, 1.4057, 1.4266, 1.4457, 1.4631,
    1.4791, 1.4938, 1.5069, 1.5191, 1.5301, 1.5402, 1.5494, 1.558, 1.5658, 1.5727, 1.5789, 1.5846,
    1.5899, 1.5947, 1.599, 1.603, 1.6067, 1.61, 1.6131, 1.6159, 1.6183, 1.6206, 1.6227, 1.6245, 1.6263,
)
_WADA_EPS = 1e-10
#: Amplitude floor of the WADA statistic: half a 16-bit quantization step.
WADA_FLOOR = 0.5 / 32768


# --- reading a clip for scoring ------------------------------------------------------------------

@dataclass(frozen=True)
class Clip:
    """A decoded clip: ``samples`` mono float32 ``(n,)`` at ``sample_rate``; ``channels`` in the file."""

    samples: np.ndarray
    sample_rate: int
    channels: int

    @property
    def duration(self) -> float:
        return self.samples.size / self.sample_rate

    @property
    def sha1(self) -> str:
        """Hash of the decoded 16-bit samples and rate: equal for the same audio in another container."""
        pcm = np.clip(np.rint(self.samples * 32768.0), -32768, 32767).astype("<i2")
        return hashlib.sha1(pcm.tobytes() + str(self.sample_rate).encode()).hexdigest()


def read_clip(path: str | os.PathLike) -> Clip:
    """Decode an audio file for scoring, or raise :class:`SynthkitError` with the reason: missing,
    unreadable or non-audio, truncated WAV, zero-length, NaN or infinite samples."""
    import soundfile as sf

    p = Path(path)
    if not p.exists():
        raise SynthkitError(f"audio file not found: {p}")
    if not p.is_file():
        raise SynthkitError(f"audio path is not a file: {p}")
    cut = wav_truncation(p)
    if cut:
        raise SynthkitError(cut)
    try:
        data, sr = sf.read(str(p), dtype="float32", always_2d=True)
    except Exception as exc:  # libsndfile errors, unsupported containers, decoder errors mid-file
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SynthkitError(f"cannot decode audio file {p.name}: {msg}") from None
    if data.shape[0] == 0:
        raise SynthkitError("zero-length clip: the audio file holds no samples")
    if not np.isfinite(data).all():
        bad = int((~np.isfinite(data)).sum())
        raise SynthkitError(f"audio has {bad} NaN or infinite samples")
    x = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    return Clip(np.ascontiguousarray(x, dtype=np.float32), int(sr), int(data.shape[1]))


# --- levels --------------------------------------------------------------------------------------

def _db(amplitude: float) -> float:
    return MIN_DBFS if amplitude <= 10 ** (MIN_DBFS / 20) else max(MIN_DBFS, 20.0 * math.log10(amplitude))


def peak_dbfs(x: np.ndarray) -> float:
    return _db(float(np.max(np.abs(x)))) if x.size else MIN_DBFS


def rms_dbfs(x: np.ndarray) -> float:
    return _db(float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))) if x.size else MIN_DBFS


def clipping(x: np.ndarray) -> float:
    """Share of samples in flat tops (runs of >= 2 samples) at the clip's peak level."""
    a = np.abs(x)
    peak = float(a.max()) if a.size else 0.0
    if peak <= 0.0 or a.size < 2:
        return 0.0
    top = a >= peak * CLIP_LEVEL
    pair = top[1:] & top[:-1]
    in_run = np.zeros(a.size, dtype=bool)
    in_run[1:] |= pair
    in_run[:-1] |= pair
    return float(in_run.mean())


# --- WADA-SNR ------------------------------------------------------------------------------------

def wada_statistic(x: np.ndarray, floor: float = WADA_FLOOR) -> float:
    """G = log(mean |x|) − mean(log |x|) on the peak-normalized clip, |x| floored at ``floor`` (absolute;
    default half a 16-bit step).

    (The published method floors at 1e-10; with 16-bit files that lets a near-silent clip, whose
    samples are mostly quantized to zero, read as a very clean one.)"""
    a = np.abs(np.asarray(x, dtype=np.float64))
    peak = a.max() if a.size else 0.0
    if peak <= 0.0:
        return 0.0
    a = np.maximum(a / peak, max(_WADA_EPS, floor / peak))
    return float(np.log(a.mean()) - np.log(a).mean())


def wada_table(n: int = 2**21, seed: int = 0, snrs_db: tuple[int, ...] = _WADA_SNR_DB) -> np.ndarray:
    """G(SNR) for speech with Gamma(0.4) amplitudes and random signs plus Gaussian noise, by simulation.

    Returns shape ``(len(snrs_db),)``. The constant table in this module is this with the defaults."""
    rng = np.random.default_rng(seed)
    s = rng.gamma(WADA_GAMMA_SHAPE, 1.0, n) * rng.choice([-1.0, 1.0], n)
    s /= np.sqrt(np.mean(s**2))
    g = rng.standard_normal(n)
    return np.array([wada_statistic(s + g * 10 ** (-snr / 20), floor=0.0) for snr in snrs_db])


def wada_snr(x: np.ndarray) -> float:
    """WADA-SNR estimate in dB, clamped to [−20, 100]. Digital silence reads −20."""
    return float(np.interp(wada_statistic(x), _WADA_G, _WADA_SNR_DB, left=WADA_MIN_DB, right=WADA_MAX_DB))


# --- bandwidth -----------------------------------------------------------------------------------

def long_term_spectrum(x: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies ``(bins,)``, mean power ``(bins,)``) over the louder half of Hann-windowed frames."""
    n_fft = 1 << max(6, math.ceil(math.log2(sr * BANDWIDTH_WINDOW_S)))
    hop = n_fft // 2
    if x.size < n_fft:
        x = np.pad(x, (0, n_fft - x.size))
    n_frames = 1 + (x.size - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    frames = x[idx] * np.hanning(n_fft).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2  # (frames, bins)
    energy = power.sum(axis=1)
    loud = power[energy >= np.median(energy)]
    return np.fft.rfftfreq(n_fft, 1.0 / sr), loud.mean(axis=0)


def bandwidth_hz(x: np.ndarray, sr: int) -> float:
    """Highest frequency where the smoothed long-term spectrum is within 50 dB of its maximum."""
    freqs, psd = long_term_spectrum(x, sr)
    smooth = np.convolve(psd, np.ones(5) / 5, mode="same")
    if smooth.max() <= 0:
        return 0.0
    db = 10 * np.log10(np.maximum(smooth, 1e-30))
    above = np.nonzero(db >= db.max() - BANDWIDTH_FLOOR_DB)[0]
    return float(freqs[above[-1]])


# --- torchmetrics SRMR ---------------------------------------------------------------------------

def srmr(x: np.ndarray, sr: int) -> float:
    """Speech-to-reverberation modulation energy ratio (torchmetrics, ``fast=True``)."""
    import warnings

    try:
        import torch
        from torchmetrics.functional.audio.srmr import speech_reverberation_modulation_energy_ratio
    except ImportError:
        raise missing_extra("torchmetrics", "quality", "srmr") from None
    try:
        import gammatone  # noqa: F401
    except ImportError:
        raise missing_extra("gammatone", "quality", "srmr") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "fast=True may slow down the speed ... on GPU"
        value = speech_reverberation_modulation_energy_ratio(torch.from_numpy(np.asarray(x, np.float32)), sr,
                                                             fast=True)
    return float(value.reshape(-1)[0])


# --- silero-vad ----------------------------------------------------------------------------------

class SileroVad:
    """Speech ratio with silero-vad (ONNX model from the ``silero-vad`` wheel, one thread)."""

    sample_rate = MODEL_SAMPLE_RATE

    def __init__(self) -> None:
        try:
            from silero_vad import get_speech_timestamps, load_silero_vad
        except ImportError:
            raise missing_extra("silero-vad", "quality", "speech_ratio (voice activity)") from None
        self._model = load_silero_vad(onnx=True)
        self._timestamps = get_speech_timestamps

    def speech_ratio(self, x16k: np.ndarray) -> float:
        """Share of ``x16k`` (16 kHz, shape ``(n,)``) inside detected speech segments."""
        import torch

        if x16k.size == 0:
            return 0.0
        self._model.reset_states()
        segs = self._timestamps(torch.from_numpy(np.ascontiguousarray(x16k, np.float32)), self._model,
                                sampling_rate=self.sample_rate)
        return float(min(1.0, sum(s["end"] - s["start"] for s in segs) / x16k.size))

