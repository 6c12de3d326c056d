#!/usr/bin/env bash
# Run the quality gate on a manifest with this recipe's policy; exit code 0 pass, 1 fail, 2 unusable input.
# Usage: recipes/ci_gate/run.sh MANIFEST [OUT_DIR]   (uses .venv/bin/synthkit if present)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
manifest="${1:?usage: run.sh MANIFEST [OUT_DIR]}"
out="${2:-$root/out/gate}"
sk="$root/.venv/bin/synthkit"; [ -x "$sk" ] || sk=synthkit
mkdir -p "$out"
exec "$sk" check "$manifest" --policy "$here/policy.yaml" --junit "$out/junit.xml" --report "$out/report" --quiet
