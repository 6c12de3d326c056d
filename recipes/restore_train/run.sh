#!/usr/bin/env bash
# Train synthkit's restoration model from config.yaml (CPU, or a GPU when torch sees one).
# Resumable: run the same command again after an interruption and it continues from the last state.
# Usage: [CONFIG=recipes/restore_train/whisper.yaml] recipes/restore_train/run.sh [RUN_DIR] [--install] [--device cpu|cuda|auto]
#   RUN_DIR defaults to runs/restore_default; --install copies the result to the package default;
#   CONFIG defaults to config.yaml next to this script.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
run="${1:-$root/runs/restore_default}"
shift || true
py="$root/.venv/bin/python"; [ -x "$py" ] || py=python3
cd "$root"
exec nice -n 10 "$py" -m synthkit restore-train --config "${CONFIG:-$here/config.yaml}" --run-dir "$run" "$@"
