#!/usr/bin/env bash
# Check every locked dependency against the PyPI advisory database with pip-audit; fails when one
# has a known vulnerability (pip-audit's exit status). Run by .ci/run. pip-audit lives in its own
# throwaway environment so it never shares gridgov's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${TMPDIR:-/tmp}/gridgov-audit-tools"
[ -x "$tools/bin/pip-audit" ] || { python3 -m venv "$tools" && "$tools/bin/pip" install -q pip-audit; }
# --no-deps: the lock already lists every dependency, pinned; --disable-pip: nothing to install
exec "$tools/bin/pip-audit" --requirement "$ROOT/requirements.lock" --no-deps --disable-pip --progress-spinner off "$@"
