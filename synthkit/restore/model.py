"""The restoration model (features -> cleaner -> vocoder) and its checkpoint bundle.

A bundle is one file holding everything needed to restore audio: the :class:`RestoreConfig`
(sample rate, STFT, feature extractor, cleaner and vocoder sizes, chunking), the weights (float16 on
disk), the feature normalisation, and training metadata. :func:`load_checkpoint` is the one call that
turns a path (or nothing: the checkpoint shipped in the package) into a ready model::

    from synthkit.restore.model import load_checkpoint
    model = load_checkpoint()            # the shipped default, on CPU
    y, sr = model.restore(x, 44100)      # any rate in; model.sample_rate out

Pretrained-encoder weights (``hf`` features) are not stored in bundles; the bundle names the
encoder (hub name or folder) and it is loaded from there.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import check_keys
from ..errors import SynthkitError, missing_extra

#: Bundle format name and version written into every checkpoint.
FORMAT, FORMAT_VERSION = "synthkit-restore", 1
#: The checkpoint shipped in the package (trained by recipes/restore_train).
DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "default.pt"


def checkpoint_path(spec: str | os.PathLike | None) -> Path:
    """``--checkpoint`` -> a bundle path: ``None`` is the shipped default; a bare name (no folder, no
    such file here) is a checkpoint shipped with synthkit, e.g. ``whisper`` (``checkpoints/whisper.pt``);
    anything else is a path. A bare name that is neither raises :class:`SynthkitError` naming the shipped ones."""
    if spec is None:
        return DEFAULT_CHECKPOINT
    path = Path(spec)
    if path.exists() or path.parent != Path("."):
        return path
    shipped = DEFAULT_CHECKPOINT.parent / f"{path.name}.pt"
    if path.suffix == "" and shipped.is_file():
        return shipped
    names = ", ".join(sorted(p.stem for p in DEFAULT_CHECKPOINT.parent.glob("*.pt")))
    raise SynthkitError(f"--checkpoint {spec}: no such file, and synthkit ships no checkpoint of that name "
                        f"(shipped: {names})")
#: Speaker encoders a cleaner can be conditioned on (name -> embedding size).
SPEAKER_ENCODERS = {"resemblyzer": 256}


@dataclass(frozen=True)
class RestoreConfig:
    """Everything that shapes a restoration model (stored in its checkpoint)."""

    sample_rate: int = 16000
    n_fft: int = 512
    hop: int = 160
    features: dict[str, Any] = field(default_factory=lambda: {"type": "logmel", "n_mels": 80})
    cleaner: dict[str, Any] = field(default_factory=dict)  # CleanerConfig keys
    vocoder: dict[str, Any] = field(default_factory=dict)  # VocoderConfig keys
    chunk_seconds: float = 8.0  # long clips are restored in chunks of this length...
    overlap_seconds: float = 0.5  # ...cross-faded over this much
    phoneme_vocab: tuple[str, ...] = ()  # phoneme conditioning: id i+1 = phoneme_vocab[i]
    speaker_encoder: str | None = None  # speaker conditioning: a name from SPEAKER_ENCODERS

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["phoneme_vocab"] = list(self.phoneme_vocab)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "model config") -> RestoreConfig:
        from .cleaner import CleanerConfig
        from .vocoder import VocoderConfig

        check_keys(d, [f for f in cls.__dataclass_fields__], where)
        d = dict(d)
        d["phoneme_vocab"] = tuple(d.get("phoneme_vocab") or ())
        cfg = cls(**d)
        check_keys(cfg.cleaner, CleanerConfig.__dataclass_fields__, f"{where} cleaner")
        check_keys(cfg.vocoder, VocoderConfig.__dataclass_fields__, f"{where} vocoder")
        if cfg.speaker_encoder is not None and cfg.speaker_encoder not in SPEAKER_ENCODERS:
            raise SynthkitError(f"{where}: unknown speaker_encoder {cfg.speaker_encoder!r}; "
                                f"use one of {', '.join(SPEAKER_ENCODERS)}")
        return cfg

    def cleaner_config(self):
        from .cleaner import CleanerConfig

        c = dict(self.cleaner)
        if self.speaker_encoder:
            c["speaker_dim"] = SPEAKER_ENCODERS[self.speaker_encoder]
        if self.phoneme_vocab:
            c["phonemes"] = len(self.phoneme_vocab) + 2  # + padding (0) and unknown (last)
        return CleanerConfig(**c)

    def vocoder_config(self):
        from .vocoder import VocoderConfig

        return VocoderConfig(**self.vocoder)


def _torch():
    try:
        import torch
    except ImportError:
        raise missing_extra("torch", "quality", "Restoration models") from None
    return torch


def build_model(config: RestoreConfig):
    """A freshly initialised :class:`RestoreModel` for ``config``."""
    _torch()
    return _model_class()(config)


_MODEL_CLASS = None


def _model_class():
    global _MODEL_CLASS
    if _MODEL_CLASS is not None:
        return _MODEL_CLASS
    torch = _torch()
    from torch import nn

    from .cleaner import FeatureCleaner
    from .features import align_frames, make_extractor
    from .spectral import StftSpec, istft, stft
    from .vocoder import SpectralVocoder

    class RestoreModel(nn.Module):
        """features -> cleaner -> vocoder. Waveforms ``(B, N)`` at ``sample_rate``."""

        def __init__(self, config: RestoreConfig) -> None:
            super().__init__()
            self.config = config
            self.sample_rate = int(config.sample_rate)
            self.stft_spec = StftSpec(int(config.n_fft), int(config.hop))
            self.extractor = make_extractor(dict(config.features), self.sample_rate)
            dim = int(self.extractor.dim)
            self.register_buffer("feat_mean", torch.zeros(dim))
            self.register_buffer("feat_std", torch.ones(dim))
            self.cleaner = FeatureCleaner(dim, config.cleaner_config())
            self.vocoder = SpectralVocoder(dim, self.stft_spec, config.vocoder_config())
            self._speaker_encoder = None

        # -- the three parts, usable one at a time (training runs them as separate stages) --------
        def features(self, wave):
            """``(B, N)`` -> normalised features ``(B, T_feat, D)``."""
            return (self.extractor(wave) - self.feat_mean) / self.feat_std

        def clean(self, feats, speaker=None, phonemes=None):
            """Normalised degraded features -> normalised clean features, ``(B, T, D)``."""
            return self.cleaner(feats, speaker=speaker, phonemes=phonemes)

        def synthesize(self, feats, wave):
            """Features ``(B, T_feat, D)`` + the input waveform ``(B, N)`` (its spectrum, when the
            vocoder reads one) -> output waveform ``(B, N)``."""
            n = wave.shape[-1]
            frames = self.stft_spec.frames(n)
            spec = stft(wave, self.stft_spec) if self.vocoder.config.input_spectrum else None
            out = self.vocoder(align_frames(feats, frames), spec)
            return istft(out, self.stft_spec, n)

        def forward(self, wave, speaker=None, phonemes=None):
            """``(B, N)`` degraded -> ``(B, N)`` restored."""
            return self.synthesize(self.clean(self.features(wave), speaker, phonemes), wave)

        # -- conditioning inputs --------------------------------------------------------------------
        def speaker_embedding(self, x: np.ndarray):
            """``(1, S)`` speaker embedding of a clip at ``sample_rate`` (speaker-conditioned models)."""
            if not self.config.speaker_encoder:
                return None
            from .conditioning import speaker_embedding

            return torch.from_numpy(speaker_embedding(x, self.sample_rate, self.config.speaker_encoder))[None]

        def phoneme_ids(self, phonemes: str | None):
            """``(1, L)`` ids of a space-separated phoneme string (phoneme-conditioned models)."""
            if not self.config.phoneme_vocab:
                return None
            from .conditioning import phoneme_ids

            return torch.tensor([phoneme_ids(phonemes or "", self.config.phoneme_vocab)], dtype=torch.long)

        # -- whole clips ----------------------------------------------------------------------------
        @torch.no_grad()
        def restore(self, x: np.ndarray, sr: int, phonemes: str | None = None) -> tuple[np.ndarray, int]:
            """Restore one mono clip (float32 at any rate) -> ``(restored float32, sample_rate)``.

            Long clips are processed in chunks of ``chunk_seconds`` cross-faded over
            ``overlap_seconds``, so memory and time grow linearly with length."""
            from ..audio import resample

            self.eval()
            x = resample(np.asarray(x, dtype=np.float32), int(sr), self.sample_rate)
            if x.size == 0:
                return x, self.sample_rate
            device = self.feat_mean.device
            speaker = self.speaker_embedding(x)
            ph = self.phoneme_ids(phonemes)
            speaker = None if speaker is None else speaker.to(device)
            ph = None if ph is None else ph.to(device)
            chunk = max(int(self.config.chunk_seconds * self.sample_rate), 4 * self.stft_spec.n_fft)
            overlap = min(int(self.config.overlap_seconds * self.sample_rate), chunk // 4)
            out = np.zeros_like(x)
            weight = np.zeros_like(x)
            step = chunk - overlap
            starts = list(range(0, max(x.size - overlap, 1), step))
            for s in starts:
                seg = x[s:s + chunk]
                y = self(torch.from_numpy(np.ascontiguousarray(seg))[None].to(device), speaker, ph)[0]
                y = y.float().cpu().numpy()
                w = np.ones(seg.size, dtype=np.float32)
                if s > 0 and overlap:  # fade in over the overlap with the previous chunk
                    w[:overlap] = np.linspace(0, 1, overlap + 2, dtype=np.float32)[1:-1]
                if s + chunk < x.size and overlap:  # fade out into the next chunk
                    w[-overlap:] = np.minimum(w[-overlap:], np.linspace(1, 0, overlap + 2, dtype=np.float32)[1:-1])
                out[s:s + seg.size] += w * y
                weight[s:s + seg.size] += w
            y = out / np.maximum(weight, 1e-6)
            peak = float(np.max(np.abs(y)))
            if peak > 1.0:  # never clip: scale the whole clip down instead
                y = y * (0.99 / peak)
            return y.astype(np.float32), self.sample_rate

    _MODEL_CLASS = RestoreModel
    return RestoreModel


# --- the bundle --------------------------------------------------------------------------------

def save_checkpoint(path: str | os.PathLike, model: Any, meta: dict[str, Any] | None = None,
                    half: bool = True) -> Path:
    """Write ``model`` (config + weights + sample rate + ``meta``) as one bundle, atomically.

    ``half`` stores floating-point weights as float16 (half the size; loading returns float32)."""
    torch = _torch()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: (v.detach().cpu().half() if half and v.is_floating_point() else v.detach().cpu())
             for k, v in model.state_dict().items()}
    bundle = {"format": FORMAT, "version": FORMAT_VERSION, "sample_rate": model.sample_rate,
              "config": model.config.to_dict(), "state_dict": state, "meta": dict(meta or {})}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(bundle, tmp)
    os.replace(tmp, path)
    return path


def read_bundle(path: str | os.PathLike) -> dict[str, Any]:
    """The raw bundle dict (config, state_dict, meta), checked for format. Safe to load: tensors and
    plain data only (``weights_only``)."""
    torch = _torch()
    path = Path(path)
    if not path.is_file():
        raise SynthkitError(f"checkpoint not found: {path}")
    try:
        bundle = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, truncated files, not a torch file
        raise SynthkitError(f"cannot read checkpoint {path}: {str(exc).splitlines()[0][:200]}") from None
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise SynthkitError(f"{path} is not a synthkit restoration checkpoint")
    if int(bundle.get("version", 0)) > FORMAT_VERSION:
        raise SynthkitError(f"{path} was written by a newer synthkit (format {bundle['version']}); upgrade synthkit")
    return bundle


_DEVICE = re.compile(r"^(cpu|cuda(:[0-9]+)?|auto)$")


def check_device(name: str, auto: bool = False) -> str:
    """``cpu``, ``cuda`` or ``cuda:N`` (and ``auto`` when ``auto``) that torch can use here, else a
    one-line :class:`SynthkitError`: before any work, not a traceback in a worker."""
    if not isinstance(name, str) or not _DEVICE.match(name) or (name == "auto" and not auto):
        raise SynthkitError(f"device {name!r} is not one synthkit knows; use cpu or cuda[:N]" + (" or auto" if auto else ""))
    if name.startswith("cuda"):
        torch = _torch()
        if not torch.cuda.is_available():
            raise SynthkitError(f"device {name}: torch sees no GPU here (a CPU-only build, or no driver); use cpu")
        index = int(name.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise SynthkitError(f"device {name}: torch sees {torch.cuda.device_count()} GPU(s), numbered from 0")
    return name


def load_checkpoint(path: str | os.PathLike | None = None, device: str = "cpu"):
    """The one call: a bundle path (``None``: the shipped default) -> a ready :class:`RestoreModel`
    in eval mode on ``device``."""
    torch = _torch()
    path = checkpoint_path(path)
    if path == DEFAULT_CHECKPOINT and not path.is_file():
        raise SynthkitError(f"the default restoration checkpoint is missing ({path}); reinstall synthkit "
                            "or pass --checkpoint")
    bundle = read_bundle(path)
    config = RestoreConfig.from_dict(bundle["config"], f"{path} config")
    model = build_model(config)
    state = {k: v.float() if v.is_floating_point() else v for k, v in bundle["state_dict"].items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SynthkitError(f"{path}: weights do not fit the model it describes "
                            f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    model.meta = dict(bundle.get("meta") or {})
    model.checkpoint_path = str(path)
    return model.to(torch.device(device)).eval()


def count_parameters(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())
