"""`synthkit score` throughput per metric, side by side with DNSMOS alone, in one run; and CER scoring
with Whisper base against tiny.en on short clips.

    .venv/bin/python bench/bench_score.py [--copies 2] [--workers 2] [--part all|metrics|asr]

Part ``asr`` (section ``score_asr``): the LJSpeech clips of 2-5 s, listed ``--asr-copies`` times, scored
with ``--metrics cer`` by Whisper tiny.en and by Whisper base (clip-length context, batches of 8), base
one row at a time (``--batch-size 1``), base with 30-s context (Whisper's own padding, what faster-whisper
costs), and base with ``cer,lid`` (one encoder pass for both). Target: base ≥ 10 audio s per wall s.

Corpus: the 141 real LJSpeech recordings in ../shared/data (22.05 kHz FLAC, 17.9 min), listed
``--copies`` times under distinct ids. Each measurement is the whole command
``synthkit score MANIFEST -o OUT --metrics M --workers 2`` (start-up, model loading in every worker,
decoding, resampling, writing the scored manifest), reported as audio seconds scored per wall second.
Runs are interleaved metric by metric, so drifts in machine load hit every side alike; with
``--repeats`` > 1 each figure is the median. CPU seconds (user + system, command and workers) are
reported too: on a machine other jobs share, wall time moves with their load, CPU time much less.
Metrics whose weights are not available offline (utmos,
nisqa, squim, per) are listed as not measured. Results go into BENCHMARKS.md.

    .venv/bin/python bench/bench_score.py --short [--repeats 3]

DNSMOS on short clips (its own section): 600 espeak-ng clips that ``synthkit synth`` makes from the
200 Swahili sentences of ``recipes/swahili/text.txt`` with ``--voices 3`` (median about 3 s: each costs
a whole 9-s DNSMOS window), scored with synthkit's DNSMOS (:class:`synthkit.quality.mos.Dnsmos`) and
with the reference computation it replaced (torchmetrics' function, ``--model dnsmos=torchmetrics``),
interleaved, alone and after the default set; the two paths' scores are compared row by row.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import ROOT, machine, python_env, run_measured, synthkit_cmd, update_section  # noqa: E402

LJSPEECH = ROOT.parent / "shared" / "data" / "speech" / "ljspeech"
TARGET_RATIO, TARGET_RT = 0.7, 50.0
RUNS = [  # (label, --metrics)
    ("dnsmos (DNSMOS alone)", "dnsmos"),
    ("default set", "default"),
    ("default + dnsmos", "default,dnsmos"),
    ("signal group (6 measures)", "signal"),
    ("duration", "duration"),
    ("peak_dbfs", "peak_dbfs"),
    ("clipping", "clipping"),
    ("rms_dbfs", "rms_dbfs"),
    ("snr_db", "snr_db"),
    ("bandwidth_hz", "bandwidth_hz"),
    ("speech_ratio", "speech_ratio"),
    ("srmr", "srmr"),
    ("cer (faster-whisper tiny.en)", "cer"),
    ("speaker_sim (Resemblyzer)", "speaker_sim"),
]
NOT_MEASURED = "utmos, nisqa, squim, per (their weights need a download; loaders are tested on tiny random models)"


def _children_cpu() -> float:
    """User + system CPU seconds of all waited-for descendants (the command and its worker processes)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def write_manifest(path: Path, copies: int) -> float:
    """The LJSpeech clips ``copies`` times; returns the total audio seconds."""
    import soundfile as sf

    rows, total = [], 0.0
    ref = None
    for line in (LJSPEECH / "metadata.csv").read_text(encoding="utf-8").splitlines():
        uid, text, _ = line.split("|")
        wav = LJSPEECH / "wavs" / f"{uid}.flac"
        ref = ref or str(wav)
        dur = sf.info(str(wav)).duration
        for k in range(copies):
            rows.append({"id": f"{uid}-{k}", "audio_filepath": str(wav), "duration": round(dur, 4), "text": text,
                         "language": "eng", "speaker": "LJ", "speaker_ref": ref})
            total += dur
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return total


