"""The benchmark suite in one command (基准测试): runs every ``benchmarks/*_bench.py`` on SQLite
and/or PostgreSQL, prints one table (scenario, p50, p95, p99, floor, ratio) and writes
``benchmarks/results/<date>-<engine>.json`` for :mod:`benchmarks.compare`.

    .venv/bin/python benchmarks/run.py                                   # SQLite, reduced sizes
    .venv/bin/python benchmarks/run.py --engine postgresql               # DATABASE_URL, or local postgres
    .venv/bin/python benchmarks/run.py --engine both --size full --only people,incidents

Each benchmark runs as its own process (its standalone use is unchanged) with
``GRIDGOV_BENCH_JSON`` naming a file to which ``core.testing.print_results`` appends one JSON line
per scenario; ``pages_bench.py`` writes its own JSON file, which is read back. ``--size quick``
(default) runs each at a reduced size so the suite takes minutes on a shared machine; ``full``
uses each benchmark's own defaults (township scale, slow). A benchmark that fails or passes
``--timeout`` is reported as such and the others still run. ``--http`` adds the HTTP load run
(``benchmarks/http_load.py``: gunicorn and wrk against a generated county, ~2 minutes).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"

# name -> arguments at quick size (full size: the benchmark's own defaults)
QUICK = {
    "relay": ["--calls", "200", "--repeat", "30"],
    "people": ["--people", "10000", "--repeat", "20", "--import-rows", "5000"],
    "incidents": ["--incidents", "20000", "--repeat", "20"],
    "mediation": ["--cases", "2000", "--repeat", "15"],
    "points_bank": ["--accounts", "2000", "--entries", "40000", "--repeat", "20"],
    "volunteer": ["--volunteers", "100", "--workers", "2", "--concurrency", "4", "--max-seconds", "60"],
    "five_star": ["--townships", "4", "--villages", "10", "--repeat", "10"],
    "pages": ["--people", "10000", "--incidents", "20000", "--repeat", "15"],
}


def benches(only: set[str] | None) -> list[str]:
    names = sorted(p.name[:-len("_bench.py")] for p in (ROOT / "benchmarks").glob("*_bench.py"))
    return [n for n in names if only is None or n in only]


def machine() -> dict:
    def out(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=10).stdout.strip()
        except OSError:
            return ""

    return {"host": platform.node(), "python": platform.python_version(), "cores": os.cpu_count(),
            "cpu": next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                         if line.startswith("model name")), "") if Path("/proc/cpuinfo").exists() else platform.processor(),
            "commit": out("git", "rev-parse", "--short", "HEAD"), "uptime": out("uptime"),
            "load": list(os.getloadavg())}


def run_one(name: str, engine: str, size: str, timeout: float) -> tuple[list[dict], str]:
    """Run ``<name>_bench.py`` once; its scenarios' figures and ``"ok"`` or what went wrong."""
    env = dict(os.environ)
    if engine == "sqlite":
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ["DATABASE_URL"] or LOCAL_POSTGRES
    args = list(QUICK.get(name, [])) if size == "quick" else []
    label = f"suite-{os.getpid()}"
    if name == "pages":
        args += ["--label", label]
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as sink:
        env["GRIDGOV_BENCH_JSON"] = sink.name
        try:
            proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{name}_bench.py"), *args], env=env,
                                  cwd=ROOT, capture_output=True, text=True, timeout=timeout)
            status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"
        except subprocess.TimeoutExpired:
            status = f"timed out after {timeout:g} s"
        rows = [json.loads(line) for line in Path(sink.name).read_text().splitlines() if line.strip()]
    pages = RESULTS / f"pages-{'sqlite' if engine == 'sqlite' else 'postgresql'}-{label}.json"
    if name == "pages" and pages.exists():
        rows += [{"scenario": r["scenario"], "p50": r["p50_ms"], "p95": r["p95_ms"], "p99": r["p99_ms"],
                  "floor": r["floor"], "floor_p50": r["floor_p50_ms"], "ratio": r["ratio_p50"]}
                 for r in json.loads(pages.read_text())["results"]]
        pages.unlink()
    for row in rows:
        row["bench"] = name
        row.setdefault("p99", row["p95"])
    return rows, status


def run_http(engine: str, size: str, timeout: float) -> tuple[list[dict], str]:
    """The HTTP load run; its mix's figures (ratio: p50 against the bare Flask app's)."""
    env = dict(os.environ)
    if engine == "sqlite":
        env.pop("DATABASE_URL", None)
    elif not env.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"] = LOCAL_POSTGRES
    args = ["--factor", "0.05", "--seconds", "10"] if size == "quick" else []
    out = RESULTS / f"{dt.date.today().isoformat()}-http-{engine}.json"
    out.unlink(missing_ok=True)
    try:
        proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "http_load.py"), *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"
    except subprocess.TimeoutExpired:
        status = f"timed out after {timeout:g} s"
    return (json.loads(out.read_text())["scenarios"] if out.exists() else []), status


def table(rows: list[dict]) -> str:
    lines = [f"{'scenario':58} {'p50':>8} {'p95':>8} {'p99':>8}  {'floor':28} {'floor p50':>9} {'ratio':>7}"]
    for r in rows:
        lines.append(f"{(r['bench'] + ': ' + r['scenario'])[:58]:58} {r['p50']:8.2f} {r['p95']:8.2f} {r['p99']:8.2f}  "
                     f"{str(r['floor'])[:28]:28} {r['floor_p50']:9.3f} {r['ratio']:6.1f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--size", choices=("quick", "full"), default="quick")
    parser.add_argument("--only", help="comma-separated benchmark names (people,incidents,...)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per benchmark")
    parser.add_argument("--out", help="JSON file (default benchmarks/results/<date>-<engine>.json)")
    parser.add_argument("--http", action="store_true", help="also run benchmarks/http_load.py")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    failed = 0
    for engine in (("sqlite", "postgresql") if args.engine == "both" else (args.engine,)):
        started, rows, statuses = time.time(), [], {}
        info = machine()
        for name in benches(only):
            print(f"[{engine}] {name} ...", file=sys.stderr, flush=True)
            got, statuses[name] = run_one(name, engine, args.size, args.timeout)
            rows += got
            failed += statuses[name] != "ok"
        if args.http:
            print(f"[{engine}] http_load ...", file=sys.stderr, flush=True)
            got, statuses["http"] = run_http(engine, args.size, args.timeout)
            rows += got
            failed += statuses["http"] != "ok"
        info["load_after"] = list(os.getloadavg())
        print(f"\n{engine}, size {args.size}, commit {info['commit']}, load {info['load'][0]:.1f} -> {info['load_after'][0]:.1f}")
        print(table(rows))
        for name, status in statuses.items():
            if status != "ok":
                print(f"  {name}: {status}")
        out = Path(args.out.replace("{engine}", engine)) if args.out else RESULTS / f"{dt.date.today().isoformat()}-{engine}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"engine": engine, "size": args.size, "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                   "seconds": round(time.time() - started, 1), "machine": info, "benchmarks": statuses,
                                   "scenarios": rows}, ensure_ascii=False, indent=1))
        print(f"wrote {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
