"""Signals made in memory for tests and examples (no files, no downloads)."""

from __future__ import annotations

import numpy as np


def sine(freq: float = 440.0, sr: int = 16000, seconds: float = 1.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(sr: int = 16000, seconds: float = 1.0, amplitude: float = 0.1, seed: int = 0) -> np.ndarray:
    return (amplitude * np.random.default_rng(seed).standard_normal(int(sr * seconds))).astype(np.float32)


def speechlike(sr: int = 16000, seconds: float = 2.0, f0: float = 120.0, seed: int = 0) -> np.ndarray:
    """A voiced harmonic signal with a gliding pitch and a 4 Hz syllable-like envelope, peak 0.3."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    pitch = f0 * (1 + 0.15 * np.sin(2 * np.pi * (0.4 + 0.2 * rng.random()) * t))
    phase = 2 * np.pi * np.cumsum(pitch) / sr
    x = sum(np.sin(k * phase) / k for k in range(1, 12)) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)) ** 2
    return (0.3 * x / np.max(np.abs(x))).astype(np.float32)
