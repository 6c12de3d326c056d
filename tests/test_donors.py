"""Donor ranking, rendering through donors, and the transfer matrix, for languages no voice speaks."""

import json

import matplotlib.image as mpimg
import pytest

from synthkit.manifest import read_manifest
from synthkit.synth import regenerate

from .conftest import ROOT, run_synthkit

DATA = ROOT / "tests" / "data"
TARGETS = ["yor-Latn", "kin-Latn", "hau-Latn", "zul-Latn"]


@pytest.mark.parametrize("lang", TARGETS)
def test_donors_rank(cli, lang):
    res = cli("donors", "--lang", lang, "--text", str(DATA / f"{lang[:3]}.txt"), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["inventory"]["sentences"] == 50 and out["inventory"]["rejected"] == 0
    donors = out["donors"]
    assert len(donors) > 100
    scores = [d["score"] for d in donors]
    assert scores == sorted(scores)
    best = donors[0]
    assert best["acceptable"] > 0.95 and best["coverage"] > 0.85  # most segments exact, all acceptable
    assert all(set(d) >= {"voice", "cost", "coverage", "acceptable", "worst"} for d in donors)
    # the ranking discriminates: the worst donor is clearly worse than the best
    assert donors[-1]["score"] > 3 * best["score"] + 0.005


@pytest.mark.slow
@pytest.mark.parametrize("lang", TARGETS)
def test_synth_through_auto_donor_renders_every_sentence(cli, tmp_path, lang):
    out = tmp_path / lang
    res = cli("synth", "--lang", lang, "--text", str(DATA / f"{lang[:3]}.txt"), "--out", str(out),
              "--donor", "auto", "--augment", "none", "--workers", "2", "--quiet", "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    rows = list(read_manifest(out / "manifest.jsonl"))
    assert [r["line"] for r in rows] == list(range(1, 51)) and summary["rejects"] == 0
    for r in rows:
        assert r["donor"] == summary["donors"][0]
        assert isinstance(r["mapping_cost"], float) and isinstance(r["unmapped"], list)
        assert r["donor_phonemes"] and r["phonemes"] and r.duration > 0.3
        assert r.get("render_text", "").startswith("[[")
    assert summary["mapping_cost_mean"] is not None and isinstance(summary["unmapped"], dict)
    regen = regenerate(rows[7], tmp_path / "regen.wav")
    assert regen.read_bytes() == (out / rows[7].audio_filepath).read_bytes()


def test_donors_k_spreads_renditions(cli, tmp_path):
    out = tmp_path / "o"
    text = tmp_path / "t.txt"
    text.write_text("".join((DATA / "zul.txt").read_text(encoding="utf-8").splitlines(keepends=True)[4:10]))
    res = cli("synth", "--lang", "zu", "--text", str(text), "--out", str(out), "--donor", "auto", "--donors", "2",
              "--voices", "4", "--augment", "none", "--quiet", "--json")
    assert res.exit_code == 0, res.output
    donors = json.loads(res.stdout)["donors"]
    assert len(donors) == 2
    for r in read_manifest(out / "manifest.jsonl"):
        assert r["donor"] == donors[r["rendition"] % 2] and r["voice"] == r["donor"]
    clicks = [r for r in read_manifest(out / "manifest.jsonl") if "ǀ" in r["phonemes"] or "ǃ" in r["phonemes"]]
    assert clicks and all("ǀ" not in r["donor_phonemes"] and "ǃ" not in r["donor_phonemes"] for r in clicks)


def test_named_donor_and_identity_path(cli, tmp_path):
    """A language with its own voice can also render through a donor (itself, or another)."""
    text = tmp_path / "t.txt"
    text.write_text("Habari ya asubuhi, rafiki yangu.\nNatumai uko salama.\n")
    for donor in ("sw", "it"):
        out = tmp_path / donor
        res = cli("synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--donor", donor,
                  "--augment", "none", "--quiet", "--json")
        assert res.exit_code == 0, res.output
        rows = list(read_manifest(out / "manifest.jsonl"))
        assert {r["donor"] for r in rows} == {donor}
        if donor == "sw":
            assert all(r["donor_phonemes"] == r["phonemes"] for r in rows)


def test_transfer_matrix_heatmap(cli, tmp_path):
    text_dir = tmp_path / "texts"
    text_dir.mkdir()
    for lang in TARGETS:
        (text_dir / f"{lang}.txt").write_text((DATA / f"{lang[:3]}.txt").read_text(encoding="utf-8"))
    res = cli("donors", "--matrix", "--lang", ",".join(TARGETS), "--text-dir", str(text_dir), "--out",
              str(tmp_path / "m"))
    assert res.exit_code == 0, res.output
    rows = (tmp_path / "m" / "transfer_matrix.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert header[0] == "target" and len(header) > 100 and [r.split(",")[0] for r in rows[1:]] == TARGETS
    img = mpimg.imread(tmp_path / "m" / "transfer_matrix.png")
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 1000
    assert img[..., :3].std() > 0.05  # a heatmap, not a blank canvas


@pytest.mark.parametrize("args,msg", [
    (["--lang", "yo", "--donor", "xx"], "no voice 'xx'"),
    (["--lang", "yo"], "--donor auto"),
    (["--lang", "yo", "--donor", "auto", "--mapping", "/nonexistent.tsv"], "--mapping file not found"),
    (["--lang", "yo", "--donor", "sw", "--donors", "2"], "list them"),
])
def test_donor_bad_input(tmp_path, args, msg):
    text = tmp_path / "t.txt"
    text.write_text("Ẹ kú àárọ̀.\n")
    res = run_synthkit("synth", "--text", str(text), "--out", str(tmp_path / "o"), *args)
    assert res.returncode == 2 and msg in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_digits_without_rule_rejected_not_dropped(cli, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("Mo ní ajá 5.\nMo ní ajá márùn-ún.\n")
    out = tmp_path / "o"
    assert cli("synth", "--lang", "yor", "--text", str(text), "--out", str(out), "--donor", "auto",
               "--quiet").exit_code == 0
    rejects = [json.loads(l) for l in (out / "rejects.jsonl").read_text().splitlines()]
    assert rejects[0]["line"] == 1 and "no number rule" in rejects[0]["reason"]
    assert [r["line"] for r in read_manifest(out / "manifest.jsonl")] == [2]
