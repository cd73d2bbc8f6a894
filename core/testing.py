"""Helpers for tests and benchmarks, also for plugin authors' own suites (测试工具).

:func:`scratch_database` gives a throw-away database: a SQLite file, or a fresh PostgreSQL
database created next to the one ``DATABASE_URL`` names and dropped afterwards.
"""
from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable


def scratch_database(prefix: str = "gridgov_test", directory: str | os.PathLike | None = None) -> tuple[str, Callable[[], None]]:
    """A URL of an empty database and a function that drops it.

    With ``DATABASE_URL`` naming PostgreSQL, a database ``<prefix>_<pid>_<random>`` is created on
    that server (the URL's user needs CREATEDB); otherwise a SQLite file in ``directory`` (default:
    a new temporary folder).
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
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


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
