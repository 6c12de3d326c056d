"""`synthkit check`, the CI gate: real LJSpeech clips with known-bad clips seeded among them, bad input of
every kind, exit codes, JUnit XML, and the synth → score → filter → check workflow."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import soundfile as sf

from synthkit.audio import save_wav

from .conftest import run_synthkit
from .quality_corpus import BAD_CLIPS, SR, build_corpus, lj_audio, ljspeech_items, write_manifest


def rejected_lines(stdout: str) -> dict[str, str]:
    """id -> the summary line listing its broken rules."""
    out, inside = {}, False
    for line in stdout.splitlines():
        if line.startswith("rejected clips"):
            inside = True
            continue
        if inside and not line.startswith("  "):
            break
        if inside:
            parts = line.split()
            out[parts[0]] = line
    return out


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    """The seeded corpus and the same corpus without its bad clips, each run through `synthkit check`."""
    root = tmp_path_factory.mktemp("gate")
    seeded = build_corpus(root / "corpus", n_good=8, bad=True)
    rows = [json.loads(line) for line in seeded.read_text().splitlines()]
    clean = write_manifest(root / "corpus" / "clean.jsonl", [r for r in rows if r["id"] not in BAD_CLIPS])
    junit, report = root / "junit.xml", root / "report"
    bad = run_synthkit("check", str(seeded), "--junit", str(junit), "--report", str(report), "--workers", "2",
                       "--quiet")
    good = run_synthkit("check", str(clean), "--quiet")
    return {"bad": bad, "good": good, "junit": junit, "report": report, "rows": rows, "seeded": seeded}


@pytest.mark.slow
def test_seeded_bad_clips_fail_the_gate_each_named_with_its_rule(gate):
    res = gate["bad"]
    assert res.returncode == 1, res.stdout + res.stderr
    assert res.stdout.startswith("synthkit check: FAIL")
    listed = rejected_lines(res.stdout)
    assert set(listed) == set(BAD_CLIPS), res.stdout  # every bad clip, and no good one
    for uid, rule in BAD_CLIPS.items():
        assert f"[{rule}]" in listed[uid], (uid, listed[uid])
    assert "[score_errors]" in listed["bad_truncated"] and "truncated WAV file" in listed["bad_truncated"]
    assert re.search(r"FAIL\s+min_kept_fraction\s+kept 8 of 13 rows", res.stdout), res.stdout


@pytest.mark.slow
def test_the_same_corpus_without_them_passes(gate):
    res = gate["good"]
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.startswith("synthkit check: PASS") and "rejected clips" not in res.stdout
    assert "8 rows, 8 kept, 0 rejected" in res.stdout


@pytest.mark.slow
def test_junit_names_failing_rules_and_clips(gate):
    root = ET.parse(gate["junit"]).getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    failed = {k: c.find("failure") for k, c in cases.items() if c.find("failure") is not None}
    assert int(root.get("failures")) == len(failed) > 0
    assert ("synthkit.check.corpus", "min_kept_fraction") in failed
    for uid, rule in BAD_CLIPS.items():
        assert uid in failed[("synthkit.check.clip", rule)].text
    assert ("synthkit.check.corpus", "unique_ids") in cases and ("synthkit.check.corpus", "unique_ids") not in failed
    assert "bad_" not in "".join(c.text or "" for k, c in failed.items() if k[1] == "duration")


@pytest.mark.slow
def test_check_leaves_its_input_untouched(gate):
    assert [json.loads(x) for x in gate["seeded"].read_text().splitlines()] == gate["rows"]


# --- bad input: every kind becomes a named failure, never a crash or a silent pass ----------------

CHEAP_POLICY = """
clip:
  duration: {min: 0.3, max: 40}
  rms_dbfs: {min: -45}
corpus:
  min_kept_fraction: 0.0
