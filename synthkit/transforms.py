"""Augmentation transforms synthkit implements itself, in NumPy: coloured noise, a simulated shoebox
room and a gain. They make up the default preset (``light``), so the default run needs neither
audiomentations nor pyroomacoustics, whose imports (SciPy's signal package) cost about 0.6 s of CPU
in every worker, and they are 2-3x cheaper per clip than the transforms they replace.

Each transform has the small part of audiomentations' interface that :class:`synthkit.augment.Augmenter`
uses (``p``, ``parameters``, ``randomize_parameters``, ``freeze_parameters``, calling it), draws its
parameters from the global ``random`` generator (seeded per clip and transform by the Augmenter), and
records every value it needs: the noise it adds comes from a recorded seed, so a recorded row is
replayed exactly without depending on any generator's state.

Rows written by earlier versions name audiomentations' ``AddColorNoise`` and ``Gain`` and synthkit's
pyroomacoustics ``SimulatedRoom``; those are still replayed with those classes (see
:func:`synthkit.augment.Augmenter.from_records`).
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np

#: Speed of sound, m/s.
SOUND_SPEED = 343.0
#: Reflections after this many seconds past the direct sound are modelled as a diffuse tail.
EARLY_SECONDS = 0.015
#: Cross-fade from the image-source reflections into the diffuse tail.
FADE_SECONDS = 0.005
#: Lowest spectral bins of coloured noise drawn Gaussian (see :func:`coloured_noise`).
GAUSSIAN_BINS = 256


def fast_length(n: int) -> int:
    """The smallest ``2^a 3^b 5^c >= n``: a length pocketfft transforms quickly."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def coloured_noise(n: int, exponent: float, seed: int, shape_db: list[float] | None = None,
                   sr: int = 16000) -> np.ndarray:
    """``n`` samples of Gaussian noise whose power spectrum falls as ``1 / f**exponent`` (0 white, 1 pink,
    2 brown, -1 blue, -2 violet), optionally shaped by a gain curve (``shape_db``, dB at log-spaced
    points from 50 Hz to ``sr / 2``); zero mean, unit standard deviation, float32; a function of its
    arguments.
    The spectrum is drawn directly, then one inverse FFT: about a third of the cost of transforming
    drawn Gaussian samples. Its real and imaginary parts are uniform with zero mean (each output
    sample sums thousands of them, so it is Gaussian), except the lowest :data:`GAUSSIAN_BINS`, drawn
    Gaussian: for steep slopes (brown noise) those few bins carry most of the power."""
    if n <= 0:
        return np.zeros(0, np.float32)
    size = fast_length(max(n, 2))
    rng = np.random.default_rng(seed)
    bins = size // 2 + 1
    parts = rng.random(2 * bins) - 0.5
    low = min(2 * bins, 2 * GAUSSIAN_BINS)
    parts[:low] = rng.standard_normal(low) * math.sqrt(1 / 12)  # the uniform parts' variance
    spec = parts.view(np.complex128)
    spec[0] = 0.0  # no DC offset
    f = np.arange(bins, dtype=np.float64)
    f[0] = 1.0
    if exponent:
        spec *= f ** (-exponent / 2)
    if shape_db:
        hz = np.fft.rfftfreq(size, 1 / sr)
        points = np.geomspace(50.0, sr / 2, len(shape_db))
        env_db = np.interp(np.log(np.maximum(hz, 50.0)), np.log(points), shape_db)
        spec *= 10 ** (env_db / 20)
    y = np.fft.irfft(spec, size)[:n]
    return (y / (np.std(y) + 1e-12)).astype(np.float32)


def fft_convolve(x: np.ndarray, h: np.ndarray, n: int | None = None) -> np.ndarray:
    """The first ``n`` (default ``x.size``) samples of the linear convolution of ``x`` and ``h``, in float64."""
    n = x.size if n is None else n
    size = fast_length(max(1, x.size + h.size - 1))
    y = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(h, size), size)
    return y[:n]


