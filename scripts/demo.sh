#!/usr/bin/env bash
# Set up gridgov on the embedded default (SQLite under instance/), load the demo townships and
# serve the console and API with gunicorn on http://127.0.0.1:8000 (sign in as admin / Demo-grid-2026).
source "$(dirname "$0")/env.sh"
export GRIDGOV_ENV="${GRIDGOV_ENV:-development}"
gridgov db upgrade
gridgov demo
exec gridgov run "$@"
