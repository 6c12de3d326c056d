"""`synthkit donors --verify`: the donor ranking checked by ear with a real multilingual ASR (Whisper base),
`--exclude`/`--exclude-family`, and the measured transfer matrix."""

import json
import math

import matplotlib.image as mpimg
import numpy as np
import pytest

from synthkit import donor_verify as dv
from synthkit.donors import excluded_voices, rank_donors
from synthkit.errors import SynthkitError
from synthkit.languages import resolve
from synthkit.manifest import read_manifest
from synthkit.text.g2p import make_g2p
from synthkit.text.inventory import measure_file
from synthkit.tts.espeak_phonemes import inventories

from .conftest import ROOT, SW_TEXT, run_synthkit

DATA = ROOT / "tests" / "data"


# --- pure helpers ---------------------------------------------------------------------------------

def test_spearman_and_ties():
    assert dv.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert dv.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert dv.spearman([1, 1, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486833)  # scipy's value
    assert math.isnan(dv.spearman([1, 1, 1], [1, 2, 3]))


def test_cer_reliability_measures_how_reproducible_the_donor_ranking_is():
    rng = np.random.default_rng(0)
    quality = rng.uniform(0.1, 0.6, 40)  # each donor's true CER
    keys = ["w1", "w2", "w3"]

    def donors(noise):
        return [[(k, float(q + rng.normal(0, noise))) for k in keys] for q in quality]

    exact, n = dv.cer_reliability(donors(0.0))
    assert n == 40 and math.isclose(exact, 1.0)
    fair = dv.cer_reliability(donors(0.1))[0]
    poor = dv.cer_reliability(donors(1.0))[0]
    assert 1.0 > fair > poor >= 0.0 and fair > 0.7 and poor < 0.3
    # stepped up to all windows: three windows are more reliable than any one pair of them
    pair = dv.cer_reliability([w[:2] for w in donors(0.1)])[0]
    assert dv.cer_reliability(donors(0.1))[0] > pair
    # only donors packed the same way count; one window or too few donors: not measurable
    mixed = donors(0.0)[:25] + [[("x", 0.2), ("y", 0.3)]] * 10
    assert dv.cer_reliability(mixed)[1] == 25
    assert dv.cer_reliability([[("w1", q)] for q in quality]) is None
    assert dv.cer_reliability(donors(0.0)[:10]) is None


def test_pack_windows():
    assert dv.pack([10, 10, 10, 30, 1], window_s=28, gap_s=1) == [[0, 1], [2], [3], [4]]


def test_a_judge_that_reads_no_donor_well_is_named_weak():
    def verification(cers):
        v = dv.Verification("yo", "asr", 8)
        v.checks = [dv.DonorCheck(f"v{i}", i, 0.01, c) for i, c in enumerate(cers, start=1)]
        return v

    weak = verification([0.55, 0.8, None, 0.61])
    assert weak.judge_warning.startswith("weak judge") and "0.55" in weak.judge_warning
    assert weak.to_dict()["judge_warning"] == weak.judge_warning
    assert weak.judge_warning in dv.format_verification(weak)
    heard = verification([0.8, 0.2, 0.6])
    assert heard.judge_warning == "" and "weak judge" not in dv.format_verification(heard)
    assert verification([None]).judge_warning == ""


def test_disagreements_name_far_donors():
    checks = [dv.DonorCheck(v, r, r / 100, c, cr) for v, r, c, cr in
              [("a", 1, 0.1, 1), ("b", 2, 0.2, 2), ("c", 3, 0.9, 6), ("d", 4, 0.3, 3), ("e", 5, 0.4, 4),
               ("f", 6, 0.5, 5)]]
    out = dv.disagreements(checks)
    assert len(out) == 1 and out[0].startswith("c: rank 3 of 6, heard worse")


def test_sample_sentences_spread_over_the_text():
    choice = resolve("sw")
    picks = dv.sample_sentences(SW_TEXT, choice, 3)
    n = sum(1 for line in SW_TEXT.read_text(encoding="utf-8").splitlines() if line.strip())
    assert [s.line for s in picks] == [1, round((n - 1) / 2) + 1, n] and all(s.words for s in picks)



class _ScriptedASR:
    """Stands in for Whisper only to test the retry logic around it (the real ASR is tested below)."""

    def __init__(self, window_reply):
        self.window_reply, self.calls = window_reply, []

    def transcribe(self, audio, sample_rate, language):
        self.calls.append(audio.size)
        if len(self.calls) == 1:  # the whole window
            return self.window_reply
        return ["uno dos", "tres cuatro"][len(self.calls) - 2]


@pytest.mark.parametrize("window_reply", ["", "la la la la " * 40])
def test_round_trip_retries_an_empty_or_looping_window_sentence_by_sentence(window_reply):
    clips = [np.full(16000, 0.1, np.float32), np.full(16000, 0.1, np.float32)]
    asr = _ScriptedASR(window_reply)
    mean, windows = dv.round_trip(clips, ["uno dos", "tres cuatro"], asr, "es")
    assert asr.calls == [16000 * 2 + int(dv.GAP_S * 16000), 16000, 16000]  # window, then each sentence
    assert windows == [("uno dos tres cuatro", "uno dos tres cuatro", 0.0)] and mean == 0.0

# --- the round trip with the real ASR --------------------------------------------------------------

@pytest.fixture(scope="module")
def asr():
    return dv.load_asr()


def test_round_trip_tells_a_good_donor_from_a_bad_one(asr, tmp_path):
    """Spanish read by its own voice is heard as Spanish; mapped onto Mandarin (no voiced stops, no
    r, tone-driven pitch) it is heard far worse. Both measured with the real ASR, nothing assumed."""
    text = tmp_path / "es.txt"
    text.write_text("El perro come carne en la casa de mi madre.\nMañana vamos a la playa con mis amigos.\n")
    choice = resolve("es")
    target = measure_file(text, make_g2p(choice.g2p), choice.iso639_3, choice.iso639_1, choice.script)
    ranked = [s for s in rank_donors(target) if s.voice in ("es", "cmn")]
    v = dv.verify(choice, dv.sample_sentences(text, choice, 2), ranked, top=2, asr=asr, tonal=target.tonal)
    by = {c.voice: c for c in v.checks}
    assert v.verifiable and v.language == "es" and set(by) == {"es", "cmn"}
    assert by["es"].rank == 1 and by["es"].cer < 0.2, by["es"]
    # measured: es 0.10, cmn 0.25 (2.5 times the errors)
    assert by["cmn"].cer > max(2 * by["es"].cer, by["es"].cer + 0.1), (by["cmn"], by["es"])
    assert "perro" in by["es"].windows[0][1].lower() and by["es"].windows[0][0].startswith("El perro come")


def test_verify_cli(tmp_path):
    res = run_synthkit("donors", "--lang", "sw", "--text", str(SW_TEXT), "--verify", "1", "--top", "3",
                       "--exclude", "sw", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    v = out["verify"]
    assert out["excluded"] == {"sw": "language sw"} and all(d["voice"] != "sw" for d in out["donors"])
    assert v["verifiable"] and v["sentences"] == 1 and len(v["donors"]) == 3
    assert [d["voice"] for d in v["donors"]] == [d["voice"] for d in out["donors"][:3]]
    espeak = inventories()
    assert sum(d["voice"] in espeak for d in v["donors"]) >= 2
    # every donor is rendered and heard, the neural one too (Kokoro ranks near the top for Swahili)
    assert any(d["voice"].startswith("kokoro") for d in v["donors"])
    for d in v["donors"]:
        assert 0 <= d["cer"] <= 1.5 and d["windows"][0]["transcript"], d
    text = run_synthkit("donors", "--lang", "sw", "--text", str(SW_TEXT), "--verify", "1", "--top", "2",
                        "--exclude-family", "sw")
    assert text.returncode == 0, text.stderr
    assert "left out 2 voice(s): sw, tn (family bnt (of sw))" in text.stdout
    assert "CER rank" in text.stdout and "Spearman" in text.stdout and "disagreements:" in text.stdout


def test_verify_says_when_the_asr_does_not_know_the_language():
    res = run_synthkit("donors", "--lang", "zul-Latn", "--text", str(DATA / "zul.txt"), "--verify", "2", "--top", "3")
    assert res.returncode == 0, res.stderr
    assert "cannot verify: the ASR (faster-whisper:whisper-base) does not know Zulu" in res.stdout
    assert "rank  voice" in res.stdout  # the phonological ranking is still given


def test_matrix_with_measured_cer(tmp_path):
    text_dir = tmp_path / "texts"
    text_dir.mkdir()
    (text_dir / "sw.txt").write_text("\n".join(SW_TEXT.read_text(encoding="utf-8").splitlines()[:20]) + "\n")
    (text_dir / "zul-Latn.txt").write_text((DATA / "zul.txt").read_text(encoding="utf-8"))
    res = run_synthkit("donors", "--matrix", "--lang", "sw,zul-Latn", "--text-dir", str(text_dir), "--out",
                       str(tmp_path / "m"), "--verify", "1", "--top", "3", "--exclude", "sw")
    assert res.returncode == 0, res.stderr
    assert "zul-Latn: cannot verify" in res.stdout
    rows = [r.split(",") for r in (tmp_path / "m" / "transfer_matrix_cer.csv").read_text().splitlines()]
    assert rows[0][0] == "target" and len(rows[0]) == 4 and "sw" not in rows[0]
    assert [r[0] for r in rows[1:]] == ["sw", "zul-Latn"]
    cells = dict(zip(rows[0][1:], rows[1][1:]))
    assert rows[2][1:] == ["", "", ""]
    for voice, x in cells.items():  # every donor measured, espeak-ng's and neural ones
        assert 0 <= float(x) <= 1.5, (voice, x)
    img = mpimg.imread(tmp_path / "m" / "transfer_matrix_cer.png")
    assert img.ndim == 3 and img[..., :3].std() > 0.05


# --- excluding donors ------------------------------------------------------------------------------

def test_excluded_voices_by_language_voice_and_family():
    assert set(excluded_voices(["en"])) >= {"en-gb", "en-us", "en-029"}
    assert set(excluded_voices(["en-us"])) == {"en-us"}
    assert set(excluded_voices(["ara"])) == {"ar"}
    assert set(excluded_voices([], ["ar"])) == {"am", "ar", "he", "mt", "ti"}
    assert excluded_voices([], ["sem"]) == {v: "family sem" for v in ("am", "ar", "he", "mt", "ti")}
    with pytest.raises(SynthkitError, match="no espeak-ng donor voice speaks"):
        excluded_voices(["yo"])
    with pytest.raises(SynthkitError, match="neither an espeak-ng voice family"):
        excluded_voices([], ["xyz"])


def test_synth_auto_donor_never_uses_an_excluded_voice(cli, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("Habari ya asubuhi, rafiki yangu.\nNatumai uko salama.\n")
    out = tmp_path / "o"
    res = cli("synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--donor", "auto", "--donors", "3",
              "--exclude-family", "sw", "--exclude", "cs", "--augment", "none", "--quiet", "--json")
    assert res.exit_code == 0, res.output
    donors = json.loads(res.stdout)["donors"]
    assert len(donors) == 3 and not {"sw", "tn", "cs"} & set(donors)
    rows = list(read_manifest(out / "manifest.jsonl"))
    assert {r["donor"] for r in rows} == set(donors[:2])  # --voices 1: line 1 -> donor 1, line 2 -> donor 2
    assert [r["donor"] for r in rows] == donors[:2]
    run = json.loads((out / "run.json").read_text())
    assert run["donors_excluded"] == ["cs", "sw", "tn"]


@pytest.mark.parametrize("args,msg", [
    (["--donor", "sw", "--exclude", "sw"], "apply to --donor auto"),
    (["--donor", "auto", "--exclude", "yo"], "no espeak-ng donor voice speaks"),
    (["--donor", "auto", "--exclude-family", "qqq"], "neither an espeak-ng voice family"),
])
def test_exclude_bad_input(tmp_path, args, msg):
    text = tmp_path / "t.txt"
    text.write_text("Ẹ kú àárọ̀.\n")
    res = run_synthkit("synth", "--lang", "yo", "--text", str(text), "--out", str(tmp_path / "o"), *args)
    assert res.returncode == 2 and msg in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_a_neural_donor_is_heard_as_synth_renders_it(tmp_path):
    """The round trip of a neural donor renders through synth itself: the clips it hears are the clips
    `synthkit synth --donor kokoro:jm_kumo --augment none --voices 1` writes."""
    from synthkit.audio import load
    from synthkit.donor_verify import render_with_synth, sample_sentences
    from synthkit.languages import resolve
    from synthkit.manifest import read_manifest

    choice = resolve("sw")
    sentences = sample_sentences(SW_TEXT, choice, 2)
    clips = render_with_synth(choice, "kokoro:jm_kumo", sentences)
    text = tmp_path / "t.txt"
    text.write_text("".join(s.text + "\n" for s in sentences), encoding="utf-8")
    res = run_synthkit("synth", "--lang", "sw", "--text", str(text), "--out", str(tmp_path / "o"), "--donor",
                       "kokoro:jm_kumo", "--voices", "1", "--augment", "none", "--quiet")
    assert res.returncode == 0, res.stderr
    rows = list(read_manifest(tmp_path / "o" / "manifest.jsonl"))
    assert len(rows) == 2 and all(r["donor"] == "kokoro:jm_kumo" for r in rows)
    for r, clip in zip(rows, clips):
        assert clip.size > 8000 and np.array_equal(load(tmp_path / "o" / r.audio_filepath)[0], clip)
