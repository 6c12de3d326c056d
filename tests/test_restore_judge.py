"""--keep-original-if-worse judges content too: real LJSpeech audio, real Whisper base ASR, real DNSMOS and
speaker scores. Only the restoration output is chosen by the test (a clean recording of *other* words by
the same speaker, which DNSMOS and the speaker judge accept), so that the ASR judge is the one to decide."""

import json

import numpy as np
import pytest

from synthkit.audio import float_to_int16, load, save_wav
from synthkit.manifest import read_manifest

from .conftest import LJSPEECH, require_shared

SR = 16000


def key(x: np.ndarray) -> bytes:
    """Which test input this is (the stage reads the very file the test wrote)."""
    return float_to_int16(x).tobytes()


def lj(uid: str) -> tuple[np.ndarray, str]:
    x, _ = load(LJSPEECH / "wavs" / f"{uid}.flac", sr=SR)
    text = next(line.split("|")[1] for line in (LJSPEECH / "metadata.csv").read_text(encoding="utf-8").splitlines()
                if line.startswith(uid + "|"))
    return (x * np.float32(0.3 / np.max(np.abs(x)))).astype(np.float32), text


@pytest.mark.slow
def test_asr_judge_keeps_the_original_when_restoration_changes_the_words(tmp_path, monkeypatch):
    require_shared()
    rng = np.random.default_rng(0)
    a, a_text = lj("LJ003-0090")
    b, _ = lj("LJ003-0092")  # other words, same voice
    c, c_text = lj("LJ003-0091")

    def noisy(x):
        n = rng.standard_normal(x.size).astype(np.float32)
        return (x + n * np.float32(np.sqrt(np.mean(x ** 2)) / np.sqrt(np.mean(n ** 2)) * 10 ** (-10 / 20))).astype(np.float32)

    src = tmp_path / "in"
    (src / "wavs").mkdir(parents=True)
    rows, replacement = [], {}
    for uid, clean, text, restored in (("changed", a, a_text, np.resize(b, a.size)),
                                       ("changed_no_text", a, None, np.resize(b, a.size)), ("same", c, c_text, c)):
        save_wav(src / "wavs" / f"{uid}.wav", noisy(clean), SR)
        x, _ = load(src / "wavs" / f"{uid}.wav")
        replacement[key(x)] = restored
        rows.append({"id": uid, "audio_filepath": f"wavs/{uid}.wav", "language": "en", **({"text": text} if text else {})})
    (src / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    from synthkit.restore import model as model_mod

    real_load = model_mod.load_checkpoint

    def load_with_chosen_output(path=None, device="cpu"):
        m = real_load(path, device)
        m.restore = lambda x, sr, phonemes=None: (replacement[key(x)].astype(np.float32), SR)
        return m

    monkeypatch.setattr(model_mod, "load_checkpoint", load_with_chosen_output)
    from synthkit.restore.stage import RestoreRunConfig, prepare, run

    summary = run(prepare(RestoreRunConfig(src / "manifest.jsonl", tmp_path / "out", keep_original_if_worse=True,
                                           progress=False)))
    got = {r.id: r for r in read_manifest(tmp_path / "out" / "manifest.jsonl")}
    assert summary.new_clips == 3
    for uid in ("changed", "changed_no_text"):
        info = got[uid]["restore"]
        assert info["judges"] == {"dnsmos": "pass", "speaker": "pass", "asr": "fail"}, info
        assert info["decided_by"] == "asr" and info["kept_original"] is True
        assert "ASR" in info["kept_original_reason"]
        written, _ = load(tmp_path / "out" / got[uid].audio_filepath)
        original, _ = load(src / "wavs" / f"{uid}.wav")
        assert np.array_equal(float_to_int16(written), float_to_int16(original))
    assert got["changed"]["restore"]["cer_after"] > got["changed"]["restore"]["cer_before"]
    assert got["changed_no_text"]["restore"]["transcript_change"] > 0.1
    assert "cer_after" not in got["changed_no_text"]["restore"]
    same = got["same"]["restore"]
    assert same["judges"] == {"dnsmos": "pass", "speaker": "pass", "asr": "pass"}, same
    assert same["decided_by"] is None and same["kept_original"] is False
    assert same["cer_after"] <= same["cer_before"] and same["asr_after"]


def test_asr_judge_settings_are_checked_before_any_work(cli, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    res = cli("restore", str(src), "--out", str(tmp_path / "out"), "--keep-original-if-worse",
              "--max-transcript-change", "-1")
    assert res.exit_code == 2 and "--max-transcript-change must be >= 0" in res.output
    res = cli("restore", str(src), "--out", str(tmp_path / "out2"), "--keep-original-if-worse",
              "--asr-judge", "nosuchbackend:x")
    assert res.exit_code == 2 and "unknown ASR backend" in res.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "out2").exists()
