"""Where in the spectrum synthkit's restoration loses DNSMOS to GTCRN (issue 14), on the degraded set.

    .venv/bin/python bench/bench_restore_bands.py [--lj 4 --libri 2 --fleurs 1 --cml 1 --cutoff 3800]

The degraded clips of ``bench_restore.py`` (same selection and seed) restored by the Whisper-feature
checkpoint and by GTCRN; DNSMOS (SIG/BAK/OVRL, 16 kHz) of each output, of each low-passed at ``--cutoff``
(10th-order Butterworth, zero phase), and of the two band swaps: one system's band below the cutoff plus
the other's above it. The clean clips low-passed show how much DNSMOS cares about the upper band at all.
Prints a Markdown table (means over the clips); nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_restore as BR  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lj", type=int, default=4)
    ap.add_argument("--libri", type=int, default=2)
    ap.add_argument("--fleurs", type=int, default=1)
    ap.add_argument("--cml", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cutoff", type=float, default=3800.0)
    ap.add_argument("--checkpoint", default=str(BR.ROOT / "synthkit" / "restore" / "checkpoints" / "whisper.pt"))
    args = ap.parse_args()
    import scipy.signal as ss

    from synthkit.restore.scores import Scorer

    clips = [c for c in BR.clip_sets(args.lj, args.libri, args.fleurs, args.cml, 0, 0) if c["set"] == "degraded"]
    BR.prepare_audio(clips, args.seed)
    fns, _ = BR.systems(args.checkpoint, None, False)
    sos = ss.butter(10, args.cutoff, "low", fs=BR.SR, output="sos")

    def low(y: np.ndarray) -> np.ndarray:
        return ss.sosfiltfilt(sos, y).astype(np.float32)

    scorer = Scorer(threads=BR.THREADS)
    scores: dict[str, list[tuple[float, float, float]]] = {}
    for c in clips:
        syn, gt = fns["synthkit old"](c["input"]), fns["GTCRN"](c["input"])
        n = min(len(syn), len(gt))
        syn, gt = syn[:n], gt[:n]
        outs = {"clean": c["clean"], "degraded input": c["input"], "synthkit": syn, "GTCRN": gt,
                "clean, low band only": low(c["clean"]), "synthkit, low band only": low(syn),
                "GTCRN, low band only": low(gt),
                "synthkit low band + GTCRN high band": low(syn) + (gt - low(gt)),
                "GTCRN low band + synthkit high band": low(gt) + (syn - low(syn))}
        for name, y in outs.items():
            d = scorer.dnsmos(np.clip(np.nan_to_num(y), -1, 1), BR.SR)
            scores.setdefault(name, []).append((d["sig"], d["bak"], d["ovrl"]))
        print(c["id"], "done", file=sys.stderr)
    print(f"{len(clips)} degraded clips; low band: below {args.cutoff:g} Hz; synthkit: {Path(args.checkpoint).name}\n")
    print("| output | DNSMOS SIG | BAK | OVRL |\n|---|---|---|---|")
    for name, v in scores.items():
        m = np.mean(np.array(v), axis=0)
        print(f"| {name} | {m[0]:.2f} | {m[1]:.2f} | {m[2]:.2f} |")


if __name__ == "__main__":
    main()
