"""Whisper base's encoder converted from the installed CTranslate2 weights into synthkit's own torch
module: the same output as CTranslate2's encoder on real speech, the front end equal to faster-whisper's,
and the ``whisper`` feature extractor's shapes and frame rate."""

import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from synthkit.errors import SynthkitError

from .conftest import SHARED_DATA, require_shared

torch.set_num_threads(2)
CLIP = SHARED_DATA / "speech" / "multilingual" / "fleurs" / "de-000.flac"


@pytest.fixture(scope="module")
def encoder():
    from synthkit.restore.whisper_encoder import load_encoder

    return load_encoder("whisper-base")


@pytest.fixture(scope="module")
def speech():
    from synthkit.audio import load

    require_shared()
    x, _ = load(CLIP, sr=16000)
    return x[16000:16000 * 5].astype(np.float32)  # 4 s of real German speech


def test_front_end_equals_faster_whispers(speech):
    from faster_whisper.feature_extractor import FeatureExtractor

    from synthkit.restore.whisper_encoder import log_mel

    ref = FeatureExtractor()(speech, padding=0)
    mine = log_mel(torch.from_numpy(speech)[None])[0].numpy()
    assert mine.shape == ref.shape == (80, 400)
    np.testing.assert_allclose(mine, ref, atol=1e-4)


@pytest.mark.slow
def test_converted_encoder_matches_ctranslate2(encoder, speech):
    """Padded to 30 s as faster-whisper feeds it, and unpadded (CTranslate2 takes shorter input too)."""
    import ctranslate2
    from faster_whisper.feature_extractor import FeatureExtractor

    from synthkit import models

    ct2 = ctranslate2.models.Whisper(str(models.folder("whisper-base")), device="cpu", compute_type="float32",
                                     intra_threads=2)
    mel = FeatureExtractor()(speech, padding=0)
    full = np.zeros((1, 80, 3000), np.float32)
    full[0, :, : mel.shape[1]] = mel
    for feats in (full, np.ascontiguousarray(full[:, :, : mel.shape[1]])):
        ref = np.array(ct2.encode(ctranslate2.StorageView.from_array(feats), to_cpu=True))
        with torch.no_grad():
            mine = encoder(torch.from_numpy(feats)).numpy()
        assert mine.shape == ref.shape == (1, feats.shape[2] // 2, 512)
        # float16 weights computed in float32 by both; CTranslate2 fuses and orders sums differently
        assert np.max(np.abs(mine - ref)) < 5e-3 * np.max(np.abs(ref))
        assert np.mean(np.abs(mine - ref)) < 1e-4


def test_conversion_is_cached(encoder):
    from synthkit import models
    from synthkit.restore.whisper_encoder import CACHE_DIR, load_encoder

    cached = list((models.cache_root() / CACHE_DIR).glob("*.pt"))
    assert len(cached) == 1
    mtime = cached[0].stat().st_mtime_ns
    again = load_encoder("whisper-base")
    assert cached[0].stat().st_mtime_ns == mtime
    for a, b in zip(encoder.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)
    assert encoder.dims.layers == 6 and encoder.dims.dim == 512 and encoder.dims.heads == 8


def test_whisper_feature_extractor_shapes_and_frame_rate(speech):
    from synthkit.restore.features import make_extractor

    ex = make_extractor({"type": "whisper", "layer": 4}, 16000)
    assert ex.dim == 512 and ex.hop == 320 and ex.sample_rate == 16000  # 50 frames/s
    for n in (16000, 16000 + 100, 48000):
        f = ex(torch.from_numpy(speech[:n])[None])
        assert f.shape == (1, -(-(n // 160) // 2), 512)
    # longer than Whisper's 30 s window: encoded in 30-s pieces
    long = np.tile(speech, 8)[: 16000 * 31]
    f = ex(torch.from_numpy(long)[None])
    assert f.shape == (1, 1500 + 50, 512) and torch.isfinite(f).all()
    # the layer's output is the encoder's hidden state 4, and gradients reach the waveform on request
    w = torch.from_numpy(speech[:16000].copy())[None].requires_grad_(True)
    ex(w, grad=True).pow(2).mean().backward()
    assert w.grad is not None and torch.isfinite(w.grad).all() and w.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in ex.encoder.parameters())
    with pytest.raises(SynthkitError, match="hidden states 0..6"):
        make_extractor({"type": "whisper", "layer": 9}, 16000)
    with pytest.raises(SynthkitError, match="16000 Hz"):
        make_extractor({"type": "whisper"}, 24000)


def test_reader_refuses_what_is_not_a_ctranslate2_model(tmp_path):
    from synthkit.restore.whisper_encoder import read_ctranslate2

    bad = tmp_path / "model.bin"
    bad.write_bytes(struct.pack("<I", 99) + b"\0" * 16)
    with pytest.raises(SynthkitError, match="binary version 99"):
        read_ctranslate2(bad)
    name = b"WhisperSpec\0"
    head = struct.pack("<I", 6) + struct.pack("<H", len(name)) + name + struct.pack("<II", 3, 1)
    var = b"encoder/x\0"
    record = struct.pack("<H", len(var)) + var + struct.pack("<BIBI", 1, 4, 0, 16)
    bad.write_bytes(head + record + b"\0" * 8)  # 8 of 16 bytes
    with pytest.raises(SynthkitError, match="truncated"):
        read_ctranslate2(bad)
    good = head + record + np.arange(4, dtype=np.float32).tobytes() + struct.pack("<I", 0)
    bad.write_bytes(good)
    spec, v = read_ctranslate2(bad)
    assert spec == "WhisperSpec" and v["encoder/x"].tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(SynthkitError, match="not a CTranslate2 Whisper folder"):
        from synthkit.restore.whisper_encoder import load_encoder

        load_encoder(tmp_path / "nowhere")


def test_shipped_whisper_checkpoint_by_name(speech):
    """`--checkpoint whisper` names the shipped Whisper-feature checkpoint (restore_train/whisper.yaml); it
    restores real speech to audio of the same length and rate, and keeps the voice."""
    from synthkit.restore.model import DEFAULT_CHECKPOINT, checkpoint_path, load_checkpoint

    assert checkpoint_path("whisper") == DEFAULT_CHECKPOINT.parent / "whisper.pt"
    assert checkpoint_path("default") == DEFAULT_CHECKPOINT and checkpoint_path(None) == DEFAULT_CHECKPOINT
    assert checkpoint_path("my/whisper") == Path("my/whisper")  # a path stays a path
    model = load_checkpoint("whisper")
    assert model.config.features["type"] == "whisper" and model.config.features["layer"] == 4
    x, sr = speech, 16000
    y, sr_out = model.restore(x, sr)
    assert sr_out == sr and abs(y.size - x.size) <= sr // 100 and np.isfinite(y).all()
    # the restored clip is the same speech: its spectrum correlates with the input's
    def spec(a):
        return np.log(np.abs(np.fft.rfft(a[: min(x.size, y.size)])) + 1e-6)
    assert np.corrcoef(spec(x), spec(y))[0, 1] > 0.5
