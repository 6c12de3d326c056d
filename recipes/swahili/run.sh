#!/usr/bin/env bash
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/out/swahili}"
aug="${2:-light}"
sk="$root/.venv/bin/synthkit"; [ -x "$sk" ] || sk=synthkit
"$sk" synth --lang sw --text "$here/text.txt" --out "$out" --voices 3 --workers 2 --augment "$aug"
