"""Degradation simulator: make realistic damaged speech from clean speech, every parameter recorded.

Used to make training pairs (degraded, clean) and evaluation sets (``synthkit degrade``). A chain is
a list of steps; each step is applied with its probability ``p`` and draws its parameters from its
ranges, so steps combine at random. Draws come from a private generator seeded with
``derive_seed(seed, "degrade", position)``: one clip can be redone alone, and one step's draws never
shift another's. :meth:`Degrader.apply` returns the records (one per step, with ``applied`` and every
sampled value) and :meth:`Degrader.replay` re-makes the same clip from them alone.

The output stays time-aligned with the input (same length, no delay), so it can be compared sample
by sample with the clean clip: impulse responses are aligned on their direct path, codecs are
decoded without their encoder delay.

Step types (keys besides ``type`` and ``p``):

``noise``       ``snr_db: [lo, hi]``; ``dir`` (folder or list of folders/files of recorded noise;
                without it: coloured noise, ``colors`` from white, pink, brown, blue, and ``shaped``:
                white noise through a random smooth spectral envelope); ``p_colored`` is the share
                of coloured noise when files exist; ``babble_dir`` (speech recordings) with
                ``p_babble`` and ``talkers: [lo, hi]`` mixes that many talkers into a babble instead
``reverb``      ``dir`` (measured room impulse responses) and/or simulated shoebox rooms with
                ``rt60: [lo, hi]``; ``p_simulated`` is the share of simulated rooms when both exist;
                ``tail_db: [lo, hi]`` scales everything after the direct path (a closer or farther
                microphone in the same room: 0 dB keeps the response as measured)
``band_limit``  ``cutoff_hz: [lo, hi]``, a steep low-pass (8th-order Butterworth, zero phase)
``resample``    ``rates_hz: [...]``: down to one of these rates and back (band-limit + resampler)
``codec``       ``codecs: [mp3, vorbis, opus, ulaw, alaw, gsm]``; ``mp3_kbps``, ``opus_kbps``,
                ``vorbis_quality`` ranges (ulaw/alaw/gsm are 8 kHz telephone codecs)
``clipping``    ``clip_percentile: [lo, hi]`` of |x| where the signal is hard-clipped
``packet_loss`` ``loss_rate: [lo, hi]``, ``packet_ms``, ``burst`` (probability that a loss continues)
``gain``        ``gain_db: [lo, hi]``

YAML (``synthkit degrade --config``)::

    preset: eval                      # start from a preset's steps...
    noise_dir: ../shared/data/noise   # ...filling folders of steps that have none
    rir_dir: ../shared/data/rir
    babble_dir: ../shared/data/speech/librispeech/librispeech_train-clean-100
    steps:                            # ...or list your own (replaces the preset's)
      - {type: reverb, p: 0.5, rt60: [0.2, 0.8]}
      - {type: noise, p: 0.9, snr_db: [0, 20]}
      - {type: codec, p: 0.5, codecs: [mp3, opus], mp3_kbps: [16, 48]}
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..augment import AUDIO_SUFFIXES, audio_files, cached_material
from ..config import as_probability, as_range, check_keys, load_yaml
from ..errors import SynthkitError
from ..manifest import _jsonable
from ..rng import derive_seed
from ..transforms import coloured_noise as _coloured_noise

#: Peak a degraded clip is scaled down to if a step pushed it past full scale.
LIMIT_PEAK = 0.99
#: Length of an impulse response's direct path (from its peak); ``tail_db`` scales what follows.
DIRECT_SECONDS = 0.0025
#: Telephone codecs run at this rate.
TELEPHONE_RATE = 8000
CODECS = ("mp3", "vorbis", "opus", "ulaw", "alaw", "gsm")
COLORS = {"white": 0.0, "pink": 1.0, "brown": 2.0, "blue": -1.0,  # power spectrum ~ 1 / f^exponent
          "shaped": 0.0}  # white through a random smooth envelope
#: A ``shaped`` noise's envelope: this many gains (dB, up to +-SHAPE_DB) at log-spaced frequencies.
SHAPE_POINTS, SHAPE_DB = 8, 15.0
#: MP3 bit-rates the encoder takes (kbps); a drawn value snaps to the nearest.
MP3_KBPS = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 192, 224, 256, 320)
#: libsndfile's Opus encoder maps compression level c to roughly 256 * (1 - c) + 6 kbps (mono).
OPUS_MAX_KBPS, OPUS_MIN_KBPS = 256.0, 6.0

_KEYS: dict[str, tuple[str, ...]] = {
    "noise": ("snr_db", "dir", "colors", "p_colored", "babble_dir", "p_babble", "talkers"),
    "reverb": ("dir", "rt60", "p_simulated", "tail_db"),
    "band_limit": ("cutoff_hz",),
    "resample": ("rates_hz",),
    "codec": ("codecs", "mp3_kbps", "opus_kbps", "vorbis_quality"),
    "clipping": ("clip_percentile",),
    "packet_loss": ("loss_rate", "packet_ms", "burst"),
    "gain": ("gain_db",),
}
_RANGES = {"talkers": (1.0, 30.0), "snr_db": (-20.0, 80.0), "tail_db": (-40.0, 20.0), "rt60": (0.05, 3.0), "cutoff_hz": (300.0, 24000.0), "mp3_kbps": (8.0, 320.0),
           "opus_kbps": (6.0, 256.0), "vorbis_quality": (0.0, 1.0), "clip_percentile": (50.0, 100.0),
           "loss_rate": (0.0, 0.9), "gain_db": (-40.0, 40.0)}
_DEFAULTS: dict[str, dict[str, Any]] = {
    "noise": {"snr_db": [5.0, 25.0], "colors": ["white", "pink", "brown"], "p_colored": 0.0, "p_babble": 0.0,
              "talkers": [3.0, 8.0]},
    "reverb": {"rt60": [0.2, 0.8], "p_simulated": 0.5, "tail_db": [0.0, 0.0]},
    "band_limit": {"cutoff_hz": [2000.0, 7000.0]},
    "resample": {"rates_hz": [8000, 11025, 12000]},
    "codec": {"codecs": list(CODECS), "mp3_kbps": [16.0, 64.0], "opus_kbps": [8.0, 24.0],
              "vorbis_quality": [0.0, 0.6]},
    "clipping": {"clip_percentile": [90.0, 99.5]},
    "packet_loss": {"loss_rate": [0.02, 0.15], "packet_ms": 20.0, "burst": 0.3},
    "gain": {"gain_db": [-12.0, 6.0]},
}

PRESETS: dict[str, list[dict[str, Any]]] = {
    # every damage the restoration model is trained to undo, at random (no gain step: a model cannot
    # know the level a clip should have, so pairs keep the clean level)
    "train": [
        {"type": "reverb", "p": 0.5, "rt60": [0.15, 1.0], "p_simulated": 0.5, "tail_db": [-20.0, 0.0]},
        {"type": "noise", "p": 0.85, "snr_db": [-2.0, 30.0], "p_colored": 0.3, "p_babble": 0.2,
         "colors": ["white", "pink", "brown", "shaped", "shaped"]},
        {"type": "clipping", "p": 0.08, "clip_percentile": [95.0, 99.8]},
        {"type": "band_limit", "p": 0.3, "cutoff_hz": [2000.0, 6500.0]},
        {"type": "resample", "p": 0.1, "rates_hz": [8000, 11025, 12000]},
        {"type": "codec", "p": 0.35},
        {"type": "packet_loss", "p": 0.05, "loss_rate": [0.01, 0.08]},
    ],
    # the benchmark's held-out set: real noise, a real room, a codec and band-limiting on every clip
    "eval": [
        {"type": "reverb", "p": 1.0, "p_simulated": 0.0, "tail_db": [-15.0, -5.0]},
        {"type": "noise", "p": 1.0, "snr_db": [8.0, 25.0]},
        {"type": "band_limit", "p": 1.0, "cutoff_hz": [3500.0, 7000.0]},
        {"type": "codec", "p": 1.0, "codecs": ["mp3", "opus", "vorbis"], "mp3_kbps": [24.0, 64.0],
         "opus_kbps": [12.0, 32.0], "vorbis_quality": [0.0, 0.4]},
    ],
    "light": [
        {"type": "noise", "p": 0.7, "snr_db": [15.0, 30.0]},
        {"type": "reverb", "p": 0.3, "rt60": [0.15, 0.5]},
        {"type": "codec", "p": 0.2, "codecs": ["mp3", "opus"], "mp3_kbps": [48.0, 96.0], "opus_kbps": [24.0, 48.0]},
    ],
    "telephone": [
        {"type": "noise", "p": 0.7, "snr_db": [10.0, 30.0]},
        {"type": "codec", "p": 1.0, "codecs": ["ulaw", "alaw", "gsm"]},
        {"type": "packet_loss", "p": 0.3},
    ],
}


@dataclass(frozen=True)
class DegradeConfig:
    name: str
    steps: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "steps": [dict(s) for s in self.steps]}

    def canonical(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)


def _check_step(s: Any, i: int, base: Path | None) -> dict[str, Any]:
    where = f"degrade step #{i + 1}"
    if not isinstance(s, dict) or "type" not in s:
        raise SynthkitError(f"{where}: expected a mapping with a 'type' ({', '.join(_KEYS)})")
    kind = s["type"]
    if kind not in _KEYS:
        raise SynthkitError(f"{where}: unknown type {kind!r}; use one of {', '.join(_KEYS)}")
    check_keys(s, ("type", "p", *_KEYS[kind]), f"{where} ({kind})")
    out: dict[str, Any] = {"type": kind, "p": as_probability(s.get("p", 1.0), where)}
    for key, default in _DEFAULTS[kind].items():
        value = s.get(key, default)
        if key in _RANGES:
            out[key] = list(as_range(value, f"{where} {key}", *_RANGES[key]))
        elif key == "colors":
            bad = [c for c in value if c not in COLORS] if isinstance(value, list) else [value]
            if bad or not value:
                raise SynthkitError(f"{where}: colors must be a list from {', '.join(COLORS)}")
            out[key] = list(value)
        elif key == "codecs":
            bad = [c for c in value if c not in CODECS] if isinstance(value, list) else [value]
            if bad or not value:
                raise SynthkitError(f"{where}: codecs must be a list from {', '.join(CODECS)}; got {value!r}")
            out[key] = list(value)
        elif key == "rates_hz":
            if not (isinstance(value, list) and value and all(isinstance(r, int) and 2000 <= r <= 48000 for r in value)):
                raise SynthkitError(f"{where}: rates_hz must be a list of sample rates (Hz)")
            out[key] = list(value)
        elif key in ("p_simulated", "burst", "p_colored", "p_babble"):
            out[key] = as_probability(value, f"{where} {key}")
        elif key == "packet_ms":
            if not isinstance(value, (int, float)) or not 2 <= value <= 200:
                raise SynthkitError(f"{where}: packet_ms must be a number of milliseconds in [2, 200]")
            out[key] = float(value)
    for key in ("dir", "babble_dir"):
        if s.get(key) is None:
            continue
        dirs = s[key] if isinstance(s[key], list) else [s[key]]
        resolved = []
        for d in dirs:
            d = Path(str(d))
            if base is not None and not d.is_absolute():
                d = base / d
            d = d.resolve()
            if not d.exists():
                raise SynthkitError(f"{where}: not found: {d}")
            resolved.append(str(d))
        if not audio_files(resolved):
            raise SynthkitError(f"{where}: no audio files ({', '.join(AUDIO_SUFFIXES)}) in {', '.join(resolved)}")
        out[key] = resolved
    if kind == "reverb" and not out.get("dir"):
        out["p_simulated"] = 1.0
    return out


def load_degrade(spec: str | dict[str, Any], noise_dir: str | list | None = None,
                 rir_dir: str | list | None = None, base: Path | None = None,
                 babble_dir: str | list | None = None) -> DegradeConfig:
    """A preset name (``train``, ``eval``, ``light``, ``telephone``), a YAML file, or an already
    parsed mapping (``preset``/``steps``/``noise_dir``/``rir_dir``) -> :class:`DegradeConfig`.

    ``noise_dir`` / ``rir_dir`` / ``babble_dir`` fill the folders of ``noise`` / ``reverb`` steps that
    have none."""
    if isinstance(spec, str) and spec in PRESETS:
        name, steps = spec, [dict(s) for s in PRESETS[spec]]
    else:
        if isinstance(spec, dict):
            doc, name = spec, "inline"
        else:
            p = Path(spec)
            if not p.is_file():
                raise SynthkitError(f"degradation {spec!r} is neither a preset ({', '.join(PRESETS)}) nor a YAML file")
            doc, name, base = load_yaml(p), str(p), p.resolve().parent
        if not isinstance(doc, dict):
            raise SynthkitError(f"{name}: expected a mapping with 'preset' and/or 'steps'")
        check_keys(doc, ("preset", "steps", "noise_dir", "rir_dir", "babble_dir"), name)
        preset = doc.get("preset", "train")
        if preset not in PRESETS:
            raise SynthkitError(f"{name}: unknown preset {preset!r}; use one of {', '.join(PRESETS)}")
        steps = doc["steps"] if "steps" in doc else [dict(s) for s in PRESETS[preset]]
        if not isinstance(steps, list):
            raise SynthkitError(f"{name}: 'steps' must be a list")
        steps = [dict(s) if isinstance(s, dict) else s for s in steps]

        def rel(v):
            vs = v if isinstance(v, list) else [v]
            return [str((base / x).resolve()) if base is not None else str(x) for x in vs]

        noise_dir = noise_dir or (rel(doc["noise_dir"]) if doc.get("noise_dir") else None)
        rir_dir = rir_dir or (rel(doc["rir_dir"]) if doc.get("rir_dir") else None)
        babble_dir = babble_dir or (rel(doc["babble_dir"]) if doc.get("babble_dir") else None)
        if name == "inline":
            name = f"preset:{preset}" if "steps" not in doc else "inline"
    for s in steps:
        if isinstance(s, dict) and s.get("type") == "noise" and noise_dir and not s.get("dir"):
            s["dir"] = noise_dir
        if isinstance(s, dict) and s.get("type") == "noise" and babble_dir and not s.get("babble_dir"):
            s["babble_dir"] = babble_dir
        if isinstance(s, dict) and s.get("type") == "reverb" and rir_dir and not s.get("dir"):
            s["dir"] = rir_dir
    return DegradeConfig(name, tuple(_check_step(s, i, base) for i, s in enumerate(steps)))


# --- the steps: sample(step, rng, x, sr) -> params; apply(params, x, sr) -> y -------------------

def _uniform(rng: np.random.Generator, lo_hi: list[float]) -> float:
    lo, hi = lo_hi
    return float(lo if lo == hi else rng.uniform(lo, hi))


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


class _Material:
    """Noise and impulse-response files resampled once per rate (synthkit.augment's material cache),
    kept in memory per process."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], np.ndarray] = {}
        self._lists: dict[tuple[str, ...], list[str]] = {}

    def files(self, dirs: list[str] | None) -> list[str]:
        """:func:`audio_files` of ``dirs``, listed once per process."""
        if not dirs:
            return []
        key = tuple(dirs)
        if key not in self._lists:
            self._lists[key] = audio_files(list(dirs))
        return self._lists[key]

    def get(self, path: str, sr: int) -> np.ndarray:
        key = (path, sr)
        if key not in self._cache:
            import soundfile as sf

            try:
                native = sf.info(path).samplerate == sr
            except (sf.LibsndfileError, RuntimeError):
                native = False
            y, _ = sf.read(path if native else cached_material(path, sr), dtype="float32", always_2d=True)
            self._cache[key] = np.ascontiguousarray(y.mean(axis=1))
        return self._cache[key]


def _sample_noise(step, rng, x, sr, mat):
    files, babble = mat.files(step.get("dir")), mat.files(step.get("babble_dir"))
    q: dict[str, Any] = {"snr_db": _uniform(rng, step["snr_db"])}
    if babble and rng.random() < step["p_babble"]:
        talkers = int(round(_uniform(rng, step["talkers"])))
        q["babble"] = []
        for _ in range(max(1, talkers)):
            f = babble[int(rng.integers(len(babble)))]
            q["babble"].append({"file": f, "offset": int(rng.integers(max(mat.get(f, sr).size, 1))),
                                "gain_db": float(rng.uniform(-6.0, 0.0))})
    elif files and rng.random() >= step["p_colored"]:
        q["noise_file"] = files[int(rng.integers(len(files)))]
        n = mat.get(q["noise_file"], sr).size
        q["offset"] = int(rng.integers(max(n, 1)))
    else:
        q["color"] = step["colors"][int(rng.integers(len(step["colors"])))]
        q["noise_seed"] = int(rng.integers(2**31))
        if q["color"] == "shaped":
            q["shape_db"] = [float(g) for g in rng.uniform(-SHAPE_DB, SHAPE_DB, SHAPE_POINTS)]
    return q


def _looped(src: np.ndarray, offset: int, n: int) -> np.ndarray:
    if src.size == 0:
        return np.zeros(n, np.float32)
    return src[(offset + np.arange(n)) % src.size]


def _apply_noise(q, x, sr, mat):
    if "babble" in q:
        noise = np.zeros(x.size, np.float32)
        for t in q["babble"]:
            talker = _looped(mat.get(t["file"], sr), t["offset"], x.size)
            r = _rms(talker)
            if r > 0:
                noise += talker * np.float32(10 ** (t["gain_db"] / 20) / r)
    elif "noise_file" in q:
        noise = _looped(mat.get(q["noise_file"], sr), q["offset"], x.size)  # short files loop
    else:
        noise = _coloured_noise(x.size, COLORS[q["color"]], q["noise_seed"], q.get("shape_db"), sr)
    sig, nz = _rms(x), _rms(noise)
    if sig == 0 or nz == 0:
        return x
    return (x + noise * (sig / nz) * 10 ** (-q["snr_db"] / 20)).astype(np.float32)


def _sample_reverb(step, rng, x, sr, mat):
    files = mat.files(step.get("dir"))
    simulated = not files or rng.random() < step["p_simulated"]
    tail = {"tail_db": _uniform(rng, step["tail_db"])}
    if not simulated:
        return {"ir_file": files[int(rng.integers(len(files)))], **tail}
    from ..augment import _simulated_room_class
    from ..rng import seed_globals

    room = _simulated_room_class()(min_rt60=step["rt60"][0], max_rt60=step["rt60"][1], p=1.0)
    seed_globals(int(rng.integers(2**31)))  # SimulatedRoom draws from the global generators
    room.randomize_parameters(x, sr)
    return {"room": {k: v for k, v in room.parameters.items() if k != "should_apply"}, **tail}


def _room_ir(room: dict[str, Any], sr: int) -> np.ndarray:
    """The impulse response of a simulated room, via synthkit.augment's SimulatedRoom (applied to a
    unit impulse, so the same room code makes training pairs and augmented corpora)."""
    from ..augment import _simulated_room_class

    t = _simulated_room_class()(p=1.0)
    t.parameters = {"should_apply": True, **room}
    impulse = np.zeros(int(sr * 3.5), dtype=np.float32)  # longer than any RT60 the ranges allow
    impulse[0] = 1.0
    return t.apply(impulse, sr)


def _apply_reverb(q, x, sr, mat):
    from scipy.signal import fftconvolve

    ir = mat.get(q["ir_file"], sr) if "ir_file" in q else _room_ir(q["room"], sr)
    ir = np.asarray(ir, dtype=np.float64)
    if not ir.size or not np.any(ir):
        return x
    peak = int(np.argmax(np.abs(ir)))
    ir = ir[peak:] / ir[peak]  # direct path at sample 0 with unit gain: output aligned with the input
    ir = np.trim_zeros(ir, "b")
    ir[int(DIRECT_SECONDS * sr):] *= 10 ** (q.get("tail_db", 0.0) / 20)
    wet = fftconvolve(x.astype(np.float64), ir)[: x.size]
    return wet.astype(np.float32)


def _sample_band_limit(step, rng, x, sr, mat):
    return {"cutoff_hz": _uniform(rng, step["cutoff_hz"])}


def _apply_band_limit(q, x, sr, mat):
    from scipy.signal import butter, sosfiltfilt

    cutoff = q["cutoff_hz"]
    if cutoff >= 0.49 * sr or x.size < 64:
        return x
    sos = butter(8, cutoff, btype="low", fs=sr, output="sos")
    return sosfiltfilt(sos, x.astype(np.float64)).astype(np.float32)


def _sample_resample(step, rng, x, sr, mat):
    rates = [r for r in step["rates_hz"] if r < sr] or [sr]
    return {"rate_hz": int(rates[int(rng.integers(len(rates)))])}


def _apply_resample(q, x, sr, mat):
    from ..audio import resample

    if q["rate_hz"] >= sr:
        return x
    y = resample(resample(x, sr, q["rate_hz"]), q["rate_hz"], sr)
    return _fit(y, x.size)


def _fit(y: np.ndarray, n: int) -> np.ndarray:
    y = y[:n]
    return np.pad(y, (0, n - y.size)) if y.size < n else y


def _sample_codec(step, rng, x, sr, mat):
    codec = step["codecs"][int(rng.integers(len(step["codecs"])))]
    q: dict[str, Any] = {"codec": codec}
    if codec == "mp3":
        want = _uniform(rng, step["mp3_kbps"])
        q["kbps"] = int(min(MP3_KBPS, key=lambda b: abs(b - want)))
    elif codec == "opus":
        q["kbps"] = round(_uniform(rng, step["opus_kbps"]), 1)
    elif codec == "vorbis":
        q["quality"] = round(_uniform(rng, step["vorbis_quality"]), 3)  # 0 = best, 1 = smallest
    return q


def _sf_roundtrip(x: np.ndarray, sr: int, fmt: str, subtype: str, level: float | None = None) -> np.ndarray:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(x, -1, 1), sr, format=fmt, subtype=subtype, compression_level=level)
    buf.seek(0)
    y, _ = sf.read(buf, dtype="float32")
    return _fit(np.asarray(y, dtype=np.float32).reshape(-1), x.size)