SHORT = (2.0, 5.0)  # seconds: the short clips of the ASR part
ASR_RUNS = [  # (label, extra arguments)
    ("tiny.en", ["--metrics", "cer", "--asr", "faster-whisper:tiny.en"]),
    ("base", ["--metrics", "cer", "--asr", "faster-whisper:base"]),
    ("base, one row at a time (`--batch-size 1`)", ["--metrics", "cer", "--asr", "faster-whisper:base",
                                                    "--batch-size", "1"]),
    ("base, 30-s context (`--asr-context 30s`)", ["--metrics", "cer", "--asr", "faster-whisper:base",
                                                  "--asr-context", "30s"]),
    ("base, `cer,lid`", ["--metrics", "cer,lid", "--asr", "faster-whisper:base"]),
]
TARGET_BASE = 10.0


def write_short_manifest(path: Path, copies: int) -> tuple[float, int]:
    """The LJSpeech clips of 2-5 s, ``copies`` times; returns (audio seconds, clips)."""
    import soundfile as sf

    rows, total = [], 0.0
    for line in (LJSPEECH / "metadata.csv").read_text(encoding="utf-8").splitlines():
        uid, text, _ = line.split("|")
        wav = LJSPEECH / "wavs" / f"{uid}.flac"
        dur = sf.info(str(wav)).duration
        if SHORT[0] <= dur <= SHORT[1]:
            for k in range(copies):
                rows.append({"id": f"{uid}-{k}", "audio_filepath": str(wav), "duration": round(dur, 4), "text": text,
                             "language": "eng"})
                total += dur
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return total, len(rows)


