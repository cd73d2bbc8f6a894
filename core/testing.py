"""Helpers for tests and benchmarks, also for plugin authors' own suites (测试工具).

:func:`scratch_database` gives a throw-away database: a SQLite file, or a fresh PostgreSQL
database created next to the one ``DATABASE_URL`` names and dropped afterwards.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator

if TYPE_CHECKING:
    from flask import Flask


APP_ROLE = "gridgov_test"  # the ordinary role scratch databases belong to when DATABASE_URL's skips RLS


def scratch_database(prefix: str = "gridgov_test", directory: str | os.PathLike | None = None) -> tuple[str, Callable[[], None]]:
    """A URL of an empty database and a function that drops it.

    With ``DATABASE_URL`` naming PostgreSQL, a database ``<prefix>_<pid>_<random>`` is created on
    that server (the URL's user needs CREATEDB); otherwise a SQLite file in ``directory`` (default:
    a new temporary folder).

    The URL returned always connects as a role that row-level security binds (no SUPERUSER, no
    BYPASSRLS), as production's must: PostgreSQL exempts those roles from every policy, so a suite
    run as ``postgres`` would pass whether the policies held or not. When ``DATABASE_URL``'s role
    is such a role (CI's ``postgres``), it creates the ordinary role :data:`APP_ROLE` (LOGIN,
    NOSUPERUSER, NOBYPASSRLS) if needed and makes it the scratch database's owner; the URL names
    that role (``scripts/pg_role.sh`` sets up the same kind of role for a whole CI run).
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql")):
        folder = Path(directory) if directory is not None else Path(tempfile.mkdtemp())
        return f"sqlite:///{folder / (prefix + '.db')}", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from core.config import normalise_database_url

    base = make_url(normalise_database_url(url))
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        skips = conn.execute(text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")).scalar()
        if skips:
            _ensure_app_role(conn)
            conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{APP_ROLE}"'))
        else:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    scratch = base.set(database=name)
    if skips:
        scratch = scratch.set(username=APP_ROLE, password=APP_ROLE)
    return scratch.render_as_string(hide_password=False), drop


def _ensure_app_role(conn) -> None:
    """Create (or correct) :data:`APP_ROLE`; two test workers may try at the same moment."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for attempt in range(5):
        try:
            conn.execute(text(f"""DO $$BEGIN
                CREATE ROLE "{APP_ROLE}" LOGIN PASSWORD '{APP_ROLE}' NOSUPERUSER NOBYPASSRLS;
            EXCEPTION WHEN duplicate_object THEN
                ALTER ROLE "{APP_ROLE}" LOGIN NOSUPERUSER NOBYPASSRLS;
            END$$"""))
            return
        except DBAPIError:  # "tuple concurrently updated" / a unique violation on pg_authid
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


def timed(fn: Callable[[], object], repeat: int, warmup: int = 3) -> list[float]:
    """Milliseconds of ``repeat`` calls of ``fn`` after ``warmup`` untimed ones (benchmarks)."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


@contextmanager
def bench_app(keep: bool = False) -> Iterator[Flask]:
    """A migrated app on a scratch database for a benchmark; the database is dropped afterwards
    unless ``keep``."""
    from core import create_app
    from core.db import db
    from core.migrate import upgrade_all

    url, drop = scratch_database("gridgov_bench")
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp(), "SECRET_KEY": "bench",
                      "GRIDGOV_ENV": "development", "RATELIMIT_ENABLED": False, "TESTING": False})
    try:
        with app.app_context():
            upgrade_all()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if not keep:
            drop()


def print_results(results: list[tuple[str, list[float], str, list[float]]], goal_p95_ms: float | None = None,
                  width: int = 48) -> None:
    """One line per measure: p50/p95 next to its floor's p50 and their ratio (and the goal's verdict)."""
    goal = f"  goal p95 < {goal_p95_ms:g} ms" if goal_p95_ms is not None else ""
    print(f"\n{'measure':{width}} {'p50 ms':>8} {'p95 ms':>8}   {'floor':28} {'p50 ms':>8}  ratio p50{goal}")
    for label, values, floor_label, floor in results:
        ratio = statistics.median(values) / max(statistics.median(floor), 1e-6)
        verdict = ("  ok" if percentile(values, 95) < goal_p95_ms else "  SLOW") if goal_p95_ms is not None else ""
        print(f"{label:{width}} {percentile(values, 50):8.2f} {percentile(values, 95):8.2f}   {floor_label:28} "
              f"{percentile(floor, 50):8.2f}  {ratio:8.1f}x{verdict}")
    record_results(results, goal_p95_ms)


def result_figures(label: str, values: list[float], floor_label: str, floor: list[float],
                   goal_p95_ms: float | None = None) -> dict:
    """One scenario's figures as ``benchmarks/run.py`` stores them: percentiles in ms, the floor's
    p50 and the ratio of the medians."""
    return {"scenario": label, "n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "floor": floor_label, "floor_p50": percentile(floor, 50),
            "ratio": statistics.median(values) / max(statistics.median(floor), 1e-6), "goal_p95": goal_p95_ms}


def record_results(results: list[tuple[str, list[float], str, list[float]]], goal_p95_ms: float | None = None) -> None:
    """With ``GRIDGOV_BENCH_JSON`` naming a file, append one JSON line per scenario to it: how every
    ``benchmarks/*_bench.py`` hands its figures to ``benchmarks/run.py`` (``--json`` for each)."""
    path = os.environ.get("GRIDGOV_BENCH_JSON")
    if not path:
        return
    import json

    with open(path, "a", encoding="utf-8") as out:
        for label, values, floor_label, floor in results:
            out.write(json.dumps(result_figures(label, values, floor_label, floor, goal_p95_ms), ensure_ascii=False) + "\n")
