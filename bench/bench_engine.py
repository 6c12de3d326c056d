"""Engines side by side: `synthkit synth` and `synthkit score` with the local engine (1 and 2 workers) and the Ray engine
on 2 CPUs, in one run; the Ray overhead as a ratio to local.

    .venv/bin/python bench/bench_engine.py [--sentences 300] [--repeats 3]

Runs (each the whole command, interpreter start-up included; interleaved, median of --repeats):
  * local engine, --workers 1 and --workers 2;
  * Ray engine, --workers 2, joining a running 2-CPU Ray cluster on this machine (`--address`):
    the steady-state cost of shards, actors and the object store;
  * Ray engine, --workers 2, no --address: the command starts a private Ray and stops it after
    (what a one-off run on a single machine pays).
Peak memory is the summed RSS of the command's process tree (a joined cluster's workers are not in
it, so it is not given for that row). Results go into BENCHMARKS.md (section "engine").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import ROOT, machine, python_env, run_measured, synthkit_cmd, update_section  # noqa: E402

WORKERS = 2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3, help="each figure is the median of this many runs")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "recipes" / "swahili"))
    from make_text import sentences

    from synthkit.engine.ray_local import LocalRayCluster

    runs = {
        "local, 1 worker": ["--workers", "1"],
        "local, 2 workers": ["--workers", "2"],
        "ray, 2 workers, running 2-CPU cluster": ["--workers", "2", "--engine", "ray", "--address", None],
        "ray, 2 workers, private Ray started by the command": ["--workers", "2", "--engine", "ray"],
    }
    commands = ("synth", "score")
    results = {(c, k): [] for c in commands for k in runs}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, LocalRayCluster(num_cpus=WORKERS, env={"PYTHONPATH": str(ROOT)}) as cl:
        env = python_env()  # now with the cluster's token, so commands can join it
        tmp = Path(tmp)
        text = tmp / "text.txt"
        text.write_text("\n".join(sentences(args.sentences)) + "\n", encoding="utf-8")
        corpus = tmp / "out-synth-0-0"
        for rep in range(args.repeats):  # interleaved, so drifts in machine load hit every side alike
            for command in commands:
                for i, (name, extra) in enumerate(runs.items()):
                    extra = [cl.address if x is None else x for x in extra]
                    out = tmp / f"out-{command}-{i}-{rep}"
                    run_env = dict(env)
                    if "private" in name:  # a token of its own, as a user's first run makes (in a temp HOME)
                        run_env = {k: v for k, v in env.items() if not k.startswith("RAY_AUTH")}
                        run_env["HOME"] = str(tmp / "home")
                    if command == "synth":
                        cmd = synthkit_cmd("synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--quiet",
                                           "--json", *extra)
                        produced = out / "manifest.jsonl"
                    else:  # the default metric set (signal measures + silero-vad) over the first local corpus
                        produced = out.with_suffix(".jsonl")
                        cmd = synthkit_cmd("score", str(corpus / "manifest.jsonl"), "-o", str(produced),
                                           "--threads", "1", "--quiet", *extra)
                    wall, peak, res = run_measured(cmd, env=run_env)
                    if res.returncode != 0:
                        raise SystemExit(f"{command}, {name}: {res.stderr}")
                    if command == "synth":
                        summary = json.loads(res.stdout)
                        audio_s, clips = summary["total_audio_s"], summary["clips"]
                    else:
                        rows = [json.loads(ln) for ln in produced.read_text(encoding="utf-8").splitlines()]
                        audio_s, clips = sum(r["duration"] for r in rows), len(rows)
                    results[(command, name)].append((audio_s / wall, wall, peak, clips))
                    if rep == 0 and i > 0:
                        first = (tmp / f"out-{command}-0-0" / "manifest.jsonl") if command == "synth" else \
                            (tmp / f"out-{command}-0-0.jsonl")
                        assert produced.read_bytes() == first.read_bytes(), f"{command}, {name}: output differs from local"

    load_after = os.getloadavg()[0]
    med = {k: sorted(v)[len(v) // 2] for k, v in results.items()}  # the median run (by speed)
    table, overhead = [], []
    for command in commands:
        ref = med[(command, "local, 2 workers")]
        table += [f"**`synthkit {command}`**", "",
                  "| engine | audio s / wall s | wall | ratio to local, 2 workers | peak memory |", "|---|---|---|---|---|"]
        for name in runs:
            speed, wall, peak, clips = med[(command, name)]
            mem = "–" if "running" in name else f"{peak:.0f} MiB"
            table.append(f"| {name} ({clips} clips) | {speed:.0f} | {wall:.1f} s | **{speed / ref[0]:.2f}** | {mem} |")
        table.append("")
        cluster = med[(command, "ray, 2 workers, running 2-CPU cluster")]
        private = med[(command, "ray, 2 workers, private Ray started by the command")]
        overhead.append(f"`{command}`: wall time × {cluster[1] / ref[1]:.2f} on a running cluster, × {private[1] / ref[1]:.2f} "
                        f"when the command starts its own Ray (+{private[1] - ref[1]:.1f} s: Ray start-up and shutdown).")
    body = "\n".join([
        "## engines: local vs Ray (`bench/bench_engine.py`)",
        "",
        f"`synthkit synth` on {args.sentences} Swahili sentences (`recipes/swahili/make_text.py`), 1 voice each,",
        "default augmentation, 16 kHz; then `synthkit score` (default metric set: signal measures and silero-vad,",
        f"one thread per worker) on that corpus. {machine()} (1-min load average {load_before:.1f} before,",
        f"{load_after:.1f} after); median of {args.repeats} interleaved runs; whole commands",
        "(start-up included). Every engine wrote the same manifest, byte for byte (checked). The Ray cluster",
        "is a 2-CPU `ray start --head` on this machine (`synthkit/engine/ray_local.py`).",
        "",
        *table,
        "**Ray overhead** against the local engine with the same 2 workers:",
        "",
        *[f"* {o}" for o in overhead],
        "",
        "Ray is for spreading a run over several machines (not measured here: one machine is available);",
        "on one machine it buys nothing over the local engine. With the load average near or above the",
        "core count, the 1- vs 2-worker figures say more about the other jobs on the machine than about synthkit.",
    ])
    update_section("engine", body)
    print(body)


if __name__ == "__main__":
    main()