def _apply_codec(q, x, sr, mat):
    from ..audio import resample

    codec = q["codec"]
    if x.size < 1152:  # shorter than one MP3 frame: encoders refuse or pad
        return x
    if codec == "mp3":
        import fast_mp3_augment

        rate = sr if sr in fast_mp3_augment.SUPPORTED_SAMPLE_RATES else 16000
        y = fast_mp3_augment.compress_roundtrip(np.ascontiguousarray(resample(np.clip(x, -1, 1), sr, rate)), rate,
                                                int(q["kbps"]), preserve_delay=False)
        return _fit(resample(y, rate, sr), x.size)
    if codec == "opus":
        rate = sr if sr in (8000, 12000, 16000, 24000, 48000) else 48000
        level = float(np.clip((OPUS_MAX_KBPS - q["kbps"]) / (OPUS_MAX_KBPS - OPUS_MIN_KBPS), 0.0, 1.0))
        y = _sf_roundtrip(resample(x, sr, rate), rate, "OGG", "OPUS", level)
        return _fit(resample(y, rate, sr), x.size)
    if codec == "vorbis":
        return _sf_roundtrip(x, sr, "OGG", "VORBIS", float(q["quality"]))
    subtype = {"ulaw": "ULAW", "alaw": "ALAW", "gsm": "GSM610"}[codec]
    y = _sf_roundtrip(resample(x, sr, TELEPHONE_RATE), TELEPHONE_RATE, "WAV", subtype)
    return _fit(resample(y, TELEPHONE_RATE, sr), x.size)


