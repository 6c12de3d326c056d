#!/usr/bin/env bash
# Refresh requirements.lock: every package ./setup.sh installs, transitive ones included, resolved by uv
# from pyproject.toml (extra "all") under constraints.txt, with SHA-256 hashes. Run it, run the tests,
# commit the lock. Needs uv (in .venv after ./setup.sh) and the registry; the CPU build of torch is taken
# from PIP_FIND_LINKS (/opt/wheels on these machines) or https://download.pytorch.org/whl/cpu.
set -euo pipefail
cd "$(dirname "$0")"
UV="${UV:-.venv/bin/uv}"
[ -x "$UV" ] || UV=uv
links=()
for d in ${PIP_FIND_LINKS:-/opt/wheels}; do [ -d "$d" ] && links+=(--find-links "$d"); done
"$UV" pip compile pyproject.toml --extra all -c constraints.txt "${links[@]}" \
  --index-url https://pypi.org/simple --index-strategy unsafe-best-match \
  --python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes \
  --no-emit-package synthkit --custom-compile-command ./lock.sh -o requirements.lock -q "$@"
# Say why a pin is held back, next to it (reasons live in constraints.txt, as "# ..." lines above a pin).
PY=.venv/bin/python; [ -x "$PY" ] || PY=python3
"$PY" - <<'PY'
import re

notes, block = {}, []
for line in open("constraints.txt", encoding="utf-8"):
    if line.startswith("#"):
        block.append(line)
        continue
    if line.strip():
        name = re.split(r"[<>=!~; ]", line.strip(), maxsplit=1)[0].lower()
        if block:
            notes[name] = "".join("# (constraints.txt) " + b[2:] if b.startswith("# ") else b for b in block)
    block = []
out = []
for line in open("requirements.lock", encoding="utf-8"):
    m = re.match(r"([A-Za-z0-9_.\-]+)==", line)
    if m and m.group(1).lower() in notes:
        out.append(notes[m.group(1).lower()])
    out.append(line)
open("requirements.lock", "w", encoding="utf-8").writelines(out)
PY
