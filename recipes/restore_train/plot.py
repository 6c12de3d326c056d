"""Plot a restoration training run's losses: one panel per stage, written next to the logs.

    .venv/bin/python recipes/restore_train/plot.py runs/restore_default     # -> runs/restore_default/losses.png
"""

import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STAGES = ("cleaner", "vocoder", "finetune")
SKIP = {"step", "stage", "lr", "grad_norm", "sec_per_step", "elapsed_s"}


def main(run_dir: str) -> Path:
    run = Path(run_dir)
    fig, axes = plt.subplots(1, len(STAGES), figsize=(5 * len(STAGES), 3.5))
    for ax, stage in zip(axes, STAGES):
        path = run / stage / "log.csv"
        ax.set_title(stage)
        ax.set_xlabel("step")
        if not path.exists():
            ax.text(0.5, 0.5, "not started", ha="center", transform=ax.transAxes)
            continue
        with open(path, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        steps = [int(r["step"]) for r in rows]
        for key in rows[0]:
            if key not in SKIP:
                ax.plot(steps, [float(r[key]) for r in rows], label=key)
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = run / "losses.png"
    fig.savefig(out, dpi=100)
    return out


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else "runs/restore_default"))
