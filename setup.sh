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
# Exactly the tested environment: every package, transitive ones included, at the version and hash in
# requirements.lock (made by ./lock.sh from pyproject.toml and constraints.txt). torch is the CPU build
# (a local wheel where the machine provides one, through PIP_FIND_LINKS).
"${PIP[@]}" install -q --require-hashes --no-deps -r requirements.lock
# synthkit itself, editable, with nothing resolved beyond the lock.
"${PIP[@]}" install -q --no-deps --no-build-isolation -e .
# Its bytecode, compiled now: every synthkit process (a synth run's driver, a spawned worker) otherwise
# compiles the sources it imports where bytecode cannot be written (PYTHONDONTWRITEBYTECODE, a read-only
# checkout) — ~0.07 s per process start, measured (bench/profile_synth.py).
.venv/bin/python -m compileall -q synthkit >/dev/null
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
# MBROLA and six of its diphone voices (Arabic, Hebrew, Turkish: --backend/--donor mbrola), from Debian's archive: pinned packages,
# checked by SHA-256, unpacked into .venv/share/synthkit-mbrola (no root; kept when already there).
.venv/bin/python -m synthkit.tts.mbrola_install \
  || echo "setup.sh: MBROLA could not be installed; --backend mbrola and its tests need it (see 'synthkit doctor')" >&2
# From Debian, installed only when missing and this script may use apt-get:
# * headless Chromium, for the test that opens `synthkit check --report` in a browser (tests/test_report.py);
# * FFmpeg's shared libraries, which torchcodec needs to decode audio (datasets' Audio column, coqui-tts).
apt_want=()
command -v chromium >/dev/null 2>&1 || apt_want+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libavcodec\.so' || apt_want+=(libavcodec59 libavformat59 libavutil57 libswresample4 libavdevice59 libavfilter8 libswscale6)
if [ ${#apt_want[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_want[@]}" >/dev/null; } \
    || echo "setup.sh: could not install ${apt_want[*]} with apt-get; see 'synthkit doctor'" >&2
fi
echo "synthkit installed in .venv/ ($(.venv/bin/synthkit --version))"
