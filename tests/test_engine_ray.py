"""The Ray engine on a local Ray cluster that this module starts (`ray start --head` on 127.0.0.1, a
free port, 2 CPUs, its own temp dir and auth token; see synthkit/engine/ray_local.py) and stops
(only the processes it started): outputs equal the local engine's, byte for byte; a run cut short
resumes on Ray to the same result; the initializer runs once per Ray worker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from synthkit.manifest import read_manifest

from .conftest import NOISE_DIR, RIR_DIR, ROOT, SW_TEXT, require_shared, run_synthkit

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_cluster():
    """(address, cluster) of a 2-CPU Ray cluster on this machine, for this module only."""
    import ray  # noqa: F401  (the 'ray' extra; ./setup.sh installs it)

    from synthkit.engine.ray_local import LocalRayCluster

    with LocalRayCluster(num_cpus=2, env={"PYTHONPATH": str(ROOT)}) as cluster:
        yield cluster.address, cluster


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


@pytest.fixture(scope="module")
def reload_corpus(text, tmp_path_factory):
    """The local corpus made the way earlier versions made it: a fresh libespeak-ng per clip."""
    from synthkit.tts.espeak_lib import RELOAD_ENV

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(RELOAD_ENV, "1")
        return _synth(text, tmp_path_factory.mktemp("reload") / "corpus")


def test_synth_on_ray_equals_local(ray_cluster, text, local_corpus, reload_corpus, tmp_path):
    """Ray workers restore espeak-ng's state between clips as local workers do: the same corpus, and
    the same as a fresh library per clip gives."""
    address, cluster = ray_cluster
    before = cluster.worker_logs()
    ray_out = _synth(text, tmp_path / "ray", "--engine", "ray", "--address", address)
    assert cluster.worker_logs() - before  # the clips were made by workers of that cluster
    assert _same_corpus(local_corpus, ray_out) == 48
    assert _same_corpus(reload_corpus, ray_out) == 48


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
    token file goes to $HOME/.ray: HOME is a temp folder here). The first 6 sentences give the
    first 12 rows of the local corpus."""
    import ray  # noqa: F401

    short = tmp_path / "short.txt"
    short.write_text("".join(text.read_text(encoding="utf-8").splitlines(keepends=True)[:6]), encoding="utf-8")
    out = tmp_path / "private"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    env.update(HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT), RAY_USAGE_STATS_ENABLED="0")
    res = subprocess.run([sys.executable, "-m", "synthkit", "synth", "--lang", "sw", "--text", str(short), "--out",
                          str(out), "--voices", "2", "--augment", "heavy", "--noise-dir", str(NOISE_DIR),
                          "--rir-dir", str(RIR_DIR), "--workers", "2", "--quiet", "--engine", "ray"],
                         env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    got = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    assert got == (local_corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[:12]
    for r in read_manifest(out / "manifest.jsonl"):
        assert (out / r.audio_filepath).read_bytes() == (local_corpus / r.audio_filepath).read_bytes()


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


def test_ray_workers_run_at_normal_priority(ray_cluster, tmp_path):
    """Ray's default worker niceness is 15: beside any other busy job its workers starved (a 12-clip
    synth took 394 s instead of 11 s beside two busy processes). Workers of the private Ray a command
    starts, and of the tests' cluster, run at niceness 0."""
    code = """
from synthkit.engine import map_ordered
from tests import ray_helpers
print(sorted(set(map_ordered(ray_helpers.niceness, range(8), 2, engine="ray"{address}))))
"""
    assert _in_driver(code.format(address=f', address="{ray_cluster[0]}"')).strip() == "[0]"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_AUTH", "RAY_worker"))}
    env.update(HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT), RAY_USAGE_STATS_ENABLED="0")
    res = subprocess.run([sys.executable, "-c", code.format(address="")], env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip() == "[0]"


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
    from synthkit.engine.ray_local import free_port

    port = free_port()  # nothing listens there
    res = run_synthkit("synth", "--lang", "sw", "--text", str(text), "--out", str(tmp_path / "a"), "--engine", "ray",
                       "--address", f"127.0.0.1:{port}", "--quiet")
    assert res.returncode == 2 and f"no Ray cluster answers at 127.0.0.1:{port}" in res.stderr
    res = run_synthkit("synth", "--lang", "sw", "--text", str(text), "--out", str(tmp_path / "b"),
                       "--address", "127.0.0.1:6379", "--quiet")
    assert res.returncode == 2 and "use it with --engine ray" in res.stderr


def test_score_on_ray_equals_local(ray_cluster, local_corpus, tmp_path):
    """`synthkit score` (signal metrics, VAD, Whisper tiny.en CER, speaker similarity) on Ray writes the
    same scored manifest as the local engine."""
    address, _ = ray_cluster
    metrics = "signal,cer,speaker_sim"
    ref = next(iter(read_manifest(local_corpus / "manifest.jsonl"))).audio_path(local_corpus)
    outs = []
    for name, extra in (("local", []), ("ray", ["--engine", "ray", "--address", address])):
        out = tmp_path / f"{name}.jsonl"
        res = run_synthkit("score", str(local_corpus / "manifest.jsonl"), "-o", str(out), "--metrics", metrics,
                           "--speaker-ref", str(ref), "--workers", "2", "--threads", "1", "--quiet",
                           "--asr-language", "en",  # tiny.en on Swahili: meaningless CERs, but it exercises the model
                           *extra)
        assert res.returncode == 0, res.stderr
        outs.append(out)
    assert outs[0].read_bytes() == outs[1].read_bytes()
    rows = list(read_manifest(outs[1]))
    assert len(rows) == 48 and all("cer" in r and "snr_db" in r and "speaker_sim" in r for r in rows)


def test_degrade_and_restore_on_ray_equal_local(ray_cluster, tmp_path):
    """`synthkit degrade` then `synthkit restore` (shipped checkpoint, before/after DNSMOS and speaker
    scores) on Ray write the same manifests and the same audio bytes as the local engine."""
    from .conftest import LJSPEECH

    address, _ = ray_cluster
    src = tmp_path / "clean"
    src.mkdir()
    for f in sorted(LJSPEECH.glob("wavs/LJ003-0*.flac"))[:6]:
        shutil.copy(f, src / f.name)
    outs = {}
    for name, extra in (("local", []), ("ray", ["--engine", "ray", "--address", address])):
        deg, res_out = tmp_path / name / "degraded", tmp_path / name / "restored"
        res = run_synthkit("degrade", str(src), "--out", str(deg), "--noise-dir", str(NOISE_DIR), "--rir-dir",
                           str(RIR_DIR), "--workers", "2", "--quiet", *extra)
        assert res.returncode == 0, res.stderr
        res = run_synthkit("restore", str(deg / "manifest.jsonl"), "--out", str(res_out), "--workers", "2",
                           "--scores", "--quiet", *extra)
        assert res.returncode == 0, res.stderr
        outs[name] = (deg, res_out)
    for a, b in zip(outs["local"], outs["ray"]):
        want = [json.loads(ln) for ln in (a / "manifest.jsonl").read_text().splitlines()]
        got = [json.loads(ln) for ln in (b / "manifest.jsonl").read_text().splitlines()]
        assert len(want) == 6
        # rows name their source audio by absolute path, which differs between the two output folders
        for r in want + got:
            r.pop("source_audio_filepath", None)
        assert got == want
        for r in want:
            assert (a / r["audio_filepath"]).read_bytes() == (b / r["audio_filepath"]).read_bytes(), r["id"]
    restored = list(read_manifest(outs["ray"][1] / "manifest.jsonl"))
    assert all("dnsmos_after" in r["restore"] for r in restored)
