"""`synthkit synth --backend coqui:MODEL` on random-weight coqui models saved to folders.

The models are built from coqui configs (tiny VITS reading IPA or characters; a full-size MMS VITS in
coqui's download folder) and loaded through the code that loads a downloaded model. No network: the
hubs are switched offline for every test here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import soundfile as sf

from synthkit.manifest import read_manifest
from synthkit.synth import regenerate

from .conftest import ROOT, assert_same_corpus

SPEAKERS = ("amina", "baraka", "chausiku")
SW_LINES = ["Habari ya asubuhi.", "Ninapenda kusoma vitabu, kila siku.", "Watoto wanacheza mpira uwanjani."]
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path):
    for k, v in OFFLINE.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("TTS_HOME", str(tmp_path / "tts_home"))  # coqui's download folder: empty unless a test fills it


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    from synthkit import testing_models

    root = tmp_path_factory.mktemp("coqui_models")
    return {"phonemes": testing_models.vits(root / "vits-ipa", phonemes=True, speakers=SPEAKERS),
            "characters": testing_models.vits(root / "vits-chars", phonemes=False)}


@pytest.fixture(scope="module")
def sw_text(tmp_path_factory):
    p = tmp_path_factory.mktemp("text") / "sw.txt"
    p.write_text("\n".join(SW_LINES) + "\n", encoding="utf-8")
    return p


def _check_corpus(out, n_rows, model, sample_rate=16000):
    rows = list(read_manifest(out / "manifest.jsonl"))
    assert len(rows) == n_rows and len({r.id for r in rows}) == n_rows
    for r in rows:
        info = sf.info(str(out / r.audio_filepath))
        assert info.samplerate == r["sample_rate"] == sample_rate
        assert info.subtype == "PCM_16" and info.channels == 1 and info.frames > 0
        assert abs(info.frames / info.samplerate - r.duration) < 1e-9
        assert r["backend"] == "coqui" and r["model"] == model
        assert r["license"] and r["speaker"].startswith("coqui:")
        assert 0.9 <= r["speed"] <= 1.1
    run = json.loads((out / "run.json").read_text())
    assert run["backend"] == "coqui" and run["model"] == model and run["license"] == rows[0]["license"]
    return rows


def test_phoneme_vits_folder_writes_a_corpus_and_regenerates(cli, models, sw_text, tmp_path):
    """Done-when: --backend coqui:<folder> writes a valid corpus (rows, WAVs, durations, sample rate)
    and regenerate re-makes clips bit-identically; the model reads synthkit's IPA, written with its symbols."""
    from synthkit.tts.coqui import resolve_model

    folder = models["phonemes"]
    out = tmp_path / "out"
    res = cli("synth", "--lang", "sw", "--text", str(sw_text), "--out", str(out), "--backend", f"coqui:{folder}",
              "--voices", "3", "--sample-rate", "22050", "--quiet", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["clips"] == 9
    rows = _check_corpus(out, 9, str(folder.resolve()), 22050)
    vocab = set(resolve_model(str(folder)).vocab)
    for line in range(1, 4):  # three renditions of a sentence: three different speakers
        assert {r["coqui_speaker"] for r in rows if r["line"] == line} == set(SPEAKERS)
    for r in rows:
        assert r["render_text"] and set(r["render_text"]) <= vocab
        assert r["license"] == "MIT (random weights, synthkit test model)"
    assert rows[0]["render_text"].endswith(".") and "," in rows[3]["render_text"]  # the sentence's punctuation
    for r in rows:
        regen = regenerate(r, tmp_path / "regen" / f"{r.id}.wav")
        assert regen.read_bytes() == (out / r.audio_filepath).read_bytes()


def test_character_vits_reads_text(cli, models, sw_text, tmp_path):
    out = tmp_path / "out"
    res = cli("synth", "--lang", "sw", "--text", str(sw_text), "--out", str(out), "--backend",
              f"coqui:{models['characters']}", "--augment", "none", "--quiet")
    assert res.exit_code == 0, res.output
    rows = _check_corpus(out, 3, str(models["characters"].resolve()))
    assert all("render_text" not in r and "coqui_speaker" not in r for r in rows)
    assert {r.text for r in rows} == set(SW_LINES)
    res = cli("regen", str(out / "manifest.jsonl"), rows[1].id, "-o", str(tmp_path / "r.wav"))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r.wav").read_bytes() == (out / rows[1].audio_filepath).read_bytes()


@pytest.mark.slow
def test_workers_do_not_change_the_output(cli, models, sw_text, tmp_path):
    """Two worker processes (each loading the model) write the same manifest and audio as one."""
    outs = []
    for w in ("1", "2"):
        out = tmp_path / f"w{w}"
        res = cli("synth", "--lang", "sw", "--text", str(sw_text), "--out", str(out), "--backend",
                  f"coqui:{models['phonemes']}", "--voices", "2", "--workers", w, "--quiet")
        assert res.exit_code == 0, res.output
        outs.append(out)
    assert assert_same_corpus(*outs) > 0


@pytest.mark.slow
def test_mms_name_resolved_from_lang_loads_from_coquis_download_folder(cli, sw_text, tmp_path, monkeypatch):
    """`coqui:mms --lang sw` is `tts_models/swh/fairseq/vits`; an MMS model (full size, random weights, fairseq
    layout) in coqui's download folder loads through coqui's ModelManager.download_model as a downloaded one does."""
    import torch

    torch.set_num_threads(1)
    from synthkit import testing_models

    home = tmp_path / "tts_home"
    monkeypatch.setenv("TTS_HOME", str(home))
    testing_models.mms(home, "swh")
    text = tmp_path / "t.txt"
    text.write_text("Habari ya asubuhi.\n", encoding="utf-8")
    out = tmp_path / "out"
    res = cli("synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--backend", "coqui:mms",
              "--augment", "none", "--quiet")
    assert res.exit_code == 0, res.output
    (row,) = _check_corpus(out, 1, "tts_models/swh/fairseq/vits")
    assert row["license"] == "CC BY-NC 4.0"
    regen = regenerate(row, tmp_path / "r.wav")
    assert regen.read_bytes() == (out / row.audio_filepath).read_bytes()


@pytest.mark.slow
def test_phoneme_vits_as_donor(cli, models, tmp_path):
    """A VITS that reads IPA is a donor: `synthkit donors` ranks it, `synth --donor coqui:<folder>` maps
    Yoruba onto its symbols and renders through it (regenerable)."""
    from synthkit.tts.coqui import donor_inventory, resolve_model

    folder = models["phonemes"]
    yor = ROOT / "tests" / "data" / "yor.txt"
    res = cli("donors", "--lang", "yor-Latn", "--text", str(yor), "--donor", f"coqui:{folder}", "--json")
    assert res.exit_code == 0, res.output
    ranked = {d["voice"]: d for d in json.loads(res.stdout)["donors"]}
    donor = f"coqui:{folder.resolve()}"
    assert donor in ranked and "sw" in ranked  # ranked among the espeak-ng voices
    assert ranked[donor]["acceptable"] > 0.9
    lines = yor.read_text(encoding="utf-8").splitlines()[:4]
    text = tmp_path / "yor.txt"
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    res = cli("synth", "--lang", "yor-Latn", "--text", str(text), "--out", str(out), "--donor", f"coqui:{folder}",
              "--voices", "2", "--quiet", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["donors"] == [donor]
    rows = _check_corpus(out, 8, str(folder.resolve()))
    inv = donor_inventory(resolve_model(str(folder)))
    vocab = set(resolve_model(str(folder)).vocab)
    for r in rows:
        assert r["donor"] == donor and r["mapping_cost"] >= 0
        segs = [s.lstrip("ˈˌ") for w in r["donor_phonemes"].split(" | ") for s in w.split()]
        assert all(s in inv.segments or s.rstrip("ː") in inv.segments for s in segs), segs
        assert set(r["render_text"]) <= vocab
    regen = regenerate(rows[-1], tmp_path / "r.wav")
    assert regen.read_bytes() == (out / rows[-1].audio_filepath).read_bytes()


@pytest.mark.parametrize("args, message", [
    (["--backend", "coqui:/no/such/folder"], "no such folder"),
    (["--backend", "coqui:tts_models/xx/nowhere/vits"], "not in coqui's model list"),
    (["--backend", "festival"], "unknown --backend"),
    (["--backend", "coqui:{phonemes}", "--reference", "{wav}"], "cannot clone voices"),
    (["--reference", "{wav}"], "--reference clips are for voice cloning"),
    (["--donor", "coqui:{characters}"], "cannot be a donor"),
    (["--backend", "coqui:{phonemes}", "--donor", "sw"], "the donor is the model itself"),
])
def test_unusable_arguments_exit_2_with_one_line(cli, models, sw_text, tmp_path, args, message):
    wav = tmp_path / "ref.wav"
    from synthkit.audio import save_wav
    from synthkit.testing import speechlike

    save_wav(wav, speechlike(), 16000)
    args = [a.format(wav=wav, **models) for a in args]
    from click.testing import CliRunner

    from synthkit.cli import main

    res = CliRunner().invoke(main, ["synth", "--lang", "sw", "--text", str(sw_text), "--out", str(tmp_path / "o"),
                                    "--quiet", *args])
    assert res.exit_code == 2
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not (tmp_path / "o" / "manifest.jsonl").exists()


def test_languages_and_doctor_show_licences_and_availability(cli):
    """Done-when: doctor reports coqui-tts and speechbrain available; licences (non-commercial marked)
    are shown by `languages`."""
    res = cli("languages", "--coqui", "--json")
    models = {m["name"]: m for m in json.loads(res.stdout)}
    assert models["tts_models/multilingual/multi-dataset/xtts_v2"]["license"] == "CPML"
    assert models["tts_models/multilingual/multi-dataset/xtts_v2"]["non_commercial"]
    assert not models["tts_models/en/ljspeech/vits"]["non_commercial"]
    assert models["tts_models/<iso639-3>/fairseq/vits"]["license"] == "CC BY-NC 4.0"
    text = cli("languages").stdout
    assert "CPML (non-commercial)" in text and "CC BY-NC 4.0 (non-commercial)" in text
    res = cli("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(res.stdout)}
    assert checks["coqui-tts"]["importable"], checks["coqui-tts"]
    assert checks["speechbrain"]["importable"], checks["speechbrain"]
    assert "CPML" in checks["coqui-tts"]["detail"]


_BLOCK = """
import importlib.abc, sys
BLOCKED = ("torch", "torchaudio", "TTS", "speechbrain", "trainer")
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
sys.meta_path.insert(0, Block())
"""


@pytest.mark.slow
def test_espeak_default_needs_neither_torch_nor_coqui_nor_speechbrain(tmp_path, sw_text):
    """The offline default runs with torch, torchaudio, coqui-tts and speechbrain unimportable (as on a
    machine without them), in the driver and in worker processes."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_BLOCK, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=f"{site}{os.pathsep}{ROOT}")
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "synthkit", "synth", "--lang", "sw", "--text", str(sw_text), "--out",
                          str(out), "--voices", "2", "--workers", "2", "--quiet"], env=env, capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert len(list(read_manifest(out / "manifest.jsonl"))) == 6
    # and with them blocked, asking for coqui says what is missing in one line
    res = subprocess.run([sys.executable, "-m", "synthkit", "synth", "--lang", "sw", "--text", str(sw_text), "--out",
                          str(tmp_path / "o2"), "--backend", "coqui:mms"], env=env, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 2
    assert "not installed" in res.stderr and "synthkit[coqui]" in res.stderr and len(res.stderr.splitlines()) == 1


@pytest.mark.slow
def test_doctor_explains_torchaudio_cuda_build(tmp_path, sw_text):
    """When torchaudio's CUDA-linked extensions are present (PyPI's build for this torch), importing
    coqui-tts or speechbrain fails in the loader. doctor sees it without importing anything (the
    extension's ELF names libc10_cuda.so, which the CPU torch lacks) and names the cause and the fix;
    asking for coqui then fails with one line that says the same."""
    from .test_offline import write_elf_needing

    fake = tmp_path / "site" / "torchaudio"
    (fake / "lib").mkdir(parents=True)
    write_elf_needing(fake / "lib" / "libtorchaudio.so", ["libc10_cuda.so", "libcudart.so.12", "libc.so.6"])
    (fake / "__init__.py").write_text(textwrap.dedent("""
        raise OSError("libc10_cuda.so: cannot open shared object file: No such file or directory")
    """), encoding="utf-8")  # what the loader raises when the real extension is imported
    env = dict(os.environ, PYTHONPATH=f"{tmp_path / 'site'}{os.pathsep}{ROOT}")
    res = subprocess.run([sys.executable, "-m", "synthkit", "doctor", "--json"], env=env, capture_output=True,
                         text=True, timeout=600)
    checks = {c["name"]: c for c in json.loads(res.stdout)}
    for name in ("coqui-tts", "speechbrain", "SQUIM"):
        assert not checks[name]["ok"] and checks[name]["importable"] is False, checks[name]
        assert "libc10_cuda" in checks[name]["hint"] and "./setup.sh" in checks[name]["hint"]
        assert "removes torchaudio's CUDA extensions" in checks[name]["hint"]
    res = subprocess.run([sys.executable, "-m", "synthkit", "synth", "--lang", "sw", "--text", str(sw_text), "--out",
                          str(tmp_path / "o"), "--backend", "coqui:mms"], env=env, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 2 and len(res.stderr.splitlines()) == 1, res.stderr
    assert "libc10_cuda" in res.stderr and "./setup.sh" in res.stderr


def test_explain_names_the_missing_package():
    from synthkit.optional import explain

    msg = explain(ModuleNotFoundError("No module named 'six'", name="six"), "coqui-tts", "coqui")
    assert "'six'" in msg and "synthkit[coqui]" in msg
    msg = explain(ModuleNotFoundError("No module named 'TTS'", name="TTS"), "coqui-tts", "coqui")
    assert "coqui-tts is not installed" in msg
    msg = explain(ModuleNotFoundError("No module named 'torchaudio'", name="torchaudio"), "speechbrain", "speechbrain")
    assert "./setup.sh" in msg
    # coqui-tts's own message (it starts with a blank line) when torchcodec is missing on torch >= 2.9
    msg = explain(ImportError("\nFrom Pytorch 2.9, the torchcodec library is required for audio IO, but it was not\n"
                              "found in your environment."), "coqui-tts", "coqui")
    assert "torchcodec" in msg and "synthkit[coqui]" in msg


@pytest.mark.slow
def test_xtts_clones_one_speaker_per_reference(cli, tmp_path):
    """XTTS (tiny, random weights, v2 layout) with two --reference clips of real speech: each sentence's
    renditions use both references as speakers; rows record the reference and language; regenerable."""
    import torch

    torch.set_num_threads(1)
    from synthkit import testing_models

    from .conftest import LIBRISPEECH, require_shared

    require_shared()
    folder = testing_models.xtts(tmp_path / "xtts")
    by_speaker: dict[str, Path] = {}
    for p in sorted(LIBRISPEECH.rglob("*.flac")):
        by_speaker.setdefault(p.name.split("-")[0], p)
    refs = list(by_speaker.values())[:2]
    text = tmp_path / "en.txt"
    text.write_text("The birch canoe slid on the smooth planks.\nGlue the sheet to the dark blue background.\n",
                    encoding="utf-8")
    out = tmp_path / "out"
    res = cli("synth", "--lang", "en-us", "--text", str(text), "--out", str(out), "--backend", f"coqui:{folder}",
              "--reference", str(refs[0]), "--reference", str(refs[1]), "--voices", "2", "--augment", "none", "--quiet")
    assert res.exit_code == 0, res.output
    rows = _check_corpus(out, 4, str(folder.resolve()))
    for line in (1, 2):
        assert {r["reference"] for r in rows if r["line"] == line} == {str(p.resolve()) for p in refs}
    assert all(r["model_language"] == "en" and "render_text" not in r for r in rows)
    assert rows[0]["license"] == "MIT (random weights, synthkit test model)"  # from the folder's LICENSE.txt
    run = json.loads((out / "run.json").read_text())
    assert [r["path"] for r in run["references"]] == [str(p.resolve()) for p in refs]
    for r in rows[:2]:
        regen = regenerate(r, tmp_path / "regen" / f"{r.id}.wav")
        assert regen.read_bytes() == (out / r.audio_filepath).read_bytes()


def test_ipa_is_written_with_the_models_symbols():
    from synthkit.tts.coqui import ipa_input, to_symbols

    vocab = frozenset("abdhijknstuɲ̃ˈ .,")
    # tie bars dropped; a precomposed letter the model lacks is decomposed into parts it has
    assert to_symbols("t͡ʃã", vocab) == ("tã"[0] + "a\u0303", ["ʃ"])
    text, dropped = ipa_input([["h", "a"], ["ɲ", "ˈa", "t͡ʃ", "i"]], [",", "."], vocab)
    assert text == "ha, ɲˈati." and dropped == ["ʃ"]
    assert ipa_input([["ʃ"]], None, vocab) == ("", ["ʃ"])


def test_sentences_with_no_symbol_of_the_model_are_rejected_with_the_reason(cli, sw_text, tmp_path):
    from synthkit import testing_models

    folder = testing_models.vits(tmp_path / "qx", symbols="qx")
    out = tmp_path / "out"
    res = cli("synth", "--lang", "sw", "--text", str(sw_text), "--out", str(out), "--backend", f"coqui:{folder}",
              "--quiet", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["clips"] == 0
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == 3 and all("no phoneme of the sentence" in r["reason"] for r in rejects)


def test_donor_inventory_from_symbols_or_inventory_file(models, tmp_path):
    """A phoneme model's inventory is its IPA symbols plus what they write (length, affricates,
    nasal vowels, secondary articulations); an inventory.txt narrows it to the segments listed."""
    import shutil

    from synthkit.tts.coqui import INVENTORY_FILE, donor_inventory, resolve_model

    inv = donor_inventory(resolve_model(str(models["phonemes"])))
    for seg in ("a", "ʃ", "aː", "t͡ʃ", "ã", "kʲ"):
        assert seg in inv.segments, seg
    assert inv.ipa_to_mnemonic["t͡ʃ"] == "tʃ" and "A" not in inv.segments  # letters that are not IPA: no
    narrow = tmp_path / "narrow"
    shutil.copytree(models["phonemes"], narrow)
    (narrow / INVENTORY_FILE).write_text("# what the model heard\na\ni\nu\nm\nb\nt͡ʃ\n", encoding="utf-8")
    assert sorted(donor_inventory(resolve_model(str(narrow))).segments) == sorted(["a", "i", "u", "m", "b", "t͡ʃ"])