def _sample_clipping(step, rng, x, sr, mat):
    pct = _uniform(rng, step["clip_percentile"])
    level = float(np.percentile(np.abs(x), pct)) if x.size else 0.0
    return {"clip_percentile": pct, "clip_level": level}


def _apply_clipping(q, x, sr, mat):
    if q["clip_level"] <= 0:
        return x
    return np.clip(x, -q["clip_level"], q["clip_level"]).astype(np.float32)


def _sample_packet_loss(step, rng, x, sr, mat):
    packet = max(1, int(round(step["packet_ms"] * sr / 1000)))
    n = -(-x.size // packet)
    rate = _uniform(rng, step["loss_rate"])
    lost, prev = [], False
    for i in range(n):  # two-state (Gilbert) model: a loss continues with probability `burst`
        p = step["burst"] if prev else rate
        prev = bool(rng.random() < p)
        if prev:
            lost.append(i)
    return {"loss_rate": rate, "packet_samples": packet, "lost_packets": lost}


def _apply_packet_loss(q, x, sr, mat):
    y = x.copy()
    p = q["packet_samples"]
    for i in q["lost_packets"]:
        y[i * p:(i + 1) * p] = 0.0
    return y


def _sample_gain(step, rng, x, sr, mat):
    return {"gain_db": _uniform(rng, step["gain_db"])}


def _apply_gain(q, x, sr, mat):
    return (x * np.float32(10 ** (q["gain_db"] / 20))).astype(np.float32)


_STEPS = {
    "noise": (_sample_noise, _apply_noise),
    "reverb": (_sample_reverb, _apply_reverb),
    "band_limit": (_sample_band_limit, _apply_band_limit),
    "resample": (_sample_resample, _apply_resample),
    "codec": (_sample_codec, _apply_codec),
    "clipping": (_sample_clipping, _apply_clipping),
    "packet_loss": (_sample_packet_loss, _apply_packet_loss),
    "gain": (_sample_gain, _apply_gain),
}


class Degrader:
    """Applies a :class:`DegradeConfig` to clips. Build once per process (it caches material)."""

    def __init__(self, config: DegradeConfig) -> None:
        self.config = config
        self._material = _Material()

    def __bool__(self) -> bool:
        return bool(self.config.steps)

    def apply(self, x: np.ndarray, sr: int, seed: int) -> tuple[np.ndarray, list[dict[str, Any]]]:
        """Degrade one mono float32 clip. Returns the clip (same length, aligned) and one record
        per step: ``{"type", "applied", ...sampled values}``."""
        y = np.asarray(x, dtype=np.float32)
        records = []
        for i, step in enumerate(self.config.steps):
            rng = np.random.default_rng(derive_seed(seed, "degrade", i))
            kind = step["type"]
            rec: dict[str, Any] = {"type": kind, "applied": bool(rng.random() < step["p"])}
            if rec["applied"]:
                sample, apply = _STEPS[kind]
                rec.update(_jsonable(sample(step, rng, y, sr, self._material)))
                y = apply(rec, y, sr, self._material)
            records.append(rec)
        return _limit(y), records

    def replay(self, x: np.ndarray, sr: int, records: list[dict[str, Any]]) -> np.ndarray:
        """Re-make a degraded clip from its records alone (no config, no seed): same samples as
        :meth:`apply` gave."""
        return replay(x, sr, records, self._material)


def replay(x: np.ndarray, sr: int, records: list[dict[str, Any]], material: _Material | None = None) -> np.ndarray:
    material = material or _Material()
    y = np.asarray(x, dtype=np.float32)
    for rec in records:
        kind = rec.get("type")
        if kind not in _STEPS:
            raise SynthkitError(f"degradation record of unknown type {kind!r}")
        if rec.get("applied"):
            y = _STEPS[kind][1](rec, y, sr, material)
    return _limit(y)


def _limit(y: np.ndarray) -> np.ndarray:
    y = np.nan_to_num(np.asarray(y, dtype=np.float32))
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak > 1.0:
        y = y * np.float32(LIMIT_PEAK / peak)
    return y.astype(np.float32)


def summarize(records: list[dict[str, Any]]) -> str:
    """A short human description of what was applied, e.g. ``reverb(room) noise(7.1 dB) codec(mp3 32)``."""
    parts = []
    for r in records:
        if not r.get("applied"):
            continue
        t = r["type"]
        if t == "noise":
            kind = "babble" if "babble" in r else r.get("color") or Path(r["noise_file"]).stem
            parts.append(f"noise({kind} {r['snr_db']:.1f} dB)")
        elif t == "reverb":
            parts.append("reverb(" + ("room" if "room" in r else Path(r["ir_file"]).stem) + ")")
        elif t == "codec":
            parts.append(f"codec({r['codec']}{' ' + str(r['kbps']) if 'kbps' in r else ''})")
        elif t == "band_limit":
            parts.append(f"lowpass({r['cutoff_hz']:.0f} Hz)")
        else:
            parts.append(t)
    return " ".join(parts) or "clean"
