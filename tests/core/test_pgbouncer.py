"""gridgov through PgBouncer in transaction mode (issue #20), on 127.0.0.1.

PgBouncer hands each transaction to whichever server connection is free, so nothing may outlive
a transaction on the server: no statements prepared server-side (psycopg prepares a query after
it ran five times on a connection; ``GRIDGOV_DB_POOLER=transaction`` turns that off), no session
``SET`` (the tenant for row-level security is ``SET LOCAL``, which ends with the transaction).
The test starts its own PgBouncer in front of a scratch database (two server connections for
many clients), migrates and loads the demo through it, and runs HTTP smoke checks against a
gunicorn host that reaches the database only through it: sign-in, lists read often enough to be
prepared, writes read back, from several threads at once. PostgreSQL only.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from core.testing import scratch_database
from tests.core.scaleout import ADMIN, TOWN, Http, Proc, base_env, free_port, gridgov, wait_healthy

PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
POOL_SIZE = 2  # server connections per database: fewer than the host's workers, so they are shared

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")),
                                reason="PgBouncer pools PostgreSQL connections: set DATABASE_URL to a PostgreSQL server")


def _wait_port(port: int, proc: Proc, seconds: float = 30) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise AssertionError(f"pgbouncer exited: {proc.output()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"pgbouncer not listening: {proc.output()}")


@pytest.fixture
def bouncer():
    """(URL through PgBouncer, its port, the scratch database's name); stopped and dropped after."""
    if PGBOUNCER is None:
        pytest.skip("pgbouncer is not installed (Debian: apt-get install pgbouncer); .ci/run installs it")
    url, drop = scratch_database("gridgov_bouncer")
    real = make_url(url)
    folder = Path(tempfile.mkdtemp(prefix="gridgov-pgbouncer-"))
    port = free_port()
    (folder / "userlist.txt").write_text(f'"{real.username}" ""\n')
    (folder / "pgbouncer.ini").write_text(f"""[databases]
{real.database} = host={real.host or '127.0.0.1'} port={real.port or 5432} dbname={real.database} user={real.username}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / 'userlist.txt'}
admin_users = {real.username}
pool_mode = transaction
default_pool_size = {POOL_SIZE}
max_client_conn = 200
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = {folder / 'pgbouncer.log'}
pidfile = {folder / 'pgbouncer.pid'}
""")
    args = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(folder, "postgres")
        for path in folder.iterdir():
            shutil.chown(path, "postgres")
        args[1:1] = ["-u", "postgres"]
    proc = Proc(args, os.environ.copy())
    try:
        _wait_port(port, proc)
        yield real.set(port=port, host="127.0.0.1").render_as_string(hide_password=False), port, real.database, proc
    finally:
        proc.stop()
        drop()
        shutil.rmtree(folder, ignore_errors=True)


def _pools(port: int, database: str, user: str) -> dict:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, dbname="pgbouncer", user=user, autocommit=True,
                         prepare_threshold=None) as conn:
        cur = conn.execute("SHOW POOLS")
        names = [c.name for c in cur.description]
        return next(dict(zip(names, row)) for row in cur.fetchall() if row[names.index("database")] == database)


def test_the_app_runs_through_pgbouncer_in_transaction_mode(bouncer, tmp_path):
    url, port, database, pgbouncer = bouncer
    env = base_env(DATABASE_URL=url, GRIDGOV_DB_POOLER="transaction", UPLOAD_DIR=str(tmp_path / "uploads"),
                   GRIDGOV_INSTANCE=str(tmp_path / "instance"))
    gridgov("db", "upgrade", env=env)
    gridgov("demo", env=env)
    web_port = free_port()
    host = Proc([sys.executable, "-m", "core.cli_main", "run", "--bind", f"127.0.0.1:{web_port}", "--workers", "3",
                 "--no-consumer"], env)
    try:
        base = f"http://127.0.0.1:{web_port}"
        wait_healthy(base, host)
        api = f"/api/v1/t/{TOWN}"

        # sign-in: a session (cookie and CSRF token) and a bearer token
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login = urllib.request.Request(base + "/api/v1/auth/login", data=json.dumps(ADMIN).encode(),
                                       headers={"Content-Type": "application/json"}, method="POST")
        with opener.open(login, timeout=15) as resp:
            assert resp.status == 200 and json.loads(resp.read())["username"] == ADMIN["login"]
        with opener.open(base + "/api/v1/auth/me", timeout=15) as resp:
            assert json.loads(resp.read())["username"] == ADMIN["login"]
        status, body, _ = Http(base).post(f"{api}/tokens/issue", {**ADMIN, "name": "bouncer", "expires_in_days": 1})
        assert status == 201, body
        client = Http(base, body["token"])
        status, grids, _ = client.get(f"{api}/grids?per_page=5")
        assert status == 200 and grids["items"]
        grid_id = grids["items"][-1]["id"]
        status, cats, _ = client.get(f"{api}/incidents/categories")
        category_id = (cats["items"] if isinstance(cats, dict) else cats)[0]["id"]

        # lists and writes from four threads at once, each query repeated past psycopg's prepare
        # threshold (5), on three workers sharing two server connections
        problems, made = [], []

        def work(w: int) -> None:
            for n in range(8):
                for path in (f"{api}/incidents?per_page=5", f"{api}/people?per_page=5", f"{api}/grids?per_page=5"):
                    status, answer, _ = client.get(path)
                    if status != 200:
                        problems.append((path, status, answer))
                text = f"经连接池 {w}-{n}"
                status, answer, _ = client.post(f"{api}/incidents", {"category_id": category_id, "grid_id": grid_id,
                                                                      "description": text})
                if status != 201:
                    problems.append(("write", status, answer))
                else:
                    made.append((answer["id"], text))

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
        assert not problems, problems[:3]
        assert len(made) == 32
        for incident_id, text in made:
            status, seen, _ = client.get(f"{api}/incidents/{incident_id}")
            assert status == 200 and seen["description"] == text
        pools = _pools(port, database, make_url(url).username)
        assert pools["pool_mode"] == "transaction"
        assert pools["sv_active"] + pools["sv_idle"] + pools["sv_used"] + pools["sv_tested"] + pools["sv_login"] <= POOL_SIZE
        assert "prepared statement" not in host.output(20000)
    finally:
        host.stop()
