"""A clip depends only on its row, however it was scheduled: `synthkit synth` renders every clip from
a pristine espeak-ng state (restored, not reloaded; see synthkit.tts.espeak_state), so the same clip
made first, last, alone or between others, by 1 or 2 workers, has the same bytes — the same bytes as
the reload-per-clip mechanism of earlier versions makes (SYNTHKIT_ESPEAK_RELOAD=1)."""

import subprocess

from synthkit.manifest import read_manifest
from synthkit.tts import espeak_lib

from .conftest import SW_TEXT, assert_same_corpus, run_synthkit

OTHERS = SW_TEXT.read_text(encoding="utf-8").splitlines()[20:28]
TARGET = "Shule yetu ina wanafunzi 450 na walimu 18."  # line 5 in every text below


def _text(tmp_path, name, before: bool, after: bool):
    lines = (OTHERS[:4] if before else [""] * 4) + [TARGET] + (OTHERS[4:8] if after else [])
    p = tmp_path / f"{name}.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _clips(out):
    """id -> (manifest row, WAV bytes) of the clips of line 5."""
    return {r.id: (r.to_dict(), (out / r.audio_filepath).read_bytes())
            for r in read_manifest(out / "manifest.jsonl") if r["line"] == 5}


def test_a_clip_is_the_same_first_last_alone_and_in_between(cli, tmp_path):
    runs = {}
    for name, before, after, workers in [("between", True, True, "1"), ("between", True, True, "2"),
                                         ("alone", False, False, "1"), ("first", False, True, "1"),
                                         ("first", False, True, "2"), ("last", True, False, "1")]:
        out = tmp_path / f"{name}-{workers}"
        res = cli("synth", "--lang", "sw", "--text", str(_text(tmp_path, name, before, after)), "--out", str(out),
                  "--voices", "2", "--workers", workers, "--quiet")
        assert res.exit_code == 0, res.output
        runs[f"{name}/{workers}"] = _clips(out)
    assert espeak_lib.reuse_mode() == "restore"  # (in-process runs with 1 worker used the restore)
    reference = runs.pop("between/1")
    assert len(reference) == 2 and any(r["augment"] for r, _ in reference.values())
    for key, clips in runs.items():
        assert clips == reference, key


def test_restore_writes_what_a_fresh_library_per_clip_writes(tmp_path, monkeypatch):
    """The whole corpus (manifest and every WAV, default augmentation, 2 workers) is byte for byte
    the corpus of the reload-per-clip mechanism, so rows made by earlier versions still regenerate."""
    text = SW_TEXT.parent.parent / "smoke" / "sw.txt"
    outs = {}
    for mode in ("restore", "reload"):
        if mode == "reload":
            monkeypatch.setenv(espeak_lib.RELOAD_ENV, "1")
        out = outs[mode] = tmp_path / mode
        res = run_synthkit("synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--voices", "2",
                           "--workers", "2", "--quiet")
        assert res.returncode == 0, res.stderr
    assert assert_same_corpus(outs["restore"], outs["reload"]) == 20


def test_forked_and_spawned_workers_write_the_same_corpus(tmp_path):
    """Local synth workers are forked from the driver where that is safe (no thread, no library with
    thread pools loaded) and spawned otherwise; either way the corpus is byte for byte the same."""
    import sys

    from .conftest import ROOT

    probe = ("import sys, types, synthkit.synth, synthkit.engine.local as L\n"
             "print(L.start_method('fork'), L.start_method('spawn'))\n"
             "sys.modules['torch'] = types.ModuleType('torch')\n"
             "print(L.start_method('fork'))\n")
    res = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["fork", "spawn", "spawn"]
    text = SW_TEXT.parent.parent / "smoke" / "sw.txt"
    args = ["synth", "--lang", "sw", "--text", str(text), "--voices", "2", "--workers", "2", "--quiet"]
    res = run_synthkit(*args, "--out", str(tmp_path / "fork"))
    assert res.returncode == 0, res.stderr
    # a stand-in for a thread-pool library in the driver makes the engine spawn its workers
    spawn = ("import sys, types; sys.modules['jax'] = types.ModuleType('jax')\n"
             "from synthkit.cli import main; main()\n")
    res = subprocess.run([sys.executable, "-c", spawn, *args, "--out", str(tmp_path / "spawn")], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert assert_same_corpus(tmp_path / "fork", tmp_path / "spawn") == 20