"""


def test_bad_input_rows_fail_the_gate_with_reasons(tmp_path, cli):
    uid, text, _ = ljspeech_items(1)[0]
    x = lj_audio(uid)
    wavs = tmp_path / "wavs"
    save_wav(wavs / "good.wav", x, SR)
    save_wav(wavs / "copy.wav", x, SR)  # the same audio again
    y = x.copy()
    y[5:50] = np.nan
    sf.write(wavs / "nan.wav", y, SR, subtype="FLOAT")
    save_wav(wavs / "empty.wav", np.zeros(0, np.float32), SR)
    (wavs / "text.wav").write_text("I am a text file\n" * 50)
    save_wav(wavs / "short.wav", x[: SR // 2], SR)

    def row(i, f, **kw):
        return json.dumps({"id": i, "audio_filepath": f"wavs/{f}", "text": text, **kw})

    lines = [row("good", "good.wav", duration=x.size / SR, sample_rate=SR),
             row("nan", "nan.wav"), row("empty", "empty.wav"), row("notaudio", "text.wav"),
             row("missing", "gone.wav"), json.dumps({"id": "noaudio", "text": text}), "{this is not json",
             row("copy", "copy.wav"), row("good", "short.wav"),  # a repeated id
             row("lies", "short.wav", duration=3.0, sample_rate=22050),
             json.dumps({"id": "weird", "audio_filepath": 42})]
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("\n".join(lines) + "\n")
    (tmp_path / "p.yaml").write_text(CHEAP_POLICY)
    res = cli("check", str(manifest), "--policy", str(tmp_path / "p.yaml"), "--quiet")
    assert res.exit_code == 1, res.stdout
    listed = rejected_lines(res.stdout)
    expect = {"nan": "NaN or infinite samples", "empty": "zero-length clip", "notaudio": "cannot decode audio file",
              "missing": "audio file not found", "noaudio": "row has no audio_filepath",
              "<line": "not a valid manifest row", "lies": "[duration_match]",
              "weird": "audio_filepath is not a string: 42"}
    for uid, why in expect.items():
        assert uid in listed and why in listed[uid], (uid, res.stdout)
    assert "[sample_rate_match]" in listed["lies"]
    assert "good" not in listed and "copy" not in listed
    for rule, clip in (("manifest_rows", "<line 7>"), ("unique_ids", "good"), ("files_exist", "missing"),
                       ("files_exist", "noaudio"), ("no_duplicate_audio", "copy")):
        assert re.search(rf"FAIL\s+{rule}\s+.*{re.escape(clip)}", res.stdout), (rule, res.stdout)


@pytest.mark.parametrize("content,fragment", [
    (None, "manifest not found"),
    ("", "holds no rows"),
    ("garbage\n[1, 2]\n", "no line of"),
])
def test_unusable_manifest_exits_2(tmp_path, content, fragment):
    m = tmp_path / "m.jsonl"
    if content is not None:
        m.write_text(content)
    res = run_synthkit("check", str(m), "--quiet")
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("synthkit: error:") and fragment in lines[0], res.stderr


@pytest.mark.parametrize("policy,fragment", [
    ("clip:\n  cer: {max: 0.1}\n  typo_key: {min: 1}\n", "unknown key(s) 'typo_key'"),
    ("clip:\n  cer: {maximum: 0.1}\n", "unknown key(s) 'maximum'"),
    ("corpus:\n  min_kept: 0.5\n", "unknown key(s) 'min_kept'"),
    ("clip:\n  cer: {min: 0.5, max: 0.1}\n", "min 0.5 is greater than max 0.1"),
    ("oops: 1\n", "unknown key(s) 'oops'"),
    ("clip: [1, 2\n", "is not valid YAML"),
])
def test_bad_policy_exits_2(tmp_path, cli, policy, fragment):
    m = write_manifest(tmp_path / "m.jsonl", [{"id": "a", "audio_filepath": "a.wav"}])
    (tmp_path / "p.yaml").write_text(policy)
    res = cli("check", str(m), "--policy", str(tmp_path / "p.yaml"), "--quiet")
    assert res.exit_code == 2 and fragment in res.stderr, res.stderr


def test_check_uses_scores_rows_already_have(tmp_path, cli):
    """A scored manifest is judged on its own keys; nothing is recomputed (no audio is even read)."""
    rows = [{"id": f"c{i}", "audio_filepath": f"c{i}.wav", "duration": 2.0, "file_duration": 2.0,
             "file_sample_rate": SR, "audio_sha1": f"{i:040x}", "cer": c} for i, c in enumerate([0.05, 0.5])]
    m = write_manifest(tmp_path / "m.jsonl", rows)
    (tmp_path / "p.yaml").write_text("clip:\n  cer: {max: 0.3}\ncorpus:\n  files_exist: false\n")
    res = cli("check", str(m), "--policy", str(tmp_path / "p.yaml"), "--quiet")
    assert res.exit_code == 1 and "c1" in rejected_lines(res.stdout) and "c0" not in rejected_lines(res.stdout)
    assert "cer 0.5 > max 0.3" in res.stdout and "scored now" not in res.stdout


# --- the workflow on a synthkit corpus ----------------------------------------------------------

@pytest.mark.slow
def test_synth_score_filter_check_workflow(tmp_path):
    from .conftest import ROOT

    out = tmp_path / "sw"
    res = run_synthkit("synth", "--lang", "sw", "--text", str(ROOT / "recipes" / "smoke" / "sw.txt"), "--out",
                       str(out), "--voices", "2", "--augment", "light", "--seed", "1", "--quiet")
    assert res.returncode == 0, res.stderr
    scored = tmp_path / "scored.jsonl"
    res = run_synthkit("score", str(out / "manifest.jsonl"), "-o", str(scored), "--metrics", "default,cer",
                       "--asr", "faster-whisper:tiny.en", "--workers", "2", "--quiet")
    assert res.returncode == 0, res.stderr
    rows = [json.loads(x) for x in scored.read_text().splitlines()]
    assert len(rows) == 20 and all("snr_db" in r and "speech_ratio" in r for r in rows)
    # tiny.en is English-only: cer does not apply to Swahili rows, and each row says why
    assert all("cer" not in r and "language 'swa'" in r["score_skipped"][0] for r in rows)
    res = run_synthkit("filter", str(scored), "-o", str(tmp_path / "f"))
    assert res.returncode == 0, res.stderr
    kept = tmp_path / "f" / "kept.jsonl"
    n_kept = len(kept.read_text().splitlines())
    assert n_kept >= 15, res.stdout
    res = run_synthkit("check", str(kept), "--quiet")
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"{n_kept} rows, {n_kept} kept, 0 rejected" in res.stdout
    assert re.search(rf"NOT JUDGED\s+cer\s+judged on none of {n_kept} rows: language .swa.", res.stdout), res.stdout
