"""`synthkit score`: flat keys, bad rows with reasons, resume after a kill, output independent of workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from synthkit.audio import save_wav
from synthkit.manifest import Utterance
from synthkit.quality.metrics import DEFAULT_METRICS, METRIC_KEYS, ScoreConfig, Scorer, parse_metrics
from synthkit.quality.score import annotate

from .conftest import ROOT, run_synthkit
from .quality_corpus import SR, lj_audio, ljspeech_items, write_manifest


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Real LJSpeech clips plus one row of each kind of bad input."""
    root = tmp_path_factory.mktemp("score")
    rows = []
    for uid, text, _ in ljspeech_items(4):
        x = lj_audio(uid)
        save_wav(root / "wavs" / f"{uid}.wav", x, SR)
        rows.append({"id": uid, "audio_filepath": f"wavs/{uid}.wav", "text": text, "language": "eng",
                     "my_tool_key": {"kept": [1, 2]}})
    x = lj_audio(ljspeech_items(1)[0][0])
    x[100:200] = np.nan
    sf.write(root / "wavs" / "nan.wav", x, SR, subtype="FLOAT")
    save_wav(root / "wavs" / "empty.wav", np.zeros(0, np.float32), SR)
    (root / "wavs" / "notaudio.wav").write_bytes(b"\x00\x01garbage" * 100)
    rows += [{"id": "nan", "audio_filepath": "wavs/nan.wav"}, {"id": "empty", "audio_filepath": "wavs/empty.wav"},
             {"id": "notaudio", "audio_filepath": "wavs/notaudio.wav"},
             {"id": "missing", "audio_filepath": "wavs/missing.wav"}, {"id": "noaudio", "text": "hello"}]
    m = write_manifest(root / "manifest.jsonl", rows)
    with open(m, "a") as f:
        f.write("{not json\n")
    return m


def test_parse_metrics():
    assert parse_metrics("default") == DEFAULT_METRICS
    assert parse_metrics("cer, signal") == ("duration", "peak_dbfs", "clipping", "rms_dbfs", "snr_db", "bandwidth_hz",
                                            "cer")
    from synthkit.errors import SynthkitError

    with pytest.raises(SynthkitError, match="unknown metric 'mos'"):
        parse_metrics("default,mos")


def test_score_cli_flat_keys_and_bad_rows_with_reasons(corpus, tmp_path):
    before = corpus.read_bytes()
    out = tmp_path / "out" / "scored.jsonl"
    res = run_synthkit("score", str(corpus), "-o", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    assert corpus.read_bytes() == before  # input untouched
    rows = {r["id"]: r for r in _rows(out)}
    assert list(rows)[:4] == [u for u, _, _ in ljspeech_items(4)]  # input order
    for uid, _, _ in ljspeech_items(4):
        r = rows[uid]
        for m in DEFAULT_METRICS:
            assert all(isinstance(r[k], (int, float, str)) for k in METRIC_KEYS[m]), (m, r)
        assert r["duration"] == r["file_duration"] and r["file_sample_rate"] == SR
        assert r["my_tool_key"] == {"kept": [1, 2]}  # other tools' keys survive
        # rewritten relative to the output's folder: still the same file
        assert (out.parent / r["audio_filepath"]).resolve() == (corpus.parent / "wavs" / f"{uid}.wav").resolve()
        assert "score_errors" not in r
    reasons = {"nan": "NaN or infinite samples", "empty": "zero-length clip", "notaudio": "cannot decode audio file",
               "missing": "audio file not found", "noaudio": "row has no audio_filepath",
               "<line 10>": "not a valid manifest row"}
    for uid, why in reasons.items():
        assert why in rows[uid]["score_errors"][0], rows[uid]
    assert "raw" in rows["<line 10>"] and rows["<line 10>"]["line"] == 10
    assert "9 rows scored" not in res.stdout and "10 rows scored (0 already done), 6 with score_errors" in res.stdout


def test_score_resumes_after_a_kill(corpus, tmp_path):
    """Kill a run (SIGKILL) mid-way; the rerun finishes the file, equal to an uninterrupted run."""
    full = tmp_path / "full.jsonl"
    assert run_synthkit("score", str(corpus), "-o", str(full), "--metrics", "signal", "--quiet").returncode == 0
    part = tmp_path / "part.jsonl"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "synthkit", "score", str(corpus), "-o", str(part), "--metrics",
                             "signal", "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600  # a hang guard only: the kill waits for progress, not for a clock
    while proc.poll() is None and (not part.exists() or len(part.read_text().splitlines()) < 2):
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("score wrote no 2 rows in 600 s")
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)  # mid-run, or after it finished: both leave a state a rerun must finish
    proc.wait()
    # keep two whole rows and a torn third line: a state a kill can leave (the run may have got further)
    lines = part.read_text().splitlines(keepends=True)
    assert lines[:2] == full.read_text().splitlines(keepends=True)[:2]
    part.write_text("".join(lines[:2]) + full.read_text().splitlines(keepends=True)[2][:15])
    res = run_synthkit("score", str(corpus), "-o", str(part), "--metrics", "signal", "--quiet")
    assert res.returncode == 0, res.stderr
    assert "already done" in res.stdout
    assert part.read_text() == full.read_text()


@pytest.mark.slow
def test_workers_do_not_change_the_output(corpus, tmp_path):
    outs = []
    for w in ("1", "2"):
        out = tmp_path / f"w{w}.jsonl"
        res = run_synthkit("score", str(corpus), "-o", str(out), "--metrics", "default", "--workers", w, "--quiet")
        assert res.returncode == 0, res.stderr
        outs.append(out.read_text())
    assert outs[0] == outs[1]


def test_annotate_stage_and_skip_reasons(tmp_path):
    """The library stage: rows already scored are left alone; metrics that do not apply say why."""
    uid, text, _ = ljspeech_items(1)[0]
    save_wav(tmp_path / "a.wav", lj_audio(uid), SR)
    rows = [Utterance("a", "a.wav", None, text, {"language": "eng"}),
            Utterance("b", "a.wav", None, None, {"snr_db": 99.0, "file_duration": 1.0, "file_sample_rate": SR})]
    scorer = Scorer(ScoreConfig(metrics=("duration", "snr_db", "speaker_sim")))
    a, b = annotate(rows, tmp_path, scorer)
    assert a.get("snr_db") > 15 and a.get("duration") == pytest.approx(lj_audio(uid).size / SR, abs=1e-3)
    assert a.get("score_skipped") == ["speaker_sim: no reference clip (row key 'speaker_ref' or --speaker-ref)"]
    assert b.get("snr_db") == 99.0 and b.get("file_duration") == 1.0  # kept, not recomputed


@pytest.mark.parametrize("args,fragment", [
    (["--metrics", "default,nope"], "unknown metric 'nope'"),
    (["--metrics", "cer", "--asr", "faster-whisper:/no/such/folder"], "folder not found"),
    (["--metrics", "utmos", "--model", "utmos=/no/such/SpeechMOS"], "UTMOS model '/no/such/SpeechMOS' not found"),
    (["--model", "mos=x"], "expected METRIC=NAME_OR_PATH"),
])
def test_score_unusable_arguments_exit_2(corpus, tmp_path, args, fragment):
    res = run_synthkit("score", str(corpus), "-o", str(tmp_path / "o.jsonl"), "--quiet", *args)
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("synthkit: error:") and fragment in lines[0], res.stderr


def test_score_refuses_to_overwrite_its_input(corpus):
    res = run_synthkit("score", str(corpus), "-o", str(corpus), "--quiet")
    assert res.returncode == 2 and "is an input: the manifest" in res.stderr