def _images(length: float, s: float, m: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Along one axis of a room ``[0, length]``: every image of a source at ``s`` with at most ``order``
    reflections; (distance component to the microphone at ``m``, reflections)."""
    n = np.arange(-order, order + 1)
    pos = np.concatenate([2 * n * length + s, 2 * n * length - s])
    refl = np.concatenate([np.abs(2 * n), np.abs(2 * n - 1)])
    keep = refl <= order
    return pos[keep] - m, refl[keep]


def shoebox_ir(dims, source, mic, rt60: float, sr: int, seed: int) -> np.ndarray:
    """Impulse response of an empty shoebox room (walls of equal absorption) from ``source`` to ``mic``
    (metres), float64, ``rt60`` seconds long after the direct sound.

    Hybrid model: the image-source method (Allen & Berkley 1979; reflection coefficient from
    Sabine's absorption for ``rt60``, arrivals rounded to the sample) for the reflections that arrive
    within :data:`EARLY_SECONDS` of the direct sound, then a diffuse tail: Gaussian noise (from
    ``seed``) whose energy per second is ``c / (4 pi V)`` decaying by 60 dB over ``rt60``, the level
    the image density of the same room gives (images per shell ``4 pi (ct)^2 c dt / V``, each of
    energy ``1 / (4 pi c t)^2``). Cheap (a few thousand images, no filtering), and unlike a fixed
    impulse-response set, a new room for every clip."""
    lx, ly, lz = (float(v) for v in dims)
    volume, surface = lx * ly * lz, 2 * (lx * ly + lx * lz + ly * lz)
    alpha = min(max(0.161 * volume / (max(rt60, 1e-3) * surface), 0.02), 0.98)  # Sabine
    beta = math.sqrt(1.0 - alpha)
    src, m = np.asarray(source, dtype=np.float64), np.asarray(mic, dtype=np.float64)
    direct = float(np.linalg.norm(src - m))
    reach = direct + SOUND_SPEED * EARLY_SECONDS  # farthest early image
    axes = [_images(length, s, mm, int(math.ceil(reach / length)) + 1) for length, s, mm in zip((lx, ly, lz), src, m)]
    # prune per axis: an image farther than `reach` along one axis is farther in 3-D
    axes = [(d[np.abs(d) <= reach], r[np.abs(d) <= reach]) for d, r in axes]
    dx, dy, dz = (a[0] for a in axes)
    rx, ry, rz = (a[1] for a in axes)
    dist = np.sqrt(dx[:, None, None] ** 2 + dy[None, :, None] ** 2 + dz[None, None, :] ** 2).ravel()
    refl = (rx[:, None, None] + ry[None, :, None] + rz[None, None, :]).ravel()
    early = dist <= reach
    dist, refl = np.maximum(dist[early], 0.05), refl[early]
    t_end = direct / SOUND_SPEED + rt60
    ir = np.zeros(int(math.ceil(t_end * sr)) + 1)
    idx = np.rint(dist / SOUND_SPEED * sr).astype(np.int64)
    np.add.at(ir, np.minimum(idx, ir.size - 1), beta ** refl / (4 * math.pi * dist))
    # the diffuse tail, faded in where the image-source part ends
    start = int(reach / SOUND_SPEED * sr)
    if start < ir.size:
        t = np.arange(start, ir.size) / sr
        level = np.sqrt(SOUND_SPEED / (4 * math.pi * volume * sr)) * 10 ** (-3.0 * t / rt60)
        fade = np.minimum(1.0, (np.arange(t.size) + 1) / max(1, int(FADE_SECONDS * sr)))
        ir[start:] += np.random.default_rng(seed).standard_normal(t.size) * level * fade
    return ir


class Transform:
    """What :class:`synthkit.augment.Augmenter` needs of a transform (audiomentations' interface)."""

    supports_multichannel = False

    def __init__(self, p: float = 0.5) -> None:
        self.p = p
        self.parameters: dict[str, Any] = {"should_apply": None}
        self.are_parameters_frozen = False

    def randomize_parameters(self, samples: np.ndarray, sample_rate: int) -> None:
        self.parameters = {"should_apply": random.random() < self.p}

    def freeze_parameters(self) -> None:
        self.are_parameters_frozen = True

    def unfreeze_parameters(self) -> None:
        self.are_parameters_frozen = False

    def apply(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        if not self.are_parameters_frozen:
            self.randomize_parameters(samples, sample_rate)
        if self.parameters.get("should_apply") and samples.size:
            return self.apply(samples, sample_rate)
        return samples


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


class ColoredNoise(Transform):
    """Gaussian noise at an SNR (dB, against the clip's RMS) with a spectral slope of ``f_decay`` dB
    per octave (0 white, -3.01 pink, -6.02 brown, +3.01 blue, +6.02 violet)."""

    def __init__(self, min_snr_db: float = 10.0, max_snr_db: float = 30.0, min_f_decay: float = -6.0,
                 max_f_decay: float = 6.0, p: float = 0.5) -> None:
        super().__init__(p)
        self.snr_db, self.f_decay = (min_snr_db, max_snr_db), (min_f_decay, max_f_decay)

    def randomize_parameters(self, samples, sample_rate):
        super().randomize_parameters(samples, sample_rate)
        if self.parameters["should_apply"]:
            self.parameters.update(snr_db=random.uniform(*self.snr_db), f_decay=random.uniform(*self.f_decay),
                                   noise_seed=random.getrandbits(31))

    def apply(self, samples, sample_rate):
        q = self.parameters
        sig = _rms(samples)
        if sig == 0:
            return samples
        noise = coloured_noise(samples.size, -q["f_decay"] / (10 * math.log10(2)), int(q["noise_seed"]))
        return (samples + noise * np.float32(sig * 10 ** (-q["snr_db"] / 20))).astype(np.float32)


def draw_room(min_rt60: float, max_rt60: float) -> dict[str, float]:
    """A random room from the global ``random`` generator: size 3-8 x 3-6 x 2.4-3.5 m, RT60, source
    position (1.2-1.9 m high), microphone distance (0.3-2.5 m) and azimuth. (The draws and their order
    are those of the pyroomacoustics ``SimulatedRoom`` of earlier versions, which still uses them.)"""
    u = random.uniform
    size = [u(3.0, 8.0), u(3.0, 6.0), u(2.4, 3.5)]
    return dict(size_x=size[0], size_y=size[1], size_z=size[2], rt60=u(min_rt60, max_rt60),
                source_x=u(0.5, size[0] - 0.5), source_y=u(0.5, size[1] - 0.5), source_z=u(1.2, 1.9),
                mic_distance=u(0.3, 2.5), mic_azimuth=u(-math.pi, math.pi))


def room_geometry(q: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dimensions, source, microphone) of the room :func:`draw_room` drew; the microphone kept 0.2 m from the walls."""
    dims = np.array([q["size_x"], q["size_y"], q["size_z"]])
    src = np.array([q["source_x"], q["source_y"], q["source_z"]])
    mic = src + q["mic_distance"] * np.array([np.cos(q["mic_azimuth"]), np.sin(q["mic_azimuth"]), 0.0])
    return dims, src, np.clip(mic, 0.2, dims - 0.2)


class ShoeboxRoom(Transform):
    """Reverberation of a random shoebox room (:func:`shoebox_ir`): size 3-8 x 3-6 x 2.4-3.5 m, RT60 in
    the given range, source at 1.2-1.9 m height, microphone 0.3-2.5 m away. Output keeps the input's
    length and peak level."""

    def __init__(self, min_rt60: float = 0.15, max_rt60: float = 0.6, p: float = 0.5) -> None:
        super().__init__(p)
        self.min_rt60, self.max_rt60 = min_rt60, max_rt60

    def randomize_parameters(self, samples, sample_rate):
        super().randomize_parameters(samples, sample_rate)
        if not self.parameters["should_apply"]:
            return
        self.parameters.update(draw_room(self.min_rt60, self.max_rt60), tail_seed=random.getrandbits(31))

    def impulse_response(self, sample_rate: int) -> np.ndarray:
        dims, src, mic = room_geometry(self.parameters)
        return shoebox_ir(dims, src, mic, self.parameters["rt60"], sample_rate, int(self.parameters["tail_seed"]))

    def apply(self, samples, sample_rate):
        wet = fft_convolve(samples.astype(np.float64), self.impulse_response(sample_rate))
        peak_in, peak_out = float(np.max(np.abs(samples))), float(np.max(np.abs(wet)))
        if peak_out > 0:
            wet *= peak_in / peak_out
        return wet.astype(np.float32)


class GainDb(Transform):
    """The clip's level changed by ``gain_db``."""

    def __init__(self, min_gain_db: float = -6.0, max_gain_db: float = 0.0, p: float = 0.5) -> None:
        super().__init__(p)
        self.gain_db = (min_gain_db, max_gain_db)

    def randomize_parameters(self, samples, sample_rate):
        super().randomize_parameters(samples, sample_rate)
        if self.parameters["should_apply"]:
            self.parameters["gain_db"] = random.uniform(*self.gain_db)

    def apply(self, samples, sample_rate):
        return (samples * np.float32(10 ** (self.parameters["gain_db"] / 20))).astype(np.float32)


#: synthkit's own transforms by the class name rows record.
OWN = {cls.__name__: cls for cls in (ColoredNoise, ShoeboxRoom, GainDb)}
