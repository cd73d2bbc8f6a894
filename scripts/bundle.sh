#!/usr/bin/env bash
# Build the offline bundle: the wheels of gridgov and of every dependency in requirements.lock
# (runtime only, or with --dev the test tools too), in one folder to carry onto an intranet machine:
#   bash scripts/bundle.sh [--dev] [OUTDIR]      (default dist/bundle)
# There, with Python 3.11 and no internet (README, "Installing without internet"):
#   python3.11 -m venv .venv && .venv/bin/pip install --no-index --find-links bundle/ gridgov
set -euo pipefail
source "$(dirname "$0")/env.sh"
dev=""
if [ "${1:-}" = "--dev" ]; then dev=1; shift; fi
out="${1:-dist/bundle}"
mkdir -p "$out"
reqs="$(mktemp)"
if [ -n "$dev" ]; then
  grep -v '^#' requirements.lock > "$reqs"
else
  # runtime pins only: drop what only the dev extra pulls in
  python - "$reqs" <<'PY'
import re, subprocess, sys
from importlib.metadata import distribution
from packaging.requirements import Requirement
runtime, seen, todo = set(), set(), [("gridgov", "")]
while todo:
    name, extra = todo.pop()
    for spec in distribution(name).requires or []:
        req = Requirement(spec)
        if req.marker and not req.marker.evaluate({"extra": extra}):
            continue
        runtime.add(re.sub(r"[-_.]+", "-", req.name).lower())
        for wanted in [""] + sorted(req.extras):   # psycopg[binary] pulls psycopg-binary
            if (req.name, wanted) not in seen:
                seen.add((req.name, wanted))
                todo.append((req.name, wanted))
with open("requirements.lock") as src, open(sys.argv[1], "w") as dst:
    for line in src:
        m = re.match(r"([A-Za-z0-9._-]+)==", line)
        if m and re.sub(r"[-_.]+", "-", m.group(1)).lower() in runtime:
            dst.write(line.split("#")[0].strip() + "\n")
PY
fi
python -m pip wheel --quiet --no-deps -r "$reqs" -w "$out"
python -m pip wheel --quiet --no-deps . -w "$out"
cp requirements.lock "$out/"
rm -f "$reqs"
echo "bundle: $(ls "$out" | grep -c '\.whl$') wheels in $out"
