"""MBROLA's Arabic diphone voices (``--backend mbrola``), with the real program and databases that
``./setup.sh`` installs from Debian's archive (no stand-ins): rows, regen, what the score speaks, the
missing-diphone and language-switch cases, failing fast without the program, and the installer's
``.deb`` unpacking (the download itself is setup.sh's)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

import numpy as np
import pytest
import soundfile as sf

from synthkit.manifest import read_manifest
from synthkit.synth import regenerate
from synthkit.text.ipa import join_words, split_words
from synthkit.text.mapping import as_rendered
from synthkit.text.normalize import Rejected
from synthkit.tts import mbrola, mbrola_install

from .conftest import ROOT, run_synthkit

AR_LINES = ["سِتَّه", "ذهب الولد إلى المدرسة صباحا", "السلام عليكم ورحمة الله", "اشتريت 3 كتب"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("mbrola")
    text = root / "ar.txt"
    text.write_text("\n".join(AR_LINES) + "\n", encoding="utf-8")
    out = root / "out"
    p = run_synthkit("synth", "--lang", "ar", "--backend", "mbrola", "--text", str(text), "--out", str(out),
                     "--voices", "3", "--seed", "4", "--augment", "none", "--quiet")
    assert p.returncode == 0, p.stderr
    return out


def test_installed_by_setup():
    assert mbrola.program().is_file()
    assert mbrola.installed("ar") == ["ar1", "ar2"]
    assert mbrola.installed() == list(mbrola.VOICES)


@pytest.mark.parametrize("name", list(mbrola.VOICES))
def test_every_symbol_of_a_table_is_in_its_database(name):
    """A symbol table written from a voice's README is checked against the database itself: every
    symbol is spoken between two of the voice's own neighbours (a consonant between vowels, a vowel
    between consonants), with no diphone missing."""
    info, db = mbrola.resolve(name)
    vowel = next(s for s in info.vowel_symbols if s in ("a", "e"))
    for sym, ipa in info.pairs:
        ctx = ["t", sym, "t"] if sym in info.vowel_symbols else [vowel, sym, vowel]
        if name in ("ar1", "ar2") and sym in ("s.", "t.", "d.", "z."):
            ctx = ["a", sym, "a."]  # the README's rule: only coloured vowels after an emphatic
        score = "_ 50\n" + "".join(f"{s} 90\n" for s in ctx) + "_ 50\n"
        p = subprocess.run([str(mbrola.program()), db, "-", "-.raw"], input=score.encode(), capture_output=True)
        assert p.returncode == 0, (name, sym, ipa, p.stderr.decode()[-80:])
        assert len(p.stdout) > 0


def test_rows_record_the_voice_and_regen_is_bit_identical(corpus, tmp_path):
    rows = list(read_manifest(corpus / "manifest.jsonl"))
    assert len(rows) == 3 * len(AR_LINES)  # nothing rejected
    assert {r["model"] for r in rows} == {"ar1", "ar2"}
    run = json.loads((corpus / "run.json").read_text())
    lo, hi = run["voice_freq"]
    for r in rows:
        assert r["backend"] == "mbrola" and r["speaker"] == f"mbrola:{r['model']}" and r["voice"] == r["model"]
        assert r["prosody_voice"] == "ar" and "non-commercial" in r["license"]
        assert lo * 16000 <= r["voice_freq"] <= hi * 16000
        x, sr = sf.read(corpus / r.audio_filepath, dtype="int16")
        assert sr == r["sample_rate"] == 16000 and abs(x.size / sr - r["duration"]) < 1e-6
        assert np.abs(x).max() > 1000  # speech, not silence
    for r in rows[:4]:
        out = regenerate(r, tmp_path / f"{r.id}.wav")
        assert out.read_bytes() == (corpus / r.audio_filepath).read_bytes()


def test_score_keeps_the_geminate_and_the_vowel_after_it():
    """سِتَّه [sitːah]: a long [t] closure, then the vowel espeak-ng used to drop (NFC put it before the
    shadda), then [h]; pitch on the vowels only."""
    info, db = mbrola.resolve("ar1")
    segs = mbrola.score("سِتَّه", info, 175, 50, 50)
    spoken = [s for s in segs if s.symbol != "_"]
    assert [s.symbol for s in spoken] == ["s", "i", "t", "a", "h"]
    t = spoken[2]
    assert t.ipa == "tː" and t.ms > 100
    assert all((s.f0 is not None) == (s.symbol in ("i", "a")) for s in spoken)
    x, said = mbrola.run_mbrola(db, segs, 16000)
    assert mbrola.said(said) == ("s", "i", "tː", "a", "h") and x.size > 0.3 * 16000


def test_what_is_spoken_is_the_g2p_less_dropped_glottal_stops(corpus):
    """The score's phonemes are the row's G2P phonemes (stress aside), except a glottal stop after a
    silence or consonant, which these voices cannot say (left out: the vowel onset carries it)."""
    from synthkit.tts.base import Voice

    synth = mbrola.MbrolaSynthesizer()
    for r in read_manifest(corpus / "manifest.jsonl"):
        info = mbrola.VOICES[r["model"]]
        said = synth.render(r.text, Voice("mbrola", r["model"], dict(r.fields))).phonemes
        # the row records what was spoken, beside the G2P's phonemes
        assert r["spoken_phonemes"] == join_words(as_rendered([], said)), r.id
        # the G2P in the IPA of the symbol that says each segment (espeak-ng's s̪ is the voices' s. [sˤ])
        g2p = _flat(_said_as(info, p.strip("ˈˌ")) for w in split_words(r["phonemes"]) for p in w)
        got = _flat(p for p in said if p != "|")
        assert [p for p in g2p if p != "ʔ"] == [p for p in got if p != "ʔ"], (r.id, g2p, got)
        assert set(g2p) - set(got) <= {"ʔ"}


def _said_as(info, seg: str) -> str:
    long_ = seg.endswith("ː")
    core = seg.rstrip("ː").rstrip(".")
    return info.says[info.table[core]] + ("ː" if long_ else "")


def _flat(phonemes) -> list[str]:
    """A geminate as two consonants (the G2P writes [sː] or [s s]; a score merges both into one long [s])."""
    out = []
    for p in phonemes:
        out += [p[:-1]] * 2 if p.endswith("ː") and p[:-1] not in ("a", "i", "u") else [p]
    return out


def test_missing_diphone_drops_the_glottal_stop_not_the_sentence():
    """ar1 has no [b]-[ʔ] diphone: "ذهب الولد" is said [ðahab alwalad], not rejected."""
    info, db = mbrola.resolve("ar1")
    segs = mbrola.score("ذهب الولد", info, 175, 50, 50)
    assert "?" in [s.symbol for s in segs]
    x, spoken = mbrola.run_mbrola(db, segs, 16000)
    assert "?" not in [s.symbol for s in spoken] and x.size > 0


def test_another_language_is_rejected_with_a_reason():
    info, _ = mbrola.resolve("ar2")
    with pytest.raises(Rejected, match=r"another language \(en\)"):
        mbrola.score("مرحبا hello", info, 175, 50, 50)


def test_a_hung_mbrola_rejects_the_row_instead_of_stalling(tmp_path, monkeypatch):
    """Unit test of the code around the program: a stand-in ``mbrola`` that never answers (the real one
    needs milliseconds) is stopped after TIMEOUT_S and the sentence rejected with the reason."""
    info, db = mbrola.resolve("ar1")
    segs = mbrola.score("وَاحِد", info, 175, 50, 50)
    fake = tmp_path / "bin" / "mbrola"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexec sleep 30\n")  # exec: the process killed is the sleep
    fake.chmod(0o755)
    monkeypatch.setenv(mbrola.HOME_ENV, str(tmp_path))
    monkeypatch.setattr(mbrola, "TIMEOUT_S", 0.5)
    with pytest.raises(Rejected, match="did not finish within 0.5 s"):
        mbrola.run_mbrola(str(db), segs, 16000)


def test_a_bad_line_is_a_rejected_row_and_good_rows_go_on(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("مرحبا hello\nمرحبا بكم\n", encoding="utf-8")
    p = run_synthkit("synth", "--lang", "ar", "--backend", "mbrola:ar2", "--text", str(text), "--out",
                     str(tmp_path / "o"), "--voices", "1", "--augment", "none", "--quiet")
    assert p.returncode == 0, p.stderr
    rejects = [json.loads(x) for x in (tmp_path / "o" / "rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [1] and "outside the Arab script" in rejects[0]["reason"]
    assert len(list(read_manifest(tmp_path / "o" / "manifest.jsonl"))) == 1


@pytest.mark.parametrize("args, env, message", [
    (["--lang", "ar", "--backend", "mbrola"], {"SYNTHKIT_MBROLA": "/nonexistent"}, "mbrola program is not installed"),
    (["--lang", "sw", "--backend", "mbrola"], {}, "no MBROLA voice for Swahili"),
    (["--lang", "ar", "--backend", "mbrola:de1"], {}, "symbol table for ar1, ar2, hb1"),
    (["--lang", "sw", "--donor", "mbrola"], {}, "name the MBROLA voice(s)"),
    (["--lang", "sw", "--backend", "mbrola:tr1"], {}, "as a donor: --donor mbrola:tr1"),
])
def test_unusable_arguments_fail_fast_with_one_line(tmp_path, args, env, message):
    text = tmp_path / "t.txt"
    text.write_text("مرحبا\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "synthkit", "synth", *args, "--text", str(text), "--out",
                        str(tmp_path / "o")], env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 2, p.stderr
    assert message in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o" / "manifest.jsonl").exists()


def _deb(files: dict[str, bytes]) -> bytes:
    """A minimal .deb: an ar archive with debian-binary and data.tar.xz holding ``files``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out = b"!<arch>\n"
    for name, data in (("debian-binary", b"2.0\n"), ("data.tar.xz", buf.getvalue())):
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode() + data + b"\n" * (len(data) & 1)
    return out


