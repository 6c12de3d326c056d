"""Test corpora for the quality tests, built from real LJSpeech recordings (../shared/data) plus known-bad
clips made from them. Files only under the folder the caller gives (a tmp_path)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from synthkit.audio import load, save_wav

from .conftest import LJSPEECH, NOISE_DIR, require_shared

SR = 16000
#: Kinds of bad clips in the seeded corpus and the rule each must break.
BAD_CLIPS = {
    "bad_silence": "rms_dbfs",
    "bad_clipping": "clipping",
    "bad_noise": "snr_db",
    "bad_transcript": "cer",
    "bad_truncated": "score_errors",
}


def ljspeech_items(n: int, skip: int = 0) -> list[tuple[str, str, str]]:
    """(id, text with digits as written, normalized text) for LJSpeech clips in metadata order."""
    require_shared()
    rows = [line.split("|") for line in (LJSPEECH / "metadata.csv").read_text(encoding="utf-8").splitlines() if line]
    return [(r[0], r[1], r[2]) for r in rows[skip:skip + n]]


def lj_audio(uid: str, sr: int = SR) -> np.ndarray:
    x, _ = load(LJSPEECH / "wavs" / f"{uid}.flac", sr=sr)
    return x


def noise_like(x: np.ndarray, name: str, snr_db: float, sr: int = SR, offset_s: float = 1.0) -> np.ndarray:
    """Real noise from ../shared/data/noise/NAME, cut to len(x), scaled to ``snr_db`` against ``x``."""
    n, _ = load(NOISE_DIR / name, sr=sr)
    start = int(offset_s * sr) % max(1, n.size - x.size) if n.size > x.size else 0
    n = np.resize(n[start:], x.size)
    gain = np.sqrt(np.mean(x**2) / max(np.mean(n**2), 1e-12) / 10 ** (snr_db / 10))
    return (n * gain).astype(np.float32)


def _row(uid: str, x: np.ndarray, text: str, **extra) -> dict:
    return {"id": uid, "audio_filepath": f"wavs/{uid}.wav", "duration": round(x.size / SR, 4), "text": text,
            "language": "eng", "speaker": "LJ", "sample_rate": SR, **extra}


def write_manifest(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def build_corpus(root: Path, n_good: int = 8, bad: bool = True) -> Path:
    """``root/manifest.jsonl`` + ``root/wavs/``: ``n_good`` clean LJSpeech clips (16 kHz WAV, the text as
    written), plus, with ``bad``, the clips in :data:`BAD_CLIPS` made from other LJSpeech recordings."""
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for uid, text, _ in ljspeech_items(n_good):
        x = lj_audio(uid)
        save_wav(root / "wavs" / f"{uid}.wav", x, SR)
        rows.append(_row(uid, x, text))
    if bad:
        spare = ljspeech_items(5, skip=n_good)
        # near-silence: a quiet room (-75 dBFS noise floor), no speech
        x = (10 ** (-75 / 20) * np.random.default_rng(0).standard_normal(3 * SR)).astype(np.float32)
        save_wav(root / "wavs" / "bad_silence.wav", x, SR)
        rows.append(_row("bad_silence", x, spare[0][1]))
        # heavy clipping: +20 dB into a hard limit
        x = np.clip(lj_audio(spare[1][0]) * 10.0, -1.0, 1.0)
        save_wav(root / "wavs" / "bad_clipping.wav", x, SR)
        rows.append(_row("bad_clipping", x, spare[1][1]))
        # loud noise: a running tap 5 dB louder than the speech
        s = lj_audio(spare[2][0])
        x = s + noise_like(s, "running_tap.flac", -5.0)
        x = x / max(1.0, float(np.abs(x).max()) / 0.95)
        save_wav(root / "wavs" / "bad_noise.wav", x, SR)
        rows.append(_row("bad_noise", x, spare[2][1]))
        # a wrong transcript: clean speech, another sentence as its text
        x = lj_audio(spare[3][0])
        save_wav(root / "wavs" / "bad_transcript.wav", x, SR)
        rows.append(_row("bad_transcript", x, spare[4][1]))
        # a truncated file: the WAV cut in the middle of its data
        x = lj_audio(spare[4][0])
        p = root / "wavs" / "bad_truncated.wav"
        save_wav(p, x, SR)
        data = p.read_bytes()
        p.write_bytes(data[: len(data) // 2])
        rows.append(_row("bad_truncated", x, spare[4][1]))
    return write_manifest(root / "manifest.jsonl", rows)
