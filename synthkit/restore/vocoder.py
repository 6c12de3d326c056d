"""The vocoder: (cleaned) features -> complex STFT -> waveform, Vocos-style (no transposed convolutions;
an inverse STFT makes the waveform, which is cheap on CPU).

A ConvNeXt backbone reads the features aligned to STFT frames and, when ``input_spectrum`` is on,
the compressed magnitude of the degraded input's STFT. The head predicts, per frequency bin:

* a mask ``m`` in [0, 1] applied to the input's complex STFT ``X`` (keeps what is good in the
  input, with its phase: this is what preserves the speaker's voice and timing), and
* a generated component ``G = exp(g) * e^{i*phi}`` (magnitude and phase, as in Vocos), which
  supplies what the input lacks: bands removed by band-limiting or codecs, masked-out speech.

Output ``S = m * X + G``. With ``input_spectrum`` off the mask term is dropped and the vocoder is a
plain Vocos-style generator from features alone (the Miipher arrangement). The head starts as a
pass-through (``m`` near 1, ``G`` near 0), so an untrained vocoder returns its input.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from .spectral import StftSpec

#: Magnitude compression for the spectrum the backbone reads.
SPEC_COMPRESS = 0.3
#: Initial mask logit (sigmoid(4) ~ 0.98: pass the input through) and generated log-magnitude.
MASK_INIT, GEN_INIT = 4.0, -9.0
#: Bound on the generated log-magnitude (exp(4) ~ 55, well above any speech STFT bin).
GEN_MAX = 4.0


@dataclass(frozen=True)
class VocoderConfig:
    dim: int = 256
    layers: int = 6
    kernel: int = 7
    mult: int = 3  # ConvNeXt MLP width = dim * mult
    input_spectrum: bool = True  # also read the degraded input's STFT and predict a mask on it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ConvNeXtBlock(nn.Module):
    """Depthwise conv -> LayerNorm -> MLP, with a learned per-channel scale on the residual. ``(B, D, T)``."""

    def __init__(self, dim: int, kernel: int, mult: int, scale: float) -> None:
        super().__init__()
        self.dw = nn.Conv1d(dim, dim, kernel, padding=kernel // 2, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.up = nn.Linear(dim, dim * mult)
        self.down = nn.Linear(dim * mult, dim)
        self.gamma = nn.Parameter(torch.full((dim,), scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dw(x).transpose(1, 2)
        y = self.down(F.gelu(self.up(self.norm(y))))
        return x + (self.gamma * y).transpose(1, 2)


class SpectralVocoder(nn.Module):
    def __init__(self, feat_dim: int, stft_spec: StftSpec, config: VocoderConfig = VocoderConfig()) -> None:
        super().__init__()
        self.config, self.stft_spec = config, stft_spec
        bins = stft_spec.bins
        in_dim = feat_dim + (bins if config.input_spectrum else 0)
        self.inp = nn.Conv1d(in_dim, config.dim, config.kernel, padding=config.kernel // 2)
        self.norm_in = nn.LayerNorm(config.dim)
        self.blocks = nn.ModuleList(ConvNeXtBlock(config.dim, config.kernel, config.mult, 1.0 / config.layers)
                                    for _ in range(config.layers))
        self.norm_out = nn.LayerNorm(config.dim)
        n_out = (4 if config.input_spectrum else 3) * bins
        self.head = nn.Linear(config.dim, n_out)
        with torch.no_grad():
            self.head.weight.mul_(0.1)
            self.head.bias.zero_()
            if config.input_spectrum:
                self.head.bias[:bins] = MASK_INIT
                self.head.bias[bins:2 * bins] = GEN_INIT

    def forward(self, feats: torch.Tensor, spec: torch.Tensor | None = None) -> torch.Tensor:
        """``feats`` ``(B, T, D)`` aligned to STFT frames; ``spec`` complex ``(B, F, T)`` of the input
        (required when ``input_spectrum``). Returns the output complex STFT ``(B, F, T)``."""
        bins = self.stft_spec.bins
        x = feats.transpose(1, 2)  # (B, D, T)
        if self.config.input_spectrum:
            if spec is None:
                raise ValueError("this vocoder reads the input spectrum; pass spec=(B, F, T)")
            x = torch.cat([x, spec.abs().clamp_min(1e-8).pow(SPEC_COMPRESS)], dim=1)
        h = self.norm_in(self.inp(x).transpose(1, 2)).transpose(1, 2)
        for block in self.blocks:
            h = block(h)
        out = self.head(self.norm_out(h.transpose(1, 2))).transpose(1, 2)  # (B, n_out, T)
        if self.config.input_spectrum:
            m, g, px, py = out.split(bins, dim=1)
        else:
            g, px, py = out.split(bins, dim=1)
        mag = torch.exp(g.clamp(max=GEN_MAX))
        # phase as a unit vector (px, py) without atan2: cos = px / r, sin = py / r
        r = torch.sqrt(px * px + py * py + 1e-9)
        gen = torch.complex(mag * px / r, mag * py / r)
        if self.config.input_spectrum:
            return torch.sigmoid(m) * spec + gen
        return gen
