"""Whisper's audio encoder as a torch module synthkit owns, converted from CTranslate2 weights.

The Whisper base weights synthkit installs (``synthkit.models.folder("whisper-base")``) are a
CTranslate2 ``model.bin``. That file is simple: a little-endian header (binary version, spec name,
spec revision), then ``count`` variables, each ``name`` (uint16 length with its NUL, UTF-8 bytes),
``rank`` (uint8), ``rank`` uint32 dimensions, a dtype id (uint8: float32, int8, int16, int32,
float16, bfloat16) and a uint32 byte count followed by the raw row-major data; then aliases (pairs of
names). :func:`read_ctranslate2` reads the ``encoder/*`` variables (seeking past the decoder) and
:func:`convert` maps them onto :class:`WhisperEncoder`:

* ``encoder/conv1``, ``conv2`` — the convolutional stem (80 mel bins -> 512, kernel 3; the second with
  stride 2: 100 mel frames/s in, 50 encoder frames/s out), each followed by GELU;
* ``encoder/position_encodings/encodings`` — the fixed sinusoidal positions (1500 = 30 s);
* ``encoder/layer_i/self_attention`` — pre-LayerNorm attention with a fused query/key/value projection
  (``linear_0``, 3 x 512 rows; the key rows have zero bias) and the output projection (``linear_1``);
* ``encoder/layer_i/ffn`` — pre-LayerNorm 512 -> 2048 -> 512 MLP with GELU;
* ``encoder/layer_norm`` — the final LayerNorm (what CTranslate2's ``Whisper.encode`` returns after).

The conversion runs once per installed copy and is cached as a float16 torch state dict under
``synthkit.models.cache_root()/whisper-encoder/`` (keyed by the model.bin's SHA-256), so later loads
cost one ``torch.load``. ``tests/test_restore_whisper.py`` checks the module against CTranslate2's own
encoder on real speech.

:func:`log_mel` is Whisper's front end (25 ms Hann window, 10 ms hop, 80 Slaney mel bins, log10,
floor at the clip's maximum - 8, ``(x + 4) / 4``) in torch, so gradients flow back to the waveform
(the training recipe's content loss needs that).

Hidden-state numbering (``hidden_states(mel)[k]``): ``0`` is the input of the first transformer block
(stem + positions), ``k`` the output of block ``k``, and the last entry (``k = layers``) the final
LayerNorm's output, which equals ``ctranslate2.models.Whisper.encode``.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SynthkitError, missing_extra

#: CTranslate2 dtype ids (include/ctranslate2/types.h order) -> numpy dtypes (bfloat16 read as uint16).
CT2_DTYPES = (np.float32, np.int8, np.int16, np.int32, np.float16, np.uint16)
BFLOAT16_ID = 5
#: Whisper's front end.
SAMPLE_RATE, N_FFT, HOP, N_MELS = 16000, 400, 160, 80
#: Encoder frames per second (the stem's second convolution halves the 100 mel frames/s).
FRAME_RATE = SAMPLE_RATE // (2 * HOP)
#: Samples per encoder frame.
ENCODER_HOP = 2 * HOP
#: Log-mel floor below the clip's maximum (log10 units) and the normalisation Whisper applies after it.
LOG_RANGE, LOG_SHIFT, LOG_SCALE = 8.0, 4.0, 4.0
#: Cached conversions live here under ``synthkit.models.cache_root()``.
CACHE_DIR = "whisper-encoder"
CACHE_FORMAT = 1


@dataclass(frozen=True)
class EncoderDims:
    n_mels: int = 80
    dim: int = 512
    heads: int = 8
    layers: int = 6
    positions: int = 1500


def read_ctranslate2(path: str | os.PathLike, prefix: str = "encoder/") -> tuple[str, dict[str, np.ndarray]]:
    """``(spec name, {variable name: array})`` for the variables of a CTranslate2 ``model.bin``
    whose names start with ``prefix`` (the others are skipped without being read).

    Raises :class:`SynthkitError` for a file that is not a CTranslate2 model of a version this reader
    knows (binary versions 5 and 6: names carry their length as uint16)."""
    path = Path(path)
    out: dict[str, np.ndarray] = {}
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise SynthkitError(f"cannot open CTranslate2 model {path}: {exc.strerror}") from None
    with f:
        size = os.fstat(f.fileno()).st_size

        def take(fmt: str):
            n = struct.calcsize(fmt)
            raw = f.read(n)
            if len(raw) != n:
                raise SynthkitError(f"{path} is truncated (not a complete CTranslate2 model.bin)")
            return struct.unpack("<" + fmt, raw)[0]

        def string() -> str:
            n = take("H")
            raw = f.read(n)
            if len(raw) != n or not raw.endswith(b"\0"):
                raise SynthkitError(f"{path} is not a CTranslate2 model.bin (bad name record)")
            return raw[:-1].decode("utf-8")

        version = take("I")
        if version not in (5, 6):
            raise SynthkitError(f"{path}: CTranslate2 binary version {version} is not supported (5 or 6); "
                                "convert the model again with a current ctranslate2")
        spec = string()
        take("I")  # spec revision
        for _ in range(take("I")):
            name = string()
            shape = tuple(take("I") for _ in range(take("B")))
            dtype_id, nbytes = take("B"), take("I")
            if not name.startswith(prefix):
                f.seek(nbytes, os.SEEK_CUR)
                if f.tell() > size:
                    raise SynthkitError(f"{path} is truncated (not a complete CTranslate2 model.bin)")
                continue
            if dtype_id >= len(CT2_DTYPES):
                raise SynthkitError(f"{path}: variable {name} has unknown dtype id {dtype_id}")
            raw = f.read(nbytes)
            if len(raw) != nbytes:
                raise SynthkitError(f"{path} is truncated (not a complete CTranslate2 model.bin)")
            a = np.frombuffer(raw, dtype=CT2_DTYPES[dtype_id]).reshape(shape)
            if dtype_id == BFLOAT16_ID:  # bfloat16 = the upper half of a float32
                a = (a.astype(np.uint32) << 16).view(np.float32)
            out[name] = a
    return spec, out


def convert(variables: dict[str, np.ndarray], spec: str = "WhisperSpec") -> tuple[EncoderDims, dict[str, Any]]:
    """CTranslate2 ``encoder/*`` variables -> (:class:`EncoderDims`, state dict of :class:`WhisperEncoder`)."""
    import torch

    if spec != "WhisperSpec":
        raise SynthkitError(f"the CTranslate2 model is a {spec}, not a Whisper model")
    v = {k[len("encoder/"):]: a for k, a in variables.items()}
    if any(k.endswith("weight_scale") for k in v):
        raise SynthkitError("the CTranslate2 Whisper model is quantized (int8/int16 weights); convert it with "
                            "float16 or float32 weights (ct2-transformers-converter --quantization float16)")
    try:
        n_layers = 1 + max(int(m.group(1)) for k in v if (m := re.match(r"layer_(\d+)/", k)))
        heads = int(v["num_heads"])
        pos = v["position_encodings/encodings"]
        conv1 = v["conv1/weight"]
    except (KeyError, ValueError) as exc:
        raise SynthkitError(f"the CTranslate2 model has no complete Whisper encoder ({exc})") from None
    dims = EncoderDims(n_mels=int(conv1.shape[1]), dim=int(conv1.shape[0]), heads=heads, layers=n_layers,
                       positions=int(pos.shape[0]))

    def t(name: str):
        return torch.from_numpy(np.ascontiguousarray(v[name], dtype=np.float32))

    state = {"conv1.weight": t("conv1/weight"), "conv1.bias": t("conv1/bias"),
             "conv2.weight": t("conv2/weight"), "conv2.bias": t("conv2/bias"),
             "positions": t("position_encodings/encodings"),
             "ln_post.weight": t("layer_norm/gamma"), "ln_post.bias": t("layer_norm/beta")}
    for i in range(n_layers):
        src, dst = f"layer_{i}/", f"blocks.{i}."
        for a, b in (("self_attention/layer_norm/gamma", "attn_ln.weight"), ("self_attention/layer_norm/beta", "attn_ln.bias"),
                     ("self_attention/linear_0/weight", "qkv.weight"), ("self_attention/linear_0/bias", "qkv.bias"),
                     ("self_attention/linear_1/weight", "out.weight"), ("self_attention/linear_1/bias", "out.bias"),
                     ("ffn/layer_norm/gamma", "mlp_ln.weight"), ("ffn/layer_norm/beta", "mlp_ln.bias"),
                     ("ffn/linear_0/weight", "fc1.weight"), ("ffn/linear_0/bias", "fc1.bias"),
                     ("ffn/linear_1/weight", "fc2.weight"), ("ffn/linear_1/bias", "fc2.bias")):
            try:
                state[dst + b] = t(src + a)
            except KeyError:
                raise SynthkitError(f"the CTranslate2 Whisper encoder lacks {src + a}") from None
    return dims, state


def _torch():
    try:
        import torch
    except ImportError:
        raise missing_extra("torch", "quality", "Whisper encoder features") from None
    return torch


_ENCODER_CLASS = None


def _encoder_class():
    global _ENCODER_CLASS
    if _ENCODER_CLASS is not None:
        return _ENCODER_CLASS
    torch = _torch()
    from torch import nn
    from torch.nn import functional as F

    class Block(nn.Module):
        def __init__(self, dim: int, heads: int) -> None:
            super().__init__()
            self.heads = heads
            self.attn_ln = nn.LayerNorm(dim)
            self.qkv = nn.Linear(dim, 3 * dim)
            self.out = nn.Linear(dim, dim)
            self.mlp_ln = nn.LayerNorm(dim)
            self.fc1 = nn.Linear(dim, 4 * dim)
            self.fc2 = nn.Linear(4 * dim, dim)

        def forward(self, x):
            b, t, d = x.shape
            q, k, v = self.qkv(self.attn_ln(x)).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
            y = F.scaled_dot_product_attention(q, k, v)
            x = x + self.out(y.transpose(1, 2).reshape(b, t, d))
            return x + self.fc2(F.gelu(self.fc1(self.mlp_ln(x))))

    class WhisperEncoder(nn.Module):
        """Whisper's encoder: log-mel ``(B, n_mels, T)`` -> ``(B, ceil(T / 2), dim)`` (50 frames/s).

        Runs on any length up to ``positions`` output frames (30 s), without padding to 30 s."""

        def __init__(self, dims: EncoderDims) -> None:
            super().__init__()
            self.dims = dims
            self.conv1 = nn.Conv1d(dims.n_mels, dims.dim, 3, padding=1)
            self.conv2 = nn.Conv1d(dims.dim, dims.dim, 3, stride=2, padding=1)
            self.register_buffer("positions", torch.zeros(dims.positions, dims.dim))
            self.blocks = nn.ModuleList(Block(dims.dim, dims.heads) for _ in range(dims.layers))
            self.ln_post = nn.LayerNorm(dims.dim)

        def hidden_states(self, mel, upto: int | None = None) -> list:
            """``[h_0, ..., h_upto]`` (see the module doc for the numbering); ``upto`` defaults to all
            (``layers``: the last entry is the final LayerNorm's output)."""
            n = self.dims.layers if upto is None else int(upto)
            if not 0 <= n <= self.dims.layers:
                raise ValueError(f"layer {upto} out of range 0..{self.dims.layers}")
            x = F.gelu(self.conv1(mel))
            x = F.gelu(self.conv2(x)).transpose(1, 2)
            if x.shape[1] > self.dims.positions:
                raise ValueError(f"{x.shape[1]} encoder frames exceed the {self.dims.positions} positions "
                                 "Whisper has (30 s); split the input")
            x = x + self.positions[: x.shape[1]].to(x.dtype)
            out = [x]
            for i, block in enumerate(self.blocks[:n]):
                x = block(x)
                out.append(self.ln_post(x) if i + 1 == self.dims.layers else x)
            return out

        def forward(self, mel, layer: int | None = None):
            """Hidden state ``layer`` (default: the final output)."""
            return self.hidden_states(mel, layer)[-1]

    _ENCODER_CLASS = WhisperEncoder
    return WhisperEncoder


def build_encoder(dims: EncoderDims = EncoderDims()):
    """A :class:`WhisperEncoder` with zero weights (fill it with ``load_state_dict``)."""
    return _encoder_class()(dims)


_mel_fb: dict[tuple[str, str], Any] = {}


def log_mel(wave, n_mels: int = N_MELS):
    """Whisper's log-mel features of ``(B, N)`` 16 kHz waveforms: ``(B, n_mels, N // 160)``.

    Differentiable. The floor (maximum - 8) is taken per clip, as Whisper does for one clip."""
    torch = _torch()
    from .spectral import mel_filterbank

    key = (str(wave.device), str(wave.dtype))
    fb = _mel_fb.get(key + (n_mels,))
    if fb is None:
        fb = _mel_fb[key + (n_mels,)] = mel_filterbank(SAMPLE_RATE, N_FFT, n_mels).to(wave.device, wave.dtype)
    window = torch.hann_window(N_FFT, device=wave.device, dtype=wave.dtype)
    pad_mode = "reflect" if wave.shape[-1] > N_FFT // 2 else "constant"
    spec = torch.stft(wave, N_FFT, HOP, N_FFT, window, center=True, pad_mode=pad_mode, return_complex=True)
    power = spec[..., :-1].abs() ** 2
    mel = torch.log10((fb @ power).clamp_min(1e-10))
    floor = mel.amax(dim=(1, 2), keepdim=True) - LOG_RANGE
    return (torch.maximum(mel, floor) + LOG_SHIFT) / LOG_SCALE


def _source_sha256(model_bin: Path) -> str:
    """The recorded SHA-256 when ``model_bin`` is the installed whisper-base file, else its hash."""
    from .. import models

    part = next(p for p in models.WHISPER_BASE.parts if p.name == "model.bin")
    if model_bin.resolve() == (models.cache_root() / models.WHISPER_BASE.name / "model.bin").resolve():
        return part.sha256
    return models._sha256([model_bin])


def load_encoder(model: str | os.PathLike = "whisper-base", device: str = "cpu"):
    """A frozen :class:`WhisperEncoder` in eval mode, from a ``synthkit.models`` bundle name
    (``whisper-base``) or a CTranslate2 Whisper folder (one holding ``model.bin``).

    Converted from ``model.bin`` on first use and cached as a torch file (see the module doc)."""
    torch = _torch()
    from .. import models

    name = str(model)
    if name in models.BUNDLES:
        folder = models.folder(name)
    else:
        folder = Path(name).expanduser()
        if not (folder / "model.bin").is_file():
            raise SynthkitError(f"{folder} is not a CTranslate2 Whisper folder (no model.bin); give a folder or "
                                f"one of {', '.join(b for b in models.BUNDLES if b.startswith('whisper'))}")
    model_bin = folder / "model.bin"
    sha = _source_sha256(model_bin)
    cached = models.cache_root() / CACHE_DIR / f"{sha[:16]}.pt"
    data = None
    if cached.is_file():
        try:
            data = torch.load(cached, map_location="cpu", weights_only=True)
            if data.get("format") != CACHE_FORMAT or data.get("source_sha256") != sha:
                data = None
        except Exception:  # a damaged cache file is made again
            data = None
    if data is None:
        spec, variables = read_ctranslate2(model_bin)
        dims, state = convert(variables, spec)
        data = {"format": CACHE_FORMAT, "source_sha256": sha, "dims": dims.__dict__,
                "state_dict": {k: v.half() for k, v in state.items()}}
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        torch.save(data, tmp)
        os.replace(tmp, cached)
    enc = build_encoder(EncoderDims(**data["dims"]))
    enc.load_state_dict({k: v.float() for k, v in data["state_dict"].items()})
    enc.source = str(model_bin)
    return enc.eval().requires_grad_(False).to(device)
