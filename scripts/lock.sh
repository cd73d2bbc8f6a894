#!/usr/bin/env bash
# Regenerate requirements.lock: the exact version of every dependency (runtime and dev), resolved
# from setup.cfg's lower bounds with pip-tools. Run it after changing setup.cfg; a test
# (tests/core/test_lock.py) fails while the lock is out of step.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
tools="${TMPDIR:-/tmp}/gridgov-lock-tools"
[ -x "$tools/bin/pip-compile" ] || { python3 -m venv "$tools" && "$tools/bin/pip" install -q pip-tools; }
"$tools/bin/pip-compile" --quiet --extra dev --strip-extras --allow-unsafe \
  --no-emit-index-url --no-emit-find-links --no-header --annotation-style line \
  --output-file requirements.lock setup.cfg
sed -i '1i # Exact versions of every dependency of gridgov, runtime and dev. Made by scripts/lock.sh from\n# setup.cfg; scripts/env.sh installs with it as constraints, scripts/bundle.sh downloads it.' requirements.lock
