"""HTTP load benchmark (压测, not a unit test): gunicorn with several workers on 127.0.0.1 against
generated townships (``tenants.bench_data``), and wrk replaying a mix of signed-in API reads (grid tree,
people search, person, people statistics, incident list, incident numbers) with bearer tokens of
several townships for a bounded time; then the same mix against a bare Flask app answering the
floor queries by hand (``benchmarks/load/floor_app.py``), and the ratio.

    .venv/bin/python benchmarks/http_load.py                                   # SQLite scratch file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/http_load.py
    .venv/bin/python benchmarks/http_load.py --database-url postgresql://.../mydb --scale township --factor 1

Options: ``--scale`` and ``--factor`` (default: a county at 0.1, 20 townships of 2,500 residents),
``--townships N`` signed in (4), ``--workers`` (4), ``--connections`` (16), ``--seconds`` (20),
``--database-url`` (build there once and reuse: a township that exists is not rebuilt),
``--per-endpoint SECONDS`` (also each endpoint alone, on both servers). Needs wrk
(Debian package ``wrk``). Prints rps, p50/p95/p99, non-2xx and socket errors for both, and writes
``benchmarks/results/<date>-http-<engine>.json``; ``core.testing.print_results`` is not used, as
wrk gives percentiles, not samples.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tenants.demo import DEMO_PASSWORD  # noqa: E402 (after the path insert)
LOAD = ROOT / "benchmarks" / "load"
SECRET = "bench"
# (path under /api/v1/t/<slug>, weight): what a township office and its grid workers open all day
MIX = [("/grids", 1), ("/people?q=zs", 2), ("/people/{person}", 2), ("/people/stats", 1),
       ("/incidents?per_page=20", 2), ("/incidents/numbers", 1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(target: str, url: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "GRIDGOV_ENV": "development"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", target], cwd=ROOT, env=env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise SystemExit(f"{target} did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def call(port: int, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    resp = conn.getresponse()
    return resp.status, json.loads(resp.read() or b"{}")


def build(url: str, scale: str, factor: float) -> list[dict]:
    """Generate (or finish) the data; the townships with a few of their residents' ids."""
    from sqlalchemy import select

    from core import create_app
    from core.db import db
    from core.migrate import upgrade_all
    from core.models import Tenant, TenantKind
    from core.people.models import Person
    from core.tenancy import tenant_context
    from tenants.bench_data import build_scale

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp(), "SECRET_KEY": SECRET,
                      "GRIDGOV_ENV": "development", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade_all()
        build_scale(scale, factor, report=lambda line: print("  " + line, flush=True))
        towns = []
        for town in db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.township,
                                                            Tenant.slug.like("sc%")).order_by(Tenant.id)):
            with tenant_context(town):
                people = db.session.scalars(select(Person.id).order_by(Person.id).limit(2000)).all()
            towns.append({"slug": town.slug, "people": random.Random(town.id).sample(people, min(50, len(people)))})
        db.engine.dispose()
    return towns


def write_mix(towns: list[dict], tokens: dict[str, str], rng: random.Random, mix: list | None = None) -> int:
    entries = []
    for town in towns:
        for path, weight in mix or MIX:
            for _ in range(weight * 10):
                entries.append((f"/api/v1/t/{town['slug']}" + path.format(person=rng.choice(town["people"])),
                                tokens[town["slug"]]))
    rng.shuffle(entries)
    (LOAD / "requests.lua").write_text("mix = {\n" + "".join(f'  {{"{p}", "{t}"}},\n' for p, t in entries) + "}\n")
    return len(entries)


def check(port: int, towns: list[dict], tokens: dict[str, str]) -> None:
    """Every path of the mix answers 200 before anything is timed."""
    town = towns[0]
    for path, _ in MIX:
        status, body = call(port, "GET", f"/api/v1/t/{town['slug']}" + path.format(person=town["people"][0]),
                            token=tokens[town["slug"]])
        if status != 200:
            raise SystemExit(f"{path} answered {status}: {str(body)[:300]}")


