"""STFT helpers shared by the feature extractors, the vocoder and the training losses.

Waveforms are ``(B, N)`` float tensors; complex spectra are ``(B, F, T)`` with ``F = n_fft // 2 + 1``
and ``T = N // hop + 1`` (centred frames, Hann window of ``n_fft`` samples).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Floor under magnitudes before a logarithm.
LOG_FLOOR = 1e-5


@dataclass(frozen=True)
class StftSpec:
    """One STFT resolution (samples)."""

    n_fft: int = 512
    hop: int = 160

    @property
    def bins(self) -> int:
        return self.n_fft // 2 + 1

    def frames(self, n_samples: int) -> int:
        return n_samples // self.hop + 1


def stft(wave, spec: StftSpec):
    """``(B, N)`` -> complex ``(B, F, T)``."""
    import torch

    window = torch.hann_window(spec.n_fft, device=wave.device, dtype=wave.dtype)
    pad_mode = "reflect" if wave.shape[-1] > spec.n_fft // 2 else "constant"  # reflect needs enough samples
    return torch.stft(wave, spec.n_fft, spec.hop, spec.n_fft, window, center=True, pad_mode=pad_mode,
                      return_complex=True)


def istft(spec_c, spec: StftSpec, length: int):
    """complex ``(B, F, T)`` -> ``(B, length)``."""
    import torch

    window = torch.hann_window(spec.n_fft, device=spec_c.device, dtype=spec_c.real.dtype)
    return torch.istft(spec_c, spec.n_fft, spec.hop, spec.n_fft, window, center=True, length=length)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None):
    """``(n_mels, F)`` float32 tensor of Slaney-normalised triangular filters (librosa's definition)."""
    import librosa
    import torch

    fb = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    return torch.from_numpy(fb).float()
