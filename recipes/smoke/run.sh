#!/usr/bin/env bash
# Smoke recipe: a tiny Swahili corpus on the offline default, on CPU, in seconds.
# Usage: recipes/smoke/run.sh [OUT_DIR]   (run from anywhere; uses .venv/bin/synthkit if present)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/out/smoke}"
sk="$root/.venv/bin/synthkit"; [ -x "$sk" ] || sk=synthkit
"$sk" synth --lang sw --text "$here/sw.txt" --out "$out/corpus" --voices 2 --augment light --seed 1 --quiet
echo "smoke corpus: $out/corpus/manifest.jsonl"
