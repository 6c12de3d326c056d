"""`synthkit synth` throughput against a bare espeak-ng loop, side by side in one run.

    .venv/bin/python bench/bench_synth.py [--sentences 500]

Measures audio seconds produced per wall second for:
  * bare loop, 1 process: the same sentences, voices and prosody rendered through libespeak-ng
    alone (one persistent library, espeak-ng's own text input, soxr to 16 kHz, no files);
  * bare loop, 2 processes: the same, split over two processes;
  * the whole `synthkit synth` command, 2 workers, --augment none;
  * the whole `synthkit synth` command, 2 workers, default preset (light).
Whole-command times include interpreter start-up, G2P, writing WAVs and the manifest.
Peak memory is the summed RSS of the command's process tree. Results go into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import machine, python_env, run_measured, synthkit_cmd, update_section  # noqa: E402

TARGET_NONE, TARGET_AUG = 0.5, 0.2


def _bare_render(jobs: list[tuple[str, str, int, int, int]]) -> float:
    """Render with one persistent libespeak-ng (no per-clip reload); returns audio seconds."""
    import numpy as np

    from synthkit.audio import int16_to_float, resample
    from synthkit.tts import espeak_lib as E

    total = 0.0
    with E.session() as s:
        for text, voice, rate, pitch, rng in jobs:
            r = s.synthesize(text, voice, rate, pitch, rng, False, 0)
            y = resample(int16_to_float(r.samples), r.sample_rate, 16000)
            total += y.size / 16000
            np.asarray(y)
    return total


def bare_jobs(text: Path) -> list[tuple[str, str, int, int, int]]:
    """The sentences with the voices `synthkit synth --voices 1 --seed 0` would use, espeak's own text input."""
    from synthkit.languages import resolve
    from synthkit.rng import seeded_random
    from synthkit.synth import sentence_id
    from synthkit.text.normalize import normalize
    from synthkit.tts.espeak import sample_voices

    choice = resolve("sw")
    jobs = []
    for n, line in enumerate(text.read_text(encoding="utf-8").splitlines(), 1):
        t = normalize(line, choice.iso639_3, choice.iso639_1, choice.script)
        v = sample_voices(seeded_random(0, "voices", sentence_id(choice, n)), "sw", 1)[0]
        jobs.append((t, v.name, v.params["rate"], v.params["pitch"], v.params["pitch_range"]))
    return jobs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3, help="each measurement is the median of this many runs")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "recipes" / "swahili"))
    from make_text import sentences

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        text = tmp / "text.txt"
        text.write_text("\n".join(sentences(args.sentences)) + "\n", encoding="utf-8")
        jobs = bare_jobs(text)

        bare1s, bare2s = [], []
        results: dict[str, list] = {"none": [], "light (default)": []}
        for rep in range(args.repeats):  # interleaved, so drifts in machine load hit every side alike
            t0 = time.perf_counter()
            audio = _bare_render(jobs)
            bare1s.append(audio / (time.perf_counter() - t0))

            t0 = time.perf_counter()
            with mp.get_context("spawn").Pool(2) as pool:
                audio2 = sum(pool.map(_bare_render, [jobs[0::2], jobs[1::2]]))
            bare2s.append(audio2 / (time.perf_counter() - t0))

            for name, aug in (("none", "none"), ("light (default)", "light")):
                out = tmp / f"out-{aug}-{rep}"
                wall, peak, res = run_measured(
                    synthkit_cmd("synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--workers", "2",
                                 "--augment", aug, "--quiet", "--json"), env=python_env())
                if res.returncode != 0:
                    raise SystemExit(res.stderr)
                summary = json.loads(res.stdout)
                results[name].append((summary["total_audio_s"] / wall, wall, peak, summary["clips"]))

    bare1, bare2 = statistics.median(bare1s), statistics.median(bare2s)
    results = {k: sorted(v)[len(v) // 2] for k, v in results.items()}  # the median run (by speed)
    rows = [
        "| run | audio s / wall s | ratio to bare loop (1 proc) | ratio to bare loop (2 procs) | peak memory |",
        "|---|---|---|---|---|",
        f"| bare espeak-ng loop, 1 process | {bare1:.0f} | 1.00 | {bare1 / bare2:.2f} | – |",
        f"| bare espeak-ng loop, 2 processes | {bare2:.0f} | {bare2 / bare1:.2f} | 1.00 | – |",
    ]
    for name, (speed, wall, peak, clips) in results.items():
        rows.append(f"| `synthkit synth --workers 2 --augment {name.split()[0]}` ({clips} clips, {wall:.1f} s) | "
                    f"{speed:.0f} | **{speed / bare1:.2f}** | {speed / bare2:.2f} | {peak:.0f} MiB |")
    none_ratio = results["none"][0] / bare1
    aug_ratio = results["light (default)"][0] / bare1
    verdict = (f"Targets (ratio to the bare loop): ≥ {TARGET_NONE} without augmentation — "
               f"{'met' if none_ratio >= TARGET_NONE else 'NOT met'} ({none_ratio:.2f}); ≥ {TARGET_AUG} with the "
               f"default preset — {'met' if aug_ratio >= TARGET_AUG else 'NOT met'} ({aug_ratio:.2f}).")
    body = "\n".join([
        "## synth throughput (`bench/bench_synth.py`)",
        "",
        f"{args.sentences} Swahili sentences (`recipes/swahili/make_text.py`), 1 voice each, 16 kHz; {machine()};",
        f"each figure is the median of {args.repeats} interleaved runs.",
        "The bare loop renders the same sentences with the same voices and prosody through one persistent",
        "libespeak-ng (espeak-ng's own text input, soxr to 16 kHz, nothing written). `synthkit synth` is the",
        "whole command: start-up, normalization, phonemizer G2P, a freshly loaded library per clip (needed",
        "for reproducible audio, see `synthkit/tts/espeak_lib.py`), augmentation, WAV and manifest writing.",
        "",
        *rows,
        "",
        verdict,
    ])
    update_section("synth", body)
    print(body)


if __name__ == "__main__":
    main()
