"""Pretrained speech-encoder features through the real loading path (transformers' from_pretrained),
on tiny random-weight models saved locally: by folder, and by hub name from a local hub cache, the way
a downloaded model is found. Hubs are never contacted."""

import os
import shutil

import numpy as np
import pytest
import torch

from synthkit.errors import SynthkitError
from synthkit.restore.features import make_extractor
from synthkit.restore.model import RestoreConfig, build_model, load_checkpoint, save_checkpoint
from synthkit.testing import speechlike

torch.set_num_threads(1)

CONV = dict(conv_dim=(16,) * 7, conv_kernel=(10, 3, 3, 3, 3, 2, 2), conv_stride=(5, 2, 2, 2, 2, 2, 2),
            num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
SMALL = dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=2, intermediate_size=64)


def tiny_encoder(kind: str):
    """(model, processor) of a tiny random-weight encoder of the given architecture."""
    import transformers as T

    if kind == "w2v-bert":
        cfg = T.Wav2Vec2BertConfig(**SMALL, output_hidden_size=32, conv_depthwise_kernel_size=3,
                                   feature_projection_input_dim=160)
        return T.Wav2Vec2BertModel(cfg), T.SeamlessM4TFeatureExtractor()
    cls = {"wavlm": (T.WavLMConfig, T.WavLMModel), "hubert": (T.HubertConfig, T.HubertModel),
           "wav2vec2": (T.Wav2Vec2Config, T.Wav2Vec2Model)}[kind]
    proc = T.Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, do_normalize=True,
                                      return_attention_mask=True)
    return cls[1](cls[0](**SMALL, **CONV)), proc


def save_tiny(kind: str, folder):
    torch.manual_seed(0)
    model, proc = tiny_encoder(kind)
    model.eval()
    model.save_pretrained(folder)
    proc.save_pretrained(folder)
    return model, proc


@pytest.mark.parametrize("kind", ["wavlm", "hubert", "wav2vec2", "w2v-bert"])
def test_encoder_from_a_local_folder_gives_the_chosen_layer(kind, tmp_path):
    model, proc = save_tiny(kind, tmp_path / kind)
    ex = make_extractor({"type": "hf", "model": str(tmp_path / kind), "layer": 1}, 16000)
    assert ex.dim == 32 and ex.hop == 320
    x = speechlike(seconds=1.0)
    feats = ex(torch.from_numpy(x)[None])
    assert feats.shape[0] == 1 and feats.shape[2] == 32 and 45 <= feats.shape[1] <= 50
    # blocks above the layer are dropped, and the result is exactly hidden_states[1] of the whole model
    assert len(ex.encoder.encoder.layers) == 2 < len(model.encoder.layers)
    inputs = proc([x], sampling_rate=16000, return_tensors="pt", padding=True)
    with torch.no_grad():
        ref = model(**inputs, output_hidden_states=True).hidden_states[1]
    torch.testing.assert_close(feats, ref)


def test_encoder_by_hub_name_from_the_local_cache(tmp_path, monkeypatch):
    """A model 'downloaded' earlier: the hub cache layout (models--org--name/snapshots/REV), offline."""
    src = tmp_path / "src"
    save_tiny("wavlm", src)
    repo = tmp_path / "hub" / "models--synthkit-test--tiny-wavlm"
    rev = "0123456789abcdef0123456789abcdef01234567"
    snap = repo / "snapshots" / rev
    snap.mkdir(parents=True)
    for f in src.iterdir():
        shutil.copy(f, snap / f.name)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(rev)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))  # read on every call (not at import, as HF does)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ex = make_extractor({"type": "hf", "model": "synthkit-test/tiny-wavlm", "layer": 1}, 16000)
    assert ex(torch.from_numpy(speechlike(seconds=0.5))[None]).shape[-1] == 32
    assert ex.model_name == "synthkit-test/tiny-wavlm"  # checkpoints refer to the encoder by its name
    with pytest.raises(SynthkitError, match="speech encoder synthkit-test/absent is not on this machine .* "
                       "HF_HUB_OFFLINE is set; works offline now: logmel features"):
        make_extractor({"type": "hf", "model": "synthkit-test/absent", "layer": 1}, 16000)


def test_bad_layer_and_rate_are_clear_errors(tmp_path):
    save_tiny("hubert", tmp_path / "h")
    with pytest.raises(SynthkitError, match="layers 0..3"):
        make_extractor({"type": "hf", "model": str(tmp_path / "h"), "layer": 7}, 16000)
    with pytest.raises(SynthkitError, match="16000 Hz"):
        make_extractor({"type": "hf", "model": str(tmp_path / "h"), "layer": 1}, 24000)
    with pytest.raises(SynthkitError, match="unknown feature extractor"):
        make_extractor({"type": "mfcc"}, 16000)


def test_model_on_encoder_features_trains_saves_and_restores(tmp_path):
    """A Miipher-style model on encoder features: a training step changes it, the bundle names the
    encoder instead of storing its weights, and the loaded model restores a clip."""
    save_tiny("wavlm", tmp_path / "enc")
    cfg = RestoreConfig(features={"type": "hf", "model": str(tmp_path / "enc"), "layer": 2},
                        cleaner={"dim": 32, "layers": 1, "heads": 2, "ff_mult": 2},
                        vocoder={"dim": 32, "layers": 1, "mult": 2})
    m = build_model(cfg)
    assert not any(k.startswith("extractor") for k in m.state_dict())
    opt = torch.optim.Adam([p for p in m.parameters() if p.requires_grad], 1e-3)
    x = torch.from_numpy(np.stack([speechlike(seconds=1.0, seed=s) for s in range(2)]))
    before = [p.detach().clone() for p in m.cleaner.parameters()]
    for _ in range(2):
        loss = torch.nn.functional.l1_loss(m.clean(m.features(x + 0.05 * torch.randn_like(x))), m.features(x).detach())
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, m.cleaner.parameters()))
    path = save_checkpoint(tmp_path / "hf.pt", m)
    assert os.path.getsize(path) < 2_000_000
    m2 = load_checkpoint(path)
    y, sr = m2.restore(speechlike(seconds=1.2), 16000)
    assert sr == 16000 and y.size == 19200 and np.isfinite(y).all()
