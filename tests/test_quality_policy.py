"""Policy YAML, per-clip rules, corpus rules, and `synthkit filter`."""

from __future__ import annotations

import json

import pytest

from synthkit.errors import SynthkitError
from synthkit.quality.policy import (Bound, ClipRules, CorpusRules, RowFacts, clip_violations, corpus_findings,
                                     default_policy, describe_clip_rules, load_policy, parse_policy)

from .conftest import ROOT
from .quality_corpus import write_manifest


def test_default_policy_and_the_recipe_policy_load():
    p = default_policy()
    assert {b.key for b in p.clip.bounds} >= {"duration", "clipping", "rms_dbfs", "speech_ratio", "snr_db", "cer"}
    assert p.corpus.min_kept_fraction == 1.0 and p.source == "built-in default policy"
    assert "cer" in p.needed_metrics() and "duration" in p.needed_metrics()
    recipe = load_policy(ROOT / "recipes" / "ci_gate" / "policy.yaml")
    assert "dnsmos_ovrl" in recipe.clip.keys() and "dnsmos" in recipe.needed_metrics()


def test_rules_are_described_with_their_comparison():
    rules = dict(describe_clip_rules(ClipRules((Bound("cer", max=0.1), Bound("duration", 0.5, 20),
                                                Bound("snr_db", min=5, required=True)), 0.2, True)))
    assert rules["cer"] == "rejected when cer > 0.1"
    assert rules["duration"] == "rejected when duration < 0.5 or duration > 20"
    assert rules["snr_db"] == "rejected when snr_db < 5 or missing"
    assert rules["duration_match"] == "rejected when |duration - file_duration| > 0.2 s"


def test_sections_and_defaults():
    p = parse_policy({"clip": {"cer": {"max": 0.2}, "custom": {"my_mos": {"min": 3}}},
                      "corpus": {"min_kept_fraction": 0.9}, "score": {"asr": "transformers-ctc:/m", "models":
                                                                      {"utmos": "/x"}}}, "p.yaml")
    assert [b.key for b in p.clip.bounds] == ["cer", "my_mos"]  # a clip section replaces the default's rules
    assert p.clip.duration_match == 0.1 and p.clip.sample_rate_match  # ... its own keys take their defaults
    assert p.corpus.min_kept_fraction == 0.9 and p.corpus.unique_ids  # corpus keys left out: defaults
    assert p.score.asr == "transformers-ctc:/m" and p.score.model_for("utmos") == "/x"
    assert parse_policy(None, "empty.yaml").clip == default_policy().clip  # empty file: the default


