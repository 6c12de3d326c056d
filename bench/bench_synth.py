"""`synthkit synth` throughput against a bare 2-process libespeak-ng loop, side by side in one run.

    .venv/bin/python bench/bench_synth.py [--sentences 600 --voices 2 --large 6000 --repeats 3]

For each corpus size (distinct Swahili sentences from ``recipes/swahili/make_text.py`` x voices), in
interleaved repeats so that drifts in machine load hit every side alike:

* **bare loop**: the same sentences, voices and prosody rendered by two processes, each with one
  libespeak-ng loaded once (the wheel's library, plain ctypes, espeak-ng reading the text), soxr to
  16 kHz, nothing written. This is what rendering costs without synthkit; its clips are *not*
  reproducible (espeak-ng's state carries over from clip to clip).
* **bare loop + WAV**: the same, also writing every clip as a 16-bit WAV file (the stdlib's ``wave``),
  which any corpus needs; not the target, it shows how much of the gap is the writing itself.
* **`synthkit synth --workers 2`**: the whole command (interpreter start-up, normalization, phonemizer
  G2P, rendering every clip from a pristine library, augmentation, WAV and manifest writing), with
  ``--augment none`` and with the default preset.

Reported per run: audio seconds per wall second and the ratio to the bare loop; CPU seconds of the
whole process tree (user + system; less disturbed by other jobs than wall time); peak memory (summed
RSS of the process tree). ``--memory-sizes`` adds peak-memory runs of ``--augment none`` at other
sizes (1 voice), to show that memory does not grow with the corpus. Results go into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import machine, python_env, run_measured, synthkit_cmd, update_section  # noqa: E402

TARGET_NONE, TARGET_AUG = 0.9, 0.5
SAMPLE_RATE = 16000


def _bare_render(jobs: list[tuple[str, str, int, int, int]], out: str | None = None) -> float:
    """Render ``jobs`` with one persistent libespeak-ng in this process; returns audio seconds. ``out``: a
    folder to write every clip into as 16-bit WAV (the stdlib's ``wave``), as a corpus needs."""
    import ctypes
    import wave

    import espeakng_loader
    import numpy as np
    import soxr

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    if lib.espeak_Initialize(2, 2000, espeakng_loader.get_data_path().encode(), 0x8000) != 22050:
        raise RuntimeError("espeak-ng did not initialize")
    chunks: list[bytes] = []

    def on_audio(wav, n, events):
        if n > 0:
            chunks.append(ctypes.string_at(wav, 2 * n))
        return 0

    callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)(on_audio)
    lib.espeak_SetSynthCallback(callback)
    total = 0.0
    for k, (text, voice, rate, pitch, pitch_range) in enumerate(jobs):
        lib.espeak_SetVoiceByName(voice.encode())
        for param, value in ((1, rate), (3, pitch), (4, pitch_range)):
            lib.espeak_SetParameter(param, value, 0)
        data = text.encode() + b"\0"
        lib.espeak_Synth(data, len(data), 0, 0, 0, 1, None, None)
        lib.espeak_Synchronize()
        x = np.frombuffer(b"".join(chunks), dtype=np.int16).astype(np.float32) / 32768
        chunks.clear()
        y = soxr.resample(x, 22050, SAMPLE_RATE, quality="HQ")
        total += y.size / SAMPLE_RATE
        if out is not None:
            with wave.open(os.path.join(out, f"{os.getpid()}-{k}.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(SAMPLE_RATE)
                w.writeframes((np.clip(y, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes())
    return total


def bare_jobs(text: Path, voices: int) -> list[tuple[str, str, int, int, int]]:
    """Every clip `synthkit synth --lang sw --voices N --seed 0` makes: (normalized text, espeak-ng voice
    identifier, rate, pitch, pitch range)."""
    from synthkit.languages import resolve
    from synthkit.rng import seeded_random
    from synthkit.synth import sentence_id
    from synthkit.text.normalize import normalize
    from synthkit.tts.espeak import sample_voices
    from synthkit.tts.espeak_lib import voice_identifier

    choice = resolve("sw")
    jobs = []
    for n, line in enumerate(text.read_text(encoding="utf-8").splitlines(), 1):
        t = normalize(line, choice.iso639_3, choice.iso639_1, choice.script)
        for v in sample_voices(seeded_random(0, "voices", sentence_id(choice, n)), "sw", voices):
            jobs.append((t, voice_identifier(v.name), v.params["rate"], v.params["pitch"], v.params["pitch_range"]))
    return jobs


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_bare(jobs, out: Path | None = None) -> tuple[float, float, float]:
    """(audio s, wall s, CPU s) of the bare loop over two spawned processes; ``out``: write the clips there."""
    if out is not None:
        out.mkdir(parents=True)
    cpu0, t0 = _children_cpu(), time.perf_counter()
    with mp.get_context("spawn").Pool(2) as pool:
        folder = None if out is None else str(out)
        audio = sum(pool.starmap(_bare_render, [(jobs[0::2], folder), (jobs[1::2], folder)]))
        pool.close()
        pool.join()
    return audio, time.perf_counter() - t0, _children_cpu() - cpu0


def run_synth(text: Path, out: Path, voices: int, augment: str) -> tuple[float, float, float, float, int]:
    """(audio s, wall s, CPU s, peak MiB, clips) of the whole `synthkit synth` command."""
    cpu0 = _children_cpu()
    wall, peak, res = run_measured(
        synthkit_cmd("synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--voices", str(voices),
                     "--workers", "2", "--augment", augment, "--quiet", "--json"), env=python_env())
    if res.returncode != 0:
        raise SystemExit(res.stderr)
    summary = json.loads(res.stdout)
    return summary["total_audio_s"], wall, _children_cpu() - cpu0, peak, summary["clips"]


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


#: 1-minute load average at the start of every measured run (other jobs share the CPUs)
_loads: list[float] = []


def measure(n: int, voices: int, repeats: int, tmp: Path) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "recipes" / "swahili"))
    from make_text import sentences

    text = tmp / f"text-{n}.txt"
    text.write_text("\n".join(sentences(n)) + "\n", encoding="utf-8")
    jobs = bare_jobs(text, voices)
    runs: dict[str, list] = {"bare": [], "bare_write": [], "none": [], "light": []}
    for rep in range(repeats):
        _loads.append(os.getloadavg()[0])
        audio, wall, cpu = run_bare(jobs)
        runs["bare"].append((audio / wall, wall, cpu, None, len(jobs)))
        _loads.append(os.getloadavg()[0])
        audio, wall, cpu = run_bare(jobs, tmp / f"bare-{n}-{rep}")  # kept until the end, as synth's (below)
        runs["bare_write"].append((audio / wall, wall, cpu, None, len(jobs)))
        for aug in ("none", "light"):
            _loads.append(os.getloadavg()[0])
            out = tmp / f"out-{n}-{aug}-{rep}"
            audio, wall, cpu, peak, clips = run_synth(text, out, voices, aug)
            # kept until the end: deleting 1,200 files here made the next runs pay the file system's
            # discard of them (sys time 0.4 -> 3 s per run on this machine's ext4, mounted with discard)
            runs[aug].append((audio / wall, wall, cpu, peak, clips))
            assert clips == len(jobs), (clips, len(jobs))
    return {k: sorted(v)[len(v) // 2] for k, v in runs.items()}  # the median run (by speed)


def table(n: int, voices: int, res: dict) -> list[str]:
    bare_speed, _, bare_cpu, _, clips = res["bare"]
    rows = [f"**{n} sentences x {voices} voices ({clips} clips)**", "",
            "| run | audio s / wall s | ratio to bare loop | wall | CPU s (all processes) | CPU ratio | peak memory |",
            "|---|---|---|---|---|---|---|",
            f"| bare libespeak-ng loop, 2 processes | {bare_speed:.0f} | 1.00 | {res['bare'][1]:.1f} s | "
            f"{bare_cpu:.1f} | 1.00 | – |"]
    speed, wall, cpu, _, _ = res["bare_write"]
    rows.append(f"| the bare loop + every clip written as 16-bit WAV (stdlib `wave`) | {speed:.0f} | "
                f"{speed / bare_speed:.2f} | {wall:.1f} s | {cpu:.1f} | {bare_cpu / cpu:.2f} | – |")
    for aug, label in (("none", "none"), ("light", "light (default)")):
        speed, wall, cpu, peak, _ = res[aug]
        rows.append(f"| `synthkit synth --workers 2 --augment {aug}` | {speed:.0f} | **{speed / bare_speed:.2f}** | "
                    f"{wall:.1f} s | {cpu:.1f} | {bare_cpu / cpu:.2f} | {peak:.0f} MiB |")
    return rows


def startup(tmp: Path) -> tuple[float, float]:
    """(wall s, CPU s) of `synthkit synth` on one sentence, 2 workers: the fixed cost of a run."""
    text = tmp / "one.txt"
    text.write_text("Habari ya asubuhi, rafiki yangu.\n", encoding="utf-8")
    walls, cpus = [], []
    for i in range(3):
        _, wall, cpu, _, _ = run_synth(text, tmp / f"one-{i}", 1, "none")
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def memory_runs(sizes: list[int], tmp: Path) -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "recipes" / "swahili"))
    from make_text import sentences

    rows = ["| sentences (1 voice, `--augment none`, 2 workers) | clips | wall | peak memory |", "|---|---|---|---|"]
    for n in sizes:
        text = tmp / f"mem-{n}.txt"
        text.write_text("\n".join(sentences(n)) + "\n", encoding="utf-8")
        _loads.append(os.getloadavg()[0])
        _, wall, _, peak, clips = run_synth(text, tmp / f"mem-{n}", 1, "none")
        rows.append(f"| {n} | {clips} | {wall:.1f} s | {peak:.0f} MiB |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=600)
    ap.add_argument("--large", type=int, default=6000, help="a second, larger corpus (0: none)")
    ap.add_argument("--voices", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3, help="each figure is the median of this many runs")
    ap.add_argument("--memory-sizes", default="1200,12000", help="sentences per peak-memory run ('' for none)")
    ap.add_argument("--no-write", action="store_true", help="print, do not update BENCHMARKS.md")
    args = ap.parse_args()
    load_before = _load()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start_wall, start_cpu = startup(tmp)
        sizes = [args.sentences] + ([args.large] if args.large else [])
        results = {n: measure(n, args.voices, args.repeats, tmp) for n in sizes}
        mem = memory_runs([int(s) for s in args.memory_sizes.split(",") if s], tmp) if args.memory_sizes else []
    load_after = _load()
    lines = [
        "## synth throughput (`bench/bench_synth.py`)",
        "",
        f"Swahili sentences from `recipes/swahili/make_text.py` (all distinct), {args.voices} voices each, 16 kHz; "
        f"{machine()}; load average (1/5/15 min) {load_before} before, {load_after} after, 1-min load at the "
        f"start of each run {min(_loads):.1f}-{max(_loads):.1f} (median {statistics.median(_loads):.1f}: the "
        f"CPUs were shared with other jobs); each figure is the median of {args.repeats} runs, the sides "
        f"interleaved (bare, bare + WAV, none, light, bare, ...) so that load hits them alike.",
        "The bare loop renders the same clips (same text, voices, prosody) with one libespeak-ng per process, "
        "loaded once, soxr to 16 kHz, nothing written; its clips depend on the clips before them. `synthkit "
        "synth` is the whole command: start-up, normalization, phonemizer G2P, every clip rendered from a "
        "pristine library (state restored, `synthkit/tts/espeak_state.py`), augmentation, WAV and manifest "
        "writing. Wall-clock ratios are the targets; CPU seconds are less disturbed by other jobs.",
        f"Fixed cost of a run (`synthkit synth` on one sentence, 2 workers): {start_wall:.2f} s wall, "
        f"{start_cpu:.2f} CPU s.",
        "",
    ]
    for n in sizes:
        lines += table(n, args.voices, results[n]) + [""]
    if mem:
        lines += ["Peak memory against corpus size:", "", *mem, ""]
    big = results[sizes[-1]]
    none_ratio = big["none"][0] / big["bare"][0]
    aug_ratio = big["light"][0] / big["bare"][0]
    lines.append(
        f"Targets at {sizes[-1]} sentences (ratio to the bare loop): ≥ {TARGET_NONE} without augmentation — "
        f"{'met' if none_ratio >= TARGET_NONE else 'NOT met'} ({none_ratio:.2f}); ≥ {TARGET_AUG} with the default "
        f"preset — {'met' if aug_ratio >= TARGET_AUG else 'NOT met'} ({aug_ratio:.2f}). Against the bare loop "
        f"that also writes its clips: `none` {big['none'][0] / big['bare_write'][0]:.2f}, `light` "
        f"{big['light'][0] / big['bare_write'][0]:.2f} (not the target; it shows how much of the gap is the "
        "writing of the corpus itself).")
    body = "\n".join(lines)
    if not args.no_write:
        update_section("synth", body)
    print(body)


if __name__ == "__main__":
    main()
