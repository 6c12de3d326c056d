#!/usr/bin/env bash
# Igbo: a language with no published G2P (neither espeak-ng nor epitran has it) and no voice.
# ibo.rules (+ ibo_lexicon.tsv) gives the phonemes; the best-ranked donor voices render them.
# Usage: recipes/igbo/run.sh [OUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/out/igbo}"
sk="$root/.venv/bin/synthkit"; [ -x "$sk" ] || sk=synthkit
"$sk" donors --lang ibo --g2p "rules:$here/ibo.rules" --text "$here/text.txt" --top 5
"$sk" synth --lang ibo --g2p "rules:$here/ibo.rules" --text "$here/text.txt" --out "$out" \
    --donor auto --donors 2 --voices 2 --augment light --quiet