def test_installer_unpacks_only_the_wanted_files(tmp_path):
    deb = _deb({"./usr/bin/tool": b"\x7fELF...", "./usr/share/mbrola/xx1/xx1": b"db", "./usr/share/x": b"no"})
    mbrola_install.unpack(deb, {"./usr/bin/tool": "bin/tool", "./usr/share/mbrola/xx1/xx1": "xx1/xx1"}, tmp_path)
    assert (tmp_path / "bin" / "tool").read_bytes() == b"\x7fELF..." and (tmp_path / "xx1" / "xx1").read_bytes() == b"db"
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == \
        ["bin/tool", "xx1/xx1"]
    with pytest.raises(ValueError, match="not in the package"):
        mbrola_install.unpack(deb, {"./usr/bin/other": "bin/other"}, tmp_path)
    with pytest.raises(ValueError, match="not an ar archive"):
        mbrola_install.ar_members(b"PK\x03\x04")


def test_installed_files_are_the_pinned_ones():
    """What setup.sh unpacked is what the pinned packages hold: every file the backend runs or reads has
    its pinned SHA-256, and a re-run of the installer fetches nothing."""
    home = mbrola.INSTALL_DIR
    assert mbrola.program() == home / "bin" / "mbrola"
    for target, sha in mbrola_install.FILE_SHA256.items():
        assert hashlib.sha256((home / target).read_bytes()).hexdigest() == sha, target
    assert mbrola_install.install(home) == []


