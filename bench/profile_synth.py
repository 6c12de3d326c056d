"""Where `synthkit synth`'s time goes: each step timed on its own, in one process, on the same clips.

    .venv/bin/python bench/profile_synth.py [--sentences 100 --voices 2 --repeats 5]

Per clip (worker side), per sentence (driver side) and per run (start-up), in CPU milliseconds of
this process (``resource.getrusage``: user + system), the median of interleaved repeats, so a busy
machine disturbs the figures less than wall time would. Rendering is timed three ways: a freshly
loaded library per clip (what synthkit did before), the state-restored library (what it does now),
and one persistent library that is never reset (what a bare loop does; its clips are not
reproducible). Start-up costs are measured in fresh interpreters. The table goes into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import machine, python_env, update_section  # noqa: E402


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _fresh_cpu(code: str) -> float:
    """CPU seconds of ``python -c code`` (interpreter start-up included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], env=python_env(), check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=100)
    ap.add_argument("--voices", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "recipes" / "swahili"))
    from make_text import sentences

    from synthkit.audio import float_to_int16, int16_to_float, resample, save_wav
    from synthkit.augment import Augmenter, load_augment
    from synthkit.languages import resolve
    from synthkit.manifest import ManifestWriter
    from synthkit.rng import derive_seed
    from synthkit.synth import Job, SynthConfig, _init_worker, _process, prepare
    from synthkit.text.g2p import make_g2p
    from synthkit.text.normalize import normalize
    from synthkit.tts import espeak_lib

    from bench_synth import bare_jobs

    tmp = Path(tempfile.mkdtemp(prefix="synthkit-profile-"))
    text = tmp / "text.txt"
    text.write_text("\n".join(sentences(args.sentences)) + "\n", encoding="utf-8")
    lines = text.read_text(encoding="utf-8").splitlines()
    clips = bare_jobs(text, args.voices)  # (text, voice identifier, rate, pitch, pitch range) per clip
    n_clips = len(clips)
    choice = resolve("sw")
    g2p = make_g2p(choice.g2p)
    pristine = espeak_lib._pristine_copy()
    assert pristine is not None, "the restore mechanism is not available here"
    light = Augmenter(load_augment("light"))
    import ctypes  # a persistent library of its own (espeak_lib.session holds a lock while open)

    persistent_lib = ctypes.CDLL(espeak_lib._private_library("profile"))
    espeak_lib._initialize(persistent_lib, True)
    persistent = espeak_lib._Session(persistent_lib)

    def render(mode):
        out = []
        for t, v, r, p, g in clips:
            if mode == "fresh":
                out.append(espeak_lib._synthesize_fresh(t, v, r, p, g, False, 0))
            elif mode == "restored":
                out.append(pristine.synthesize(t, v, r, p, g, False, 0))
            elif mode == "restored-no-events":
                out.append(pristine.synthesize(t, v, r, p, g, False, 0, events=False))
            else:
                out.append(persistent.synthesize(t, v, r, p, g, False, 0))
        return out

    rendered = render("restored")
    floats = [resample(int16_to_float(x.samples), x.sample_rate, 16000) for x in rendered]
    texts = [normalize(line, choice.iso639_3, choice.iso639_1, choice.script, 1000) for line in lines]
    jobs = [Job(i, line, t, tuple(tuple(w) for w in g2p.phonemize(t)), tuple(range(args.voices)))
            for i, (line, t) in enumerate(zip(lines, texts), 1)]

    def restore_only():
        saved = list(pristine.voices.values())
        for i in range(n_clips):
            pristine.copy.restore(saved[i % len(saved)])

    def write_wavs(rep):
        wavs = tmp / f"wavs-{rep}"
        wavs.mkdir()
        for i, y in enumerate(floats):
            save_wav(wavs / f"{i}.wav", float_to_int16(y), 16000)

    done: list = []

    def worker_step(rep):
        out = tmp / f"out-{rep}"
        _init_worker(prepare(SynthConfig(language="sw", text_path=text, out_dir=out, voices=args.voices,
                                         augment=load_augment("none"), progress=False)))
        (out / "wavs").mkdir(parents=True)
        t0 = _cpu()
        done[:] = [_process(j) for j in jobs]
        return _cpu() - t0

    def pickling():
        for j, d in zip(jobs, done):
            pickle.loads(pickle.dumps(j))
            pickle.loads(pickle.dumps(d))

    def writing(rep):
        with ManifestWriter(tmp / f"m-{rep}.jsonl") as rows, ManifestWriter(tmp / f"r-{rep}.jsonl") as rejects:
            t0 = _cpu()
            for d in done:
                rows.write_lines(d.rows)
                rejects.write_lines(d.rejects)
            return _cpu() - t0

    steps = {  # name -> (function of the repeat's number, divided by)
        "render: fresh library per clip (before)": (lambda rep: render("fresh"), n_clips),
        "render: state restored (now)": (lambda rep: render("restored"), n_clips),
        "  of which the restore itself": (lambda rep: restore_only(), n_clips),
        "render: state restored, phoneme events not gathered (synth, rows without a donor)": (
            lambda rep: render("restored-no-events"), n_clips),
        "render: persistent library, never reset (bare loop)": (lambda rep: render("persistent"), n_clips),
        "int16 to float, resample 22.05 to 16 kHz": (
            lambda rep: [resample(int16_to_float(x.samples), x.sample_rate, 16000) for x in rendered], n_clips),
        "augmentation, default preset (light)": (
            lambda rep: [light.apply(y, 16000, derive_seed(0, str(i))) for i, y in enumerate(floats)], n_clips),
        "float to int16, WAV write": (write_wavs, n_clips),
        "whole worker step with `--augment none` (render, resample, WAV, row)": (worker_step, n_clips),
        "normalization (driver)": (
            lambda rep: [normalize(line, choice.iso639_3, choice.iso639_1, choice.script, 1000) for line in lines],
            len(lines)),
        "G2P, phonemizer (driver)": (lambda rep: [g2p.phonemize(t) for t in texts], len(lines)),
        "job to a worker and its rows back (pickling both ways)": (lambda rep: pickling(), len(lines)),
        "writing rows (driver)": (writing, len(lines)),
    }
    results: dict[str, list[float]] = {k: [] for k in steps}
    for rep in range(args.repeats):
        for name, (fn, count) in steps.items():
            t0 = _cpu()
            inner = fn(rep)  # steps with set-up of their own return their own CPU seconds
            spent = inner if isinstance(inner, float) else _cpu() - t0
            results[name].append(spent * 1000 / count)
    shutil.rmtree(tmp, ignore_errors=True)

    start = {
        "driver: interpreter, `synthkit.synth` and CLI imports": _fresh_cpu("import synthkit.cli, synthkit.synth"),
        "driver: + language resolution, G2P set-up (phonemizer)": _fresh_cpu(
            "import synthkit.cli, synthkit.synth\nfrom synthkit.languages import resolve\n"
            "from synthkit.text.g2p import make_g2p\nmake_g2p(resolve('sw').g2p)"),
        "worker, spawned (forked workers inherit the driver's imports): interpreter, imports": _fresh_cpu(
            "import synthkit.synth, multiprocessing.spawn"),
        "worker: + espeak-ng set-up (voice list, restorable copy, self-check)": _fresh_cpu(
            "import synthkit.synth\nfrom synthkit.tts import espeak_lib\nassert espeak_lib.reuse_mode() == 'restore'"),
        "worker: + augmentation set-up, default preset (synthkit.transforms)": _fresh_cpu(
            "import synthkit.synth\nfrom synthkit.augment import Augmenter, load_augment\n"
            "Augmenter(load_augment('light'))"),
    }
    med = {k: statistics.median(v) for k, v in results.items()}
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    unit = {True: "per clip", False: "per sentence"}
    rows = ["| step | CPU ms | per |", "|---|---|---|"]
    for name, (_, count) in steps.items():
        rows.append(f"| {name} | {med[name]:.2f} | {unit[count == n_clips]} |")
    rows += ["", "| start-up (fixed per run) | CPU s |", "|---|---|"]
    rows += [f"| {k} | {v:.2f} |" for k, v in start.items()]
    before = med["render: fresh library per clip (before)"]
    now = med["render: state restored (now)"]
    bare = med["render: persistent library, never reset (bare loop)"]
    body = "\n".join([
        "## where synth's time goes (`bench/profile_synth.py`)",
        "",
        f"{args.sentences} Swahili sentences x {args.voices} voices ({n_clips} clips), 16 kHz; {machine()}; "
        f"load average {load}; CPU milliseconds of one process (user + system), median of {args.repeats} "
        "interleaved repeats. Start-up figures are fresh interpreters (CPU seconds, each line includes "
        "the one above it).",
        "",
        *rows,
        "",
        f"Rendering a clip from a pristine library costs {now:.2f} ms now against {before:.2f} ms with a "
        f"fresh library per clip ({before / now:.2f}x less) and {bare:.2f} ms for a library that is never "
        "reset. The rest of a worker's step is resampling, WAV writing and building the row; the "
        "driver's share (normalization, G2P, writing rows, pickling) runs beside the workers.",
    ])
    if not args.no_write:
        update_section("synth-profile", body)
    print(body)


if __name__ == "__main__":
    main()
