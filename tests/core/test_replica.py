"""Read-only views on a PostgreSQL streaming replica (issue #20), on 127.0.0.1.

The test starts its own primary and a streaming replica of it (initdb, pg_basebackup -R; as the
postgres user when run as root), migrates and loads the demo on the primary, and runs two
gunicorn hosts against the pair: one that accepts a replica an hour behind, one that accepts a
second. With replay paused on the replica, a write goes to the primary (the replica would refuse
it), an undeclared read sees it at once, a view declared ``reads_replica`` does not (it read the
replica) while a token issued that moment is accepted for it (the guard reads the primary), and on the strict host it does (the replica is too far behind: the primary answers, and
the host logs why); once replay resumes the declared view sees it too; with the replica stopped
the primary answers, logged. A client that wrote (an API token, through a second host sharing
Redis; a browser's session) reads its write back on a declared view from the primary while replay
is paused, while others read the replica; once the replica has replayed it, the replica again.
Row-level security's tenant setting is applied on replica
connections: an ordinary role sees one township's rows there, and none outside a tenant.
Needs PostgreSQL 15's server binaries; skipped with the reason otherwise.
"""
from __future__ import annotations

import http.cookiejar
import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from tests.core.scaleout import ADMIN, ROOT, TOWN, Http, PgCluster, Proc, base_env, free_port, gridgov, \
    pg_cluster_missing, redis_up, sign_in, wait_healthy

APP_ROLE = "gridgov_app"  # an ordinary role: row-level security applies to it (superusers skip it)


@pytest.fixture(scope="module")
def cluster():
    missing = pg_cluster_missing()
    if missing:
        pytest.skip(f"no PostgreSQL primary and replica can be started here: {missing}")
    pair = PgCluster()
    try:
        pair.start()
        folder = pair.folder / "owner"
        owner = base_env(DATABASE_URL=pair.url(pair.primary_port), UPLOAD_DIR=str(folder / "uploads"),
                         GRIDGOV_INSTANCE=str(folder))
        gridgov("db", "upgrade", env=owner)
        gridgov("demo", env=owner)
        pair.sql(pair.primary_port, f"CREATE ROLE {APP_ROLE} LOGIN; "
                 f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}; "
                 f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
        pair.wait_caught_up()
        yield pair
    finally:
        pair.stop()


def _host(cluster, tmp_path, name, **settings) -> tuple[Proc, str]:
    env = base_env(DATABASE_URL=cluster.url(cluster.primary_port, user=APP_ROLE),
                   GRIDGOV_DATABASE_REPLICA_URL=cluster.url(cluster.replica_port, user=APP_ROLE),
                   GRIDGOV_REPLICA_CHECK_SECONDS="0", UPLOAD_DIR=str(tmp_path / "uploads"),
                   GRIDGOV_INSTANCE=str(tmp_path / name), **settings)
    port = free_port()
    proc = Proc([sys.executable, "-m", "core.cli_main", "run", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                 "--no-consumer"], env)
    return proc, f"http://127.0.0.1:{port}"


def _reported(client: Http) -> int:
    status, body, _ = client.get(f"/api/v1/t/{TOWN}/incidents/numbers")
    assert status == 200, body
    return body["reported"]


