#!/usr/bin/env bash
# Set up the environment and run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL
# names one). Extra arguments go to pytest.
source "$(dirname "$0")/env.sh"
exec python -m pytest "$@"
