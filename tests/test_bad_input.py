"""Each bad input: one line on stderr and exit 2 before any work, or a reject row with a reason."""

import json

import pytest

from synthkit.manifest import read_manifest

from .conftest import run_synthkit


def one_line_error(res, fragment):
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = [l for l in res.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("synthkit: error:") and fragment in lines[0], res.stderr


def test_unknown_language(tmp_path):
    (tmp_path / "t.txt").write_text("Habari\n")
    res = run_synthkit("synth", "--lang", "qqq", "--text", str(tmp_path / "t.txt"), "--out", str(tmp_path / "o"))
    one_line_error(res, "unknown language 'qqq'")
    assert not (tmp_path / "o").exists()


def test_missing_text_file(tmp_path):
    res = run_synthkit("synth", "--lang", "sw", "--text", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "o"))
    one_line_error(res, "text file not found")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("kind", ["directory", "binary"])
def test_unreadable_text_file(tmp_path, kind):
    p = tmp_path / "t.txt"
    if kind == "directory":
        p.mkdir()
    else:
        p.write_bytes(b"\xff\xfe\x00garbage\x81\x82")
    res = run_synthkit("synth", "--lang", "sw", "--text", str(p), "--out", str(tmp_path / "o"))
    one_line_error(res, "not a regular file" if kind == "directory" else "not UTF-8")
    assert not (tmp_path / "o").exists()


def test_out_dir_with_other_settings(tmp_path, cli):
    t = tmp_path / "t.txt"
    t.write_text("Habari ya asubuhi.\n")
    out = tmp_path / "o"
    assert cli("synth", "--lang", "sw", "--text", str(t), "--out", str(out), "--quiet").exit_code == 0
    before = sorted(p.name for p in (out / "wavs").iterdir())
    manifest_before = (out / "manifest.jsonl").read_text()
    res = run_synthkit("synth", "--lang", "sw", "--text", str(t), "--out", str(out), "--seed", "7")
    one_line_error(res, "different settings")
    assert "seed" in res.stderr
    assert sorted(p.name for p in (out / "wavs").iterdir()) == before  # no work was done
    assert (out / "manifest.jsonl").read_text() == manifest_before


def test_a_run_is_not_resumed_by_other_code(tmp_path, cli):
    """run.json records synthkit's code and the versions of the packages that shape a row; a resume by
    other code (a G2P fix would spell some rows differently) is refused, naming what differs."""
    t = tmp_path / "t.txt"
    t.write_text("Habari ya asubuhi.\n")
    out = tmp_path / "o"
    assert cli("synth", "--lang", "sw", "--text", str(t), "--out", str(out), "--quiet").exit_code == 0
    run = json.loads((out / "run.json").read_text())
    assert len(run["code"]["synthkit_sha256"]) == 64 and run["code"]["espeakng-loader"]
    manifest_before = (out / "manifest.jsonl").read_text()
    clip = next(read_manifest(out / "manifest.jsonl"))
    same = run_synthkit("regen", str(out / "manifest.jsonl"), clip.id, "-o", str(tmp_path / "same.wav"))
    assert same.returncode == 0 and "warning" not in same.stderr, same.stderr
    run["code"]["synthkit_sha256"] = "0" * 64
    run["code"]["espeakng-loader"] = "0.0.1"
    (out / "run.json").write_text(json.dumps(run))
    res = run_synthkit("synth", "--lang", "sw", "--text", str(t), "--out", str(out))
    one_line_error(res, "written by other code")
    assert "synthkit's code" in res.stderr and "espeakng-loader 0.0.1 ->" in res.stderr
    # regen still makes the clip from its row, and says the run was written by other code
    other = run_synthkit("regen", str(out / "manifest.jsonl"), clip.id, "-o", str(tmp_path / "other.wav"))
    assert other.returncode == 0 and "written by other code" in other.stderr, other.stderr
    assert (tmp_path / "other.wav").read_bytes() == (tmp_path / "same.wav").read_bytes() == \
        (out / clip.audio_filepath).read_bytes()
    del run["code"]  # a run.json from before the code was recorded
    (out / "run.json").write_text(json.dumps(run))
    res = run_synthkit("synth", "--lang", "sw", "--text", str(t), "--out", str(out))
    one_line_error(res, "did not record its code")
    assert (out / "manifest.jsonl").read_text() == manifest_before