def asr_part(args: argparse.Namespace) -> None:
    results: dict[str, list[tuple[float, ...]]] = {label: [] for label, _ in ASR_RUNS}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        manifest = tmp / "short.jsonl"
        audio_s, n = write_short_manifest(manifest, args.asr_copies)
        env = python_env()
        env["SYNTHKIT_CACHE"] = str(tmp / "cache")
        # the first use joins Whisper base's model.bin into the cache: do it before timing anything
        subprocess.run([sys.executable, "-c", "from synthkit import models; models.folder('whisper-base')"], env=env,
                       check=True)
        load_before = os.getloadavg()[0]
        texts: dict[str, list[str]] = {}
        for rep in range(args.repeats):
            for label, extra in ASR_RUNS:
                out = tmp / f"asr-{len(results[label])}-{abs(hash(label))}.jsonl"
                cpu0 = _children_cpu()
                wall, peak, res = run_measured(synthkit_cmd("score", str(manifest), "-o", str(out), "--workers",
                                                            str(args.workers), "--quiet", *extra), env=env)
                cpu = _children_cpu() - cpu0
                if res.returncode != 0:
                    raise SystemExit(f"{label}: {res.stderr}")
                rows = [json.loads(line) for line in out.read_text().splitlines()]
                if any("score_errors" in r or "cer" not in r for r in rows):
                    raise SystemExit(f"{label}: rows without cer")
                texts[label] = [r["asr_text"] for r in rows]
                mean_cer = sum(r["cer"] for r in rows) / len(rows)
                results[label].append((audio_s / wall, wall, peak, audio_s / cpu, mean_cer))
                print(f"{label:<44} {audio_s / wall:6.1f} audio s / wall s ({wall:.1f} s, {peak:.0f} MiB, "
                      f"{audio_s / cpu:.1f} audio s / CPU s, mean CER {mean_cer:.3f})", flush=True)
        load_after = os.getloadavg()[0]
    med = {k: sorted(v)[len(v) // 2] for k, v in results.items() if v}
    tiny = med["tiny.en"]
    rows_md = ["| ASR (`synthkit score --metrics cer`) | audio s / wall s | ratio to tiny.en | wall | peak memory "
               "| audio s / CPU s | mean CER |", "|---|---|---|---|---|---|---|"]
    for label, _ in ASR_RUNS:
        speed, wall, peak, per_cpu, mean_cer = med[label]
        bold = "**" if label == "base" else ""
        rows_md.append(f"| {label} | {bold}{speed:.1f}{bold} | {speed / tiny[0]:.2f} | {wall:.1f} s | {peak:.0f} MiB "
                       f"| {per_cpu:.1f} | {mean_cer:.3f} |")
    base = med["base"]
    same_batch = texts["base"] == texts["base, one row at a time (`--batch-size 1`)"]
    verdict = (f"Target: Whisper base CER scoring ≥ {TARGET_BASE:.0f} audio s per wall s on short clips — "
               f"{'met' if base[0] >= TARGET_BASE else 'NOT met'} as measured ({base[0]:.1f}); by CPU time, "
               f"{base[3]:.1f} audio s per CPU s, i.e. up to {args.workers * base[3]:.1f} audio s per wall s on "
               f"{args.workers} idle cores ({'meets' if args.workers * base[3] >= TARGET_BASE else 'below'} the "
               f"target). Batched and one-row-at-a-time transcripts are "
               f"{'identical' if same_batch else 'NOT identical'} on every row.")
    body = "\n".join([
        "## CER scoring with Whisper base on short clips (`bench/bench_score.py --part asr`)",
        "",
        f"{n // args.asr_copies} LJSpeech clips of {SHORT[0]:g}-{SHORT[1]:g} s, listed {args.asr_copies}× ({n} rows, "
        f"{audio_s / 60:.1f} min of audio); {machine()}; `--workers {args.workers}` (one model thread each); "
        f"median of {args.repeats} interleaved run(s); 1-min load average {load_before:.1f} at the start, "
        f"{load_after:.1f} at the end (other jobs shared the 2 cores when above 2: wall figures then say more "
        "about them than about synthkit, CPU figures much less). Each figure is the whole `synthkit score` "
        "command: start-up, loading the model in each worker, decoding, resampling, scoring, writing.",
        "",
        *rows_md,
        "",
        verdict,
    ])
    update_section("score_asr", body)
    print(body)


SHORT_RUNS = [  # (label, --metrics, extra arguments)
    ("dnsmos, synthkit", "dnsmos", ()),
    ("dnsmos, torchmetrics (before)", "dnsmos", ("--model", "dnsmos=torchmetrics")),
    ("default + dnsmos, synthkit", "default,dnsmos", ()),
    ("default + dnsmos, torchmetrics (before)", "default,dnsmos", ("--model", "dnsmos=torchmetrics")),
]
SHORT_TARGET = 25.0
#: Multiply-adds x 2 of DNSMOS's sig/bak/ovrl CNN per 9.01-s window (conv 1->128, 128->64, 64->64, 64->32 at
#: 900 x 161, 32->32 at 450 x 80, then the small layers).
CNN_GFLOP = 2 * 9 * (900 * 161 * (1 * 128 + 128 * 64 + 64 * 64 + 64 * 32) + 450 * 80 * 32 * 32
                     + 225 * 40 * 32 * 32 + 112 * 20 * 32 * 64) / 1e9


def one_window_seconds(tries: int = 5) -> float:
    """Best time of one DNSMOS window through synthkit's path, one thread, in this process."""
    import time

    import numpy as np

    from synthkit.quality.mos import DNSMOS_WINDOW, Dnsmos

    d = Dnsmos(threads=1)
    w = (0.1 * np.random.default_rng(0).standard_normal((1, DNSMOS_WINDOW))).astype(np.float32)
    d.raw_windows(w)
    best = float("inf")
    for _ in range(tries):
        t = time.perf_counter()
        d.raw_windows(w)
        best = min(best, time.perf_counter() - t)
    return best
DNSMOS_KEYS = ("dnsmos_p808", "dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl")


def short_corpus(tmp: Path, env: dict, lines: int) -> tuple[Path, float, float]:
    """3 renditions of the first ``lines`` Swahili sentences (600 clips for all 200); (manifest, total audio
    seconds, median clip seconds)."""
    import statistics
    import subprocess

    out = tmp / "short"
    text = tmp / "short.txt"
    all_lines = (ROOT / "recipes" / "swahili" / "text.txt").read_text(encoding="utf-8").splitlines()
    text.write_text("\n".join(all_lines[:lines]) + "\n", encoding="utf-8")
    res = subprocess.run(synthkit_cmd("synth", "--lang", "sw", "--text", str(text),
                                      "--out", str(out), "--voices", "3", "--augment", "none", "--workers", "2",
                                      "--quiet"), env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"synth: {res.stderr}")
    durations = [json.loads(line)["duration"] for line in (out / "manifest.jsonl").read_text().splitlines()]
    return out / "manifest.jsonl", sum(durations), statistics.median(durations)


def short_main(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = python_env()
        env["SYNTHKIT_CACHE"] = str(tmp / "cache")
        manifest, audio_s, median_s = short_corpus(tmp, env, args.short_lines)
        n = len(manifest.read_text().splitlines())
        results: dict[str, list[tuple[float, float, float, float]]] = {label: [] for label, _, _ in SHORT_RUNS}
        scores: dict[str, dict[str, dict]] = {}
        load_before = os.getloadavg()[0]
        for rep in range(args.repeats):
            for label, metrics, extra in SHORT_RUNS:
                out = tmp / f"short-{len(scores)}-{rep}.jsonl"
                cpu0 = _children_cpu()
                wall, peak, res = run_measured(synthkit_cmd("score", str(manifest), "-o", str(out), "--metrics", metrics,
                                                            "--workers", str(args.workers), "--quiet", *extra), env=env)
                cpu = _children_cpu() - cpu0
                if res.returncode != 0:
                    raise SystemExit(f"{label}: {res.stderr}")
                rows = [json.loads(line) for line in out.read_text().splitlines()]
                if any("score_errors" in r for r in rows):
                    raise SystemExit(f"{label}: rows with score_errors")
                scores[label] = {r["id"]: r for r in rows}
                results[label].append((audio_s / wall, wall, peak, audio_s / cpu))
                print(f"{label:<42} {audio_s / wall:7.1f} audio s / wall s ({wall:.1f} s, {peak:.0f} MiB, "
                      f"{audio_s / cpu:.1f} per CPU s)", flush=True)
        load_after = os.getloadavg()[0]
    window_s = one_window_seconds()
    med = {k: sorted(v)[len(v) // 2] for k, v in results.items()}
    new, ref = scores[SHORT_RUNS[0][0]], scores[SHORT_RUNS[1][0]]
    diff = max(abs(new[i][k] - ref[i][k]) for i in new for k in DNSMOS_KEYS)
    rows = ["| run | `--metrics` | audio s / wall s | audio s / CPU s | wall | peak memory |", "|---|---|---|---|---|---|"]
    for label, metrics, extra in SHORT_RUNS:
        speed, wall, peak, per_cpu = med[label]
        bold = "**" if label.endswith("synthkit") else ""
        rows.append(f"| {label} | `{metrics}`{' ' + ' '.join(extra) if extra else ''} | {bold}{speed:.1f}{bold} "
                    f"| {per_cpu:.1f} | {wall:.1f} s | {peak:.0f} MiB |")
    a, b = (med[SHORT_RUNS[0][0]], med[SHORT_RUNS[1][0]])
    c, d = (med[SHORT_RUNS[2][0]], med[SHORT_RUNS[3][0]])
    body = "\n".join([
        "## DNSMOS on short clips (`bench/bench_score.py --short`)",
        "",
        f"{n} espeak-ng clips made by `synthkit synth --lang sw --voices 3 --augment none` from the first "
        f"{args.short_lines} sentences of `recipes/swahili/text.txt` ({audio_s / 60:.1f} min of audio, median clip {median_s:.2f} s: each clip "
        f"costs a whole 9.01-s DNSMOS window); {machine()}; `synthkit score --workers {args.workers}` (one model "
        f"thread per worker), whole commands; median of {args.repeats} interleaved run(s); 1-min load average "
        f"{load_before:.1f} at the start, {load_after:.1f} at the end (above 2, other jobs shared the 2 cores and "
        "the wall-clock figures are theirs as much as ours; audio s per CPU s is disturbed far less).",
        "`synthkit` is `synthkit.quality.mos.Dnsmos` (ONNX Runtime sessions built once per worker, each clip's "
        "windows in one call, the P.808 log-mel in NumPy, no torch); `torchmetrics (before)` is the reference "
        "computation it replaced (`--model dnsmos=torchmetrics`).",
        "",
        *rows,
        "",
        f"synthkit vs before, same run: DNSMOS alone {a[0] / b[0]:.2f}× the wall-clock throughput "
        f"({a[3] / b[3]:.2f}× per CPU s); default + dnsmos {c[0] / d[0]:.2f}× ({c[3] / d[3]:.2f}× per CPU s). "
        f"Scores: largest difference between the two paths over {n} clips × 4 keys: {diff:.1e} "
        "(the manifest rounds to 1e-4).",
        f"Target ≥ {SHORT_TARGET:.0f} audio s per wall s for `default,dnsmos` on 2 cores: "
        f"{'met' if c[0] >= SHORT_TARGET else 'NOT met'} ({c[0]:.1f} at this load); per CPU second "
        f"{c[3]:.1f}, i.e. at most {args.workers * c[3]:.0f} audio s per wall s on {args.workers} idle cores. "
        f"The floor is the sig/bak/ovrl CNN: {CNN_GFLOP:.0f} GFLOP per window (3x3 convolutions of 64-128 channels "
        f"on a 900 x 161 log-power map); one window took {window_s:.3f} s on one thread at best in this run "
        f"({CNN_GFLOP / window_s:.0f} GFLOP/s), so {args.workers} cores score at most "
        f"{args.workers * median_s / window_s:.0f} audio s per wall s of {median_s:.1f}-s clips, whatever the "
        "batching; a clip shorter than a window cannot cost less than one without its score changing.",
    ])
    update_section("score-short", body)
    print(body)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--short", action="store_true", help="only the DNSMOS short-clip comparison (own section)")
    ap.add_argument("--short-lines", type=int, default=200, help="--short: sentences used (3 clips each)")
    ap.add_argument("--copies", type=int, default=2, help="list the 141 LJSpeech clips this many times")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1, help="each figure is the median of this many runs")
    ap.add_argument("--only", help="comma-separated labels' --metrics values to run (for a quick look)")
    ap.add_argument("--part", choices=("all", "metrics", "asr"), default="all")
    ap.add_argument("--asr-copies", type=int, default=4, help="list the short LJSpeech clips this many times")
    args = ap.parse_args()
    if args.short:
        return short_main(args)
    if args.part in ("all", "asr"):
        asr_part(args)
    if args.part == "asr":
        return
    if not LJSPEECH.is_dir():
        raise SystemExit(f"needs {LJSPEECH}")
    runs = [r for r in RUNS if not args.only or r[1] in args.only.split(",")]
    results: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _ in runs}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        manifest = tmp / "manifest.jsonl"
        audio_s = write_manifest(manifest, args.copies)
        env = python_env()
        env["SYNTHKIT_CACHE"] = str(tmp / "cache")
        load_before = os.getloadavg()[0]
        for rep in range(args.repeats):
            for label, metrics in runs:
                out = tmp / f"out-{metrics.replace(',', '+')}-{rep}.jsonl"
                cpu0 = _children_cpu()
                wall, peak, res = run_measured(synthkit_cmd("score", str(manifest), "-o", str(out), "--metrics",
                                                            metrics, "--workers", str(args.workers), "--quiet"),
                                               env=env)
                cpu = _children_cpu() - cpu0
                if res.returncode != 0:
                    raise SystemExit(f"{metrics}: {res.stderr}")
                errors = sum(1 for line in out.read_text().splitlines() if "score_errors" in json.loads(line))
                if errors:
                    raise SystemExit(f"{metrics}: {errors} rows with score_errors")
                results[label].append((audio_s / wall, wall, peak, audio_s / cpu))
                print(f"{label:<32} {audio_s / wall:8.1f} x real time  ({wall:.1f} s, {peak:.0f} MiB, "
                      f"{audio_s / cpu:.1f} audio s per CPU s)", flush=True)
        load_after = os.getloadavg()[0]
    med = {k: sorted(v)[len(v) // 2] for k, v in results.items() if v}  # the median run (by speed)
    dn_label = RUNS[0][0]
    dn = med.get(dn_label, (float("nan"),))[0]
    dn_cpu = med.get(dn_label, (0, 0, 0, float("nan")))[3]
    rows = ["| metrics (`--metrics`) | audio s / wall s | ratio to DNSMOS alone | wall | peak memory "
            "| audio s / CPU s | ratio to DNSMOS alone (CPU) |",
            "|---|---|---|---|---|---|---|"]
    for label, metrics in runs:
        speed, wall, peak, per_cpu = med[label]
        bold = "**" if metrics in ("default", "dnsmos") else ""
        rows.append(f"| {label} (`{metrics}`) | {bold}{speed:.0f}{bold} | {bold}{speed / dn:.2f}{bold} | {wall:.1f} s "
                    f"| {peak:.0f} MiB | {per_cpu:.0f} | {per_cpu / dn_cpu:.2f} |")
    default = med.get("default set", (float("nan"),))[0]
    with_dn = med.get("default + dnsmos", (float("nan"),))[0]
    default_cpu = med.get("default set", (0, 0, 0, float("nan")))[3]
    verdict = (f"Targets for the default set (wall clock, as measured): ≥ {TARGET_RATIO}× DNSMOS alone — "
               f"{'met' if default / dn >= TARGET_RATIO else 'NOT met'} ({default / dn:.2f}); ≥ {TARGET_RT:.0f}× real "
               f"time — {'met' if default >= TARGET_RT else 'NOT met'} ({default:.0f}×). DNSMOS alone runs at "
               f"{dn:.0f}× real time ({'meets' if dn >= TARGET_RT else 'below'} the {TARGET_RT:.0f}× mark); the "
               f"default set plus DNSMOS at {with_dn:.0f}× ({with_dn / dn:.2f}× DNSMOS alone). By CPU time, which "
               f"other jobs on the machine disturb far less, the default set scores {default_cpu:.0f} audio s per "
               f"CPU s ({default_cpu / dn_cpu:.1f}× DNSMOS alone's {dn_cpu:.0f}): at most "
               f"{args.workers * default_cpu:.0f}× real time on {args.workers} idle cores, and DNSMOS alone at most "
               f"{args.workers * dn_cpu:.0f}×.")
    body = "\n".join([
        "## score throughput (`bench/bench_score.py`)",
        "",
        f"The 141 LJSpeech recordings ({audio_s / args.copies / 60:.1f} min, 22.05 kHz FLAC) listed {args.copies}× "
        f"({audio_s / 60:.1f} min of audio); {machine()}; `--workers {args.workers}` (one model thread per worker);",
        f"median of {args.repeats} interleaved run(s); 1-min load average {load_before:.1f} at the start, "
        f"{load_after:.1f} at the end (other jobs shared the cores when above 2).",
        "Each figure is the whole `synthkit score` command: start-up,",
        "model loading in every worker, decoding, resampling to 16 kHz, writing the scored manifest.",
        "The default set is the six signal measures plus `speech_ratio` (silero-vad). DNSMOS is left out of it: its",
        "ONNX model costs ~0.36 s of one core per 9-s window (see `synthkit/quality/mos.py`), which caps DNSMOS",
        "below the 50× mark on 2 cores; add it with `--metrics default,dnsmos`.",
        "",
        *rows,
        "",
        verdict,
        f"Not measured: {NOT_MEASURED}.",
    ])
    update_section("score", body)
    print(body)


if __name__ == "__main__":
    main()