def test_declared_reads_go_to_a_fresh_replica_and_to_the_primary_otherwise(cluster, tmp_path):
    cluster.wait_caught_up()
    loose, loose_base = _host(cluster, tmp_path, "loose", GRIDGOV_REPLICA_MAX_LAG="3600")
    strict, strict_base = _host(cluster, tmp_path, "strict", GRIDGOV_REPLICA_MAX_LAG="1")
    try:
        wait_healthy(loose_base, loose)
        wait_healthy(strict_base, strict)
        token = sign_in(Http(loose_base))
        cluster.wait_caught_up()
        client, strict_client = Http(loose_base, token), Http(strict_base, token)
        before = _reported(client)
        assert _reported(strict_client) == before
        status, grids, _ = client.get(f"/api/v1/t/{TOWN}/grids?per_page=5")
        status, cats, _ = client.get(f"/api/v1/t/{TOWN}/incidents/categories")
        category_id = (cats["items"] if isinstance(cats, dict) else cats)[0]["id"]

        cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_pause()")
        status, made, _ = client.post(f"/api/v1/t/{TOWN}/incidents", {
            "category_id": category_id, "grid_id": grids["items"][-1]["id"], "description": "副本测试"})
        assert status == 201, made  # on the primary: the replica refuses every write
        status, seen, _ = client.get(f"/api/v1/t/{TOWN}/incidents/{made['id']}")
        assert status == 200  # not declared: read on the primary, sees the write at once
        assert _reported(client) == before + 1  # declared, but its own client wrote: the primary answers
        # another client reads the replica, which (paused) has not replayed the write; its token,
        # issued now, is not on the replica either: the guard finds it on the primary
        assert _reported(Http(loose_base, sign_in(Http(loose_base)))) == before

        time.sleep(1.5)  # replay stays paused: the replica is now more than a second behind
        assert _reported(strict_client) == before + 1  # too far behind for this host: the primary answered
        assert "replica skipped, the primary answers: lagging" in strict.output(20000)

        cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_resume()")
        cluster.wait_caught_up()
        assert _reported(client) == before + 1  # replayed: the replica has it now

        cluster.stop_server(cluster.replica)
        try:
            assert _reported(client) == before + 1  # the replica is down: the primary answers
            assert "replica skipped, the primary answers: down" in loose.output(20000)
            status, body, _ = client.get(f"/api/v1/t/{TOWN}/people/stats")
            assert status == 200, body
        finally:
            cluster.start_server(cluster.replica, cluster.replica_port)
    finally:
        try:  # a failure above may leave replay paused: the module's next tests wait for catch-up
            cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_resume()")
        except Exception:  # noqa: BLE001 - the replica may be down; its failure is reported above
            pass
        loose.stop()
        strict.stop()


SNIPPET = """
import json
from sqlalchemy import func, select, text
from core import create_app
from core.db import db
from core.models import Tenant
from core.people.models import Person
from core.replica import replica_reads
from core.tenancy import cross_tenant, tenant_context

app = create_app()
out = {}
with app.app_context():
    with cross_tenant("test: the townships and their people"):
        towns = db.session.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.id)).all()
        counts = dict(db.session.execute(select(Person.tenant_id, func.count()).group_by(Person.tenant_id)).all())
    db.session.commit()
    town = next(t for t in towns if counts.get(t.id))
    with replica_reads() as on_replica, tenant_context(town.id):
        out["on_replica"] = on_replica
        out["in_recovery"], out["tenant_setting"] = db.session.execute(
            text("SELECT pg_is_in_recovery(), current_setting('gridgov.tenant_id', true)")).one()
        out["seen"] = db.session.execute(text("SELECT count(*), count(DISTINCT tenant_id) FROM core_person")).one()
    with replica_reads():
        out["outside"] = db.session.execute(text("SELECT count(*) FROM core_person")).scalar()
    out["expected"], out["tenant"], out["townships_with_people"] = counts[town.id], town.id, len(counts)
print(json.dumps(out, default=list))
"""