def test_the_code_fingerprint_follows_every_file_that_shapes_synth(tmp_path):
    from synthkit.hashing import code_sha256

    pkg = tmp_path / "pkg"
    (pkg / "text").mkdir(parents=True)
    (pkg / "restore").mkdir()
    (pkg / "text" / "ipa.py").write_text("A = 1\n")
    (pkg / "restore" / "model.py").write_text("B = 1\n")
    first = code_sha256(("restore",), pkg)
    assert code_sha256(("restore",), pkg) == first
    (pkg / "restore" / "model.py").write_text("B = 2\n")  # a later stage: not synth's
    assert code_sha256(("restore",), pkg) == first
    (pkg / "text" / "ipa.py").write_text("A = 2\n")
    assert code_sha256(("restore",), pkg) != first
    (pkg / "text" / "ipa.py").write_text("A = 1\n")
    (pkg / "text" / "ipa2.py").write_text("")  # a new file counts too
    assert code_sha256(("restore",), pkg) != first


def test_out_dir_with_foreign_manifest(tmp_path):
    t = tmp_path / "t.txt"
    t.write_text("Habari.\n")
    out = tmp_path / "o"
    out.mkdir()
    (out / "manifest.jsonl").write_text('{"audio_filepath": "x.wav", "duration": 1, "text": "x"}\n')
    one_line_error(run_synthkit("synth", "--lang", "sw", "--text", str(t), "--out", str(out)), "another tool")


def test_unusable_arguments(tmp_path):
    t = tmp_path / "t.txt"
    t.write_text("Habari.\n")
    res = run_synthkit("synth", "--lang", "sw", "--text", str(t), "--out", str(tmp_path / "o"), "--voices", "0")
    assert res.returncode == 2
    res = run_synthkit("synth", "--lang", "sw", "--text", str(t), "--out", str(tmp_path / "o"), "--augment", "medium")
    one_line_error(res, "neither a preset")
    res = run_synthkit("synth", "--lang", "sw", "--text", str(t), "--out", str(tmp_path / "o"), "--sample-rate", "100")
    one_line_error(res, "outside 8000-48000")


def test_bad_sentences_are_rejected_with_line_and_reason(tmp_path, cli):
    t = tmp_path / "t.txt"
    t.write_text("Habari ya asubuhi.\n"  # 1 good
                 "...\n"  # 2 empty after normalization
                 "Watoto wanacheza 中国.\n"  # 3 characters the language's script / G2P cannot map
                 "\n"  # 4 blank: not a sentence
                 + "neno " * 400 + "\n"  # 5 too long for one clip
                 "Asante sana.\n")  # 6 good
    out = tmp_path / "o"
    res = cli("synth", "--lang", "sw", "--text", str(t), "--out", str(out), "--quiet", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rejects"] == 3
    rejects = [json.loads(l) for l in (out / "rejects.jsonl").read_text().splitlines()]
    by_line = {r["line"]: r["reason"] for r in rejects}
    assert set(by_line) == {2, 3, 5}
    assert "empty" in by_line[2] and "script" in by_line[3] and "too long" in by_line[5]
    assert [r["line"] for r in read_manifest(out / "manifest.jsonl")] == [1, 6]


def test_max_seconds_rejects_a_rendition(tmp_path, cli):
    t = tmp_path / "t.txt"
    t.write_text("Habari ya asubuhi rafiki yangu, karibu sana nyumbani kwetu leo jioni.\nNdiyo.\n")
    out = tmp_path / "o"
    res = cli("synth", "--lang", "sw", "--text", str(t), "--out", str(out), "--quiet", "--max-seconds", "1.5")
    assert res.exit_code == 0
    rejects = [json.loads(l) for l in (out / "rejects.jsonl").read_text().splitlines()]
    assert rejects[0]["line"] == 1 and "too long" in rejects[0]["reason"]
    assert [r["line"] for r in read_manifest(out / "manifest.jsonl")] == [2]


def test_max_seconds_holds_after_a_tempo_transform(tmp_path, cli):
    """A clip that fits as rendered but is slowed past --max-seconds by `tempo` is rejected, not kept."""
    t = tmp_path / "t.txt"
    t.write_text("Ndiyo.\n")
    plain = tmp_path / "plain"
    assert cli("synth", "--lang", "sw", "--text", str(t), "--out", str(plain), "--quiet", "--augment", "none").exit_code == 0
    d = next(read_manifest(plain / "manifest.jsonl")).duration
    aug = tmp_path / "slow.yaml"
    aug.write_text("transforms:\n  - {type: tempo, p: 1.0, rate: [0.5, 0.5]}\n")
    out = tmp_path / "o"
    res = cli("synth", "--lang", "sw", "--text", str(t), "--out", str(out), "--quiet", "--augment", str(aug),
              "--max-seconds", f"{1.5 * d:.3f}")
    assert res.exit_code == 0
    rejects = [json.loads(l) for l in (out / "rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == 1 and "too long after augmentation" in rejects[0]["reason"], rejects
    assert list(read_manifest(out / "manifest.jsonl")) == []
