"""Scale-out figures (横向扩展, issue #20; not a unit test): requests per second of the mixed read
load (``benchmarks/http_load.py``'s mix and wrk) on one app host and on two behind nginx, each
without and with the streaming replica, all through PgBouncer in transaction mode, on 127.0.0.1.

    .venv/bin/python benchmarks/scale_out.py                       # county at 0.1, 30 s a run
    .venv/bin/python benchmarks/scale_out.py --scale township --factor 0.2 --seconds 45

It starts its own PostgreSQL primary and streaming replica (initdb, ``pg_basebackup -R``; as the
postgres user when run as root), builds the data on the primary with ``tenants.bench_data`` (the
replica follows), one PgBouncer in front of both (``primary`` and ``replica`` databases), and for
each of the four set-ups gunicorn host(s) of ``--workers`` each (``gridgov run``) and, for two,
nginx with ``deploy/nginx.conf``'s proxy block; every run is bounded (``--seconds``, at most 60).
Prints a table with the load average beside each figure, the arithmetic for a province from the
measured per-host rate (stated as such: ``--province-townships``, ``--rps-per-township``), and
writes ``benchmarks/results/<date>-scale-out.json``. Everything is stopped and removed after.
Needs PostgreSQL 15's server binaries, pgbouncer, nginx and wrk.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from http_load import DEMO_PASSWORD, LOAD, MIX, call, check, write_mix, wrk  # noqa: E402
from tests.core.scaleout import PgCluster, Proc, base_env, free_port, pg_cluster_missing, wait_healthy  # noqa: E402
from tests.core.test_two_hosts import NGINX, nginx_conf  # noqa: E402

PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)


def build(url: str, scale: str, factor: float) -> list[dict]:
    from http_load import build as build_data

    return build_data(url, scale, factor)


def bouncer(folder: Path, primary: int, replica: int) -> tuple[Proc, int]:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(f"""[databases]
primary = host=127.0.0.1 port={primary} dbname=postgres user=postgres
replica = host=127.0.0.1 port={replica} dbname=postgres user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / 'userlist.txt'}
pool_mode = transaction
default_pool_size = 8
max_client_conn = 500
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = {folder / 'pgbouncer.log'}
pidfile = {folder / 'pgbouncer.pid'}
""")
    args = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        for path in (folder, *folder.iterdir()):
            shutil.chown(path, "postgres")
        args[1:1] = ["-u", "postgres"]
    proc = Proc(args, os.environ.copy())
    deadline = time.monotonic() + 30
    import socket

    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"pgbouncer did not start: {proc.output()}")


def run_setup(folder: Path, bouncer_port: int, hosts: int, replica: bool, towns, args) -> dict:
    env = base_env(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{bouncer_port}/primary",
                   GRIDGOV_DB_POOLER="transaction", GRIDGOV_PROXY_FIX="1")
    if replica:
        env["GRIDGOV_DATABASE_REPLICA_URL"] = f"postgresql://postgres@127.0.0.1:{bouncer_port}/replica"
    procs, ports = [], []
    try:
        for n in range(hosts):
            port = free_port()
            host_env = {**env, "GRIDGOV_INSTANCE": str(folder / f"host{n}"), "UPLOAD_DIR": str(folder / "uploads")}
            procs.append(Proc([sys.executable, "-m", "core.cli_main", "run", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(args.workers), "--no-consumer"], host_env))
            ports.append(port)
        for port, proc in zip(ports, procs):
            wait_healthy(f"http://127.0.0.1:{port}", proc)
        front = ports[0]
        if hosts > 1:
            (folder / "nginx").mkdir(exist_ok=True)
            front = free_port()
            conf = nginx_conf(folder / "nginx", front, ports)
            procs.append(Proc([NGINX, "-e", str(folder / "nginx" / "error.log"), "-p", str(folder / "nginx"),
                               "-c", str(conf), "-g", "daemon off;"], os.environ.copy()))
            wait_healthy(f"http://127.0.0.1:{front}", procs[-1])
        tokens = {}
        for town in towns:
            status, body = call(front, "POST", f"/api/v1/t/{town['slug']}/tokens/issue", {
                "login": f"{town['slug']}_admin", "password": DEMO_PASSWORD, "name": "压测", "expires_in_days": 1})
            if status != 201:
                raise SystemExit(f"token for {town['slug']}: {status} {body}")
            tokens[town["slug"]] = body["token"]
        write_mix(towns, tokens, random.Random(7))
        check(front, towns, tokens)
        wrk(front, 3, args.connections, args.threads)  # warm pools and caches
        before = os.getloadavg()
        result = wrk(front, args.seconds, args.connections, args.threads)
        result["load_before"], result["load_after"] = before, os.getloadavg()
        logs = "".join(p.output(200000) for p in procs[:hosts])
        result["replica_skipped_lines"] = logs.count("replica skipped")
        return result
    finally:
        for proc in reversed(procs):
            proc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="county", choices=("township", "county"))
    parser.add_argument("--factor", type=float, default=0.1)
    parser.add_argument("--townships", type=int, default=4, help="townships whose admins load the mix")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per host")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--province-townships", type=int, default=1500,
                        help="townships and streets of the province the arithmetic is for")
    parser.add_argument("--rps-per-township", type=float, default=6.0,
                        help="peak API reads per second one township makes (assumed, not measured)")
    args = parser.parse_args()
    args.seconds = max(5, min(args.seconds, 60))
    missing = pg_cluster_missing() or next((f"{name} is not installed" for name, found in
                                            (("pgbouncer", PGBOUNCER), ("nginx", NGINX), ("wrk", shutil.which("wrk")))
                                            if not found), None)
    if missing:
        raise SystemExit(missing)
    cluster = PgCluster(shared_buffers="256MB")
    results: dict[str, dict] = {}
    try:
        cluster.start()
        started = time.perf_counter()
        towns = build(cluster.url(cluster.primary_port), args.scale, args.factor)
        built = time.perf_counter() - started
        cluster.wait_caught_up(300)
        residents = cluster.sql(cluster.primary_port, "SELECT count(*) FROM core_person")[0][0]
        incidents = cluster.sql(cluster.primary_port, "SELECT count(*) FROM incidents_incident")[0][0]
        print(f"data: {len(towns)} townships, {residents} residents, {incidents} incidents, built in {built:.0f} s",
              flush=True)
        towns = towns[:args.townships]
        proc, bouncer_port = bouncer(cluster.folder / "pgbouncer", cluster.primary_port, cluster.replica_port)
        try:
            for replica in (False, True):
                for hosts in (1, 2):
                    name = f"{hosts} host{'s' if hosts > 1 else ''}, {'with' if replica else 'no'} replica"
                    print(f"running: {name} ...", flush=True)
                    results[name] = run_setup(cluster.folder / name.replace(" ", "_").replace(",", ""),
                                              bouncer_port, hosts, replica, towns, args)
        finally:
            proc.stop()
    finally:
        (LOAD / "requests.lua").unlink(missing_ok=True)
        cluster.stop()

    print(f"\nmix of {len(MIX)} API reads over {len(towns)} townships ({args.scale} at {args.factor}: {residents} "
          f"residents, {incidents} incidents), {args.workers} gunicorn workers a host, {args.connections} connections, "
          f"{args.seconds} s a run, PgBouncer (transaction mode) in front, {os.cpu_count()} CPUs shared")
    print(f"{'set-up':26} {'rps':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'load avg':>14}")
    for name, r in results.items():
        print(f"{name:26} {r['rps']:8.1f} {r['p50_ms']:8.2f} {r['p95_ms']:8.2f} {r['p99_ms']:8.2f} "
              f"{r['non_2xx'] + r['socket_errors']:7d} {r['load_before'][0]:6.1f} -> {r['load_after'][0]:4.1f}")
    # the mean of the four set-ups' rps per host: on a shared machine one run can be far off
    per_host = sum(r["rps"] / (2 if name.startswith("2") else 1) for name, r in results.items()) / len(results)
    demand = args.province_townships * args.rps_per_township
    hosts_needed = math.ceil(demand / max(per_host, 1e-6))
    print(f"\nprovince (arithmetic, not measured): {args.province_townships} townships x {args.rps_per_township:g} "
          f"peak reads/s (assumed) = {demand:,.0f} rps; at the {per_host:.1f} rps per {args.workers}-worker host "
          f"measured here (mean of the set-ups), {hosts_needed} such hosts")
    out = ROOT / "benchmarks" / "results" / f"{dt.date.today().isoformat()}-scale-out.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    out.write_text(json.dumps({"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "commit": commit,
                               "args": vars(args), "residents": residents, "incidents": incidents,
                               "built_seconds": round(built), "results": results,
                               "province": {"demand_rps": demand, "per_host_rps": per_host,
                                            "hosts": hosts_needed}}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
