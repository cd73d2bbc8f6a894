#!/usr/bin/env bash
# The PostgreSQL role the test suite (and production) connects as: an ordinary role, so that
# row-level security applies to it. Superusers and BYPASSRLS roles skip every policy, FORCE or
# not, and a suite run as `postgres` would pass whether the policies held or not.
# Creates (or corrects) the role `gridgov` (LOGIN, CREATEDB for the scratch databases of the
# tests, NOSUPERUSER, NOBYPASSRLS) and a database `gridgov` it owns, connecting as the server's
# superuser (PGADMIN_URL, default postgresql://postgres@127.0.0.1:5432/postgres), then prints the
# URL to use as DATABASE_URL. Idempotent.
set -euo pipefail
admin="${PGADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
role="${GRIDGOV_PG_ROLE:-gridgov}"
psql -q -v ON_ERROR_STOP=1 -d "$admin" >/dev/null <<SQL
DO \$\$BEGIN
  CREATE ROLE "$role" LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object THEN
  ALTER ROLE "$role" LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS;
END\$\$;
SQL
if [ "$(psql -tA -d "$admin" -c "SELECT 1 FROM pg_database WHERE datname = '$role'")" != "1" ]; then
  psql -q -v ON_ERROR_STOP=1 -d "$admin" -c "CREATE DATABASE \"$role\" OWNER \"$role\"" >/dev/null
fi
host="$(printf '%s' "$admin" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#')"
echo "postgresql://$role@$host/$role"