@pytest.mark.parametrize("data,fragment", [
    ({"clip": {"dnsmos_ovr": {"min": 2}}}, "unknown key(s) 'dnsmos_ovr'"),
    ({"clip": {"cer": {"max": "high"}}}, "expected a number"),
    ({"clip": {"cer": {}}}, "give min, max or both"),
    ({"clip": {"cer": 0.3}}, "expected a mapping"),
    ({"clip": {"cer": {"max": 0.3, "required": "yes"}}}, "expected true or false"),
    ({"corpus": {"min_kept_fraction": 1.5}}, "outside [0.0, 1.0]"),
    ({"corpus": {"unique_ids": 1}}, "expected true or false"),
    ({"score": {"models": {"mosnet": "x"}}}, "unknown key(s) 'mosnet'"),
    ({"score": {"workers": 2}}, "unknown key(s) 'workers'"),
    ([1, 2], "a policy is a mapping"),
])
def test_bad_policies(data, fragment):
    with pytest.raises(SynthkitError, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        parse_policy(data, "p.yaml")


def test_clip_violations_name_rule_value_and_limit():
    rules = ClipRules((Bound("cer", max=0.3), Bound("snr_db", min=5), Bound("per", max=0.5, required=True)), 0.1, True)
    row = {"cer": 0.45, "snr_db": 10.0, "duration": 3.0, "file_duration": 2.0, "sample_rate": 16000,
           "file_sample_rate": 22050}
    broken, unjudged = clip_violations(row, rules)
    by_rule = {v.rule: v for v in broken}
    assert set(by_rule) == {"cer", "per", "duration_match", "sample_rate_match"} and unjudged == []
    assert (by_rule["cer"].value, by_rule["cer"].limit, by_rule["cer"].why) == (0.45, 0.3, "cer 0.45 > max 0.3")
    assert by_rule["per"].why == "per is missing (required)"
    ok, unjudged = clip_violations({"snr_db": 20.0}, rules)
    assert [v.rule for v in ok] == ["per"] and unjudged == ["cer"]
    errs, _ = clip_violations({"score_errors": ["file: audio file not found: x.wav"]}, ClipRules())
    assert errs[0].rule == "score_errors" and "audio file not found" in errs[0].why


def test_corpus_findings():
    def facts(i, spk, hours=1.0, kept=True, sha=None, missing=None):
        return RowFacts(i, kept, hours, spk, "swa", sha, missing)

    rows = [facts("a", "s1", sha="x"), facts("b", "s1", sha="x"), facts("b", "s2"), facts("c", "s1", kept=False,
                                                                                           missing="not found")]
    rules = CorpusRules(min_kept_fraction=0.8, min_hours=5, max_speaker_share=0.6, min_speakers=3)
    f = {x.rule: x for x in corpus_findings(rows, rules)}
    assert not f["min_kept_fraction"].ok and "kept 3 of 4 rows" in f["min_kept_fraction"].detail
    assert not f["min_hours"].ok
    assert not f["unique_ids"].ok and f["unique_ids"].clips == ("b",)
    assert not f["files_exist"].ok and f["files_exist"].clips == ("c",)
    assert not f["no_duplicate_audio"].ok and set(f["no_duplicate_audio"].clips) == {"a", "b"}
    assert not f["max_speaker_share"].ok and "'s1' holds 66.7%" in f["max_speaker_share"].detail
    assert not f["min_speakers"].ok and f["manifest_rows"].ok
    balanced = corpus_findings([facts("a", "s1"), facts("b", "s2")], CorpusRules(max_speaker_share=0.6,
                                                                                   min_speakers=2))
    assert all(x.ok for x in balanced)


def test_filter_cli_writes_kept_and_rejected_with_reasons(tmp_path, cli):
    rows = [{"id": "good", "audio_filepath": "w/good.wav", "cer": 0.05, "snr_db": 30.0, "duration": 2.0},
            {"id": "bad_cer", "audio_filepath": "w/a.wav", "cer": 0.6, "snr_db": 30.0, "duration": 2.0},
            {"id": "two", "audio_filepath": "w/b.wav", "cer": 0.6, "snr_db": 1.0, "duration": 2.0},
            {"id": "noscore", "audio_filepath": "w/c.wav", "duration": 2.0},
            {"id": "broken", "audio_filepath": "w/d.wav", "score_errors": ["file: truncated WAV file: ..."]}]
    scored = write_manifest(tmp_path / "scored.jsonl", rows)
    with open(scored, "a") as f:
        f.write("not json\n")
    (tmp_path / "p.yaml").write_text("clip:\n  cer: {max: 0.3}   # rejected when cer > 0.3\n  snr_db: {min: 5}\n")
    res = cli("filter", str(scored), "--policy", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "out"))
    assert res.exit_code == 0, res.stdout
    kept = [json.loads(x) for x in (tmp_path / "out" / "kept.jsonl").read_text().splitlines()]
    rejected = {r.get("id", f"line {r.get('line')}"): r for r in
                (json.loads(x) for x in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines())}
    assert [r["id"] for r in kept] == ["good", "noscore"]  # a row without the key is not judged by that rule
    assert kept[0]["audio_filepath"] == "../w/good.wav"  # relative to the output folder
    assert rejected["bad_cer"]["reject_reasons"] == [{"rule": "cer", "value": 0.6, "limit": 0.3,
                                                      "why": "cer 0.6 > max 0.3"}]
    assert {r["rule"] for r in rejected["two"]["reject_reasons"]} == {"cer", "snr_db"}
    assert rejected["broken"]["reject_reasons"][0]["rule"] == "score_errors"
    assert rejected["line 6"]["raw"] == "not json" and rejected["line 6"]["reject_reasons"][0]["rule"] == "manifest_rows"
    assert "kept 2 of 6 rows, rejected 4" in res.stdout and "cer: 2 rejected" in res.stdout
    assert "cer: not judged on 2 row(s): no cer in the row (metric cer not scored) (1); the row could not be scored" in res.stdout, res.stdout


def test_filter_missing_input_exits_2(tmp_path, cli):
    res = cli("filter", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o"))
    assert res.exit_code == 2 and "scored manifest not found" in res.stderr
