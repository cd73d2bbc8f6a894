"""``gridgov db partition``: the largest tables hash-partitioned by ``tenant_id`` on PostgreSQL
(issue #20), on a scratch database with the demo loaded: rows, keys, foreign keys both ways,
grants and row-level security kept; the app reads and writes through the parent; the schema still
matches the migrations and the Citus rules; a second run changes nothing. PostgreSQL only."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core.partition import LARGEST
from core.testing import scratch_database
from tests.core.scaleout import ROOT, TOWN, Http, Proc, base_env, free_port, gridgov, sign_in, wait_healthy

on_postgresql = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")),
                                reason="partitioning is PostgreSQL's: set DATABASE_URL to a PostgreSQL server")

CHECK = """
import json
from sqlalchemy import text
from core import create_app
from core.db import db
from core.distribution import schema, violations
from core.migrate import schema_differences
app = create_app()
with app.app_context():
    out = {"violations": violations(schema(db.engine)),
           "differences": {k: [str(d) for d in v] for k, v in schema_differences().items() if v}}
print(json.dumps(out))
"""


def _sql(url: str, statement: str, **params):
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("SELECT set_config('gridgov.bypass_rls', 'on', false)")  # every township's rows
        return conn.execute(statement, params).fetchall()


@on_postgresql
def test_the_largest_tables_are_partitioned_by_tenant_and_the_app_works_on_them(tmp_path):
    url, drop = scratch_database("gridgov_partition")
    env = base_env(DATABASE_URL=url, UPLOAD_DIR=str(tmp_path / "uploads"), GRIDGOV_INSTANCE=str(tmp_path / "instance"))
    host = None
    try:
        gridgov("db", "upgrade", env=env)
        gridgov("demo", env=env)
        counts = {t: _sql(url, f"SELECT count(*), count(DISTINCT tenant_id) FROM {t}")[0] for t in LARGEST}
        assert counts["incidents_incident"][0] and counts["core_audit_entry"][0]
        steps = _sql(url, "SELECT count(*) FROM incidents_step")[0][0]

        done = gridgov("db", "partition", "--partitions", "4", env=env)
        for table in LARGEST:
            assert table in done.stdout
            assert _sql(url, "SELECT relkind FROM pg_class WHERE relname = %(t)s", t=table) == [("p",)]
            assert _sql(url, "SELECT count(*) FROM pg_inherits WHERE inhparent = %(t)s::regclass", t=table) == [(4,)]
            assert _sql(url, f"SELECT count(*), count(DISTINCT tenant_id) FROM {table}")[0] == counts[table]
            # every township's rows in one partition
            spread = _sql(url, f"SELECT tenant_id, count(DISTINCT tableoid) FROM {table} GROUP BY tenant_id")
            assert all(n == 1 for _, n in spread)
            assert _sql(url, """SELECT pg_get_constraintdef(oid) FROM pg_constraint
                                WHERE conrelid = %(t)s::regclass AND contype = 'p'""", t=table) == [
                ("PRIMARY KEY (tenant_id, id)",)]
        # foreign keys pointing at a partitioned table are back, and hold
        assert _sql(url, """SELECT count(*) FROM pg_constraint WHERE contype = 'f'
                            AND conrelid = 'incidents_step'::regclass AND confrelid = 'incidents_incident'::regclass""") \
            == [(1,)]
        assert _sql(url, "SELECT count(*) FROM incidents_step")[0][0] == steps
        security = dict((r[0], r[1:]) for r in _sql(url, """
            SELECT relname, relrowsecurity, relforcerowsecurity, (SELECT count(*) FROM pg_policy WHERE polrelid = c.oid)
            FROM pg_class c WHERE relname = ANY(%(t)s)""", t=list(LARGEST)))
        assert security["incidents_incident"] == (True, True, 1)
        # the log's own four policies (read, append, no update, no delete: core/rls.py)
        assert security["core_audit_entry"] == (True, True, 4)

        checked = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True,
                                 timeout=180)
        assert checked.returncode == 0, checked.stderr[-3000:]
        assert json.loads(checked.stdout.strip().splitlines()[-1]) == {"violations": [], "differences": {}}

        again = gridgov("--lang", "en", "db", "partition", env=env)
        assert again.stdout.count("already partitioned") == len(LARGEST), again.stdout

        port = free_port()
        host = Proc([sys.executable, "-m", "core.cli_main", "run", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                     "--no-consumer"], env)
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, host)
        client = Http(base, sign_in(Http(base)))
        api = f"/api/v1/t/{TOWN}"
        status, grids, _ = client.get(f"{api}/grids?per_page=5")
        status, cats, _ = client.get(f"{api}/incidents/categories")
        category_id = (cats["items"] if isinstance(cats, dict) else cats)[0]["id"]
        status, made, _ = client.post(f"{api}/incidents", {"category_id": category_id, "grid_id": grids["items"][-1]["id"],
                                                           "description": "分区后上报"})
        assert status == 201, made
        status, seen, _ = client.get(f"{api}/incidents/{made['id']}")
        assert status == 200 and seen["description"] == "分区后上报"
        status, numbers, _ = client.get(f"{api}/incidents/numbers")
        assert status == 200 and numbers["reported"] >= 1
    finally:
        if host is not None:
            host.stop()
        drop()


def test_partition_refuses_sqlite_saying_why(tmp_path):
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", GRIDGOV_INSTANCE=str(tmp_path / "i"))
    done = subprocess.run([sys.executable, "-m", "core.cli_main", "--lang", "en", "db", "partition"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "PostgreSQL" in done.stderr
