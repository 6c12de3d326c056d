"""`synthkit donors --mapping` with a global override line some voices cannot render: those donors are
skipped, one line each saying why, and the others are still ranked (it used to abort the whole ranking)."""

from __future__ import annotations

import json

import pytest

from synthkit.errors import SynthkitError

from .conftest import ROOT

SW = ROOT / "recipes" / "smoke" / "sw.txt"


def test_donors_skip_a_voice_that_cannot_render_a_global_override_and_say_so(tmp_path, cli):
    over = tmp_path / "over.tsv"
    over.write_text("# a global line: for every donor\nɓ\tm b\n", encoding="utf-8")
    res = cli("donors", "--lang", "sw", "--text", str(SW), "--mapping", str(over), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    skipped = {s["voice"]: s["reason"] for s in out["skipped"]}
    assert "cmn" in skipped and "voice cmn cannot render b" in skipped["cmn"]  # the case the issue met
    ranked = {d["voice"] for d in out["donors"]}
    assert "sw" in ranked and len(ranked) > 50 and not ranked & set(skipped)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert lines == [f"synthkit donors: skipped donor {s['voice']}: {s['reason']}" for s in out["skipped"]]  # one line each


def test_rank_donors_raises_without_a_list_for_skipped_donors(tmp_path):
    from synthkit.donors import rank_donors
    from synthkit.languages import resolve
    from synthkit.text.g2p import make_g2p
    from synthkit.text.inventory import measure_file
    from synthkit.text.mapping import UnrenderableOverride

    over = tmp_path / "over.tsv"
    over.write_text("ɓ\tm b\n", encoding="utf-8")
    choice = resolve("sw", "auto")
    target = measure_file(SW, make_g2p(choice.g2p), choice.iso639_3, choice.iso639_1, choice.script)
    with pytest.raises(UnrenderableOverride, match="voice cmn cannot render b"):
        rank_donors(target, voices=["sw", "cmn"], overrides_path=over)
    skipped: list = []
    assert [s.voice for s in rank_donors(target, voices=["sw", "cmn"], overrides_path=over, skipped=skipped)] == ["sw"]
    assert [v for v, _ in skipped] == ["cmn"]
    with pytest.raises(SynthkitError, match="no donor can render the mapping overrides"):
        rank_donors(target, voices=["cmn"], overrides_path=over, skipped=[])


def test_synth_donor_auto_skips_a_voice_that_cannot_render_a_global_override(tmp_path, cli):
    """`synth --donor auto` chooses among the donors that can render the override (it used to abort
    because some candidate, not even the chosen one, could not), and names each skipped donor."""
    from synthkit.manifest import read_manifest

    over = tmp_path / "over.tsv"
    over.write_text("ɓ\tm b\n", encoding="utf-8")
    text = tmp_path / "sw.txt"
    text.write_text("Habari ya asubuhi.\nNinapenda kusoma vitabu.\n", encoding="utf-8")
    out = tmp_path / "out"
    res = cli("synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--donor", "auto",
              "--mapping", str(over), "--augment", "none", "--quiet")
    assert res.exit_code == 0, res.output
    skipped = [line for line in res.stderr.splitlines() if line.startswith("synthkit synth: skipped donor ")]
    assert any(line.startswith("synthkit synth: skipped donor cmn: ") and "cannot render b" in line
               for line in skipped), res.stderr
    rows = list(read_manifest(out / "manifest.jsonl"))
    assert len(rows) == 2 and all(r["donor"] != "cmn" for r in rows)
