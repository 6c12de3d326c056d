"""``synthkit restore`` end to end with the shipped checkpoint: keys kept, input files unchanged
(checksums), bad rows rejected with reasons, overlapping --out refused, a SIGKILLed run resumes without
loss, and --keep-original-if-worse records which clips kept their original."""

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from synthkit.manifest import read_manifest
from synthkit.testing import speechlike

from .conftest import LJSPEECH, NOISE_DIR, RIR_DIR, ROOT, require_shared


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checksums(folder):
    return {str(p): sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def lj_clips(n, start=0):
    return sorted(LJSPEECH.glob("wavs/LJ003-0*.flac"))[start:start + n]


@pytest.fixture(scope="module")
def degraded(tmp_path_factory):
    """A small degraded set (the benchmark's kind of damage) made with `synthkit degrade`."""
    require_shared()
    tmp = tmp_path_factory.mktemp("restore")
    clean = tmp / "clean"
    clean.mkdir()
    for f in lj_clips(6, start=70):
        (clean / f.name).write_bytes(f.read_bytes())
    from click.testing import CliRunner

    from synthkit.cli import main

    res = CliRunner().invoke(main, ["degrade", str(clean), "--out", str(tmp / "degraded"), "--noise-dir",
                                    str(NOISE_DIR), "--rir-dir", str(RIR_DIR), "--quiet"])
    assert res.exit_code == 0, res.output
    return tmp / "degraded"


def test_restore_keeps_rows_and_never_touches_its_input(cli, tmp_path, degraded):
    # a manifest of another tool: text, speaker, unknown keys, a missing file, a bad line, a repeated id
    src = tmp_path / "in"
    src.mkdir()
    rows = []
    for i, r in enumerate(read_manifest(degraded / "manifest.jsonl")):
        if i == 3:
            break
        wav = src / f"clip{i}.wav"
        wav.write_bytes((degraded / r.audio_filepath).read_bytes())
        rows.append({"id": f"utt{i}", "audio_filepath": wav.name, "text": f"sentence {i}", "speaker": "lj",
                     "my_tool": {"score": i}})
    rows.append({"id": "gone", "audio_filepath": "missing.wav", "text": "x"})
    rows.append({"id": "utt0", "audio_filepath": "clip1.wav"})
    manifest = src / "in.jsonl"
    manifest.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n", encoding="utf-8")
    before = checksums(src)

    out = tmp_path / "out"
    res = cli("restore", str(manifest), "--out", str(out), "--no-scores", "--quiet")
    assert res.exit_code == 0, res.output
    assert checksums(src) == before  # input files unchanged
    got = [r.to_dict() for r in read_manifest(out / "manifest.jsonl")]
    assert [r["id"] for r in got] == ["utt0", "utt1", "utt2"]
    for r, orig in zip(got, rows):
        assert r["text"] == orig["text"] and r["speaker"] == "lj" and r["my_tool"] == orig["my_tool"]
        assert r["source_audio_filepath"] == str(src / orig["audio_filepath"])
        assert r["audio_filepath"] == f"wavs/{r['id']}.wav" and r["restore"]["kept_original"] is False
        y, sr = sf.read(out / r["audio_filepath"])
        assert sr == r["sample_rate"] == 16000 and r["duration"] == pytest.approx(y.size / sr)
    rejects = {r["id"]: r["reason"] for r in map(json.loads, (out / "rejects.jsonl").read_text().splitlines())}
    assert "cannot read audio file" in rejects["gone"] and "duplicate id" in rejects["dup:utt0"]
    assert any(k.startswith("line:") and "not a valid manifest row" in v for k, v in rejects.items())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["clips"] == 3 and summary["rejects"] == 3 and summary["rtf_model"] > 0


def test_restore_a_folder(cli, tmp_path):
    src = tmp_path / "corpus"
    (src / "spk1").mkdir(parents=True)
    sf.write(src / "spk1" / "a.wav", speechlike(sr=22050, seconds=1.0), 22050)
    sf.write(src / "b.flac", speechlike(seconds=0.7, seed=1), 16000)
    before = checksums(src)
    res = cli("restore", str(src), "--out", str(tmp_path / "out"), "--no-scores", "--quiet")
    assert res.exit_code == 0, res.output
    got = list(read_manifest(tmp_path / "out" / "manifest.jsonl"))
    assert [(r.id, r.audio_filepath) for r in got] == [("b", "wavs/b.wav"), ("spk1/a", "wavs/spk1/a.wav")]
    assert got[1].duration == pytest.approx(1.0, abs=1e-3)  # resampled to the model's rate, same length
    assert checksums(src) == before


def test_restore_refuses_an_out_that_overlaps_the_input(cli, tmp_path):
    src = tmp_path / "corpus"
    src.mkdir()
    sf.write(src / "a.wav", speechlike(seconds=0.5), 16000)
    (src / "m.jsonl").write_text('{"id": "a", "audio_filepath": "a.wav"}\n')
    for args in ((src, src), (src, src / "restored"), (src, tmp_path), (src / "m.jsonl", src)):
        res = cli("restore", str(args[0]), "--out", str(args[1]), "--no-scores", "--quiet")
        assert res.exit_code == 2 and "overlaps the input" in res.stderr, args
    res = cli("restore", str(src), "--out", str(tmp_path / "o"), "--checkpoint", str(tmp_path / "nope.pt"))
    assert res.exit_code == 2 and "checkpoint not found" in res.stderr
    res = cli("restore", str(src), "--out", str(tmp_path / "o"), "--checkpoint", "whsiper")  # a misspelt name
    assert res.exit_code == 2 and "ships no checkpoint of that name (shipped: default, whisper)" in res.stderr
    assert sorted(p.name for p in src.iterdir()) == ["a.wav", "m.jsonl"]


def restore_cmd(src, out):
    return [sys.executable, "-m", "synthkit", "restore", str(src), "--out", str(out), "--workers", "2",
            "--no-scores", "--quiet"]


@pytest.mark.slow
def test_a_killed_restore_resumes_without_loss(tmp_path):
    """SIGKILL at random moments (start-up, restoring, writing), then the same command: the result
    equals an uninterrupted run's rows and audio bytes, with no duplicate and no missing clip."""
    require_shared()
    src = tmp_path / "in"
    src.mkdir()
    for f in lj_clips(24):
        (src / f.name).write_bytes(f.read_bytes())
    before = checksums(src)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(restore_cmd(src, tmp_path / "ref"), env=env, check=True, capture_output=True, timeout=600)

    out = tmp_path / "killed"
    m = out / "manifest.jsonl"
    rng = random.Random(5)
    kills, seen = 0, []
    # Kill moments are set by progress, not by the clock (a loaded machine runs at any speed): the first
    # during start-up (once the output folder exists), the others once the manifest holds a given number
    # of rows, so they fall while clips are being restored and written.
    targets = [0, 2, 7, 12, 17, 21]
    for attempt in range(30):
        proc = subprocess.Popen(restore_cmd(src, out), env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if attempt < len(targets):
            deadline = time.monotonic() + 600  # a hang guard only
            while proc.poll() is None and time.monotonic() < deadline:
                rows = len(m.read_text().splitlines()) if m.exists() else 0
                if (targets[attempt] == 0 and out.exists()) or (targets[attempt] and rows >= targets[attempt]):
                    time.sleep(rng.uniform(0.0, 0.05))  # anywhere in the next clip's work; the run cannot end in it
                    break
                time.sleep(0.02)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                kills += 1
                seen.append(len(m.read_text().splitlines()) if m.exists() else 0)
                continue
        else:
            proc.wait(timeout=600)
        assert proc.returncode == 0, proc.stderr.read().decode()
        break
    assert kills >= 3, "the run finished before it could be killed often enough"
    assert any(0 < n < 24 for n in seen), seen

    ref = [r.to_dict() for r in read_manifest(tmp_path / "ref" / "manifest.jsonl")]
    got = [r.to_dict() for r in read_manifest(out / "manifest.jsonl")]
    assert len({r["id"] for r in got}) == len(got) == 24
    assert got == ref
    for r in got:
        assert (out / r["audio_filepath"]).read_bytes() == (tmp_path / "ref" / r["audio_filepath"]).read_bytes()
    assert not list((out / "wavs").rglob(".*.tmp"))
    assert checksums(src) == before


@pytest.mark.slow
def test_keep_original_if_worse_records_its_choices(cli, tmp_path, degraded):
    """Clean clips and degraded clips through --keep-original-if-worse: every row says whether it kept
    its original, which judge decided and why; kept clips hold the original audio; nothing written
    scores below its input."""
    src = tmp_path / "mixed"
    src.mkdir()
    for f in lj_clips(2, start=90):
        (src / f"clean_{f.stem}.flac").write_bytes(f.read_bytes())
    for r in list(read_manifest(degraded / "manifest.jsonl"))[:3]:
        (src / f"degraded_{r.id}.wav").write_bytes((degraded / r.audio_filepath).read_bytes())
    res = cli("restore", str(src), "--out", str(tmp_path / "out"), "--keep-original-if-worse", "--quiet", "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    rows = list(read_manifest(tmp_path / "out" / "manifest.jsonl"))
    assert len(rows) == 5 and summary["kept_original"] == sum(r["restore"]["kept_original"] for r in rows)
    from synthkit.audio import float_to_int16, load
    from synthkit.restore.scores import Scorer

    scorer = Scorer()
    for r in rows:
        info = r["restore"]
        b, a, sim = info["dnsmos_before"]["ovrl"], info["dnsmos_after"]["ovrl"], info["speaker_similarity"]
        by_scores = a < b or (sim is not None and sim < 0.65)
        assert info["decided_by"] == ("dnsmos" if a < b else "speaker" if by_scores else
                                      "asr" if info["judges"]["asr"] == "fail" else None)
        assert info["judges"]["asr"] == ("not run" if by_scores else "fail" if info["decided_by"] == "asr" else "pass")
        worse = info["decided_by"] is not None
        assert info["kept_original"] == worse
        assert ("kept_original_reason" in info) == worse
        written, _ = load(tmp_path / "out" / r.audio_filepath)
        if worse:
            orig, _ = load(r["source_audio_filepath"], sr=16000)
            assert np.array_equal(float_to_int16(written), float_to_int16(orig))
        # do no harm: what was written never scores below the input
        assert scorer.dnsmos(written, 16000)["ovrl"] >= b - 0.02
    assert summary["ovrl_after"] >= summary["ovrl_before"]


def test_worse_reason_rules():
    from synthkit.restore.stage import worse_reason

    def info(before, after, sim):
        return {"dnsmos_before": {"ovrl": before}, "dnsmos_after": {"ovrl": after}, "speaker_similarity": sim}

    assert worse_reason(info(2.0, 2.5, 0.9), 0.65) is None
    assert "fell from 2.50 to 2.00" in worse_reason(info(2.5, 2.0, 0.9), 0.65)
    assert "speaker similarity 0.50 < 0.65" in worse_reason(info(2.0, 2.5, 0.5), 0.65)
    assert worse_reason(info(2.0, 2.5, None), 0.65) is None  # no speech to compare: OVRL decides
