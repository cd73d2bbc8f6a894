"""Hash-partitioning incidents by tenant_id, before and after (issue #20; not a unit test).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/partition_bench.py
    .venv/bin/python benchmarks/partition_bench.py --database-url postgresql://.../scratch --incidents 1000000

On a scratch database (or ``--database-url``, kept; it must not be partitioned yet): county data
from ``tenants.bench_data`` (``--factor``, default 0.05), then incidents copied within each
township (new receipt and public token per copy) up to ``--incidents``; ``ANALYZE``. pgbench then
replays a mix of one-township queries the incident pages make (a page of the list, the month's
numbers by state, the year's by grid, the overdue count, one incident by id) for ``--seconds``
with ``--clients``; ``gridgov db partition`` converts the table (timed), and the same mix runs
again. Prints transactions per second and mean latency before and after, the conversion's time,
sizes, and the load average beside each; writes ``benchmarks/results/<date>-partition.json``.
Needs pgbench (PostgreSQL's client tools).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PGBENCH = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"

# the township is a bound parameter, as the app sends it (so the planner prunes to its partition)
MIX = r"""
\set n random(0, {last})
\set id random({lo}, {hi})
{choose}
SELECT id, state, reported_at FROM incidents_incident WHERE tenant_id = :t ORDER BY id DESC LIMIT 20;
SELECT state, count(*) FROM incidents_incident WHERE tenant_id = :t AND reported_at >= now() - interval '30 days' GROUP BY state;
SELECT grid_id, count(*) FROM incidents_incident WHERE tenant_id = :t AND reported_at >= now() - interval '365 days' GROUP BY grid_id;
SELECT count(*) FROM incidents_incident WHERE tenant_id = :t AND open_due_at < now();
SELECT * FROM incidents_incident WHERE tenant_id = :t AND id = :id;
"""


def choose(ids: list[int]) -> str:
    """pgbench lines setting :t to the n-th township's id."""
    lines = [f"\\{'if' if i == 0 else 'elif'} :n = {i}\n\\set t {tid}" for i, tid in enumerate(ids)]
    return "\n".join(lines) + "\n\\endif"


def pgbench(url: str, script: Path, seconds: int, clients: int) -> dict:
    done = subprocess.run([PGBENCH, "-n", "-f", str(script), "-T", str(seconds), "-c", str(clients), "-j", "2",
                           "-M", "extended", url], capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    tps = float(re.search(r"tps = ([\d.]+)", done.stdout).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", done.stdout).group(1))
    return {"tps": tps, "latency_ms": latency}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--factor", type=float, default=0.05)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    args.seconds = max(5, min(args.seconds, 60))
    from sqlalchemy import create_engine, text

    from core import create_app
    from core.config import normalise_database_url
    from core.migrate import upgrade_all
    from core.partition import is_partitioned, partition_table
    from core.testing import scratch_database
    from tenants.bench_data import build_scale

    url, drop = (args.database_url, lambda: None) if args.database_url else scratch_database("gridgov_partition_bench")
    if not url.startswith("postgres"):
        raise SystemExit("PostgreSQL only: set DATABASE_URL or --database-url")
    plain = normalise_database_url(url).replace("postgresql+psycopg://", "postgresql://")
    engine = create_engine(normalise_database_url(url))
    out: dict = {"args": vars(args)}
    try:
        started = time.perf_counter()
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp(), "SECRET_KEY": "bench",
                          "GRIDGOV_ENV": "development"})
        with app.app_context():
            upgrade_all()
            build_scale("county", args.factor, report=lambda line: print("  " + line, flush=True))
        with engine.begin() as c:
            if is_partitioned(c, "incidents_incident"):
                raise SystemExit("incidents_incident is partitioned already: use a fresh database")
            have = c.execute(text("SELECT count(*) FROM incidents_incident")).scalar()
            columns = [r[0] for r in c.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'incidents_incident' "
                "AND table_schema = current_schema() ORDER BY ordinal_position"))]
            copied = [col for col in columns if col not in ("id", "receipt", "public_token")]
            rounds = max(0, -(-(args.incidents - have) // max(have, 1)))
            for n in range(rounds):
                c.execute(text(f"INSERT INTO incidents_incident ({', '.join(copied)}, receipt, public_token) "
                               f"SELECT {', '.join(copied)}, 'Z{n}-' || id, md5(random()::text || id) "
                               f"FROM incidents_incident WHERE receipt NOT LIKE 'Z%' "
                               f"LIMIT {args.incidents - have - n * have}"))
            c.execute(text("DROP TABLE IF EXISTS bench_towns"))
            c.execute(text("CREATE TABLE bench_towns AS SELECT (row_number() OVER (ORDER BY tenant_id)) - 1 AS n, "
                           "tenant_id AS id FROM (SELECT DISTINCT tenant_id FROM incidents_incident) t"))
            town_ids = list(c.execute(text("SELECT id FROM bench_towns ORDER BY n")).scalars())
            towns = len(town_ids)
            lo, hi = c.execute(text("SELECT min(id), max(id) FROM incidents_incident")).one()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE incidents_incident"))
            c.execute(text("ANALYZE bench_towns"))
            total = c.execute(text("SELECT count(*) FROM incidents_incident")).scalar()
            size_before = c.execute(text("SELECT pg_size_pretty(pg_total_relation_size('incidents_incident'))")).scalar()
        out.update({"incidents": total, "townships": towns, "built_seconds": round(time.perf_counter() - started)})
        print(f"{total} incidents over {towns} townships ({size_before} with indexes), "
              f"built in {out['built_seconds']} s", flush=True)
        script = Path(tempfile.mkdtemp()) / "mix.sql"
        script.write_text(MIX.format(last=towns - 1, lo=lo, hi=hi, choose=choose(town_ids)))
        pgbench(plain, script, 5, args.clients)  # warm the cache
        load = os.getloadavg()
        out["before"] = {**pgbench(plain, script, args.seconds, args.clients), "load": [load, os.getloadavg()]}
        print(f"plain table:  {out['before']['tps']:8.1f} tps, {out['before']['latency_ms']:7.2f} ms mean "
              f"(load {load[0]:.1f})", flush=True)
        started = time.perf_counter()
        with engine.begin() as c:
            partition_table(c, "incidents_incident", args.partitions)
        out["partition_seconds"] = round(time.perf_counter() - started, 1)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE incidents_incident"))
            sizes = c.execute(text("SELECT min(pg_total_relation_size(inhrelid)), max(pg_total_relation_size(inhrelid)) "
                                   "FROM pg_inherits WHERE inhparent = 'incidents_incident'::regclass")).one()
        pgbench(plain, script, 5, args.clients)
        load = os.getloadavg()
        out["after"] = {**pgbench(plain, script, args.seconds, args.clients), "load": [load, os.getloadavg()]}
        print(f"partitioned:  {out['after']['tps']:8.1f} tps, {out['after']['latency_ms']:7.2f} ms mean "
              f"(load {load[0]:.1f}); converted in {out['partition_seconds']} s, {args.partitions} partitions of "
              f"{sizes[0] / 2**20:.0f} to {sizes[1] / 2**20:.0f} MB", flush=True)
        out["size_before"], out["partition_mb"] = size_before, [round(s / 2**20) for s in sizes]
    finally:
        engine.dispose()
        drop()
    path = ROOT / "benchmarks" / "results" / f"{dt.date.today().isoformat()}-partition.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    out["date"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    out["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                   cwd=ROOT).stdout.strip()
    path.write_text(json.dumps(out, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
