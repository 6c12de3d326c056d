"""What judging augmented synthetic clips on their rendering costs `synthkit score`.

    .venv/bin/python bench/bench_render_scoring.py [--sentences 200] [--repeats 3]

A Swahili corpus (`recipes/swahili/make_text.py`, 1 voice, `--augment light` and `--augment heavy` with the
real noise and rooms in ../shared/data) is scored with the default metric set (signal measures + silero-vad)
twice, interleaved: `--on-render none` (every metric on the augmented file: what `score` did before) and the
default (`snr_db` and `speech_ratio` on the unaugmented render re-made from the row; see
synthkit/quality/metrics.py). Whole commands, `--workers 2`, median of --repeats. Results go into
BENCHMARKS.md (section "render").
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

SHARED = ROOT.parent / "shared" / "data"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "recipes" / "swahili"))
    from make_text import sentences

    env = python_env()
    presets = ("light", "heavy")
    sides = {"files (--on-render none)": ["--on-render", "none"], "rendering (default)": []}
    results: dict[tuple[str, str], list[tuple[float, float, float, int, int]]] = {
        (p, s): [] for p in presets for s in sides}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        text = tmp / "text.txt"
        text.write_text("\n".join(sentences(args.sentences)) + "\n", encoding="utf-8")
        for preset in presets:
            out = tmp / f"corpus-{preset}"
            wall, _, res = run_measured(synthkit_cmd(
                "synth", "--lang", "sw", "--text", str(text), "--out", str(out), "--augment", preset, "--noise-dir",
                str(SHARED / "noise"), "--rir-dir", str(SHARED / "rir"), "--workers", "2", "--quiet"), env=env)
            if res.returncode != 0:
                raise SystemExit(res.stderr)
        for rep in range(args.repeats):
            for preset in presets:
                for i, (side, extra) in enumerate(sides.items()):
                    scored = tmp / f"scored-{preset}-{i}-{rep}.jsonl"
                    wall, peak, res = run_measured(synthkit_cmd(
                        "score", str(tmp / f"corpus-{preset}" / "manifest.jsonl"), "-o", str(scored), "--workers",
                        "2", "--threads", "1", "--quiet", *extra), env=env)
                    if res.returncode != 0:
                        raise SystemExit(f"{preset}, {side}: {res.stderr}")
                    rows = [json.loads(line) for line in scored.read_text(encoding="utf-8").splitlines()]
                    audio_s = sum(r["duration"] for r in rows)
                    on_render = sum(1 for r in rows if r.get("scored_on_render"))
                    results[(preset, side)].append((audio_s / wall, wall, peak, len(rows), on_render))
    load_after = os.getloadavg()[0]
    med = {k: sorted(v)[len(v) // 2] for k, v in results.items()}
    table = ["| corpus | metrics judged on | audio s / wall s | wall | rows re-rendered | ratio to files |",
             "|---|---|---|---|---|---|"]
    for preset in presets:
        ref = med[(preset, "files (--on-render none)")]
        for side in sides:
            speed, wall, _, n, on_render = med[(preset, side)]
            table.append(f"| `--augment {preset}` ({n} clips) | {side} | {speed:.0f} | {wall:.1f} s | {on_render} | "
                         f"**{speed / ref[0]:.2f}** |")
    body = "\n".join([
        "## judging synthetic clips on their rendering (`bench/bench_render_scoring.py`)",
        "",
        f"`synthkit score` (default metric set, `--workers 2`, one thread each) on {args.sentences} Swahili sentences, "
        "1 voice, augmented with real noise and rooms; the default re-renders each augmented clip (espeak-ng) to "
        "measure `snr_db` and `speech_ratio` on the rendering, `--on-render none` measures them on the file. "
        f"{machine()} (1-min load average {load_before:.1f} before, {load_after:.1f} after; other jobs shared the "
        f"cores when above 2); median of {args.repeats} interleaved runs; whole commands.",
        "",
        *table,
    ])
    update_section("render", body)
    print(body)


if __name__ == "__main__":
    main()
