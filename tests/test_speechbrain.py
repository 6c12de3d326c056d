"""speechbrain backends on random-weight models saved to folders (ECAPA speaker encoder, CTC ASR),
loaded through speechbrain's from_hparams(source=FOLDER) as a downloaded model is; real speech from
../shared. No network."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synthkit.audio import load
from synthkit.manifest import ManifestWriter, Utterance

from .conftest import LIBRISPEECH, LJSPEECH, require_shared

OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    for k, v in OFFLINE.items():
        monkeypatch.setenv(k, v)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    from synthkit import testing_models

    root = tmp_path_factory.mktemp("speechbrain_models")
    lines = [line.split("|")[2] for line in (LJSPEECH / "metadata.csv").read_text(encoding="utf-8").splitlines()[:20]]
    return {"ecapa": testing_models.ecapa(root / "ecapa"), "asr": testing_models.asr(root / "asr", lines, "ctc"),
            "seq2seq": testing_models.asr(root / "seq2seq", lines, "seq2seq")}


def _librispeech_by_speaker(n_speakers: int, per: int) -> dict[str, list[Path]]:
    require_shared()
    by: dict[str, list[Path]] = {}
    for p in sorted(LIBRISPEECH.rglob("*.flac")):
        by.setdefault(p.name.split("-")[0], []).append(p)
    chosen = [s for s in sorted(by) if len(by[s]) >= per][:n_speakers]
    return {s: by[s][:per] for s in chosen}


def test_ecapa_folder_loads_offline_and_embeds_real_speech(folders):
    from synthkit.speechbrain_backends import EcapaEmbedder

    before = sorted(p.name for p in folders["ecapa"].iterdir())
    emb = EcapaEmbedder(str(folders["ecapa"]))
    clip = next(iter(_librispeech_by_speaker(1, 1).values()))[0]
    x, sr = load(clip)
    e = emb.embed(x, sr)
    assert e.shape == (32,) and e.dtype == np.float32
    assert abs(float(np.linalg.norm(e)) - 1) < 1e-5
    assert np.array_equal(e, emb.embed(x, sr))  # deterministic
    # another sample rate is resampled to the model's: nearly the same embedding
    x22, _ = load(clip, 22050)
    assert float(np.dot(e, emb.embed(x22, 22050))) > 0.99
    with pytest.raises(ValueError):
        emb.embed(np.zeros(16000, np.float32), 16000)
    assert sorted(p.name for p in folders["ecapa"].iterdir()) == before  # nothing written into the model folder


def _manifest(tmp_path: Path, clips: dict[str, list[Path]]) -> Path:
    path = tmp_path / "manifest.jsonl"
    with ManifestWriter(path) as w:
        for spk, paths in clips.items():
            for i, p in enumerate(paths):
                w.write(Utterance(f"{spk}_{i}", str(p), None, None, {"speaker": spk}))
    return path


def test_speaker_diversity_of_a_corpus(folders, tmp_path):
    """The statistic is 0 when every speaker is the same voice and grows with real different speakers;
    it counts speakers and clips, and skips clips it cannot read."""
    from synthkit.manifest import read_manifest
    from synthkit.speechbrain_backends import EcapaEmbedder, speaker_diversity

    emb = EcapaEmbedder(str(folders["ecapa"]))
    real = _librispeech_by_speaker(4, 2)
    d = speaker_diversity(read_manifest(_manifest(tmp_path / "a", real)), tmp_path / "a", emb, per_speaker=2)
    assert d.speakers == 4 and d.clips == 8 and d.skipped == 0
    assert 0 < d.min_pairwise_distance <= d.mean_pairwise_distance <= 2
    assert d.within_speaker_distance > 0
    one_voice = next(iter(real.values()))[0]
    same = {s: [one_voice] for s in real}
    missing = {**same, "ghost": [tmp_path / "missing.wav"]}
    d0 = speaker_diversity(read_manifest(_manifest(tmp_path / "b", missing)), tmp_path / "b", emb)
    assert d0.speakers == 4 and d0.skipped == 1
    assert d0.mean_pairwise_distance < 1e-6 and d0.within_speaker_distance < 1e-6


def test_diversity_command(cli, folders, tmp_path):
    path = _manifest(tmp_path, _librispeech_by_speaker(3, 1))
    res = cli("diversity", str(path), "--embedder", f"speechbrain:{folders['ecapa']}", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["speakers"] == 3 and out["clips"] == 3 and out["mean_pairwise_distance"] > 0
    res = cli("diversity", str(path), "--embedder", f"speechbrain:{tmp_path / 'nowhere'}")
    assert res.exit_code == 2 and "model folder not found" in res.stderr


@pytest.mark.parametrize("kind, interface", [("asr", "EncoderASR"), ("seq2seq", "EncoderDecoderASR")])
def test_asr_folder_loads_offline_and_transcribes(folders, kind, interface):
    """A CTC model (EncoderASR) and an attention model (EncoderDecoderASR, chosen because its hyperparameters
    define a decoder) from local folders; random weights give random text, but from the model's alphabet,
    deterministically, from real speech at its own sample rate (22.05 kHz, resampled)."""
    import sentencepiece as spm

    from synthkit.speechbrain_backends import SpeechbrainAsr

    require_shared()
    asr = SpeechbrainAsr(str(folders[kind]))
    assert type(asr._model).__name__ == interface
    x, sr = load(LJSPEECH / "wavs" / "LJ001-0001.flac")
    text = asr.transcribe(x, sr, "en")
    assert isinstance(text, str) and text == asr.transcribe(x, sr, None)
    sp = spm.SentencePieceProcessor(model_file=str(folders[kind] / "tokenizer.ckpt"))
    alphabet = {sp.id_to_piece(i).replace("▁", " ") for i in range(sp.get_piece_size())}
    assert set(text) <= set("".join(alphabet)) | {" "}
    assert text  # a random CTC head emits non-blank tokens


def test_speechbrain_backends_are_registered_in_quality(folders):
    """score's --asr speechbrain:DIR and --speaker-embedder speechbrain:DIR load these models."""
    from synthkit.quality.asr import load_transcriber
    from synthkit.quality.speaker import load_speaker_embedder

    asr = load_transcriber(f"speechbrain:{folders['asr']}", 1, "en")
    assert type(asr).__name__ == "SpeechbrainAsr" and callable(getattr(asr, "transcribe"))
    emb = load_speaker_embedder(f"speechbrain:{folders['ecapa']}")
    assert type(emb).__name__ == "EcapaEmbedder" and emb.name == str(folders["ecapa"])
    assert emb.embed(np.random.default_rng(0).standard_normal(16000).astype(np.float32) * 0.1, 16000).shape == (32,)
