#!/usr/bin/env bash
# Regenerate docs/reliability.md: run the tests that probe, race, fuzz, inject faults and round-trip
# data (each notes what it did through the `reliability` fixture), then write the figures.
# DATABASE_URL=postgresql://... runs them on PostgreSQL. Extra arguments go to pytest.
source "$(dirname "$0")/env.sh"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
tests=$(grep -rl "reliability(" tests examples/*/tests --include='test_*.py' | sort)
GRIDGOV_RELIABILITY_LOG="$log" python -m pytest -q -n 2 $tests "$@"
python -m core.reliability_report "$log" docs/reliability.md
