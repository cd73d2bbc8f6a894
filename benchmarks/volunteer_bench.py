"""Check-in burst benchmark (not a unit test): N volunteers scanning the leader's QR code at one
activity, over HTTP, against gunicorn with several workers on 127.0.0.1.

    .venv/bin/python benchmarks/volunteer_bench.py                      # SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/volunteer_bench.py

It seeds a township with N confirmed volunteers, each with a confirmed place at one activity of
N slots, starts gunicorn (``--workers``), signs the leader in, fetches the current check-in code
from the leader's endpoint (again every 20 seconds, as the leader's screen does) and lets
``--concurrency`` phones post ``/me/scan`` until every volunteer has scanned once, bounded by
``--max-seconds``. It prints p50/p95 per check-in next to two floors measured in the same run
(``GET /healthz`` through the same gunicorn at the same concurrency, half before and half after
the burst, and a hand-written SQL insert and commit of one attendance row), the ratio of the
check-in to the ``/healthz`` floor (the headline on a shared machine) and the load average, then
checks that exactly N check-ins exist, none lost or doubled.
Options: ``--volunteers N`` (default 500), ``--workers``, ``--concurrency``, ``--max-seconds``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from core.testing import bench_app, percentile, print_results, timed  # noqa: E402

from township import PASSWORD, bench_township  # noqa: E402

SECRET = "bench"


def seed(app, n: int) -> dict:
    """A township, a leader, N confirmed volunteers with tokens and places at one activity."""
    from core.toolkit import Grid, db, tenant_context, utcnow
    from plugins.volunteer.models import Activity, Post, Signup, Volunteer

    with app.app_context():
        town = bench_township(grids=[{"name": "东门社区", "children": [{"name": "第一网格"}]}], levels=["社区", "网格"],
                              modules={"volunteer": {"min_minutes_before_checkout": 0}}, name="基准街道",
                              admin="benchleader", role="volunteer_leader")
        from core.auth.service import find_user

        leader = find_user("benchleader")
        tokens = [secrets.token_urlsafe(24) for _ in range(n)]
        with tenant_context(town):
            grid = db.session.scalar(select(Grid.id).where(Grid.name == "第一网格"))
            post = db.session.scalar(select(Post.id).limit(1))
            now = utcnow()
            db.session.execute(insert(Volunteer), [
                {"tenant_id": town.id, "name": f"志愿者{i}", "mobile": f"139{i:08d}", "status": "confirmed",
                 "skills": [], "availability": "", "is_party_member": False, "registered_at": now,
                 "confirmed_at": now, "token_hash": hashlib.sha256(t.encode()).hexdigest(), "created_at": now}
                for i, t in enumerate(tokens)])
            act = Activity(title="疫苗接种点秩序维护", post_id=post, grid_id=grid, place="卫生院门口",
                           starts_at=now + dt.timedelta(minutes=10), ends_at=now + dt.timedelta(hours=3), slots=n,
                           taken=n, leader_user_id=leader.id)
            floor_act = Activity(title="基准对照活动", post_id=post, grid_id=grid, starts_at=act.starts_at,
                                 ends_at=act.ends_at, slots=1, taken=0)
            db.session.add_all([act, floor_act])
            db.session.flush()
            ids = db.session.scalars(select(Volunteer.id).order_by(Volunteer.id)).all()
            db.session.execute(insert(Signup), [{"tenant_id": town.id, "activity_id": act.id, "volunteer_id": v,
                                                 "status": "confirmed", "queued_at": now, "confirmed_at": now}
                                                for v in ids])
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            return {"tenant_id": town.id, "activity_id": act.id, "floor_activity_id": floor_act.id, "tokens": tokens,
                    "volunteer_ids": ids}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "GRIDGOV_ENV": "development"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning", "core.wsgi:app"],
                            cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


class Leader:
    """The leader's screen: signed in, asking for a fresh code every 20 seconds."""

    def __init__(self, port: int, activity_id: int):
        self.port, self.activity_id, self.code, self.cookie = port, activity_id, None, ""
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("POST", "/api/v1/auth/login", json.dumps({"login": "benchleader", "password": PASSWORD}),
                     {"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        self.cookie = "; ".join(c.split(";")[0] for c in resp.headers.get_all("Set-Cookie") or [])
        self.refresh()
        self._stop = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def refresh(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port)
        conn.request("GET", f"/api/v1/t/benchtown/volunteer/activities/{self.activity_id}/code",
                     headers={"Cookie": self.cookie})
        resp = conn.getresponse()
        body = json.loads(resp.read())
        assert resp.status == 200, body
        self.code = body["code"]

    def _loop(self):
        while not self._stop.wait(20):
            self.refresh()

    def stop(self):
        self._stop.set()


def burst(port: int, leader: Leader, tokens: list[str], concurrency: int, max_seconds: float):
    """Every token scans once; returns (latencies in ms, statuses, seconds taken)."""
    local = threading.local()
    deadline = time.monotonic() + max_seconds

    def scan(token: str):
        if time.monotonic() > deadline:
            return None, "timeout"
        conn = getattr(local, "conn", None) or http.client.HTTPConnection("127.0.0.1", port)
        local.conn = conn
        body = json.dumps({"code": leader.code})
        start = time.perf_counter()
        conn.request("POST", "/api/v1/t/benchtown/volunteer/me/scan", body,
                     {"Content-Type": "application/json", "X-Volunteer-Token": token})
        resp = conn.getresponse()
        resp.read()
        return (time.perf_counter() - start) * 1000, resp.status

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        answers = list(pool.map(scan, tokens))
    return [a[0] for a in answers if a[0] is not None], [a[1] for a in answers], time.perf_counter() - began


def healthz_floor(port: int, n: int, concurrency: int) -> list[float]:
    local = threading.local()

    def ping(_):
        conn = getattr(local, "conn", None) or http.client.HTTPConnection("127.0.0.1", port)
        local.conn = conn
        start = time.perf_counter()
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        return (time.perf_counter() - start) * 1000

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(ping, range(n)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=120)
    args = parser.parse_args()
    from core.toolkit import db, tenant_context
    from plugins.volunteer.models import Attendance

    with bench_app() as app:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        data = seed(app, args.volunteers)
        with app.app_context():
            print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        port = free_port()
        proc = start_gunicorn(url, port, args.workers)
        try:
            leader = Leader(port, data["activity_id"])
            load_before = os.getloadavg()
            # the floor on both sides of the burst, so a change of load during the run shows in both
            floor_http = healthz_floor(port, 150, args.concurrency)
            latencies, statuses, seconds = burst(port, leader, data["tokens"], args.concurrency, args.max_seconds)
            floor_http += healthz_floor(port, 150, args.concurrency)
            load_after = os.getloadavg()
            leader.stop()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        with app.app_context():
            conn = db.engine.connect()

            next_volunteer = iter(data["volunteer_ids"])

            def floor_sql():
                """The least a check-in must do: insert its row (at an activity of its own) and commit."""
                with conn.begin():
                    conn.execute(text("INSERT INTO volunteer_attendance (tenant_id, activity_id, volunteer_id, "
                                      "checked_in_at, missing_checkout, corrected) "
                                      "VALUES (:t, :a, :v, :now, false, false)"),
                                 {"t": data["tenant_id"], "a": data["floor_activity_id"], "v": next(next_volunteer),
                                  "now": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)})

            sql_floor = timed(floor_sql, min(200, args.volunteers - 3))
            conn.close()
            with tenant_context(data["tenant_id"]):
                counted = db.session.scalar(select(func.count(Attendance.id)).where(
                    Attendance.activity_id == data["activity_id"]))
                distinct = db.session.scalar(select(func.count(func.distinct(Attendance.volunteer_id))).where(
                    Attendance.activity_id == data["activity_id"]))
    ok = sum(1 for s in statuses if s == 201)
    print(f"{args.volunteers} volunteers, gunicorn -w {args.workers}, {args.concurrency} phones at once: "
          f"{ok} check-ins answered 201 in {seconds:.1f} s; other answers: "
          f"{sorted({s for s in statuses if s != 201}) or 'none'}")
    print_results([("check-in (POST /me/scan) over HTTP", latencies, "GET /healthz over HTTP", floor_http),
                   ("check-in (POST /me/scan) over HTTP", latencies, "SQL insert+commit of the row", sql_floor)],
                  goal_p95_ms=50, width=38)
    print(f"\nheadline, check-in vs GET /healthz at {args.concurrency} at once: p50 {percentile(latencies, 50):.1f} / "
          f"{percentile(floor_http, 50):.1f} ms = {percentile(latencies, 50) / percentile(floor_http, 50):.2f}x, "
          f"p95 {percentile(latencies, 95):.1f} / {percentile(floor_http, 95):.1f} ms = "
          f"{percentile(latencies, 95) / percentile(floor_http, 95):.2f}x")
    print(f"load average (1 min) {load_before[0]:.2f} before the burst, {load_after[0]:.2f} after; "
          f"{os.cpu_count()} cores")
    print(f"\ncheck-ins in the database: {counted} (distinct volunteers {distinct}); expected exactly {args.volunteers}")
    if counted != args.volunteers or distinct != args.volunteers or ok != args.volunteers:
        raise SystemExit("FAILED: check-ins lost or doubled")


if __name__ == "__main__":
    main()
