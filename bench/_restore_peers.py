"""Peer denoisers for bench_restore.py: DTLN and GTCRN (ONNX, ../shared/models/peers), run as their
README describes (16 kHz, one STFT frame at a time with recurrent state). Not part of the package."""

from __future__ import annotations

from pathlib import Path

import numpy as np

PEERS = Path(__file__).resolve().parents[2] / "shared" / "models" / "peers"


def _session(path: Path, threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


class DTLN:
    """Two-stage DTLN: a magnitude mask (stage 1) then a learned-basis stage (stage 2) on 512-sample
    blocks shifted by 128 samples, overlap-added. Output is aligned by dropping the block latency."""

    BLOCK, SHIFT = 512, 128

    def __init__(self, threads: int = 2) -> None:
        self.m1 = _session(PEERS / "dtln" / "model_1.onnx", threads)
        self.m2 = _session(PEERS / "dtln" / "model_2.onnx", threads)
        self.n1 = [i.name for i in self.m1.get_inputs()]
        self.n2 = [i.name for i in self.m2.get_inputs()]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        b, s = self.BLOCK, self.SHIFT
        lat = b - s
        padded = np.concatenate([np.zeros(lat, np.float32), x.astype(np.float32), np.zeros(b, np.float32)])
        n_blocks = (padded.size - b) // s + 1
        st1 = np.zeros((1, 2, 128, 2), np.float32)
        st2 = np.zeros((1, 2, 128, 2), np.float32)
        out = np.zeros(padded.size, np.float32)
        for k in range(n_blocks):
            frame = padded[k * s:k * s + b]
            spec = np.fft.rfft(frame)
            mag = np.abs(spec).astype(np.float32)[None, None]
            mask, st1 = self.m1.run(None, {self.n1[0]: mag, self.n1[1]: st1})
            est = np.fft.irfft(spec * mask[0, 0], b).astype(np.float32)
            y, st2 = self.m2.run(None, {self.n2[0]: est[None, None], self.n2[1]: st2})
            out[k * s:k * s + b] += y[0, 0]
        return out[lat:lat + x.size]


class GTCRN:
    """GTCRN streaming export: 512-point STFT, hop 256, sqrt-Hann analysis and synthesis windows; one
    frame per call with its three caches."""

    N_FFT, HOP = 512, 256

    def __init__(self, threads: int = 2, simple: bool = False) -> None:
        self.sess = _session(PEERS / "gtcrn" / ("gtcrn_simple.onnx" if simple else "gtcrn.onnx"), threads)
        self.names = [i.name for i in self.sess.get_inputs()]
        self.shapes = {i.name: i.shape for i in self.sess.get_inputs()}

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import torch

        win = torch.hann_window(self.N_FFT).pow(0.5)
        spec = torch.stft(torch.from_numpy(x.astype(np.float32)), self.N_FFT, self.HOP, self.N_FFT, win,
                          return_complex=True)  # (F, T)
        ri = torch.view_as_real(spec).numpy()  # (F, T, 2)
        caches = {n: np.zeros(self.shapes[n], np.float32) for n in self.names[1:]}
        out = np.zeros_like(ri)
        for t in range(ri.shape[1]):
            res = self.sess.run(None, {self.names[0]: np.ascontiguousarray(ri[None, :, t:t + 1, :]), **caches})
            out[:, t, :] = res[0][0, :, 0, :]
            caches = dict(zip(self.names[1:], res[1:]))
        enh = torch.view_as_complex(torch.from_numpy(out).contiguous())
        return torch.istft(enh, self.N_FFT, self.HOP, self.N_FFT, win, length=x.size).numpy()