def test_a_damaged_file_is_not_taken_as_installed(tmp_path):
    (tmp_path / "ar1").mkdir()
    (tmp_path / "ar1" / "ar1").write_bytes(b"truncated")
    assert not mbrola_install.intact(tmp_path, "ar1/ar1") and not mbrola_install.intact(tmp_path, "ar2/ar2")
    deb = _deb({"./usr/share/mbrola/ar1/ar1": b"not the database"})
    with pytest.raises(ValueError, match="not the pinned one"):
        mbrola_install.unpack(deb, {"./usr/share/mbrola/ar1/ar1": "ar1/ar1"}, tmp_path)
    assert (tmp_path / "ar1" / "ar1").read_bytes() == b"truncated"  # nothing written from a bad package


# --- as donors -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def donor_corpus(tmp_path_factory):
    """Arabic digits through the Hebrew and Turkish voices (Arabic's own voices left out), and Swahili
    through tr1."""
    root = tmp_path_factory.mktemp("mbrola_donors")
    outs = {}
    for key, lang, lines, args in (
            ("ar", "ar", ["صِفْر", "وَاحِد", "اِثْنَان", "سَبْعَه", "تِسْعَه"],
             ["--backend", "mbrola", "--donor", "auto", "--donors", "4", "--exclude", "ar"]),
            ("sw", "sw", ["Habari ya asubuhi, rafiki yangu.", "Watoto wanacheza mpira uwanjani."],
             ["--donor", "mbrola:tr1"])):
        text = root / f"{key}.txt"
        text.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = root / key
        p = run_synthkit("synth", "--lang", lang, "--text", str(text), "--out", str(out), "--voices", "4",
                         "--seed", "2", "--augment", "none", "--quiet", *args)
        assert p.returncode == 0, p.stderr
        outs[key] = out
    return outs


