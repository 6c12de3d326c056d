"""Audio for an export, made in worker processes: one WAV per recording, per clip, or WAV bytes.

Every file written is mono 16-bit PCM WAV at the export's sample rate (``--sample-rate``, or the
source's own rate). A source that already is mono 16-bit PCM WAV at that rate is copied byte for
byte; anything else (FLAC, other rates, stereo, float) is decoded with soundfile, mixed to mono,
resampled with soxr and written with :func:`synthkit.audio.save_wav`.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile as sf

from ..audio import float_to_int16, resample, save_wav, wav_bytes, wav_truncation
from ..manifest import Utterance
from .base import AUDIO_DIR, Item, safe_name


@dataclass(frozen=True)
class AudioContext:
    """Per-export settings every worker needs."""

    out_dir: Path
    sample_rate: int | None  # None: keep each source's rate
    mode: str  # "recording", "clip" or "embed"


@dataclass(frozen=True)
class AudioJob:
    utt: Utterance
    split: str
    source: str  # absolute path of the source audio
    rec_id: str
    segment: bool
    start: float  # seconds into the source (segments)
    duration: float | None  # seconds (segments)
    write_recording: bool  # recording mode: the first row of its recording writes the file


@dataclass(frozen=True)
class AudioResult:
    """For the row ``uid``: ``item`` (recording mode: without the recording's facts unless this job
    wrote the recording), ``recording`` = (path, sample_rate, num_samples) when this job wrote one,
    or ``reason`` when the row cannot be exported."""

    uid: str
    rec_id: str
    item: Item | None = None
    recording: tuple[Path, int, int] | None = None
    reason: str | None = None


_ctx: AudioContext | None = None


def init_worker(ctx: AudioContext) -> None:
    global _ctx
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _ctx = ctx


class _Unusable(Exception):
    """The source audio cannot be exported as it is (the message says why)."""


def process(job: AudioJob) -> AudioResult:
    assert _ctx is not None, "init_worker was not called"
    cut = wav_truncation(job.source)
    if cut:
        return AudioResult(job.utt.id, job.rec_id, reason=f"{cut} ({job.source}): the text would not match the audio")
    try:
        if _ctx.mode == "recording":
            return _recording(_ctx, job)
        return _clip(_ctx, job)
    except _Unusable as exc:
        return AudioResult(job.utt.id, job.rec_id, reason=str(exc))
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as exc:
        return AudioResult(job.utt.id, job.rec_id,
                           reason=f"cannot read audio {job.source}: {str(exc).splitlines()[0][:200]}")


def _is_plain_wav(info: sf._SoundFileInfo, sr: int) -> bool:
    return info.format == "WAV" and info.subtype == "PCM_16" and info.channels == 1 and info.samplerate == sr


def _read(path: str, start_frame: int = 0, frames: int = -1) -> tuple[np.ndarray, int]:
    x, sr = sf.read(path, start=start_frame, frames=frames, dtype="float32", always_2d=True)
    bad = int(np.count_nonzero(~np.isfinite(x)))
    if bad:  # 16-bit PCM has no NaN: writing them would turn them into silence or full-scale clicks
        raise _Unusable(f"audio {path} has {bad} NaN or infinite samples")
    return np.ascontiguousarray(x.mean(axis=1), dtype=np.float32), int(sr)


def _recording(ctx: AudioContext, job: AudioJob) -> AudioResult:
    base = Item(job.utt, job.split, job.rec_id, 0, job.start if job.segment else 0.0, job.duration or 0.0,
                job.segment)
    if not job.write_recording:
        return AudioResult(job.utt.id, job.rec_id, item=base)
    info = sf.info(job.source)
    sr = ctx.sample_rate or int(info.samplerate)
    target = ctx.out_dir / AUDIO_DIR / f"{safe_name(job.rec_id)}.wav"
    target.parent.mkdir(parents=True, exist_ok=True)
    if _is_plain_wav(info, sr):
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(job.source, tmp)
        os.replace(tmp, target)
        n = int(info.frames)
    else:
        x, src_sr = _read(job.source)
        pcm = float_to_int16(resample(x, src_sr, sr))
        save_wav(target, pcm, sr)
        n = int(pcm.size)
    if n == 0:
        return AudioResult(job.utt.id, job.rec_id, reason=f"audio {job.source} is empty")
    rec = (target, sr, n)
    return AudioResult(job.utt.id, job.rec_id, item=complete(base, rec), recording=rec)


def complete(item: Item, rec: tuple[Path, int, int]) -> Item:
    """Fill in the recording facts; a whole-file clip lasts as long as its recording."""
    path, sr, n = rec
    item = replace(item, rec_path=path, sample_rate=sr, rec_num_samples=n)
    if not item.segment:
        item = replace(item, start=0.0, duration=n / sr)
    return item


def _clip(ctx: AudioContext, job: AudioJob) -> AudioResult:
    info = sf.info(job.source)
    src_sr = int(info.samplerate)
    sr = ctx.sample_rate or src_sr
    if job.segment:
        first = int(round(job.start * src_sr))
        if first >= info.frames:
            return AudioResult(job.utt.id, job.rec_id, reason=f"offset {job.start:g} s is past the end of "
                                                              f"{job.source} ({info.frames / src_sr:.3f} s)")
        frames = int(round((job.duration or 0.0) * src_sr)) if job.duration else -1
    else:
        first, frames = 0, -1
    name = f"{safe_name(job.utt.id)}.wav"
    if not job.segment and _is_plain_wav(info, sr):
        data = Path(job.source).read_bytes()
        n = int(info.frames)
    else:
        x, _ = _read(job.source, first, frames)
        pcm = float_to_int16(resample(x, src_sr, sr))
        data = wav_bytes(pcm, sr)
        n = int(pcm.size)
    if n == 0:
        return AudioResult(job.utt.id, job.rec_id, reason=f"no audio for {job.utt.id} in {job.source}")
    item = Item(job.utt, job.split, job.rec_id, sr, 0.0, n / sr, False, rec_num_samples=n)
    if ctx.mode == "embed":
        return AudioResult(job.utt.id, job.rec_id, item=replace(item, clip_bytes=data))
    target = ctx.out_dir / AUDIO_DIR / name
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return AudioResult(job.utt.id, job.rec_id, item=replace(item, clip_path=target, rec_path=target))
