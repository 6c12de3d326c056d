"""`synthkit synth` end to end on the offline default."""

import json
from pathlib import Path

import soundfile as sf

from synthkit.manifest import read_manifest
from synthkit.synth import regenerate
from synthkit.text.ipa import split_words

from .conftest import NOISE_DIR, RIR_DIR, SW_TEXT, assert_same_corpus, require_shared

IPA_CHARS = set("abcdefhijklmnopqrstuvwxyzɑɐɒæɓʙβɔɕçɗɖðʤəɘɚɛɜɝɞɟʄɡɠɢʛɦɧħɥʜɨɪʝɭɬɫɮʟɱɯɰŋɳɲɴøɵɸθœɶʘɹɺɾɻʀʁɽʂʃʈʧʉʊʋⱱʌɣɤʍχʎʏʑʐʒʔʡʕʢǀǁǂǃˈˌːˑʼʴʰʱʲʷˠˤ˞̩̃͡")


def test_swahili_200_sentences_three_voices_two_workers(cli, tmp_path):
    """Done-when: every row points to a readable WAV whose duration and sample rate match the row,
    with IPA phonemes; re-running one row from its recorded parameters gives identical audio."""
    out = tmp_path / "sw"
    res = cli("synth", "--lang", "sw", "--text", str(SW_TEXT), "--out", str(out), "--voices", "3",
              "--workers", "2", "--quiet", "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    rows = list(read_manifest(out / "manifest.jsonl"))
    assert len(rows) == 600 and summary["clips"] == 600 and summary["rejects"] == 0
    assert len({r.id for r in rows}) == 600
    speakers = set()
    for r in rows:
        info = sf.info(str(out / r.audio_filepath))
        assert info.samplerate == r["sample_rate"] == 16000
        assert info.subtype == "PCM_16" and info.channels == 1
        assert abs(info.frames / info.samplerate - r.duration) < 1e-9
        words = split_words(r["phonemes"])
        assert words and all(set(seg) <= IPA_CHARS for w in words for seg in w), r["phonemes"]
        for key in ("text", "language", "speaker", "backend", "seed", "voice", "variant", "rate", "pitch",
                    "pitch_range", "augment", "g2p"):
            assert key in r, key
        speakers.add(r["speaker"])
    assert len(speakers) >= 15  # voices vary across renditions
    # numbers were expanded, not dropped (line 15: "Shule yetu ina wanafunzi 450 na walimu 18.")
    line15 = [r for r in rows if r["line"] == 15][0]
    assert line15.text == "Shule yetu ina wanafunzi mia nne hamsini na walimu kumi na nane."
    # any row regenerates alone, bit-identically (first, middle, last; augmented ones included)
    assert any(rec["should_apply"] for r in rows for rec in r["augment"])
    for r in (rows[0], rows[301], rows[-1]):
        regen = regenerate(r, tmp_path / "regen" / f"{r.id}.wav")
        assert regen.read_bytes() == (out / r.audio_filepath).read_bytes()


def test_real_noise_and_rirs_recorded_and_regenerable(cli, tmp_path):
    require_shared()
    out = tmp_path / "sw"
    res = cli("synth", "--lang", "sw", "--text", str(SW_TEXT.parent.parent / "smoke" / "sw.txt"), "--out", str(out),
              "--voices", "2", "--augment", "heavy", "--noise-dir", str(NOISE_DIR), "--rir-dir", str(RIR_DIR),
              "--quiet")
    assert res.exit_code == 0, res.output
    rows = list(read_manifest(out / "manifest.jsonl"))
    used = {rec.get("noise_file_path") or rec.get("ir_file_path") for r in rows for rec in r["augment"]} - {None}
    assert any(str(NOISE_DIR) in u for u in used) and any(str(RIR_DIR) in u for u in used)
    for r in rows[:6]:
        res = cli("regen", str(out / "manifest.jsonl"), r.id, "-o", str(tmp_path / "r.wav"))
        assert res.exit_code == 0
        assert (tmp_path / "r.wav").read_bytes() == (out / r.audio_filepath).read_bytes()


def test_same_command_same_bytes(cli, tmp_path):
    """Workers do not change the output: 1 and 2 workers write identical manifests and audio."""
    text = SW_TEXT.parent.parent / "smoke" / "sw.txt"
    outs = []
    for w in ("1", "2"):
        out = tmp_path / f"w{w}"
        assert cli("synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--voices", "2",
                   "--workers", w, "--quiet").exit_code == 0
        outs.append(out)
    assert assert_same_corpus(*outs) > 0


def test_sample_rate_option(cli, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("Habari ya asubuhi.\n")
    assert cli("synth", "--lang", "sw", "--text", str(text), "--out", str(tmp_path / "o"), "--sample-rate",
               "22050", "--augment", "none", "--quiet").exit_code == 0
    (r,) = list(read_manifest(tmp_path / "o" / "manifest.jsonl"))
    assert sf.info(str(tmp_path / "o" / r.audio_filepath)).samplerate == 22050 == r["sample_rate"]
    assert r["augment"] == []
