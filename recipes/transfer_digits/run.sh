#!/usr/bin/env bash
# Transfer benchmark: Arabic spoken digits rendered by synthkit, a small classifier trained on them only, tested on
# real speakers beside the same classifier trained on real speakers (see README.md).
# Usage: recipes/transfer_digits/run.sh [WORK_DIR] [--conditions a,b] [--seeds 0,1,2]
# CPU only; corpora, features and finished runs are cached in WORK_DIR (a re-run only does what is missing).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${1:-$root/out/transfer_digits}"; shift || true
py="$root/.venv/bin/python"; [ -x "$py" ] || py=python3
# the donors-only condition shows which voices it ranks for the digit words, Arabic left out
PYTHONPATH="$root" "$py" -m synthkit donors --lang ar --text "$here/digits_ar.txt" --exclude ar --top 8
PYTHONPATH="$root" OMP_NUM_THREADS=1 nice -n 10 "$py" "$here/transfer.py" --config "$here/config.yaml" --work "$work" "$@"
