"""Augmentation: named presets and a YAML form; every sampled value recorded.

A chain is a list of transforms, each applied with probability ``p``. For each clip the chain is
seeded from (run seed, clip id), and the row records, for every transform in order, whether it was
applied and every value it sampled (``augment`` key). :meth:`Augmenter.replay` re-applies those
recorded values with the parameters frozen, so any clip can be regenerated alone from its row.

YAML form (all keys optional except ``transforms`` or ``preset``)::

    preset: light            # start from a preset's transforms...
    noise_dir: ../shared/data/noise   # ...filling its folders
    rir_dir: ../shared/data/rir
    transforms:              # ...or list your own (replaces the preset's list)
      - {type: noise, p: 0.8, snr_db: [5, 20], dir: ../shared/data/noise}
      - {type: reverb, p: 0.5}             # no dir: simulated rooms
      - {type: band_limit, p: 0.3, cutoff_hz: [2000, 7000]}
      - {type: mp3, p: 0.3, bitrate_kbps: [16, 64]}
      - {type: gain, p: 0.5, gain_db: [-9, 0]}
      - {type: pitch_shift, p: 0.8, semitones: [-3, 3]}
      - {type: tempo, p: 0.5, rate: [0.85, 1.15]}

Transform types: ``noise`` (background noise files from ``dir`` at an SNR range; without ``dir``,
coloured noise), ``reverb`` (convolution with room impulse responses from ``dir``; without ``dir``,
simulated shoebox rooms), ``band_limit`` (low-pass at a cut-off range), ``mp3`` (MP3 codec at a
bit-rate range), ``gain``, ``pitch_shift`` (pitch and formants moved together by a number of
semitones, duration kept: another size of larynx and vocal tract — more speakers than a synthesizer's
voices; signalsmith-stretch) and ``tempo`` (speaking rate times ``rate``, pitch kept; the clip's
length changes).

Implementations: coloured noise, simulated rooms and gain are synthkit's own, in NumPy
(:mod:`synthkit.transforms`: the default preset imports neither audiomentations nor pyroomacoustics,
whose SciPy imports cost ~0.6 CPU s per worker); noise and impulse-response files, band limit, MP3,
pitch and tempo are audiomentations'. Rows of earlier versions that name audiomentations'
``AddColorNoise`` / ``Gain`` or the pyroomacoustics ``SimulatedRoom`` replay with those (``_build``
 picks the implementation by the class name a row recorded).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .config import as_probability, as_range, check_keys, load_yaml
from .errors import SynthkitError, missing_extra
from .manifest import _jsonable
from .rng import derive_seed, seed_globals

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".opus")
#: Peak level a clip is scaled down to when augmentation pushed it past full scale.
LIMIT_PEAK = 0.99

_KEYS = {
    "noise": ("type", "p", "snr_db", "dir"),
    "reverb": ("type", "p", "dir", "rt60"),
    "band_limit": ("type", "p", "cutoff_hz"),
    "mp3": ("type", "p", "bitrate_kbps"),
    "gain": ("type", "p", "gain_db"),
    "pitch_shift": ("type", "p", "semitones"),
    "tempo": ("type", "p", "rate"),
}

PRESETS: dict[str, list[dict[str, Any]]] = {
    "none": [],
    "light": [
        {"type": "noise", "p": 0.5, "snr_db": [15, 30]},
        {"type": "reverb", "p": 0.3, "rt60": [0.15, 0.5]},
        {"type": "gain", "p": 0.5, "gain_db": [-6, 0]},
    ],
    "heavy": [
        {"type": "noise", "p": 0.9, "snr_db": [0, 20]},
        {"type": "reverb", "p": 0.6, "rt60": [0.2, 0.9]},
        {"type": "band_limit", "p": 0.4, "cutoff_hz": [2000, 7000]},
        {"type": "mp3", "p": 0.4, "bitrate_kbps": [16, 64]},
        {"type": "gain", "p": 0.7, "gain_db": [-12, 0]},
    ],
}
DEFAULT_PRESET = "light"


@dataclass(frozen=True)
class AugmentConfig:
    name: str
    transforms: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "transforms": [dict(t) for t in self.transforms]}

    def canonical(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)


def audio_files(paths: str | Path | list) -> list[str]:
    """Sorted audio files under one or more folders (recursively) or listed directly."""
    out: list[str] = []
    for p in paths if isinstance(paths, list) else [paths]:
        p = Path(p)
        if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES:
            out.append(str(p))
        elif p.is_dir():
            out.extend(str(f) for f in p.rglob("*") if f.suffix.lower() in AUDIO_SUFFIXES and f.is_file())
    return sorted(out)


def _check_transform(t: Any, i: int, base: Path | None) -> dict[str, Any]:
    where = f"augment transform #{i + 1}"
    if not isinstance(t, dict) or "type" not in t:
        raise SynthkitError(f"{where}: expected a mapping with a 'type' ({', '.join(_KEYS)})")
    kind = t["type"]
    if kind not in _KEYS:
        raise SynthkitError(f"{where}: unknown type {kind!r}; use one of {', '.join(_KEYS)}")
    check_keys(t, _KEYS[kind], f"{where} ({kind})")
    out: dict[str, Any] = {"type": kind, "p": as_probability(t.get("p", 0.5), where)}
    ranges = {"snr_db": (-20, 60), "rt60": (0.05, 3.0), "cutoff_hz": (200, 24000), "bitrate_kbps": (8, 320),
              "gain_db": (-40, 40), "semitones": (-12, 12), "rate": (0.5, 2.0)}
    for key, (lo, hi) in ranges.items():
        if key in t:
            out[key] = list(as_range(t[key], f"{where} {key}", lo, hi))
    if t.get("dir") is not None:
        d = Path(str(t["dir"]))
        if base is not None and not d.is_absolute():
            d = base / d
        d = d.resolve()
        if not d.is_dir():
            raise SynthkitError(f"{where}: folder not found: {d}")
        if not audio_files(d):
            raise SynthkitError(f"{where}: no audio files ({', '.join(AUDIO_SUFFIXES)}) in {d}")
        out["dir"] = str(d)
    return out


def load_augment(spec: str, noise_dir: str | None = None, rir_dir: str | None = None) -> AugmentConfig:
    """A preset name (``none``, ``light``, ``heavy``) or a YAML file path -> :class:`AugmentConfig`.

    ``noise_dir`` / ``rir_dir`` fill the folders of ``noise`` / ``reverb`` transforms that have none."""
    base: Path | None = None
    if spec in PRESETS:
        name, transforms = spec, [dict(t) for t in PRESETS[spec]]
    else:
        p = Path(spec)
        if not p.is_file():
            raise SynthkitError(f"--augment {spec!r} is neither a preset ({', '.join(PRESETS)}) nor a YAML file")
        doc = load_yaml(p)
        if not isinstance(doc, dict):
            raise SynthkitError(f"{p}: expected a mapping with 'preset' and/or 'transforms'")
        check_keys(doc, ("preset", "transforms", "noise_dir", "rir_dir"), str(p))
        base = p.resolve().parent
        preset = doc.get("preset", "none")
        if preset not in PRESETS:
            raise SynthkitError(f"{p}: unknown preset {preset!r}; use one of {', '.join(PRESETS)}")
        transforms = doc["transforms"] if "transforms" in doc else [dict(t) for t in PRESETS[preset]]
        if not isinstance(transforms, list):
            raise SynthkitError(f"{p}: 'transforms' must be a list")
        name = str(p)
        noise_dir = noise_dir or (str((base / doc["noise_dir"]).resolve()) if doc.get("noise_dir") else None)
        rir_dir = rir_dir or (str((base / doc["rir_dir"]).resolve()) if doc.get("rir_dir") else None)
    for t in transforms:
        if isinstance(t, dict) and t.get("type") == "noise" and noise_dir and not t.get("dir"):
            t["dir"] = noise_dir
        if isinstance(t, dict) and t.get("type") == "reverb" and rir_dir and not t.get("dir"):
            t["dir"] = rir_dir
    return AugmentConfig(name, tuple(_check_transform(t, i, base) for i, t in enumerate(transforms)))


def material_cache_dir() -> Path:
    """Where noise and impulse-response files are kept resampled (``$SYNTHKIT_CACHE`` or ~/.cache)."""
    root = os.environ.get("SYNTHKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "synthkit")
    return Path(root) / "material"


def cached_material(path: str, sr: int) -> str:
    """``path`` resampled to ``sr`` as a float WAV in the material cache (made once, atomically).

    Noise and IR files come at any rate and format (44.1 kHz OGG, 96 kHz WAV); resampling them for
    every clip dominated augmentation time. The cached copy is a deterministic function of the file
    (soxr), so a replay that has to recreate it gets the same samples."""
    from .audio import load

    st = os.stat(path)
    key = hashlib.sha1(f"{os.path.abspath(path)}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    out = material_cache_dir() / str(sr) / f"{Path(path).stem}-{key}.wav"
    if not out.exists():
        import soundfile as sf

        x, _ = load(path, sr=sr)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        sf.write(str(tmp), x, sr, subtype="FLOAT", format="WAV")
        os.replace(tmp, out)
    return str(out)


def _build(t: dict[str, Any], recorded: str | None = None) -> Any:
    """The transform for ``t``; ``recorded``: the class name a row recorded (replay), which picks the
    implementation that made it: synthkit's own (:data:`synthkit.transforms.OWN`) or, for rows of earlier
    versions (``AddColorNoise``, ``Gain``, ``SimulatedRoom``), audiomentations / pyroomacoustics."""
    from . import transforms as own

    p = t["p"]
    kind = t["type"]
    if recorded in own.OWN or (recorded is None and not t.get("dir") and kind in ("noise", "reverb", "gain")):
        if kind == "noise":
            lo, hi = t.get("snr_db", [10, 30])
            return own.ColoredNoise(min_snr_db=lo, max_snr_db=hi, p=p)
        if kind == "reverb":
            lo, hi = t.get("rt60", [0.15, 0.6])
            return own.ShoeboxRoom(min_rt60=lo, max_rt60=hi, p=p)
        if kind == "gain":
            lo, hi = t.get("gain_db", [-6, 0])
            return own.GainDb(min_gain_db=lo, max_gain_db=hi, p=p)
    try:
        import audiomentations as A
    except ImportError:
        raise missing_extra("audiomentations", "core", "Augmentation") from None
    if kind == "noise":
        lo, hi = t.get("snr_db", [10, 30])
        if t.get("dir"):
            return A.AddBackgroundNoise(sounds_path=audio_files(Path(t["dir"])), min_snr_db=lo, max_snr_db=hi, p=p)
        return A.AddColorNoise(min_snr_db=lo, max_snr_db=hi, p=p)
    if kind == "reverb":
        if t.get("dir"):
            return A.ApplyImpulseResponse(ir_path=audio_files(Path(t["dir"])), p=p, leave_length_unchanged=True)
        try:
            import pyroomacoustics  # noqa: F401
        except ImportError:
            raise missing_extra("pyroomacoustics", "augment", "Simulated-room reverb") from None
        lo, hi = t.get("rt60", [0.15, 0.6])
        return _simulated_room_class()(min_rt60=lo, max_rt60=hi, p=p)
    if kind == "band_limit":
        lo, hi = t.get("cutoff_hz", [2000, 7000])
        return A.LowPassFilter(min_cutoff_freq=lo, max_cutoff_freq=hi, p=p)
    if kind == "mp3":
        lo, hi = t.get("bitrate_kbps", [16, 64])
        return A.Mp3Compression(min_bitrate=int(lo), max_bitrate=int(hi), backend="fast-mp3-augment",
                                preserve_delay=False, p=p)
    if kind == "gain":
        lo, hi = t.get("gain_db", [-6, 0])
        return A.Gain(min_gain_db=lo, max_gain_db=hi, p=p)
    if kind == "pitch_shift":
        lo, hi = t.get("semitones", [-3, 3])
        return A.PitchShift(min_semitones=lo, max_semitones=hi, method="signalsmith_stretch", p=p)
    if kind == "tempo":
        lo, hi = t.get("rate", [0.85, 1.15])
        return A.TimeStretch(min_rate=lo, max_rate=hi, leave_length_unchanged=False, method="signalsmith_stretch", p=p)
    raise AssertionError(kind)


#: Parameters holding a material file path, per audiomentations transform class.
_PATH_KEYS = ("noise_file_path", "ir_file_path")


_ROOM_CLASS = None


def _simulated_room_class():
    """:class:`SimulatedRoom`, defined on first use so that importing this module stays light."""
    global _ROOM_CLASS
    if _ROOM_CLASS is not None:
        return _ROOM_CLASS
    from audiomentations.core.transforms_interface import BaseWaveformTransform

    from .transforms import draw_room, room_geometry

    class SimulatedRoom(BaseWaveformTransform):
        """Reverb from a simulated shoebox room (pyroomacoustics image-source method).

        Unlike audiomentations' RoomSimulator, which builds the room while sampling, the room here
        is built in ``apply`` from the sampled numbers alone, so frozen (recorded) parameters
        reproduce the clip exactly. Output keeps the input length; peak level is preserved."""

        supports_multichannel = False

        def __init__(self, min_rt60: float = 0.15, max_rt60: float = 0.6, p: float = 0.5) -> None:
            super().__init__(p)
            self.min_rt60, self.max_rt60 = min_rt60, max_rt60

        def randomize_parameters(self, samples, sample_rate):
            super().randomize_parameters(samples, sample_rate)
            if not self.parameters["should_apply"]:
                return
            self.parameters.update(draw_room(self.min_rt60, self.max_rt60))

        def apply(self, samples, sample_rate):
            import pyroomacoustics as pra
            from scipy.signal import fftconvolve

            dims, src, mic = room_geometry(self.parameters)
            absorption, max_order = pra.inverse_sabine(self.parameters["rt60"], dims)
            room = pra.ShoeBox(dims, fs=sample_rate, materials=pra.Material(absorption),
                               max_order=min(int(max_order), 12), air_absorption=False)
            room.add_source(src)
            room.add_microphone(mic)
            room.compute_rir()
            ir = np.asarray(room.rir[0][0], dtype=np.float64)
            wet = fftconvolve(samples.astype(np.float64), ir)[: samples.size]
            peak_in, peak_out = float(np.max(np.abs(samples))), float(np.max(np.abs(wet)))
            if peak_out > 0:
                wet *= peak_in / peak_out
            return wet.astype(np.float32)

    _ROOM_CLASS = SimulatedRoom
    return SimulatedRoom


class Augmenter:
    """Builds the chain once (per process) and applies it per clip.

    Each transform draws from the global generators seeded with (clip seed, its position), so one
    transform's draws never shift another's. Material files (noise, IRs) are read from resampled
    copies (:func:`cached_material`); rows record the original file path."""

    def __init__(self, config: AugmentConfig, recorded: list[str | None] | None = None) -> None:
        self.config = config
        recorded = recorded or [None] * len(config.transforms)
        self._chain = [(t["type"], _build(t, r)) for t, r in zip(config.transforms, recorded)]
        self._sr: int | None = None
        self._to_cache: dict[str, str] = {}
        self._to_orig: dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self._chain)

    @classmethod
    def from_records(cls, records: list[dict[str, Any]]) -> Augmenter:
        """A chain that can :meth:`replay` ``records`` without the run's augment config: each record
        names its transform class, and material files are taken from the recorded paths."""
        specs, names = [], []
        for rec in records:
            kind = rec.get("type")
            if kind not in _KEYS:
                raise SynthkitError(f"row records unknown augmentation {kind!r}")
            spec: dict[str, Any] = {"type": kind, "p": 1.0}
            path = rec.get("noise_file_path") or rec.get("ir_file_path")
            if rec.get("transform") in ("AddBackgroundNoise", "ApplyImpulseResponse"):
                if not path:  # not applied: any file will do, the transform is skipped
                    spec["type"] = "gain"
                    kind = "gain"
                else:
                    spec["dir"] = str(Path(path).parent)
            specs.append(spec)
            names.append(rec.get("transform"))
        aug = cls(AugmentConfig("replay", tuple(specs)), names)
        aug._chain = [(rec.get("type"), t) for rec, (_, t) in zip(records, aug._chain)]
        return aug

    def _use_rate(self, sr: int) -> None:
        """Point material-based transforms at copies resampled to ``sr`` (once per rate)."""
        if sr == self._sr:
            return
        self._sr = sr
        for _, t in self._chain:
            for attr in ("sound_file_paths", "ir_files"):
                if hasattr(t, attr):
                    origs = [self._to_orig.get(f, f) for f in getattr(t, attr)]
                    cached = [cached_material(f, sr) for f in origs]
                    self._to_cache.update(zip(origs, cached))
                    self._to_orig.update(zip(cached, origs))
                    setattr(t, attr, cached)
                    if hasattr(t, "time_info_arr"):
                        t.time_info_arr.fill(-1.0)

    def apply(self, x: np.ndarray, sr: int, seed: int) -> tuple[np.ndarray, list[dict[str, Any]]]:
        """Augment one clip; returns the clip and, per transform, what was sampled."""
        if not self._chain:
            return x, []
        self._use_rate(sr)
        records = []
        y = np.asarray(x, dtype=np.float32)
        for i, (kind, t) in enumerate(self._chain):
            seed_globals(derive_seed(seed, i))
            t.unfreeze_parameters()
            t.parameters = {"should_apply": None}  # audiomentations keeps values of earlier clips
            y = t(y, sr)
            rec = {"type": kind, "transform": type(t).__name__, **_jsonable(t.parameters)}
            for k in _PATH_KEYS:
                if k in rec:
                    rec[k] = self._to_orig.get(rec[k], rec[k])
            records.append(rec)
        return _limit(y), records

    def replay(self, x: np.ndarray, sr: int, seed: int, records: list[dict[str, Any]]) -> np.ndarray:
        """Re-apply recorded values -> the same clip :meth:`apply` gave.

        The recorded values are set as the transform's parameters and frozen. Transforms that also
        draw inside ``apply`` (coloured noise) see the same generator state as in :meth:`apply`,
        because the draws of ``randomize_parameters`` are repeated (and then overwritten) first."""
        if len(records) != len(self._chain):
            raise SynthkitError(f"row records {len(records)} augmentations but the chain has {len(self._chain)}")
        self._use_rate(sr)
        y = np.asarray(x, dtype=np.float32)
        for i, ((kind, t), rec) in enumerate(zip(self._chain, records)):
            if rec.get("type") != kind:
                raise SynthkitError(f"row records augmentation {rec.get('type')!r} where the chain has {kind!r}")
            params = {k: v for k, v in rec.items() if k not in ("type", "transform")}
            for k in _PATH_KEYS:
                if k in params:
                    params[k] = self._to_cache.get(params[k]) or cached_material(params[k], sr)
            seed_globals(derive_seed(seed, i))
            t.randomize_parameters(y, sr)
            t.parameters = params
            t.freeze_parameters()
            y = t(y, sr)
            t.unfreeze_parameters()
        return _limit(y)


def is_augmented(row: Any) -> bool:
    """Whether a manifest row's clip went through an augmentation transform (an ``augment`` record that
    applied). ``row``: anything with ``.get`` (an Utterance or a dict)."""
    records = row.get("augment")
    return isinstance(records, list) and any(isinstance(r, dict) and r.get("should_apply") for r in records)


def _limit(y: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak > 1.0:
        y = y * (LIMIT_PEAK / peak)
    return np.asarray(y, dtype=np.float32)
