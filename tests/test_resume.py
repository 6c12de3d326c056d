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


def _wait_for_rows(proc: subprocess.Popen, manifest, rows: int, hang_guard: float = 600) -> bool:
    """Wait until ``manifest`` holds at least ``rows`` lines (0: until the run has made its output
    folder, i.e. during start-up); False when the run ended first. Only a hang guard is timed."""
    deadline = time.monotonic() + hang_guard
    while proc.poll() is None:
        if rows == 0 and manifest.parent.exists():
            return True
        if rows and manifest.exists() and len(manifest.read_text().splitlines()) >= rows:
            return True
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"the run did not reach {rows} rows within {hang_guard} s")
        time.sleep(0.02)
    return False


@pytest.mark.slow
def test_sigkill_and_resume_equals_uninterrupted(tmp_path):
    require_shared()
    text = tmp_path / "text.txt"
    text.write_text(SW_TEXT.read_text(encoding="utf-8"), encoding="utf-8")  # 200 sentences -> 400 clips

    ref = tmp_path / "ref"
    subprocess.run(synth_cmd(text, ref), env=env(), check=True, capture_output=True, timeout=600)

    out = tmp_path / "killed"
    m = out / "manifest.jsonl"
    rng = random.Random(7)
    # Kill moments are set by progress, not by the clock (a loaded machine runs at any speed): once at
    # start-up, then seven times after the run has added a random 10-50 rows to what the previous one
    # left, so kills land while clips are rendered and rows written.
    kills = 0
    rows_seen = []
    for attempt in range(40):
        before = len(m.read_text().splitlines()) if m.exists() else 0
        proc = subprocess.Popen(synth_cmd(text, out), env=env(), start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        target = 0 if attempt == 0 else before + rng.randint(10, 50)
        if attempt < 8 and _wait_for_rows(proc, m, target):
            os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes
            proc.wait()
            kills += 1
            rows_seen.append(len(m.read_text().splitlines()) if m.exists() else 0)
            continue
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