def test_auto_donors_leave_the_excluded_language_out(donor_corpus):
    rows = list(read_manifest(donor_corpus["ar"] / "manifest.jsonl"))
    assert rows and {r["donor"] for r in rows} == {"mbrola:hb1", "mbrola:hb2", "mbrola:tr1", "mbrola:tr2"}
    run = json.loads((donor_corpus["ar"] / "run.json").read_text())
    assert "ar1" not in run["model"] and "ar2" not in run["model"]
    assert run["donors_excluded"] == ["mbrola:ar1", "mbrola:ar2"]  # the voices left out, by name
    for r in rows:
        assert r["model"] == r["donor"].partition(":")[2] and r["prosody_voice"] in ("he", "tr")
        assert r["render_text"].startswith("[[")  # espeak-ng phoneme input gives the prosody


def test_an_exclusion_that_leaves_out_no_voice_is_not_recorded_as_one(tmp_path):
    """--exclude sw names no MBROLA voice: every voice stays a candidate and the run records nothing left out
    (it used to record espeak-ng's sw, a voice this run never had)."""
    text = tmp_path / "t.txt"
    text.write_text("وَاحِد\n", encoding="utf-8")
    out = tmp_path / "o"
    p = run_synthkit("synth", "--lang", "ar", "--text", str(text), "--out", str(out), "--backend", "mbrola",
                     "--donor", "auto", "--donors", "6", "--exclude", "sw", "--voices", "1", "--augment", "none")
    assert p.returncode == 0, p.stderr
    run = json.loads((out / "run.json").read_text())
    assert "donors_excluded" not in run and "left out" not in p.stderr
    assert set(run["model"].split(",")) == set(mbrola.installed())


def test_donor_phonemes_are_what_the_voice_said(donor_corpus, tmp_path):
    """Per row: ``donor_phonemes`` is the IPA of the symbols the score spoke (re-rendered here), every
    segment one the donor's symbols say; and regen is bit-identical."""
    from synthkit.tts.base import Voice

    synth = mbrola.MbrolaSynthesizer()
    n = 0
    for key in ("ar", "sw"):
        for r in read_manifest(donor_corpus[key] / "manifest.jsonl"):
            info = mbrola.VOICES[r["model"]]
            audio = synth.render(r["render_text"], Voice("mbrola", r["model"], dict(r.fields)), phoneme_input=True)
            said = [[p.rstrip("ː") for p in w] for w in split_words(" | ".join(
                " ".join(w) for w in _words(audio.phonemes)))]
            donor = [[p.rstrip("ː") for p in w] for w in split_words(r["donor_phonemes"])]
            assert donor == said, (r.id, r["donor_phonemes"], audio.phonemes)
            assert {p for w in donor for p in w} <= set(info.says.values()), r.id
            n += 1
    assert n > 20
    row = next(iter(read_manifest(donor_corpus["sw"] / "manifest.jsonl")))
    out = regenerate(row, tmp_path / "x.wav")
    assert out.read_bytes() == (donor_corpus["sw"] / row.audio_filepath).read_bytes()


def _words(phonemes):
    out = [[]]
    for p in phonemes:
        if p == "|":
            out.append([])
        else:
            out[-1].append(p)
    return [w for w in out if w]


def test_a_vowel_the_voice_cannot_start_gets_its_glottal_onset():
    """hb2 has no silence-[i] diphone: a phrase starting with [i] is said [ʔi], and the spoken score says so."""
    info, db = mbrola.resolve("hb2")
    segs = mbrola.score("[[ima]]", info, 175, 50, 50, phoneme_input=True)
    x, spoken = mbrola.run_mbrola(db, segs, 22050, info.glottal, info.vowel_symbols)
    assert mbrola.said(spoken)[:2] == ("ʔ", "i") and x.size > 0
    info1, db1 = mbrola.resolve("hb1")
    with pytest.raises(Rejected, match="no h-_ diphone"):  # hb1 cannot end a phrase with [h]
        mbrola.run_mbrola(db1, mbrola.score("[[tah]]", info1, 175, 50, 50, phoneme_input=True), 16000,
                          info1.glottal, info1.vowel_symbols)