def wrk(port: int, seconds: int, connections: int, threads: int) -> dict:
    proc = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                           "-s", str(LOAD / "mix.lua"), f"http://127.0.0.1:{port}"],
                          capture_output=True, text=True, timeout=seconds + 60)
    found = re.search(r"^WRK_JSON (.*)$", proc.stdout, re.M)
    if not found:
        raise SystemExit(f"wrk gave no figures:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(found.group(1))


def each_endpoint(port: int, towns: list[dict], tokens: dict[str, str], args) -> dict[str, dict]:
    """Each path of the mix alone, for ``--per-endpoint`` seconds."""
    out = {}
    for path, _ in MIX:
        write_mix(towns, tokens, random.Random(7), [(path, 1)])
        out[path] = wrk(port, args.per_endpoint, args.connections, args.threads)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="county", choices=("township", "county", "prefecture"))
    parser.add_argument("--factor", type=float, default=0.1)
    parser.add_argument("--townships", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--database-url", help="build here once and reuse (kept)")
    parser.add_argument("--per-endpoint", type=int, default=0, metavar="SECONDS",
                        help="also run each endpoint of the mix alone for SECONDS, on both servers")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    from core.testing import scratch_database

    url, drop = (args.database_url, lambda: None) if args.database_url else scratch_database("gridgov_http")
    engine = "postgresql" if url.startswith("postgres") else "sqlite"
    try:
        started = time.perf_counter()
        towns = build(url, args.scale, args.factor)[:args.townships]
        print(f"data ready in {time.perf_counter() - started:.0f} s; signed in to {', '.join(t['slug'] for t in towns)}")
        results, alone, load = {}, {}, {"before": os.getloadavg()}
        proc, port = start("core.wsgi:app", url, args.workers)
        try:
            tokens = {}
            for town in towns:
                status, body = call(port, "POST", f"/api/v1/t/{town['slug']}/tokens/issue", {
                    "login": f"{town['slug']}_admin", "password": DEMO_PASSWORD, "name": "压测", "expires_in_days": 1})
                if status != 201:
                    raise SystemExit(f"token for {town['slug']}: {status} {body}")
                tokens[town["slug"]] = body["token"]
            n = write_mix(towns, tokens, random.Random(7))
            check(port, towns, tokens)
            wrk(port, 3, args.connections, args.threads)  # warm the workers' caches and pools
            results["gridgov"] = wrk(port, args.seconds, args.connections, args.threads)
            alone = {"gridgov": each_endpoint(port, towns, tokens, args)} if args.per_endpoint else {}
            write_mix(towns, tokens, random.Random(7))
        finally:
            stop(proc)
        proc, port = start("benchmarks.load.floor_app:app", url, args.workers)
        try:
            check(port, towns, tokens)
            wrk(port, 3, args.connections, args.threads)
            results["floor"] = wrk(port, args.seconds, args.connections, args.threads)
            if args.per_endpoint:
                alone["floor"] = each_endpoint(port, towns, tokens, args)
        finally:
            stop(proc)
        load["after"] = os.getloadavg()
    finally:
        (LOAD / "requests.lua").unlink(missing_ok=True)
        drop()
    g, f = results["gridgov"], results["floor"]
    print(f"\nmix of {len(MIX)} API reads ({n} requests over {len(towns)} townships), {args.workers} gunicorn workers, "
          f"{args.connections} connections, {args.seconds} s, {engine}; load {load['before'][0]:.1f} -> {load['after'][0]:.1f}")
    print(f"{'':10} {'rps':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'sock err':>8}")
    for name, r in results.items():
        print(f"{name:10} {r['rps']:8.1f} {r['p50_ms']:8.2f} {r['p95_ms']:8.2f} {r['p99_ms']:8.2f} {r['non_2xx']:8d} "
              f"{r['socket_errors']:8d}  {r['statuses'] or ''}")
    for path, _ in (MIX if alone else []):
        a, b = alone["gridgov"][path], alone["floor"][path]
        print(f"{path[:40]:40} gridgov {a['rps']:7.1f} rps p50 {a['p50_ms']:7.2f} p95 {a['p95_ms']:7.2f}, "
              f"floor {b['rps']:7.1f} rps p50 {b['p50_ms']:6.2f}: {b['rps'] / max(a['rps'], 1e-6):5.1f}x, non-2xx {a['non_2xx']}")
    ratio = f["rps"] / max(g["rps"], 1e-6)
    print(f"floor / gridgov: {ratio:.1f}x the requests per second, p50 {g['p50_ms'] / max(f['p50_ms'], 1e-6):.1f}x")
    out = ROOT / "benchmarks" / "results" / f"{dt.date.today().isoformat()}-http-{engine}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    scenarios = [{"bench": "http", "scenario": f"{path} alone", "p50": alone["gridgov"][path]["p50_ms"],
                  "p95": alone["gridgov"][path]["p95_ms"], "p99": alone["gridgov"][path]["p99_ms"],
                  "floor": "bare Flask, raw SQL", "floor_p50": alone["floor"][path]["p50_ms"],
                  "ratio": alone["gridgov"][path]["p50_ms"] / max(alone["floor"][path]["p50_ms"], 1e-6),
                  "rps": alone["gridgov"][path]["rps"], "floor_rps": alone["floor"][path]["rps"]} for path in alone.get("gridgov", {})]
    scenarios += [{"bench": "http", "scenario": "mix of API reads (rps)", "p50": g["p50_ms"], "p95": g["p95_ms"],
                  "p99": g["p99_ms"], "floor": "bare Flask, raw SQL", "floor_p50": f["p50_ms"],
                  "ratio": g["p50_ms"] / max(f["p50_ms"], 1e-6), "rps": g["rps"], "floor_rps": f["rps"],
                  "errors": g["non_2xx"] + g["socket_errors"]}]
    out.write_text(json.dumps({"engine": engine, "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                               "commit": commit, "load": load, "args": vars(args), "townships": [t["slug"] for t in towns],
                               "results": results, "per_endpoint": alone, "scenarios": scenarios}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
