"""Training losses on waveforms ``(B, N)``: multi-resolution STFT, log-mel, and compressed spectra.

The compressed terms (magnitude^0.3 and complex with that magnitude) keep phase and fine structure
aligned with the clean reference, which is what PESQ/STOI and speaker similarity reward; the
multi-resolution and mel terms keep the overall spectral envelope right at every time scale.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch.nn import functional as F

from .spectral import LOG_FLOOR, StftSpec, mel_filterbank, stft

RESOLUTIONS = (StftSpec(256, 64), StftSpec(512, 128), StftSpec(1024, 256))
COMPRESS = 0.3


@dataclass(frozen=True)
class LossWeights:
    stft: float = 1.0  # multi-resolution spectral convergence + log-magnitude L1
    mel: float = 1.0  # log-mel L1
    mag: float = 2.0  # compressed-magnitude MSE
    complex: float = 1.0  # compressed-complex MSE

    def to_dict(self):
        return asdict(self)


class ReconstructionLoss(torch.nn.Module):
    def __init__(self, sample_rate: int, spec: StftSpec, weights: LossWeights = LossWeights(), n_mels: int = 80):
        super().__init__()
        self.spec, self.weights = spec, weights
        self.mel_spec = StftSpec(1024, 256)
        self.register_buffer("fb", mel_filterbank(sample_rate, 1024, n_mels), persistent=False)

    def forward(self, y: torch.Tensor, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """``y`` output, ``x`` clean reference, both ``(B, N)``. Returns the terms and ``loss`` (their
        weighted sum)."""
        terms = {}
        sc = mag = 0.0
        for r in RESOLUTIONS:
            ym, xm = stft(y, r).abs(), stft(x, r).abs()
            sc = sc + torch.linalg.norm(ym - xm) / (torch.linalg.norm(xm) + 1e-6)
            mag = mag + F.l1_loss(torch.log(ym.clamp_min(LOG_FLOOR)), torch.log(xm.clamp_min(LOG_FLOOR)))
        terms["stft"] = (sc + mag) / len(RESOLUTIONS)
        ym, xm = stft(y, self.mel_spec).abs(), stft(x, self.mel_spec).abs()
        terms["mel"] = F.l1_loss(torch.log((self.fb @ ym).clamp_min(LOG_FLOOR)),
                                 torch.log((self.fb @ xm).clamp_min(LOG_FLOOR)))
        ys, xs = stft(y, self.spec), stft(x, self.spec)
        ya, xa = ys.abs().clamp_min(1e-8), xs.abs().clamp_min(1e-8)
        yc, xc = ya.pow(COMPRESS), xa.pow(COMPRESS)
        terms["mag"] = F.mse_loss(yc, xc)
        terms["complex"] = F.mse_loss(torch.view_as_real(ys / ya * yc), torch.view_as_real(xs / xa * xc))
        w = self.weights
        terms["loss"] = w.stft * terms["stft"] + w.mel * terms["mel"] + w.mag * terms["mag"] + w.complex * terms["complex"]
        return terms
