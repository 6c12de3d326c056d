"""Does the data teach? The transfer benchmark on real Arabic spoken digits (`recipes/transfer_digits`).

    nice -n 10 .venv/bin/python bench/bench_transfer.py [--work /tmp/transfer_digits] [--conditions a,b] [--seeds 0,1,2]
        [--finished-only] [--note TEXT]

Runs every condition of `recipes/transfer_digits/config.yaml` for every seed (cached under `--work`: corpora,
features and finished results; a re-run only does what is missing), then writes its section of BENCHMARKS.md:
accuracy on the 6 real test speakers of a small classifier (log-mel CNN; frozen Whisper encoder + head) trained on synthkit output only, beside the same classifier
trained on the 18 real train speakers, and the transfer ratio (synthetic-only / real-trained, same seed).
Targets: ratio >= 0.9 with the best native setting, >= 0.8 donors only (Arabic excluded).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "recipes" / "transfer_digits"))

from _common import ROOT, machine, update_section  # noqa: E402
import transfer  # noqa: E402

TARGET_NATIVE, TARGET_DONORS = 0.9, 0.8


def describe(cond: dict) -> str:
    if cond["name"] == "real":
        return "real train speakers (18 speakers)"
    if "mix" in cond:
        return "the corpora of " + " and ".join(f"`{m}`" for m in cond["mix"]) + " together"
    s = cond["synth"]
    who = "espeak-ng `ar` (native voice)"
    if s.get("backend") == "mbrola" and not s.get("donor"):
        who = "MBROLA `ar1`, `ar2` (Arabic diphone voices: `--backend mbrola`) on espeak-ng `ar`'s prosody"
    if s.get("donor"):
        ex = ", ".join(f"`--exclude {x}`" for x in s.get("exclude", [])) + \
             ", ".join(f"`--exclude-family {x}`" for x in s.get("exclude_family", []))
        many = f" --donors {s.get('donors', 1)}" if s["donor"] == "auto" else ""
        be = f"--backend {s['backend']} " if s.get("backend") else ""
        who = f"donors only: `{be}--donor {s['donor']}{many}` {ex}".strip()
    pros = s.get("prosody")
    extra = f"; prosody {', '.join(f'{k} {v[0]}-{v[1]}' for k, v in pros.items())}" if pros else ""
    if s.get("variants"):
        extra += f"; espeak-ng variants {', '.join(s['variants'])}"
    if s.get("restore"):
        extra += f"; then `synthkit restore --checkpoint {s['restore']}`"
    return (f"{who}; `--augment {s.get('augment', 'none')}`; {s['voices']} renditions x "
            f"{s.get('lines_per_word', 1)} lines per word{extra}")


def table_head(cfg: dict) -> list[str]:
    c = cfg["classifier"]
    lines = [
        f"### classifier `{c.get('name', '')}`: {classifier_text(c)}",
        "",
        "| condition | training data | seeds | test accuracy (± sd) | val accuracy | transfer ratio |",
        "|---|---|---|---|---|---|",
    ]
    return lines


def classifier_text(c: dict) -> str:
    if c.get("front_end") == "whisper":
        return (f"the frozen Whisper base encoder (hidden state {c['layer']} of 6, run on the 1.2-s speech window, "
                f"each dimension standardised per clip) → a trained head (1-D conv of {c['hidden']} channels over "
                f"3 frames, mean and max over time, linear), {c['steps']} mini-batches of {c['batch']}")
    return (f"log-mel ({c['n_mels']} bands, range {c['floor_db']} dB) → 4-layer CNN {c['widths']} trained from "
            f"scratch, {c['steps']} mini-batches of {c['batch']}")


def header() -> list[str]:
    return [
        "## transfer: does the data teach? (`bench/bench_transfer.py`, `recipes/transfer_digits`)",
        "",
        f"{machine()}; CPU only, 1 thread per run. Real Arabic spoken digits (`../shared/data/speech/arabic_digits`, "
        "30 speakers): the source's speaker-disjoint split, 18 train / 6 val / 6 test speakers (240 test clips). "
        "Each classifier is trained on a fixed schedule for every condition (no early stopping, no selection on "
        "any real speakers), with random crops and SpecAugment-style masks. Synthetic conditions are trained on synthkit output "
        "only and tested on the same real test speakers. Ratio = synthetic-only test accuracy / real-trained "
        "test accuracy of the same seed; mean [min–max] over seeds. Val = the 6 val speakers (used while "
        "developing the recipe; the test speakers were not).",
    ]


def report(cfg: dict, rows: list[dict]) -> str:
    by = {r["condition"]: r for r in rows}
    conds = {c["name"]: c for c in cfg["conditions"]}
    lines = table_head(cfg)
    for name, cond in conds.items():
        r = by.get(name)
        if r is None:
            continue
        ratio = "1.00 (reference)" if name == "real" else f"**{r['ratio']:.2f}** [{r['ratio_min']:.2f}–{r['ratio_max']:.2f}]"
        lines.append(f"| {name} | {describe(cond)} ({r['train_clips']} clips) | {r['seeds']} | "
                     f"{r['test_acc']:.3f} ± {r['test_sd']:.3f} | {r['val_acc']:.3f} | {ratio} |")
    native = [r for n, r in by.items() if n.startswith("native") and "+" not in n]
    donors = [r for n, r in by.items() if n.startswith("donors")]
    lines.append("")
    if native:
        best = max(native, key=lambda r: r["ratio"])
        lines.append(f"Best native setting: {best['condition']}, ratio {best['ratio']:.2f} (target ≥ {TARGET_NATIVE}: "
                     f"{'met' if best['ratio'] >= TARGET_NATIVE else 'NOT met'}).")
    if donors:
        best = max(donors, key=lambda r: r["ratio"])
        lines.append(f"Best donors-only setting (Arabic excluded): {best['condition']}, ratio {best['ratio']:.2f} "
                     f"(target ≥ {TARGET_DONORS}: {'met' if best['ratio'] >= TARGET_DONORS else 'NOT met'}).")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", type=Path, default=ROOT / "recipes" / "transfer_digits" / "config.yaml")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "transfer_digits")
    ap.add_argument("--conditions", default="")
    ap.add_argument("--seeds", default="")
    ap.add_argument("--no-write", action="store_true", help="print, do not update BENCHMARKS.md")
    ap.add_argument("--finished-only", action="store_true",
                    help="report the runs already in WORK/results.jsonl (whatever seeds each condition has); run nothing")
    ap.add_argument("--note", default="", help="a paragraph added to the section (machine load, scope)")
    ap.add_argument("--classifiers", default="", help="classifiers of the config to run and report (default: all)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    names = [c for c in args.classifiers.split(",") if c] or list(transfer.load_config(args.config)["classifiers"])
    parts = ["\n".join(header())]
    for name in names:
        cfg = transfer.load_config(args.config, name)
        if args.finished_only:
            results = transfer.finished(cfg, args.work)
        else:
            results = transfer.run(cfg, args.work, [c for c in args.conditions.split(",") if c] or None,
                                   [int(s) for s in args.seeds.split(",") if s] or None,
                                   log=lambda m: print(m, file=sys.stderr, flush=True))
        parts.append(report(cfg, transfer.summarize(results)))
    body = "\n\n".join(parts)
    if args.note:
        body += "\n\n" + args.note
    if not args.no_write:
        update_section("transfer", body)
    print(body)


if __name__ == "__main__":
    main()
