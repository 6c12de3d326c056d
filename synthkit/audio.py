"""Audio load / save / resample. soundfile for I/O, soxr for resampling; nothing else touches files.

Arrays are mono float32 in [-1, 1] unless stated otherwise.
"""

from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING

import numpy as np
import soxr

if TYPE_CHECKING:
    import soundfile as sf

from .errors import SynthkitError

#: Default sample rate of corpora synthkit writes (Hz).
DEFAULT_SAMPLE_RATE = 16000
#: soxr quality used everywhere, so a clip resampled twice the same way is bit-identical.
RESAMPLE_QUALITY = "HQ"
#: Subtype written to WAV files.
WAV_SUBTYPE = "PCM_16"
INT16_SCALE = 32768.0


def int16_to_float(x: np.ndarray) -> np.ndarray:
    # one pass; multiplying by 2**-15 is exact, so this equals dividing by 32768
    return np.multiply(np.asarray(x), np.float32(1.0 / INT16_SCALE), dtype=np.float32)


def float_to_int16(x: np.ndarray) -> np.ndarray:
    """Round to 16-bit PCM, clipping to the representable range (the same rounding on every run)."""
    y = np.asarray(x, dtype=np.float32) * np.float32(INT16_SCALE)
    np.rint(y, out=y)
    np.clip(y, -32768, 32767, out=y)
    return y.astype(np.int16)


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    if sr_in == sr_out:
        return np.asarray(x, dtype=np.float32)
    return soxr.resample(np.asarray(x, dtype=np.float32), sr_in, sr_out, quality=RESAMPLE_QUALITY).astype(
        np.float32
    )


def load(path: str | os.PathLike, sr: int | None = None, mono: bool = True) -> tuple[np.ndarray, int]:
    """Read an audio file as float32. ``sr`` resamples; ``mono`` averages channels.

    Raises :class:`SynthkitError` with the file name for unreadable or missing files."""
    import soundfile as sf  # here, not at the top: a synth worker only writes WAVs (see save_wav)

    try:
        x, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise SynthkitError(f"cannot read audio file {path}: {exc}") from None
    x = x.mean(axis=1) if mono else x.T
    if sr is not None and sr != file_sr:
        x = resample(x, file_sr, sr) if mono else np.stack([resample(c, file_sr, sr) for c in x])
        file_sr = sr
    return np.ascontiguousarray(x, dtype=np.float32), int(file_sr)


def wav_truncation(path: str | os.PathLike) -> str | None:
    """For a RIFF/WAVE file whose ``data`` chunk declares more bytes than the file holds, a sentence
    saying so; otherwise None (also for non-WAV files). libsndfile reads such files without error."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            size = os.fstat(f.fileno()).st_size
            pos = 12
            while pos + 8 <= size:
                f.seek(pos)
                cid, clen = struct.unpack("<4sI", f.read(8))
                if cid == b"data":
                    have = size - pos - 8
                    if clen != 0xFFFFFFFF and have < clen:
                        return f"truncated WAV file: header declares {clen} bytes of audio, file holds {have}"
                    return None
                pos += 8 + clen + (clen & 1)
            return "truncated WAV file: no data chunk"
    except OSError:
        return None


def info(path: str | os.PathLike) -> sf._SoundFileInfo:
    import soundfile as sf

    return sf.info(str(path))


def _wav_header(n_bytes: int, sr: int, channels: int = 1, width: int = 2) -> bytes:
    return struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + n_bytes, b"WAVE", b"fmt ", 16, 1, channels, sr,
                       sr * channels * width, channels * width, 8 * width, b"data", n_bytes)


def wav_bytes(x: np.ndarray, sr: int) -> bytes:
    """A mono 16-bit PCM WAV file in memory (the same bytes :func:`save_wav` writes)."""
    pcm = x if np.asarray(x).dtype == np.int16 else float_to_int16(x)
    data = np.ascontiguousarray(pcm, dtype="<i2").tobytes()
    return _wav_header(len(data), int(sr)) + data


def save_wav(path: str | os.PathLike, x: np.ndarray, sr: int) -> None:
    """Write mono 16-bit PCM WAV atomically: a temporary name in the same folder, then rename.

    A reader never sees a half-written file under ``path``, even if the process is killed."""
    path = os.fspath(path)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    pcm = x if np.asarray(x).dtype == np.int16 else float_to_int16(x)
    data = memoryview(np.ascontiguousarray(pcm, dtype="<i2")).cast("B")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o666)
    except FileNotFoundError:
        os.makedirs(folder or ".", exist_ok=True)
        fd = os.open(tmp, flags, 0o666)
    try:
        try:  # a plain PCM WAV header + data: much faster than libsndfile for this
            header = _wav_header(len(data), int(sr))
            done = os.writev(fd, [header, data])
            if done < len(header) + len(data):  # a short write (rare): the rest
                rest = memoryview(header + bytes(data))[done:]
                while rest:
                    rest = rest[os.write(fd, rest):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
