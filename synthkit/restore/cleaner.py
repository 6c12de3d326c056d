"""The feature cleaner: Conformer blocks mapping degraded features to clean ones.

``(B, T, D)`` features in, ``(B, T, D)`` out. The network predicts a correction that is added to its
input, so an untrained or unsure cleaner passes features through. Optional conditioning (off by
default, as in FLEURS-R):

* a speaker embedding ``(B, S)`` projected and added to every frame;
* phoneme ids ``(B, L)`` (0 = padding) read through cross-attention in every block.

Self-attention uses rotary position embeddings, so clips longer than the training segments keep
relative positions meaningful.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class CleanerConfig:
    dim: int = 192  # model width
    layers: int = 4
    heads: int = 4
    ff_mult: int = 4  # feed-forward width = dim * ff_mult
    conv_kernel: int = 15  # depthwise convolution, frames
    dropout: float = 0.1
    speaker_dim: int = 0  # > 0: condition on a speaker embedding of this size
    phonemes: int = 0  # > 0: condition on phoneme ids from a vocabulary of this size (0 = padding)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rotary(x: torch.Tensor) -> torch.Tensor:
    """Rotary position embedding over the time axis of ``(B, H, T, Dh)`` (``Dh`` even)."""
    t, dh = x.shape[-2], x.shape[-1]
    inv = 1.0 / (10000 ** (torch.arange(0, dh, 2, device=x.device, dtype=torch.float32) / dh))
    ang = torch.arange(t, device=x.device, dtype=torch.float32)[:, None] * inv[None, :]  # (T, Dh/2)
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


class FeedForward(nn.Module):
    def __init__(self, dim: int, mult: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.up = nn.Linear(dim, dim * mult)
        self.down = nn.Linear(dim * mult, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.down(self.drop(F.silu(self.up(self.norm(x))))))


class SelfAttention(nn.Module):
    """Multi-head self-attention with rotary positions. ``mask``: ``(B, T)`` bool, True = valid frame."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        if dim % heads or (dim // heads) % 2:
            raise ValueError(f"dim {dim} must split into {heads} heads of even size")
        self.heads = heads
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.dropout = dropout

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm(x)).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k = rotary(q), rotary(k)
        attn_mask = None if mask is None else mask[:, None, None, :]
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        return F.dropout(self.out(y.transpose(1, 2).reshape(b, t, d)), self.dropout, self.training)


class CrossAttention(nn.Module):
    """Frames attend to a conditioning sequence ``(B, L, dim)``; ``mask`` ``(B, L)`` True = valid."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm = nn.LayerNorm(dim)
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.out = nn.Linear(dim, dim)
        self.dropout = dropout

    def forward(self, x: torch.Tensor, cond: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        b, t, d = x.shape
        h = self.heads
        q = self.q(self.norm(x)).view(b, t, h, d // h).transpose(1, 2)
        k, v = self.kv(cond).view(b, cond.shape[1], 2, h, d // h).permute(2, 0, 3, 1, 4)
        attn_mask = None if mask is None else mask[:, None, None, :]
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        return F.dropout(self.out(y.transpose(1, 2).reshape(b, t, d)), self.dropout, self.training)


class ConvModule(nn.Module):
    """Pointwise GLU -> depthwise conv -> GroupNorm -> SiLU -> pointwise (per-clip statistics only)."""

    def __init__(self, dim: int, kernel: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.pw1 = nn.Conv1d(dim, 2 * dim, 1)
        self.dw = nn.Conv1d(dim, dim, kernel, padding=kernel // 2, groups=dim)
        self.gn = nn.GroupNorm(1, dim)
        self.pw2 = nn.Conv1d(dim, dim, 1)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        y = self.norm(x).transpose(1, 2)  # (B, D, T)
        y = F.glu(self.pw1(y), dim=1)
        if mask is not None:
            y = y * mask[:, None, :]
        y = self.pw2(F.silu(self.gn(self.dw(y))))
        return self.drop(y.transpose(1, 2))


class ConformerBlock(nn.Module):
    def __init__(self, dim: int, heads: int, ff_mult: int, kernel: int, dropout: float, cross: bool) -> None:
        super().__init__()
        self.ff1 = FeedForward(dim, ff_mult, dropout)
        self.attn = SelfAttention(dim, heads, dropout)
        self.cross = CrossAttention(dim, heads, dropout) if cross else None
        self.conv = ConvModule(dim, kernel, dropout)
        self.ff2 = FeedForward(dim, ff_mult, dropout)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x, mask=None, cond=None, cond_mask=None):
        x = x + 0.5 * self.ff1(x)
        x = x + self.attn(x, mask)
        if self.cross is not None and cond is not None:
            x = x + self.cross(x, cond, cond_mask)
        x = x + self.conv(x, mask)
        x = x + 0.5 * self.ff2(x)
        return self.norm(x)


def sinusoid(length: int, dim: int, device) -> torch.Tensor:
    """``(length, dim)`` sinusoidal positions for the phoneme sequence."""
    pos = torch.arange(length, device=device, dtype=torch.float32)[:, None]
    inv = torch.exp(torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim))
    pe = torch.zeros(length, dim, device=device)
    pe[:, 0::2] = torch.sin(pos * inv)
    pe[:, 1::2] = torch.cos(pos * inv)
    return pe


class FeatureCleaner(nn.Module):
    """Conformer feature cleaner: ``(B, T, feat_dim)`` -> ``(B, T, feat_dim)`` (input + predicted correction)."""

    def __init__(self, feat_dim: int, config: CleanerConfig = CleanerConfig()) -> None:
        super().__init__()
        self.config = config
        c = config
        self.inp = nn.Linear(feat_dim, c.dim)
        self.speaker = nn.Linear(c.speaker_dim, c.dim) if c.speaker_dim > 0 else None
        self.phoneme = nn.Embedding(c.phonemes, c.dim, padding_idx=0) if c.phonemes > 0 else None
        self.blocks = nn.ModuleList(ConformerBlock(c.dim, c.heads, c.ff_mult, c.conv_kernel, c.dropout,
                                                   cross=c.phonemes > 0) for _ in range(c.layers))
        self.outp = nn.Linear(c.dim, feat_dim)
        nn.init.zeros_(self.outp.weight)  # start as the identity: corrections grow from zero
        nn.init.zeros_(self.outp.bias)

    def forward(self, feats: torch.Tensor, mask: torch.Tensor | None = None, speaker: torch.Tensor | None = None,
                phonemes: torch.Tensor | None = None) -> torch.Tensor:
        """``feats`` ``(B, T, D)``; ``mask`` ``(B, T)`` True = valid; ``speaker`` ``(B, S)``;
        ``phonemes`` ``(B, L)`` long, 0 = padding. Returns ``(B, T, D)``."""
        h = self.inp(feats)
        if self.speaker is not None:
            if speaker is None:
                raise ValueError("this cleaner is conditioned on a speaker embedding; pass speaker=(B, S)")
            h = h + self.speaker(speaker)[:, None, :]
        cond = cond_mask = None
        if self.phoneme is not None:
            if phonemes is None:
                raise ValueError("this cleaner is conditioned on phonemes; pass phonemes=(B, L)")
            cond = self.phoneme(phonemes) + sinusoid(phonemes.shape[1], h.shape[-1], h.device)
            cond_mask = phonemes > 0
            # a row with no phonemes attends to padding rather than to nothing (softmax over no keys is NaN)
            cond_mask = cond_mask | ~cond_mask.any(dim=1, keepdim=True)
        for block in self.blocks:
            h = block(h, mask, cond, cond_mask)
        return feats + self.outp(h)
