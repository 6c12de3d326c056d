"""A synth run killed with SIGKILL at any moment and started again with the same command ends with
the same manifest as an uninterrupted run: same ids, same audio bytes, no duplicate, no missing id,
no row pointing at a missing file."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from synthkit.manifest import read_manifest

from .conftest import NOISE_DIR, RIR_DIR, ROOT, SW_TEXT, require_shared


def synth_cmd(text, out):
    return [sys.executable, "-m", "synthkit", "synth", "--lang", "sw", "--text", str(text), "--out", str(out),
            "--voices", "2", "--workers", "2", "--augment", "heavy", "--noise-dir", str(NOISE_DIR),
            "--rir-dir", str(RIR_DIR), "--quiet"]


def env():
    return dict(os.environ, PYTHONPATH=str(ROOT))


@pytest.mark.slow
def test_sigkill_and_resume_equals_uninterrupted(tmp_path):
    require_shared()
    text = tmp_path / "text.txt"
    text.write_text(SW_TEXT.read_text(encoding="utf-8"), encoding="utf-8")  # 200 sentences -> 400 clips

    ref = tmp_path / "ref"
    t0 = time.monotonic()
    subprocess.run(synth_cmd(text, ref), env=env(), check=True, capture_output=True, timeout=600)
    t_ref = time.monotonic() - t0  # kill moments are spread over an uninterrupted run's duration

    out = tmp_path / "killed"
    rng = random.Random(7)
    kills = 0
    rows_seen = []
    for attempt in range(40):
        proc = subprocess.Popen(synth_cmd(text, out), env=env(), start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if attempt < 8:  # kill at a random moment: during start-up, rendering, or writing rows
            delay = rng.uniform(0.2, 0.95) * t_ref
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes
                proc.wait()
                kills += 1
                m = out / "manifest.jsonl"
                rows_seen.append(len(m.read_text().splitlines()) if m.exists() else 0)
                continue
        else:
            proc.wait(timeout=600)
        assert proc.returncode == 0, proc.stderr.read().decode()
        break
    assert kills >= 3, "the run finished before it could be killed often enough"
    print("rows at each kill:", rows_seen)
    assert any(0 < n < 400 for n in rows_seen), rows_seen  # at least one kill landed mid-run

    ref_rows = [r.to_dict() for r in read_manifest(ref / "manifest.jsonl")]
    got_rows = [r.to_dict() for r in read_manifest(out / "manifest.jsonl")]
    ids = [r["id"] for r in got_rows]
    assert len(ids) == len(set(ids)) == 400
    assert got_rows == ref_rows
    for r in got_rows:
        path = out / r["audio_filepath"]
        assert path.is_file()
        assert path.read_bytes() == (ref / r["audio_filepath"]).read_bytes(), r["id"]
    assert not list((out / "wavs").glob(".*.tmp"))
    assert sorted(p.name for p in (out / "wavs").iterdir()) == sorted(p.name for p in (ref / "wavs").iterdir())
