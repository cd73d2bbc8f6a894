#!/usr/bin/env bash
# Check every locked dependency against the PyPI advisory database with pip-audit; fails when one
# has a known vulnerability (pip-audit's exit status). Run by .ci/run. pip-audit lives in its own
# throwaway environment so it never shares gridgov's.
#
# pip-audit skips a package it finds no advisory data for, and still says "No known
# vulnerabilities found". Behind a PyPI mirror that serves only the package index (no JSON API:
# pypi.org/pypi/<name>/<version>/json answers 404) and with OSV (api.osv.dev) unreachable, it
# skips every package, so that line proves nothing. This script counts the skipped packages and
# says so: "NOT AUDITED" when none could be checked, the count when some could not. It then exits
# 0 (the audit could not run; nothing is known to be wrong), or 2 with GRIDGOV_AUDIT_STRICT=1 (a
# CI that has the advisory data must fail when it loses it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${TMPDIR:-/tmp}/gridgov-audit-tools"
[ -x "$tools/bin/pip-audit" ] || { python3 -m venv "$tools" && "$tools/bin/pip" install -q pip-audit; }
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
status=0
# --no-deps: the lock already lists every dependency, pinned; --disable-pip: nothing to install
"$tools/bin/pip-audit" --requirement "$ROOT/requirements.lock" --no-deps --disable-pip --progress-spinner off \
  --format json --output "$report" "$@" || status=$?
read -r total skipped vulnerable < <("$tools/bin/python" - "$report" <<'PY'
import json, sys
deps = json.load(open(sys.argv[1]))["dependencies"]
print(len(deps), sum("skip_reason" in d for d in deps), sum(bool(d.get("vulns")) for d in deps))
PY
)
"$tools/bin/python" - "$report" <<'PY'
import json, sys
for dep in json.load(open(sys.argv[1]))["dependencies"]:
    for vuln in dep.get("vulns", []):
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
PY
if [ "$total" -gt 0 ] && [ "$skipped" -eq "$total" ]; then
  echo "NOT AUDITED: pip-audit found no advisory data for any of the $total locked packages (the" \
       "package index answers no vulnerability queries here, and OSV is unreachable); no vulnerability" \
       "is known, but none was looked for"
  [ "${GRIDGOV_AUDIT_STRICT:-0}" = 1 ] && exit 2
  exit "$status"
fi
[ "$skipped" -gt 0 ] && echo "warning: $skipped of $total locked packages could not be audited (no advisory data)"
echo "audited $((total - skipped)) of $total locked packages: $vulnerable with a known vulnerability"
exit "$status"
