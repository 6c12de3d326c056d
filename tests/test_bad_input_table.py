"""A table of bad input across every command, each with its exact outcome.

* ``REFUSED``: one line on stderr (``synthkit: error: ...`` naming the problem) and exit 2 before any
  work — every file under the shared corpus and the case's folder has the same bytes afterwards, and
  nothing new was written (checksums before and after).
* ``ROW_CASES``: a rejected row with its reason, while the good rows of the same input are processed
  (one run per command over a manifest or folder that mixes good rows with every kind of bad row).

Commands run in-process through click's CliRunner; the corpora are built once per module.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from synthkit.audio import save_wav

from .conftest import require_shared
from .quality_corpus import lj_audio, ljspeech_items

SR = 16000
BOM = "\ufeff"
CHEAP_POLICY = ("clip:\n  duration: {min: 0.3, max: 40}\n  rms_dbfs: {min: -60}\ncorpus:\n  min_kept_fraction: 0.0\n"
                "  unique_ids: false\n  files_exist: false\n  no_duplicate_audio: false\n")
GAIN_PRESET = "steps:\n  - {type: gain, p: 1.0, gain_db: [-3, 0]}\n"


def invoke(*args: str):
    from click.testing import CliRunner

    from synthkit.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# --- the shared corpora --------------------------------------------------------------------------

@dataclass(frozen=True)
class World:
    root: Path
    sw: Path  # manifest of a 2-clip Swahili synth corpus (espeak-ng, no augmentation)
    sw_text: Path
    mix: Path  # manifest mixing good rows with every kind of bad row (see _mixed)
    fold: Path  # folder of audio with a looping file link, a broken link and a folder link loop
    lj: Path  # manifest of 2 clean LJSpeech clips (16 kHz WAV)
    gain: Path  # a cheap degrade preset
    policy: Path


def _wav_rows(folder: Path, n: int, skip: int = 0) -> list[dict]:
    rows = []
    for uid, text, _ in ljspeech_items(n, skip):
        x = lj_audio(uid)[: 2 * SR]
        save_wav(folder / "wavs" / f"{uid}.wav", x, SR)
        rows.append({"id": uid, "audio_filepath": f"wavs/{uid}.wav", "duration": round(x.size / SR, 4), "text": text,
                     "language": "eng", "speaker": "LJ"})
    return rows


def _lines(rows: list) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)


def _mixed(root: Path) -> Path:
    """``root/manifest.jsonl`` (starting with a UTF-8 byte-order mark) and its audio:

    ``first`` good · ``nan`` float WAV with NaN samples · ``inf`` with infinite samples · ``trunc`` a WAV
    whose header declares three times the audio it holds · ``g1`` and ``../g1`` good (the second id must
    not overwrite the first's output) · ``num`` ``audio_filepath: 123`` · ``loop`` a symbolic link to
    itself · a second row with id ``first`` · ``last`` good."""
    good = _wav_rows(root, 4)
    wavs = root / "wavs"
    x = lj_audio(ljspeech_items(1, 5)[0][0])[: SR]
    y = x.copy()
    y[100:300] = np.nan
    sf.write(wavs / "nan.wav", y, SR, subtype="FLOAT")
    y = x.copy()
    y[50] = np.inf
    sf.write(wavs / "inf.wav", y, SR, subtype="FLOAT")
    save_wav(wavs / "full.wav", np.concatenate([x, x, x]), SR)
    data = (wavs / "full.wav").read_bytes()
    (wavs / "trunc.wav").write_bytes(data[: 44 + (len(data) - 44) // 3])  # the header still says 3 s
    (wavs / "full.wav").unlink()
    os.symlink("loop.wav", wavs / "loop.wav")
    base = {"text": "words", "language": "eng", "speaker": "LJ"}
    rows = [good[0] | {"id": "first"},
            {"id": "nan", "audio_filepath": "wavs/nan.wav", **base},
            {"id": "inf", "audio_filepath": "wavs/inf.wav", **base},
            {"id": "trunc", "audio_filepath": "wavs/trunc.wav", **base},
            good[1] | {"id": "g1"},
            good[2] | {"id": "../g1"},
            {"id": "num", "audio_filepath": 123, **base},
            {"id": "loop", "audio_filepath": "wavs/loop.wav", **base},
            good[1] | {"id": "first", "text": "DUPLICATE"},
            good[3] | {"id": "last"}]
    m = root / "manifest.jsonl"
    m.write_text(BOM + _lines(rows), encoding="utf-8")
    return m


def _folder(root: Path) -> Path:
    """Two clips, a file link to itself, a broken file link, and a sub-folder with a link back up."""
    root.mkdir(parents=True)
    for i, (uid, _, _) in enumerate(ljspeech_items(2)):
        save_wav(root / f"clip{i}.wav", lj_audio(uid)[: SR], SR)
    os.symlink("self.wav", root / "self.wav")
    os.symlink("gone.flac", root / "broken.flac")
    (root / "sub").mkdir()
    save_wav(root / "sub" / "inner.wav", lj_audio(ljspeech_items(1, 3)[0][0])[: SR], SR)
    os.symlink("..", root / "sub" / "up")
    return root


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    require_shared()
    root = tmp_path_factory.mktemp("bad-input")
    t = root / "sw.txt"
    t.write_text("Habari ya asubuhi.\nAsante sana rafiki.\n", encoding="utf-8")
    res = invoke("synth", "--lang", "sw", "--text", t, "--out", root / "sw", "--augment", "none", "--quiet")
    assert res.exit_code == 0, res.output
    (root / "lj").mkdir()
    lj = root / "lj" / "manifest.jsonl"
    lj.write_text(_lines(_wav_rows(root / "lj", 2)), encoding="utf-8")
    (root / "mix").mkdir()
    gain, policy = root / "gain.yaml", root / "policy.yaml"
    gain.write_text(GAIN_PRESET)
    policy.write_text(CHEAP_POLICY)
    return World(root, root / "sw" / "manifest.jsonl", t, _mixed(root / "mix"), _folder(root / "fold"), lj, gain,
                 policy)


def snapshot(*roots: Path) -> dict[str, str]:
    """Every file and link under ``roots`` -> a hash of its bytes (links: where they point)."""
    out = {}
    for root in roots:
        for dirpath, dirs, files in os.walk(root):
            for name in dirs + files:
                p = Path(dirpath) / name
                if p.is_symlink():
                    out[str(p)] = "link:" + os.readlink(p)
                elif p.is_file():
                    out[str(p)] = hashlib.sha1(p.read_bytes()).hexdigest()
                else:
                    out[str(p)] = "dir"
    return out


# --- refused: one line, exit 2, nothing written, nothing changed -----------------------------------

def _text(tmp: Path, content: str | bytes = "Habari ya asubuhi.\n", name: str = "t.txt") -> Path:
    p = tmp / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return p


def _yaml(tmp: Path, content: str, name: str = "c.yaml") -> Path:
    p = tmp / name
    p.write_text(content, encoding="utf-8")
    return p


def _synth(w: World, tmp: Path, *extra) -> list:
    return ["synth", "--lang", "sw", "--text", _text(tmp), "--out", tmp / "o", "--quiet", *extra]


def _other_run(w: World, tmp: Path) -> list:
    out = tmp / "o"
    assert invoke("synth", "--lang", "sw", "--text", _text(tmp), "--out", out, "--augment", "none",
                  "--quiet").exit_code == 0
    return ["synth", "--lang", "sw", "--text", _text(tmp), "--out", out, "--augment", "none", "--seed", "7"]


def _stray_out(w: World, tmp: Path, name: str, content: str = "{}\n") -> list:
    (tmp / "o").mkdir()
    (tmp / "o" / name).write_text(content)
    return _synth(w, tmp)


def _scored_then(w: World, tmp: Path, metrics: str) -> list:
    out = tmp / "s.jsonl"
    assert invoke("score", w.lj, "-o", out, "--metrics", "duration", "--quiet").exit_code == 0
    return ["score", w.lj, "-o", out, "--metrics", metrics, "--quiet"]


def _scored_by_other_code(w: World, tmp: Path) -> list:
    """A scored manifest whose sidecar says other code (another synthkit, another onnxruntime) wrote it."""
    from synthkit.guard import sidecar

    argv = _scored_then(w, tmp, "duration")
    side = sidecar(tmp / "s.jsonl")
    settings = json.loads(side.read_text())
    settings["code"]["onnxruntime"] = "0.0.1"
    side.write_text(json.dumps(settings))
    return argv


def _hardlink(src: Path, tmp: Path) -> Path:
    link = tmp / "hard.wav"
    os.link(src, link)
    return link


def _symlink(src: Path, tmp: Path, name: str = "link") -> Path:
    link = tmp / name
    os.symlink(src, link)
    return link


def _manifest_in_out(w: World, tmp: Path) -> list:
    """A manifest whose rows name audio inside the output folder's wavs/."""
    (tmp / "o" / "wavs").mkdir(parents=True)
    save_wav(tmp / "o" / "wavs" / "x.wav", lj_audio(ljspeech_items(1)[0][0])[: SR], SR)
    m = tmp / "m.jsonl"
    m.write_text(json.dumps({"id": "x", "audio_filepath": str(tmp / "o" / "wavs" / "x.wav")}) + "\n")
    return ["degrade", m, "--out", tmp / "o", "--preset", w.gain, "--quiet"]


def _train_cfg(w: World, tmp: Path, extra: str = "", speech: str | None = None) -> Path:
    return _yaml(tmp, f"speech: [{speech or w.lj.parent / 'wavs'}]\nrun_dir: {tmp / 'run'}\nmax_clips: 2\n{extra}",
                 "train.yaml")


def _report_with_inputs(w: World, tmp: Path) -> list:
    (tmp / "gate" / "audio").mkdir(parents=True)
    save_wav(tmp / "gate" / "audio" / "clip0.wav", lj_audio(ljspeech_items(1)[0][0])[: SR], SR)
    m = tmp / "m.jsonl"
    m.write_text(json.dumps({"id": "a", "audio_filepath": "gate/audio/clip0.wav", "text": "x"}) + "\n")
    return ["check", m, "--policy", w.policy, "--report", tmp / "gate", "--quiet"]


@dataclass(frozen=True)
class Refused:
    id: str
    argv: Callable[[World, Path], list]
    fragment: str


REFUSED: list[Refused] = [
    # synth
    Refused("synth-unknown-language", lambda w, t: ["synth", "--lang", "qqq", "--text", _text(t), "--out", t / "o"],
            "unknown language 'qqq'"),
    Refused("synth-missing-text", lambda w, t: ["synth", "--lang", "sw", "--text", t / "nope.txt", "--out", t / "o"],
            "text file not found"),
    Refused("synth-text-is-folder", lambda w, t: ["synth", "--lang", "sw", "--text", t, "--out", t / "o"],
            "not a regular file"),
    Refused("synth-text-not-utf8", lambda w, t: ["synth", "--lang", "sw", "--text", _text(t, b"\xff\xfe\x81x"),
                                                 "--out", t / "o"], "not UTF-8"),
    Refused("synth-voices-0", lambda w, t: _synth(w, t, "--voices", "0"), "'--voices': 0 is not in the range"),
    Refused("synth-workers-0", lambda w, t: _synth(w, t, "--workers", "0"), "'--workers': 0 is not in the range"),
    Refused("synth-unknown-option", lambda w, t: _synth(w, t, "--colour"), "No such option"),
    Refused("synth-seed-not-int", lambda w, t: _synth(w, t, "--seed", "x"), "'x' is not a valid integer"),
    Refused("synth-augment-unknown", lambda w, t: _synth(w, t, "--augment", "medium"), "neither a preset"),
    Refused("synth-sample-rate-100", lambda w, t: _synth(w, t, "--sample-rate", "100"), "outside 8000-48000"),
    Refused("synth-max-seconds-negative", lambda w, t: _synth(w, t, "--max-seconds", "-5"),
            "--max-seconds must be a positive number"),
    Refused("synth-max-seconds-nan", lambda w, t: _synth(w, t, "--max-seconds", "nan"),
            "--max-seconds must be a positive number"),
    Refused("synth-max-seconds-inf", lambda w, t: _synth(w, t, "--max-seconds", "inf"),
            "--max-seconds must be a positive number"),
    Refused("augment-yaml-nan-snr", lambda w, t: _synth(w, t, "--augment", _yaml(
        t, "transforms:\n  - {type: noise, p: 1.0, snr_db: [.nan, .nan]}\n")), "expected finite numbers"),
    Refused("augment-yaml-inf-gain", lambda w, t: _synth(w, t, "--augment", _yaml(
        t, "transforms:\n  - {type: gain, gain_db: [-.inf, 0]}\n")), "expected finite numbers"),
    Refused("augment-yaml-unknown-key", lambda w, t: _synth(w, t, "--augment", _yaml(
        t, "transforms:\n  - {type: gain, gain: 3}\n")), "unknown key(s) 'gain'"),
    Refused("augment-yaml-not-yaml", lambda w, t: _synth(w, t, "--augment", _yaml(t, "transforms: [\n")),
            "is not valid YAML"),
    Refused("synth-noise-dir-missing", lambda w, t: _synth(w, t, "--noise-dir", t / "none"), "is not a folder"),
    Refused("synth-out-proc", lambda w, t: ["synth", "--lang", "sw", "--text", _text(t), "--out", "/proc/x"],
            "cannot write in /proc"),
    Refused("synth-out-is-file", lambda w, t: ["synth", "--lang", "sw", "--text", _text(t), "--out", _text(t, "x", "f")],
            "exists and is not a folder"),
    Refused("synth-out-other-settings", _other_run, "different settings"),
    Refused("synth-out-foreign-manifest", lambda w, t: _stray_out(w, t, "manifest.jsonl"), "another tool"),
    Refused("synth-out-stray-rejects", lambda w, t: _stray_out(w, t, "rejects.jsonl"), "but no run.json"),
    Refused("synth-out-inside-noise-dir", lambda w, t: [
        "synth", "--lang", "sw", "--text", _text(t), "--out", w.fold / "corpus", "--noise-dir", w.fold], "overlaps"),
    Refused("synth-address-without-ray", lambda w, t: _synth(w, t, "--address", "1.2.3.4:6379"), "--engine ray"),
    Refused("synth-g2p-unknown", lambda w, t: _synth(w, t, "--g2p", "nosuch"), "g2p"),
    Refused("synth-reference-without-coqui", lambda w, t: _synth(w, t, "--reference", _text(t, "x", "r.wav")),
            "--reference clips are for voice cloning"),
    # donors
    Refused("donors-no-text", lambda w, t: ["donors", "--lang", "sw"], "--text FILE is required"),
    Refused("donors-text-not-utf8", lambda w, t: ["donors", "--lang", "sw", "--text", _text(t, b"\xff\xfe\x81")],
            "not UTF-8"),
    Refused("donors-matrix-no-dir", lambda w, t: ["donors", "--lang", "sw,yo", "--matrix"], "--matrix needs"),
    Refused("donors-matrix-out-in-text-dir", lambda w, t: ["donors", "--lang", "sw", "--matrix", "--text-dir", t,
                                                           "--out", t, "--json"] if _text(t, name="sw.txt") else [],
            "overlaps the --text-dir"),
    Refused("donors-top-0", lambda w, t: ["donors", "--lang", "sw", "--text", _text(t), "--top", "0"],
            "'--top': 0 is not in the range"),
    # regen
    Refused("regen-over-manifest", lambda w, t: ["regen", w.sw, "sw_000001_00", "-o", w.sw], "is an input"),
    Refused("regen-over-other-clip", lambda w, t: ["regen", w.sw, "sw_000001_00", "-o",
                                                   w.sw.parent / "wavs" / "sw_000002_00.wav"], "is an input"),
    Refused("regen-over-symlink-to-manifest", lambda w, t: ["regen", w.sw, "sw_000001_00", "-o", _symlink(w.sw, t)],
            "is an input"),
    Refused("regen-out-is-folder", lambda w, t: ["regen", w.sw, "sw_000001_00", "-o", t], "is a folder"),
    Refused("regen-unknown-id", lambda w, t: ["regen", w.sw, "nope", "-o", t / "x.wav"], "no row with id 'nope'"),
    Refused("regen-missing-manifest", lambda w, t: ["regen", t / "none.jsonl", "x", "-o", t / "x.wav"],
            "manifest not found"),
    Refused("regen-voice-path", lambda w, t: ["regen", _edited(w, t, voice="../../etc"), "sw_000001_00", "-o",
                                              t / "x.wav"], "'voice' must be an espeak-ng voice name"),
    Refused("regen-sample-rate-text", lambda w, t: ["regen", _edited(w, t, sample_rate="fast"), "sw_000001_00", "-o",
                                                    t / "x.wav"], "'sample_rate' must be"),
    Refused("regen-augment-garbage", lambda w, t: ["regen", _edited(w, t, augment=[{"type": "gain", "should_apply": True}]), "sw_000001_00",
                                                   "-o", t / "x.wav"], "cannot be rendered again"),
    # export
    Refused("export-missing-manifest", lambda w, t: ["export", t / "m.jsonl", "--format", "nemo", "--out", t / "e"],
            "manifest not found"),
    Refused("export-unknown-format", lambda w, t: ["export", w.lj, "--format", "csv", "--out", t / "e"],
            "'--format': 'csv' is not one of"),
    Refused("export-bad-split", lambda w, t: ["export", w.lj, "--format", "nemo", "--out", t / "e", "--split",
                                              "train=2"], "split"),
    Refused("export-sample-rate-100", lambda w, t: ["export", w.lj, "--format", "nemo", "--out", t / "e",
                                                    "--sample-rate", "100"], "outside 8000-48000"),
    Refused("export-out-is-manifest-folder", lambda w, t: ["export", w.lj, "--format", "nemo", "--out", w.lj.parent],
            "manifest's own folder"),
    Refused("export-out-holds-inputs", lambda w, t: ["export", w.lj, "--format", "nemo", "--out",
                                                     w.lj.parent / "wavs"], "holds no export.json"),
    Refused("export-out-symlink-to-manifest-folder", lambda w, t: ["export", w.lj, "--format", "nemo", "--out",
                                                                   _symlink(w.lj.parent, t)], "manifest's own folder"),
    Refused("export-shar-not-lhotse", lambda w, t: ["export", w.lj, "--format", "nemo", "--out", t / "e", "--shar"],
            "--shar applies to --format lhotse"),
    # score
    Refused("score-over-input-wav", lambda w, t: ["score", w.lj, "-o", w.lj.parent / "wavs" /
                                                  f"{ljspeech_items(1)[0][0]}.wav"], "is an input"),
    Refused("score-over-manifest", lambda w, t: ["score", w.lj, "-o", w.lj], "is an input"),
    Refused("score-over-hard-link", lambda w, t: ["score", w.lj, "-o", _hardlink(
        w.lj.parent / "wavs" / f"{ljspeech_items(1)[0][0]}.wav", t)], "is an input"),
    Refused("score-out-is-folder", lambda w, t: ["score", w.lj, "-o", t], "is a folder"),
    Refused("score-out-proc", lambda w, t: ["score", w.lj, "-o", "/proc/x.jsonl"], "cannot write in /proc"),
    Refused("score-resume-foreign-file", lambda w, t: ["score", w.lj, "-o", _text(t, '{"id": "x"}\n', "f.jsonl")],
            "synthkit did not write it"),
    Refused("score-resume-other-metrics", lambda w, t: _scored_then(w, t, "signal"), "other settings (metrics"),
    Refused("score-resume-other-code", _scored_by_other_code, "written by other code (onnxruntime 0.0.1 ->"),
    Refused("score-unknown-metric", lambda w, t: ["score", w.lj, "-o", t / "s.jsonl", "--metrics", "mos"],
            "unknown metric 'mos'"),
    Refused("score-speaker-ref-missing", lambda w, t: ["score", w.lj, "-o", t / "s.jsonl", "--speaker-ref",
                                                       t / "none.wav"], "is not a file"),
    Refused("score-model-bad-spec", lambda w, t: ["score", w.lj, "-o", t / "s.jsonl", "--model", "mos=x"],
            "expected METRIC=NAME_OR_PATH"),
    Refused("score-workers-0", lambda w, t: ["score", w.lj, "-o", t / "s.jsonl", "--workers", "0"],
            "'--workers': 0 is not in the range"),
    # filter
    Refused("filter-over-its-input", lambda w, t: ["filter", _kept(w, t), "-o", t / "f"], "is an input"),
    Refused("filter-out-is-file", lambda w, t: ["filter", w.lj, "-o", _text(t, "x", "f")], "not a folder"),
    Refused("filter-policy-missing", lambda w, t: ["filter", w.lj, "--policy", t / "p.yaml", "-o", t / "f"],
            "p.yaml"),
    Refused("filter-policy-unknown-key", lambda w, t: ["filter", w.lj, "--policy", _yaml(t, "clip:\n  snr: {min: 5}\n"),
                                                       "-o", t / "f"], "snr"),
    Refused("filter-policy-nan", lambda w, t: ["filter", w.lj, "--policy", _yaml(t, "clip:\n  snr_db: {min: .nan}\n"),
                                               "-o", t / "f"], "snr_db"),
    # check
    Refused("check-scores-over-manifest", lambda w, t: ["check", w.lj, "--scores", w.lj, "--quiet"], "is an input"),
    Refused("check-junit-over-manifest", lambda w, t: ["check", w.lj, "--junit", w.lj, "--quiet"], "is an input"),
    Refused("check-junit-over-input-wav", lambda w, t: ["check", w.lj, "--junit", w.lj.parent / "wavs" /
                                                        f"{ljspeech_items(1)[0][0]}.wav", "--quiet"], "is an input"),
    Refused("check-junit-over-policy", lambda w, t: ["check", w.lj, "--policy", w.policy, "--junit", w.policy,
                                                     "--quiet"], "the policy"),
    Refused("check-report-holds-inputs", _report_with_inputs, "holds an input"),
    Refused("check-junit-equals-scores", lambda w, t: ["check", w.lj, "--junit", t / "x", "--scores", t / "x",
                                                       "--quiet"], "would write the same files"),
    Refused("check-missing-manifest", lambda w, t: ["check", t / "m.jsonl", "--quiet"], "manifest not found"),
    Refused("check-empty-manifest", lambda w, t: ["check", _text(t, "", "m.jsonl"), "--quiet"], "holds no rows"),
    Refused("check-no-rows", lambda w, t: ["check", _text(t, "garbage\n[1]\n", "m.jsonl"), "--quiet"], "no line of"),
    # diversity
    Refused("diversity-missing-manifest", lambda w, t: ["diversity", t / "m.jsonl"], "manifest not found"),
    Refused("diversity-per-speaker-0", lambda w, t: ["diversity", w.lj, "--per-speaker", "0"],
            "'--per-speaker': 0 is not in the range"),
    # degrade
    Refused("degrade-preset-nan", lambda w, t: ["degrade", w.lj, "--out", t / "o", "--preset", _yaml(
        t, "steps:\n  - {type: noise, snr_db: [.nan, 10]}\n")], "expected finite numbers"),
    Refused("degrade-preset-unknown", lambda w, t: ["degrade", w.lj, "--out", t / "o", "--preset", "storm"],
            "neither a preset"),
    Refused("degrade-out-inside-input-folder", lambda w, t: ["degrade", w.fold, "--out", w.fold / "o"], "overlaps"),
    Refused("degrade-out-holds-referenced-audio", _manifest_in_out, "holds wavs/ but no run.json"),
    Refused("degrade-sample-rate-100", lambda w, t: ["degrade", w.lj, "--out", t / "o", "--sample-rate", "100"],
            "outside 8000-48000"),
    Refused("degrade-noise-dir-missing", lambda w, t: ["degrade", w.lj, "--out", t / "o", "--noise-dir", t / "n"],
            "does not exist"),
    Refused("degrade-input-not-manifest", lambda w, t: ["degrade", _text(t, "x", "a.txt"), "--out", t / "o"],
            "neither a folder of audio nor"),
    Refused("degrade-out-proc", lambda w, t: ["degrade", w.lj, "--out", "/proc/x", "--preset", w.gain],
            "cannot write in /proc"),
    # restore
    Refused("restore-device-tpu9", lambda w, t: ["restore", w.lj, "--out", t / "o", "--device", "tpu9"],
            "device 'tpu9' is not one synthkit knows"),
    Refused("restore-device-cuda-on-cpu-torch", lambda w, t: ["restore", w.lj, "--out", t / "o", "--device", "cuda"],
            "torch sees no GPU"),
    Refused("restore-min-similarity-2", lambda w, t: ["restore", w.lj, "--out", t / "o", "--min-speaker-similarity",
                                                      "2"], "must be in [0, 1]"),
    Refused("restore-min-similarity-nan", lambda w, t: ["restore", w.lj, "--out", t / "o", "--min-speaker-similarity",
                                                        "nan"], "must be in [0, 1]"),
    Refused("restore-checkpoint-not-bundle", lambda w, t: ["restore", w.lj, "--out", t / "o", "--checkpoint",
                                                           _text(t, "x", "c.pt")], "c.pt"),
    Refused("restore-out-is-input-folder", lambda w, t: ["restore", w.fold, "--out", w.fold], "overlaps"),
    # restore-train
    Refused("train-config-missing", lambda w, t: ["restore-train", "--config", t / "c.yaml"], "is not a file"),
    Refused("train-config-unknown-key", lambda w, t: ["restore-train", "--config", _train_cfg(w, t, "epochs: 3\n")],
            "unknown key(s) 'epochs'"),
    Refused("train-device-tpu9", lambda w, t: ["restore-train", "--config", _train_cfg(w, t), "--device", "tpu9"],
            "device 'tpu9' is not one synthkit knows"),
    Refused("train-degrade-nan", lambda w, t: ["restore-train", "--config", _train_cfg(
        w, t, "degrade:\n  steps:\n    - {type: gain, gain_db: [.nan, 0]}\n")], "expected finite numbers"),
    Refused("train-run-dir-inside-speech", lambda w, t: ["restore-train", "--config", _train_cfg(w, t),
                                                         "--run-dir", w.lj.parent / "wavs" / "run"], "overlaps"),
    # languages, doctor
    Refused("languages-unknown-code", lambda w, t: ["languages", "--resolve", "qqq"], "unknown language 'qqq'"),
    Refused("languages-unknown-option", lambda w, t: ["languages", "--all"], "No such option"),
    Refused("doctor-extra-argument", lambda w, t: ["doctor", "now"], "Got unexpected extra argument"),
    Refused("unknown-command", lambda w, t: ["synthesize"], "No such command 'synthesize'"),
]


def _edited(w: World, tmp: Path, **changes) -> Path:
    rows = [json.loads(line) for line in w.sw.read_text().splitlines()]
    rows[0].update(changes)
    m = tmp / "edited.jsonl"
    m.write_text(_lines(rows))
    for d in ("wavs",):  # the edited manifest names the corpus's audio where it is
        (tmp / d).symlink_to(w.sw.parent / d)
    return m


def _kept(w: World, tmp: Path) -> Path:
    assert invoke("filter", w.lj, "--policy", w.policy, "-o", tmp / "f").exit_code == 0
    return tmp / "f" / "kept.jsonl"


def test_table_is_large():
    kinds = {c.id for c in REFUSED} | {c.id for c in ROW_CASES} | {f"usage-{c}" for c in COMMANDS}
    assert len(kinds) == len(REFUSED) + len(ROW_CASES) + len(COMMANDS) >= 60


def assert_refused(res, fragment: str) -> None:
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert res.exit_code == 2, (res.exit_code, res.stderr, res.stdout)
    assert len(lines) == 1 and lines[0].startswith("synthkit: error: "), res.stderr
    assert fragment in lines[0], (fragment, lines[0])


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_refused_before_any_work(world, tmp_path, case):
    argv = case.argv(world, tmp_path)
    before = snapshot(world.root, tmp_path)
    res = invoke(*argv)
    assert_refused(res, case.fragment)
    assert snapshot(world.root, tmp_path) == before  # no input changed, no output written


COMMANDS = ("synth", "donors", "regen", "export", "score", "filter", "check", "diversity", "degrade", "restore",
            "restore-train", "languages", "doctor")


@pytest.mark.parametrize("command", COMMANDS)
def test_usage_errors_are_one_line(command, tmp_path):
    res = invoke(command, "--no-such-option")
    assert_refused(res, "No such option")
    assert f"{command} --help" in res.stderr
    assert not any(tmp_path.iterdir())


# --- rejected rows: a reason each, and the good rows still processed ---------------------------------

def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def runs(world, tmp_path_factory):
    """Each command once over the mixed manifest (or the folder); its outputs by name."""
    out = tmp_path_factory.mktemp("runs")
    done: dict[str, Path] = {}

    def run(name: str, *argv, ok=(0,)):
        if name not in done:
            before = snapshot(world.mix.parent, world.fold)
            res = invoke(*argv)
            assert res.exit_code in ok, (name, res.exit_code, res.output)
            assert snapshot(world.mix.parent, world.fold) == before, name  # inputs untouched
            done[name] = out / name
        return done[name]

    def get(name: str) -> Path:
        p = out / name
        m = world.mix
        if name == "export":
            return run(name, "export", m, "--format", "nemo", "--out", p, "--quiet")
        if name == "degrade":
            return run(name, "degrade", m, "--out", p, "--preset", world.gain, "--quiet")
        if name == "restore":
            return run(name, "restore", m, "--out", p, "--no-scores", "--quiet")
        if name == "degrade-folder":
            return run(name, "degrade", world.fold, "--out", p, "--preset", world.gain, "--quiet")
        if name == "restore-folder":
            return run(name, "restore", world.fold, "--out", p, "--no-scores", "--quiet")
        if name == "score":
            run(name, "score", m, "-o", p / "scored.jsonl", "--metrics", "signal", "--quiet")
            return p
        if name == "check":
            run(name, "check", m, "--policy", world.policy, "--scores", p / "scored.jsonl", "--quiet", ok=(0, 1))
            return p
        if name == "filter":
            scored = get("score") / "scored.jsonl"
            bom = p / "in" / "scored.jsonl"
            bom.parent.mkdir(parents=True)
            bom.write_text(BOM + scored.read_text(encoding="utf-8"), encoding="utf-8")
            run(name, "filter", bom, "--policy", world.policy, "-o", p / "f")
            return p / "f"
        raise KeyError(name)

    return get


def _rejects(folder: Path) -> dict[str, str]:
    out = {}
    for r in _rows(folder / "rejects.jsonl"):
        reason = r.get("reason") or "; ".join(r.get("reasons") or [])
        out[str(r.get("id"))] = reason
    return out


def _stage_rejected(name: str, rid: str, fragment: str):
    def check(get) -> None:
        folder = get(name)
        rejects = _rejects(folder)
        assert rid in rejects and fragment in rejects[rid], (rid, rejects)
        kept = {r["id"] for r in _rows(folder / "manifest.jsonl")}
        assert rid.removeprefix("dup:") not in kept or rid.startswith("dup:")
        assert {"first", "g1", "../g1", "last"} <= kept, kept  # the good rows, the BOM row first among them
    return check


def _bom_row(name: str, rows_file: str, dup_flagged: bool = False):
    """The first line (after the byte-order mark) is read as the good row it is, not rejected, and its
    id's later duplicate is not what took its place."""
    def check(get) -> None:
        rows = _rows(get(name) / rows_file)
        assert rows[0]["id"] == "first" and rows[0]["text"] != "DUPLICATE", rows[0]
        assert not rows[0].get("score_errors"), rows[0]
        if dup_flagged:  # score: the repeated id is written unscored, with the reason
            assert all(r.get("score_errors") for r in rows if r["id"] == "first" and r.get("text") == "DUPLICATE")
    return check


def _distinct_outputs(name: str):
    def check(get) -> None:
        folder = get(name)
        rows = {r["id"]: r for r in _rows(folder / "manifest.jsonl")}
        a, b = rows["g1"]["audio_filepath"], rows["../g1"]["audio_filepath"]
        assert a != b and ".." not in b.split("/"), (a, b)
        assert (folder / a).resolve().parent == (folder / "wavs").resolve()
        assert (folder / b).resolve().parent == (folder / "wavs").resolve()
        x, y = sf.read(folder / a)[0], sf.read(folder / b)[0]
        assert x.shape != y.shape or not np.array_equal(x, y)  # each is its own clip
    return check


def _export_rejected(rid: str, fragment: str):
    def check(get) -> None:
        folder = get("export")
        rejects = _rejects(folder)
        assert rid in rejects and fragment in rejects[rid], (rid, rejects)
        exported = [r["id"] for r in _rows(folder / "train.jsonl")]
        assert exported == ["first", "g1", "../g1", "last"], exported
    return check


def _folder_rejected(name: str, rid: str, fragment: str):
    def check(get) -> None:
        folder = get(name)
        rejects = _rejects(folder)
        assert rid in rejects and fragment in rejects[rid], (rid, rejects)
        assert {r["id"] for r in _rows(folder / "manifest.jsonl")} == {"clip0", "clip1", "sub/inner"}
    return check


def _score_row(rid: str, fragment: str | None, index: int | None = None):
    def check(get) -> None:
        rows = _rows(get("score") / "scored.jsonl")
        assert len(rows) == 10  # every input line has its output row
        matching = [r for r in rows if r["id"] == rid]
        row = matching[index or 0]
        if fragment is None:
            assert not row.get("score_errors") and "rms_dbfs" in row, row
        else:
            assert any(fragment in e for e in row.get("score_errors") or []), row
    return check


def _check_listed(rid: str, fragment: str):
    def check(get) -> None:
        folder = get("check")
        rows = {}
        for r in _rows(folder / "scored.jsonl"):
            rows.setdefault(r["id"], r)
        if fragment is None:
            assert not rows[rid].get("score_errors"), rows[rid]
        else:
            assert any(fragment in e for e in rows[rid].get("score_errors") or []), rows[rid]
    return check


def _filter_bom(get) -> None:
    folder = get("filter")
    kept = _rows(folder / "kept.jsonl")
    assert kept[0]["id"] == "first" and kept[0]["text"] != "DUPLICATE", kept[0]  # the row after the byte-order mark
    rejected = {r.get("id") for r in _rows(folder / "rejected.jsonl")}
    assert {"nan", "inf", "trunc", "num", "loop"} <= rejected


@dataclass(frozen=True)
class RowCase:
    id: str
    check: Callable


ROW_CASES: list[RowCase] = [
    RowCase("export-nan-samples", _export_rejected("nan", "NaN or infinite samples")),
    RowCase("export-inf-samples", _export_rejected("inf", "NaN or infinite samples")),
    RowCase("export-truncated-wav", _export_rejected("trunc", "truncated WAV")),
    RowCase("export-audio-filepath-number", _export_rejected("num", "audio_filepath is not a path: 123")),
    RowCase("export-symlink-loop", _export_rejected("loop", "audio file not found")),
    RowCase("export-duplicate-id", _export_rejected("first", "duplicate id")),
    RowCase("degrade-nan-samples", _stage_rejected("degrade", "nan", "non-finite")),
    RowCase("degrade-truncated-wav", _stage_rejected("degrade", "trunc", "truncated WAV")),
    RowCase("degrade-audio-filepath-number", _stage_rejected("degrade", "num", "audio_filepath is not a path: 123")),
    RowCase("degrade-symlink-loop-row", _stage_rejected("degrade", "loop", "cannot read audio file")),
    RowCase("degrade-duplicate-id", _stage_rejected("degrade", "dup:first", "duplicate id")),
    RowCase("degrade-ids-g1-and-dotdot-g1", _distinct_outputs("degrade")),
    RowCase("degrade-folder-file-link-loop", _folder_rejected("degrade-folder", "self", "symbolic-link loop")),
    RowCase("degrade-folder-broken-link", _folder_rejected("degrade-folder", "broken", "broken symbolic link")),
    RowCase("degrade-folder-folder-link-loop", _folder_rejected("degrade-folder", "sub/up", "symbolic-link loop")),
    RowCase("restore-nan-samples", _stage_rejected("restore", "inf", "non-finite")),
    RowCase("restore-truncated-wav", _stage_rejected("restore", "trunc", "truncated WAV")),
    RowCase("restore-audio-filepath-number", _stage_rejected("restore", "num", "audio_filepath is not a path: 123")),
    RowCase("restore-symlink-loop-row", _stage_rejected("restore", "loop", "cannot read audio file")),
    RowCase("restore-duplicate-id", _stage_rejected("restore", "dup:first", "duplicate id")),
    RowCase("restore-ids-g1-and-dotdot-g1", _distinct_outputs("restore")),
    RowCase("restore-folder-file-link-loop", _folder_rejected("restore-folder", "self", "symbolic-link loop")),
    RowCase("restore-folder-folder-link-loop", _folder_rejected("restore-folder", "sub/up", "symbolic-link loop")),
    RowCase("score-bom-first-row", _bom_row("score", "scored.jsonl", dup_flagged=True)),
    RowCase("score-duplicate-id", _score_row("first", "duplicate id 'first'", index=1)),
    RowCase("score-truncated-wav", _score_row("trunc", "truncated WAV")),
    RowCase("score-audio-filepath-number", _score_row("num", "not a string")),
    RowCase("check-bom-first-row", _bom_row("check", "scored.jsonl")),
    RowCase("export-bom-first-row", _bom_row("export", "train.jsonl")),
    RowCase("degrade-bom-first-row", _bom_row("degrade", "manifest.jsonl")),
    RowCase("restore-bom-first-row", _bom_row("restore", "manifest.jsonl")),
    RowCase("check-truncated-wav", _check_listed("trunc", "truncated WAV")),
    RowCase("filter-bom-first-row", _filter_bom),
]


@pytest.mark.parametrize("case", ROW_CASES, ids=[c.id for c in ROW_CASES])
def test_bad_row_rejected_good_rows_processed(runs, case):
    case.check(runs)


def test_restored_names_stay_inside_out(world, tmp_path):
    """The output of an id with ``..`` lies inside ``--out/wavs`` and names the id's hash, not its parent."""
    from synthkit.restore.corpus import output_rel

    names = {uid: output_rel(uid) for uid in ("g1", "../g1", "/g1", "a/../../g1", ".hidden", "a/b", "a\\b", "",
                                               "x" * 300, "sp ace/ü")}
    assert names["g1"] == "wavs/g1.wav" and names["a/b"] == "wavs/a/b.wav" and names["sp ace/ü"] == "wavs/sp ace/ü.wav"
    assert len(set(names.values())) == len(names)
    for uid, rel in names.items():
        parts = rel.split("/")
        assert parts[0] == "wavs" and ".." not in parts and all(parts) and not parts[-1].startswith("."), (uid, rel)
        assert all(len(p.encode()) < 255 for p in parts), (uid, rel)

