"""The restoration model: shapes, pass-through start, optional conditioning, chunked restore, and the
checkpoint bundle (config + weights + sample rate, loaded with one call)."""

import numpy as np
import pytest
import torch

from synthkit.errors import SynthkitError
from synthkit.restore.cleaner import CleanerConfig, FeatureCleaner
from synthkit.restore.features import align_frames, make_extractor
from synthkit.restore.model import RestoreConfig, build_model, load_checkpoint, read_bundle, save_checkpoint
from synthkit.restore.spectral import StftSpec
from synthkit.restore.vocoder import SpectralVocoder, VocoderConfig
from synthkit.testing import noise, speechlike

torch.set_num_threads(1)

TINY = dict(cleaner={"dim": 32, "layers": 2, "heads": 2, "ff_mult": 2, "conv_kernel": 5},
            vocoder={"dim": 32, "layers": 2, "mult": 2}, chunk_seconds=1.0, overlap_seconds=0.25)


def tiny(**kw):
    return build_model(RestoreConfig(**{**TINY, **kw})).eval()


def test_log_mel_shapes():
    ex = make_extractor({"type": "logmel", "n_mels": 40}, 16000)
    f = ex(torch.from_numpy(speechlike(seconds=1.0))[None])
    assert f.shape == (1, 16000 // 160 + 1, 40) and torch.isfinite(f).all()
    assert align_frames(f, 50).shape == (1, 50, 40)


def test_untrained_model_passes_its_input_through():
    """Cleaner corrections start at zero and the vocoder's mask near one: an untrained model is close
    to the identity, so training starts from 'do no harm'."""
    m = tiny()
    x = speechlike(seconds=1.5)
    y, sr = m.restore(x, 16000)
    assert sr == 16000 and y.shape == x.shape
    assert np.sum((y - x) ** 2) < 0.01 * np.sum(x ** 2)


def test_restore_resamples_and_chunks_long_clips():
    m = tiny()
    x = speechlike(sr=22050, seconds=3.3)  # 3.3 s in chunks of 1 s with 0.25 s overlaps
    y, sr = m.restore(x, 22050)
    assert sr == 16000 and y.size == round(3.3 * 16000)
    from synthkit.audio import resample

    ref = resample(x, 22050, 16000)
    assert np.sum((y - ref) ** 2) < 0.01 * np.sum(ref ** 2)  # no seams: cross-fades add up to one
    assert m.restore(np.zeros(0, np.float32), 16000)[0].size == 0
    loud, _ = m.restore(np.clip(4 * speechlike(seconds=1.0), -1, 1), 16000)
    assert np.max(np.abs(loud)) <= 1.0


def test_vocoder_without_input_spectrum_is_a_plain_generator():
    voc = SpectralVocoder(20, StftSpec(256, 64), VocoderConfig(dim=16, layers=1, input_spectrum=False))
    out = voc(torch.randn(2, 11, 20))
    assert out.shape == (2, 129, 11) and out.is_complex()
    with pytest.raises(ValueError, match="input spectrum"):
        SpectralVocoder(20, StftSpec(256, 64), VocoderConfig(dim=16, layers=1))(torch.randn(2, 11, 20))


def test_cleaner_conditioning_on_speaker_and_phonemes():
    c = FeatureCleaner(24, CleanerConfig(dim=32, layers=2, heads=2, speaker_dim=8, phonemes=10, dropout=0.0))
    feats = torch.randn(2, 30, 24)
    spk = torch.randn(2, 8)
    ph = torch.tensor([[1, 2, 3, 0], [0, 0, 0, 0]])  # the second row has no phonemes at all
    out = c(feats, speaker=spk, phonemes=ph)
    assert out.shape == feats.shape and torch.isfinite(out).all()
    for p in c.parameters():  # give the zero-initialised output layer weights so gradients reach the inputs
        torch.nn.init.normal_(p, std=0.1) if p.dim() > 1 else None
    spk.requires_grad_(True)
    c(feats, speaker=spk, phonemes=ph).sum().backward()
    assert spk.grad.abs().sum() > 0 and c.phoneme.weight.grad[1:4].abs().sum() > 0
    with pytest.raises(ValueError, match="speaker"):
        c(feats, phonemes=ph)


def test_conditioned_model_restores_from_a_row(tmp_path):
    m = tiny(phoneme_vocab=("a", "b", "s"), speaker_encoder="resemblyzer")
    assert m.cleaner.speaker is not None and m.cleaner.phoneme.num_embeddings == 5
    y, _ = m.restore(speechlike(seconds=1.0), 16000, phonemes="s a | b x")
    assert np.isfinite(y).all()
    p = save_checkpoint(tmp_path / "c.pt", m)
    m2 = load_checkpoint(p)
    assert m2.config.phoneme_vocab == ("a", "b", "s") and m2.config.speaker_encoder == "resemblyzer"


def test_bundle_round_trip(tmp_path):
    torch.manual_seed(0)
    m = tiny()
    with torch.no_grad():  # weights that differ from the initialisation, so the test sees them
        for p in m.parameters():
            p.add_(0.01 * torch.randn_like(p))
        m.feat_mean.fill_(0.5)
    path = save_checkpoint(tmp_path / "m.pt", m, {"note": "test"})
    bundle = read_bundle(path)
    assert bundle["sample_rate"] == 16000 and bundle["meta"] == {"note": "test"}
    assert all(v.dtype == torch.float16 for v in bundle["state_dict"].values() if v.is_floating_point())
    m2 = load_checkpoint(path)
    assert not m2.training and m2.sample_rate == 16000 and m2.config == m.config
    assert torch.equal(m2.feat_mean, m.feat_mean)
    x = noise(seconds=0.5, amplitude=0.1)
    y1, _ = m.restore(x, 16000)
    y2, _ = m2.restore(x, 16000)
    assert np.max(np.abs(y1 - y2)) < 1e-2  # float16 storage
    # float32 storage is exact
    m3 = load_checkpoint(save_checkpoint(tmp_path / "m32.pt", m, half=False))
    assert np.array_equal(m3.restore(x, 16000)[0], y1)


def test_bad_checkpoints_are_clear_errors(tmp_path):
    with pytest.raises(SynthkitError, match="not found"):
        load_checkpoint(tmp_path / "none.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(SynthkitError, match="cannot read"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"something": 1}, tmp_path / "other.pt")
    with pytest.raises(SynthkitError, match="not a synthkit restoration checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    m = tiny()
    b = {"format": "synthkit-restore", "version": 1, "sample_rate": 16000, "config": m.config.to_dict(),
         "state_dict": {k: v for k, v in m.state_dict().items() if not k.startswith("vocoder")}, "meta": {}}
    torch.save(b, tmp_path / "partial.pt")
    with pytest.raises(SynthkitError, match="do not fit"):
        load_checkpoint(tmp_path / "partial.pt")
    with pytest.raises(SynthkitError, match="unknown key"):
        RestoreConfig.from_dict({**m.config.to_dict(), "colour": 1})
    with pytest.raises(SynthkitError, match="cleaner"):
        RestoreConfig.from_dict({**m.config.to_dict(), "cleaner": {"width": 3}})
