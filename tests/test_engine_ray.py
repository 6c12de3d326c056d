"""The Ray engine on a local Ray cluster that this module starts (`ray start --head` on 127.0.0.1, a
free port, 2 CPUs, its own temp dir) and stops (only the processes it started): outputs equal the
local engine's, byte for byte; a run cut short resumes on Ray to the same result; the initializer
runs once per Ray worker."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from synthkit.manifest import read_manifest

from .conftest import NOISE_DIR, RIR_DIR, ROOT, SW_TEXT, require_shared, run_synthkit

pytestmark = pytest.mark.slow
START_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_pids(sid: int) -> list[int]:
    import psutil

    pids = []
    for pid in psutil.pids():
        try:
            if os.getsid(pid) == sid:
                pids.append(pid)
        except OSError:
            pass
    return pids


@pytest.fixture(scope="module")
def ray_cluster():
    """(address, temp dir) of a 2-CPU Ray cluster on this machine, for this module only."""
    pytest.importorskip("ray", reason="the Ray engine needs the 'ray' extra (./setup.sh installs it)")
    temp = tempfile.mkdtemp(prefix="skray", dir="/tmp")  # short: Ray's socket paths must stay < 108 bytes
    port = _free_port()
    ray_bin = Path(sys.executable).with_name("ray")
    cmd = [str(ray_bin), "start", "--head", "--block", "--node-ip-address", "127.0.0.1", "--port", str(port),
           "--ray-client-server-port", str(_free_port()), "--dashboard-agent-listen-port", str(_free_port()),
           "--num-cpus", "2", "--include-dashboard=false", "--disable-usage-stats", "--temp-dir", temp,
           "--object-store-memory", str(200 * 2**20)]
    # token authentication with a token of its own, given to the cluster and (through the environment)
    # to every driver this module runs; nothing is read from or written to ~/.ray
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32), "RAY_USAGE_STATS_ENABLED": "0"}
    saved = {k: os.environ.get(k) for k in (*auth, "RAY_AUTH_TOKEN_PATH")}
    os.environ.pop("RAY_AUTH_TOKEN_PATH", None)
    os.environ.update(auth)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)  # its own session: stopped below by session id only
    log = []
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        for line in proc.stdout:
            log.append(line)
            if "Ray runtime started" in line:
                break
            if time.monotonic() > deadline:
                break
        if proc.poll() is not None or not any("Ray runtime started" in x for x in log):
            pytest.fail("ray start failed:\n" + "".join(log[-30:]))
        yield f"127.0.0.1:{port}", Path(temp)
    finally:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            pids = _session_pids(proc.pid)
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            t_end = time.monotonic() + wait
            while _session_pids(proc.pid) and time.monotonic() < t_end:
                time.sleep(0.2)
        proc.wait(timeout=10)
        shutil.rmtree(temp, ignore_errors=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _synth(text, out, *extra):
    res = run_synthkit("synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--voices", "2",
                       "--augment", "heavy", "--noise-dir", str(NOISE_DIR), "--rir-dir", str(RIR_DIR),
                       "--workers", "2", "--quiet", *extra)
    assert res.returncode == 0, res.stderr
    return out


def _same_corpus(a: Path, b: Path) -> int:
    assert (a / "manifest.jsonl").read_bytes() == (b / "manifest.jsonl").read_bytes()
    assert (a / "rejects.jsonl").read_bytes() == (b / "rejects.jsonl").read_bytes()
    rows = list(read_manifest(a / "manifest.jsonl"))
    for r in rows:
        assert (a / r.audio_filepath).read_bytes() == (b / r.audio_filepath).read_bytes(), r.id
    assert sorted(p.name for p in (a / "wavs").iterdir()) == sorted(p.name for p in (b / "wavs").iterdir())
    return len(rows)


@pytest.fixture(scope="module")
def text(tmp_path_factory):
    require_shared()
    t = tmp_path_factory.mktemp("text") / "sw.txt"
    t.write_text("\n".join(SW_TEXT.read_text(encoding="utf-8").splitlines()[:24]) + "\n", encoding="utf-8")
    return t


@pytest.fixture(scope="module")
def local_corpus(text, tmp_path_factory):
    return _synth(text, tmp_path_factory.mktemp("local") / "corpus")


def _actor_logs(temp: Path) -> set[Path]:
    return set(temp.glob("session_*/logs/worker-*"))


def test_synth_on_ray_equals_local(ray_cluster, text, local_corpus, tmp_path):
    address, temp = ray_cluster
    before = _actor_logs(temp)
    ray_out = _synth(text, tmp_path / "ray", "--engine", "ray", "--address", address)
    assert _actor_logs(temp) - before  # the clips were made by workers of that cluster
    assert _same_corpus(local_corpus, ray_out) == 48


def test_synth_on_ray_resumes_to_the_same_corpus(ray_cluster, text, local_corpus, tmp_path):
    """A run that stopped part-way (a prefix of the rows, a torn last line, a missing WAV of a row
    not yet written) is finished on Ray and equals an uninterrupted local run."""
    out = tmp_path / "resumed"
    shutil.copytree(local_corpus, out)
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    keep = lines[:23]
    torn = lines[23][: len(lines[23]) // 2]
    (out / "manifest.jsonl").write_text("".join(keep) + torn, encoding="utf-8")
    for line in lines[23:]:
        r = next(iter(read_manifest_line(line)))
        if r.id.endswith("_01"):
            (out / r.audio_filepath).unlink()
    (out / "summary.json").unlink()
    _synth(text, out, "--engine", "ray", "--address", ray_cluster[0])
    assert _same_corpus(local_corpus, out) == 48


def test_synth_on_a_private_local_ray_equals_local(text, local_corpus, tmp_path):
    """Without --address the command starts a Ray of its own for the run and stops it after (its
    token file goes to $HOME/.ray: HOME is a temp folder here)."""
    pytest.importorskip("ray", reason="the Ray engine needs the 'ray' extra (./setup.sh installs it)")
    out = tmp_path / "private"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    env.update(HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT), RAY_USAGE_STATS_ENABLED="0")
    res = subprocess.run([sys.executable, "-m", "synthkit", "synth", "--lang", "sw", "--text", str(text), "--out",
                          str(out), "--voices", "2", "--augment", "heavy", "--noise-dir", str(NOISE_DIR),
                          "--rir-dir", str(RIR_DIR), "--workers", "2", "--quiet", "--engine", "ray"],
                         env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert _same_corpus(local_corpus, out) == 48


def read_manifest_line(line: str):
    import json

    from synthkit.manifest import Utterance

    yield Utterance.from_dict(json.loads(line))


def _in_driver(code: str) -> str:
    """Run ``code`` in a fresh Python (a Ray driver of its own, so Ray's per-process state never
    leaks into the test session); returns its stdout."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def test_initializer_runs_once_per_ray_worker_and_order_is_kept(ray_cluster):
    out = json.loads(_in_driver(f"""
import json, os
from synthkit.engine import map_ordered
from tests import ray_helpers
res = list(map_ordered(ray_helpers.work, range(100), 2, ray_helpers.init, ("tag-1",), engine="ray",
                       address="{ray_cluster[0]}"))
print(json.dumps({{"res": res, "driver": os.getpid()}}))
"""))
    res = out["res"]
    assert [r[0] for r in res] == [x * x for x in range(100)]
    assert {r[3] for r in res} == {"tag-1"}
    assert all(r[2] == 1 for r in res)  # each worker built its state exactly once
    pids = {r[1] for r in res}
    assert len(pids) == 2 and out["driver"] not in pids


def test_errors_in_a_shard_reach_the_caller(ray_cluster):
    out = _in_driver(f"""
from synthkit.engine import map_ordered
from tests import ray_helpers
try:
    list(map_ordered(ray_helpers.fail_on_7, range(20), 2, engine="ray", address="{ray_cluster[0]}"))
except ValueError as exc:
    print("caught", exc)
""")
    assert "caught seven" in out


def test_cli_refuses_unusable_engine_arguments(text, tmp_path):
    port = _free_port()  # nothing listens there
    res = run_synthkit("synth", "--lang", "sw", "--text", str(text), "--out", str(tmp_path / "a"), "--engine", "ray",
                       "--address", f"127.0.0.1:{port}", "--quiet")
    assert res.returncode == 2 and f"no Ray cluster answers at 127.0.0.1:{port}" in res.stderr
    res = run_synthkit("synth", "--lang", "sw", "--text", str(text), "--out", str(tmp_path / "b"),
                       "--address", "127.0.0.1:6379", "--quiet")
    assert res.returncode == 2 and "use it with --engine ray" in res.stderr
