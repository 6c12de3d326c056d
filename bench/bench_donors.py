"""Donor ranking cost and the added cost of phoneme mapping inside `synthkit synth`.

    .venv/bin/python bench/bench_donors.py [--sentences 1000] [--repeats 3]

1. `synthkit donors` over all espeak-ng voices for a 1,000-sentence Swahili text (espeak-ng G2P):
   wall time and peak memory of the whole command, with a cold cache (voice inventories derived from
   espeak-ng) and a warm one.
2. `synthkit synth --lang sw` (espeak-ng reads the text) against `synthkit synth --lang sw --donor sw`
   (the same sentences mapped onto the same voice and fed as phonemes), 500 sentences, 2 workers,
   no augmentation: the ratio of wall times (target < 1.1x). Medians of interleaved runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "recipes" / "swahili"))

from _common import machine, python_env, run_measured, synthkit_cmd, update_section  # noqa: E402
from make_text import sentences  # noqa: E402

TARGET = 1.1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=1000)
    ap.add_argument("--synth-sentences", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big = tmp / "big.txt"
        big.write_text("\n".join(sentences(args.sentences)) + "\n", encoding="utf-8")
        small = tmp / "small.txt"
        small.write_text("\n".join(sentences(args.synth_sentences)) + "\n", encoding="utf-8")

        cold_env = dict(python_env(), SYNTHKIT_CACHE=str(tmp / "cold-cache"))
        donors_cmd = synthkit_cmd("donors", "--lang", "sw", "--text", str(big), "--json")
        cold = run_measured(donors_cmd, env=cold_env)
        warm = [run_measured(donors_cmd, env=cold_env) for _ in range(args.repeats)]
        for r in (cold, *warm):
            if r[2].returncode != 0:
                raise SystemExit(r[2].stderr)
        warm_wall = statistics.median(w for w, _, _ in warm)
        warm_peak = max(p for _, p, _ in warm)

        plain, mapped = [], []
        for rep in range(args.repeats):
            for name, extra, acc in (("plain", [], plain), ("mapped", ["--donor", "sw"], mapped)):
                out = tmp / f"{name}-{rep}"
                wall, peak, res = run_measured(synthkit_cmd(
                    "synth", "--lang", "sw", "--text", str(small), "--out", str(out), "--workers", "2",
                    "--augment", "none", "--quiet", *extra), env=cold_env)
                if res.returncode != 0:
                    raise SystemExit(res.stderr)
                acc.append((wall, peak))
        p_wall, m_wall = statistics.median(w for w, _ in plain), statistics.median(w for w, _ in mapped)
        ratio = m_wall / p_wall

    body = "\n".join([
        "## donor ranking and mapping cost (`bench/bench_donors.py`)",
        "",
        f"{machine()}; medians of {args.repeats} runs.",
        "",
        f"`synthkit donors --lang sw` over all espeak-ng voices, {args.sentences}-sentence Swahili text (whole command):",
        "",
        "| cache | wall | peak memory |",
        "|---|---|---|",
        f"| cold (inventories derived from espeak-ng) | {cold[0]:.1f} s | {cold[1]:.0f} MiB |",
        f"| warm | {warm_wall:.1f} s | {warm_peak:.0f} MiB |",
        "",
        f"Mapping inside `synth` ({args.synth_sentences} sentences, 2 workers, `--augment none`):",
        "",
        "| run | wall | peak memory |",
        "|---|---|---|",
        f"| `synth --lang sw` (espeak-ng reads the text) | {p_wall:.2f} s | {max(p for _, p in plain):.0f} MiB |",
        f"| `synth --lang sw --donor sw` (G2P, inventory, ranking, mapping, phoneme input) | {m_wall:.2f} s | "
        f"{max(p for _, p in mapped):.0f} MiB |",
        "",
        f"Added cost of mapping: **{ratio:.2f}x** (target < {TARGET}x: {'met' if ratio < TARGET else 'NOT met'}).",
    ])
    update_section("donors", body)
    print(body)


if __name__ == "__main__":
    main()
