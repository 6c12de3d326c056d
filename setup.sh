#!/usr/bin/env bash
# Install synthkit and everything its tests need into .venv/ (idempotent; re-running is quick).
# Needs only Python 3.11+ and package registries; nothing is downloaded at run time afterwards.
set -euo pipefail
cd "$(dirname "$0")"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check)
"${PIP[@]}" install -q --upgrade pip "setuptools<81" wheel
# torch first, alone: the CPU build (a local wheel where the machine provides one).
"${PIP[@]}" install -q -c constraints.txt torch
"${PIP[@]}" install -q -c constraints.txt -e ".[all]"
# NeMo's manifest reader, for the test that NeMo loads exported manifests. Without its dependencies:
# they are NeMo's training stack (Lightning, CUDA bindings, telemetry), which the reader does not need.
"${PIP[@]}" install -q --no-deps "nemo_toolkit==3.0.0"
# torchaudio's PyPI build for this torch links CUDA libraries; drop its compiled parts (see constraints.txt).
.venv/bin/python - <<'PY'
import glob, importlib.util, os
spec = importlib.util.find_spec("torchaudio")
if spec and spec.submodule_search_locations:
    for f in glob.glob(os.path.join(spec.submodule_search_locations[0], "lib", "*.so")):
        os.remove(f)
PY
# Headless Chromium for the test that opens `synthkit check --report` in a browser (tests/test_report.py):
# Debian's package, installed only when missing and this script may use apt-get.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || echo "setup.sh: could not install chromium; the report's browser test will be skipped" >&2
fi
echo "synthkit installed in .venv/ ($(.venv/bin/synthkit --version))"