def test_row_security_holds_on_replica_connections(cluster, tmp_path):
    """Raw SQL (which the ORM guard does not see) on the replica as an ordinary role: one
    township's rows inside its context, none outside any."""
    cluster.wait_caught_up()
    env = base_env(DATABASE_URL=cluster.url(cluster.primary_port, user=APP_ROLE),
                   GRIDGOV_DATABASE_REPLICA_URL=cluster.url(cluster.replica_port, user=APP_ROLE),
                   GRIDGOV_REPLICA_MAX_LAG="3600", GRIDGOV_INSTANCE=str(tmp_path / "snippet"))
    done = subprocess.run([sys.executable, "-c", SNIPPET], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["townships_with_people"] > 1
    assert out["on_replica"] and out["in_recovery"] is True and out["tenant_setting"] == str(out["tenant"])
    assert out["seen"] == [out["expected"], 1]
    assert out["outside"] == 0


@pytest.mark.parametrize("settings, named", [
    ({"DATABASE_URL": "sqlite:///x.db", "GRIDGOV_DATABASE_REPLICA_URL": "postgresql://r/db"},
     "GRIDGOV_DATABASE_REPLICA_URL"),
    ({"DATABASE_URL": "postgresql://p/db", "GRIDGOV_DATABASE_REPLICA_URL": "postgresql://r/db",
      "GRIDGOV_REPLICA_MAX_LAG": "soon"}, "GRIDGOV_REPLICA_MAX_LAG"),
    ({"DATABASE_URL": "postgresql://p/db", "GRIDGOV_DATABASE_REPLICA_URL": "postgresql://r/db",
      "GRIDGOV_REPLICA_CHECK_SECONDS": "-1"}, "GRIDGOV_REPLICA_CHECK_SECONDS"),
])
def test_a_replica_setting_that_cannot_work_is_refused_naming_it(tmp_path, settings, named):
    from core.config import ConfigError, build_config

    with pytest.raises(ConfigError, match=named):
        build_config(str(tmp_path), {"TESTING": True, **settings})


def test_the_replica_gets_its_own_engine_with_a_bounded_connect(tmp_path):
    from core.config import build_config

    config = build_config(str(tmp_path), {"TESTING": True, "DATABASE_URL": "postgresql://p/db",
                                          "GRIDGOV_DATABASE_REPLICA_URL": "postgresql://r/db",
                                          "GRIDGOV_DB_POOLER": "transaction"})
    bind = config["SQLALCHEMY_BINDS"]["replica"]
    assert bind["url"] == "postgresql+psycopg://r/db"
    assert bind["connect_args"] == {"prepare_threshold": None, "connect_timeout": 2}
    assert config["GRIDGOV_REPLICA_MAX_LAG"] == 10 and config["GRIDGOV_REPLICA_CHECK_SECONDS"] == 5
    assert "SQLALCHEMY_BINDS" not in build_config(str(tmp_path), {"TESTING": True})


# --- reading one's own writes (issue #20 item 3) ---------------------------------------------

def _login(base: str):
    """A browser-like client of the console: the session cookie and the CSRF header of a sign-in."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = urllib.request.Request(base + "/api/v1/auth/login", data=json.dumps(ADMIN).encode(),
                                   headers={"Content-Type": "application/json"}, method="POST")
    with opener.open(login, timeout=15) as resp:
        csrf = json.loads(resp.read())["csrf_token"]

    def call(method, path, body=None, base=base):
        """JSON, or for a console page (``/t/...``) its form, urlencoded; redirects followed."""
        if path.startswith("/t/"):
            data, kind = urllib.parse.urlencode(body).encode(), "application/x-www-form-urlencoded"
        else:
            data, kind = (json.dumps(body).encode() if body is not None else None), "application/json"
        request = urllib.request.Request(base + path, data=data, method=method,
                                         headers={"Content-Type": kind, "X-CSRFToken": csrf})
        with opener.open(request, timeout=15) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if kind == "application/json" else resp.url)

    return call


def test_a_clients_own_writes_are_read_from_the_primary_until_the_replica_replays_them(cluster, tmp_path):
    """With replay paused, the client that wrote (a browser's session, an API token; through a
    second host sharing Redis) sees its write on a declared page, another client still reads the
    replica; once the replica has replayed the write both read the replica again."""
    if not redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379 (the hosts share API clients' markers through it)")
    cluster.wait_caught_up()
    shared = {"GRIDGOV_REPLICA_MAX_LAG": "3600", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    one, one_base = _host(cluster, tmp_path, "one", **shared)
    two, two_base = _host(cluster, tmp_path, "two", **shared)
    numbers = f"/api/v1/t/{TOWN}/incidents/numbers"
    try:
        wait_healthy(one_base, one)
        wait_healthy(two_base, two)
        writer, other = Http(one_base, sign_in(Http(one_base))), Http(two_base, sign_in(Http(two_base)))
        browser = _login(one_base)
        status, grids, _ = other.get(f"/api/v1/t/{TOWN}/grids?per_page=5")
        status, cats, _ = other.get(f"/api/v1/t/{TOWN}/incidents/categories")
        incident = {"category_id": (cats["items"] if isinstance(cats, dict) else cats)[0]["id"],
                    "grid_id": grids["items"][-1]["id"], "description": "读己之写"}
        cluster.wait_caught_up()
        before = _reported(other)
        time.sleep(0.2)  # the sign-ins' own markers are behind the replay position probed next

        cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_pause()")
        try:
            # an API token writes through host one and reads through host two: the primary
            status, made, _ = writer.post(f"/api/v1/t/{TOWN}/incidents", incident)
            assert status == 201, made
            assert _reported(Http(two_base, writer.token)) == before + 1
            assert _reported(other) == before  # another client: the (paused) replica
            # a browser reports through the console's form, then opens the numbers on the other host
            status, landed = browser("POST", f"/t/{TOWN}/incidents/new", incident)
            assert status == 200 and "/incidents/new" not in landed, landed  # saved: sent to the incident
            assert browser("GET", numbers, base=two_base)[1]["reported"] == before + 2
            assert _reported(other) == before
        finally:
            cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_resume()")
        cluster.wait_caught_up()
        assert _reported(other) == before + 2
        # caught up: the writers' reads are back on the replica, shown by pausing replay again and
        # writing behind their backs (another client's write is not theirs to wait for)
        cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_pause()")
        try:
            status, made, _ = other.post(f"/api/v1/t/{TOWN}/incidents", incident)
            assert status == 201, made
            assert _reported(Http(two_base, writer.token)) == before + 2
            assert browser("GET", numbers, base=two_base)[1]["reported"] == before + 2
            assert _reported(other) == before + 3  # its own write: the primary
        finally:
            cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_resume()")
        cluster.wait_caught_up()
    finally:
        one.stop()
        two.stop()


@pytest.mark.parametrize("marker, replayed, age, expected", [
    (None, 100, 0, False),                 # never wrote
    ([200, None], 100, 1, True),           # wrote at 200, the replica has replayed up to 100
    ([200, None], 200, 1, False),          # replayed exactly its position
    ([200, None], 300, 1, False),          # and past it
    ([200, None], None, 1, True),          # replay position unknown: the window decides
    ([None, None], 300, 1, True),          # WAL position unknown: the window decides
    ([200, None], 100, 10, False),         # the lag bound (10 s) has passed since the write
    ("garbage", 100, 0, False),            # not one of our markers
])
def test_the_own_write_decision(marker, replayed, age, expected):
    from core.replica import own_write_unseen

    now = 1_000_000.0
    if isinstance(marker, list):
        marker = [marker[0], now - age]
    why = own_write_unseen(marker, replayed, now, 10)
    assert bool(why) is expected
    if expected:
        assert "not replayed yet" in why


def test_wal_positions_compare_as_numbers():
    from core.replica import _lsn_text, lsn_number

    assert lsn_number("0/3000060") < lsn_number("0/30000A0") < lsn_number("1/0")
    assert lsn_number(None) is None
    assert _lsn_text(lsn_number("16/B374D848")) == "16/B374D848"


def test_which_requests_count_as_their_clients_writes(app, create_tenant, create_user, api_as):
    """The requests after which a client reads the primary (on any database; without a replica the
    mark is set and nothing reads it): a committed write does, a declared read does not, nor a
    write refused before anything was saved."""
    from flask import request, request_finished

    from core.replica import _WROTE

    marked = []

    def note(sender, response, **extra):
        marked.append(bool(request.environ.get(_WROTE)))

    town = create_tenant(name="读写镇")
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    request_finished.connect(note, app)
    try:
        assert admin.get(f"/api/v1/t/{town.slug}/people/stats").status_code == 200
        assert admin.get(f"/api/v1/t/{town.slug}/grids").status_code == 200
        assert admin.post(f"/api/v1/t/{town.slug}/grids", json={"name": "新网格"}).status_code == 201
        assert admin.post(f"/api/v1/t/{town.slug}/grids", json={"name": ""}).status_code == 422
    finally:
        request_finished.disconnect(note, app)
    assert marked == [False, False, True, False]
