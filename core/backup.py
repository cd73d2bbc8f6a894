"""Backup and restore (备份与恢复) of a whole installation: the database and the uploaded files.

A backup is one ``.tar.gz`` archive::

    manifest.json        format, time (UTC), engine, gridgov version, migration versions,
                         rows per table, and a SHA-256 of every member below
    database.sqlite      SQLite: a consistent copy made with SQLite's online backup API
    database.pgdump      PostgreSQL: ``pg_dump --format=custom`` (restored with ``pg_restore``)
    uploads/...          every file under ``UPLOAD_DIR`` (photos, evidence, import files)

Both are online: the app and the task consumer may keep running while a backup is taken. A
restore replaces the database's contents and the upload folder with the archive's (stop the
app and the consumers first; the command says so), after checking every checksum, so a damaged
archive changes nothing. ``gridgov backup --dir D --keep N`` keeps the newest N archives in D
(the nightly timer of ``deploy/``).

With uploads in an S3-compatible store (``GRIDGOV_STORAGE=s3://...``, :mod:`core.storage`) a
backup covers the database only (``uploads/`` then holds nothing): back the bucket up with the
store's own tools (versioning, replication, ``mc mirror``). The township archive
(``tenants/archive.py``) reads and writes a township's files through the storage either way.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flask import Flask
from sqlalchemy import inspect, select, func, table
from sqlalchemy.engine import make_url

from core.db import db

FORMAT = 1
PREFIX = "gridgov-backup-"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (nothing was changed)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq_url(app: Flask) -> str:
    """The database URL as pg_dump/pg_restore read it (no SQLAlchemy driver suffix)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _sqlite_path(app: Flask) -> Path:
    return Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)


def table_counts() -> dict[str, int]:
    """Rows per table of the whole database (every tenant: a backup is platform-wide, so it reads
    past row-level security, as migrations do)."""
    from core.rls import bypassing

    names = sorted(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn, bypassing(conn):
        return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in names}


def _migration_versions() -> dict[str, list[str]]:
    """The migration heads of every component (core and each plugin keep their own table)."""
    out = {}
    with db.engine.connect() as conn:
        for name in sorted(inspect(db.engine).get_table_names()):
            if name.startswith("alembic_version"):
                component = name.removeprefix("alembic_version").lstrip("_") or "default"
                out[component] = sorted(r[0] for r in conn.exec_driver_sql(f'SELECT version_num FROM "{name}"'))
    return out


def make_backup(app: Flask, directory: str | os.PathLike | None = None,
                output: str | os.PathLike | None = None) -> Path:
    """Write a backup archive and return its path (``output``, or a timestamped name in
    ``directory``, default ``<instance>/backups``)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    if output is None:
        folder = Path(directory or Path(app.instance_path) / "backups")
        folder.mkdir(parents=True, exist_ok=True)
        output = folder / f"{PREFIX}{stamp}.tar.gz"
    output = Path(output)
    if not output.parent.is_dir():
        raise BackupError(f"folder does not exist: {output.parent}")
    uploads = Path(app.config["UPLOAD_DIR"])
    engine = db.engine.dialect.name
    with tempfile.TemporaryDirectory(prefix="gridgov-backup-") as tmp:
        work = Path(tmp)
        if engine == "sqlite":
            dump = work / "database.sqlite"
            source = sqlite3.connect(_sqlite_path(app))
            target = sqlite3.connect(dump)
            try:
                source.backup(target)  # consistent even while others write
            finally:
                target.close()
                source.close()
        elif engine == "postgresql":
            dump = work / "database.pgdump"
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--enable-row-security",
                  f"--file={dump}", f"--dbname={_libpq_url(app)}"], env=_SEES_EVERY_ROW)
        else:
            raise BackupError(f"unsupported database engine: {engine}")
        files = {dump.name: _sha256(dump)}
        upload_files = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.is_dir() else []
        for path in upload_files:
            files["uploads/" + path.relative_to(uploads).as_posix()] = _sha256(path)
        try:
            gridgov_version = version("gridgov")
        except PackageNotFoundError:  # pragma: no cover (running from a plain checkout)
            gridgov_version = "unknown"
        manifest = {"format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(),
                    "engine": engine, "gridgov_version": gridgov_version,
                    "migrations": _migration_versions(), "tables": table_counts(), "files": files}
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        partial = output.with_name(output.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")
            tar.add(dump, arcname=dump.name)
            for path in upload_files:
                tar.add(path, arcname="uploads/" + path.relative_to(uploads).as_posix())
        partial.replace(output)  # a crash never leaves a half archive under the real name
    return output


def prune(directory: str | os.PathLike, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives in ``directory``; returns what was deleted."""
    archives = sorted(Path(directory).glob(f"{PREFIX}*.tar.gz"))
    doomed = archives[:-keep] if keep > 0 else archives
    for path in doomed:
        path.unlink()
    return doomed


def read_manifest(archive: str | os.PathLike) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            return json.loads(member.read())
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise BackupError(f"not a gridgov backup: {archive} ({exc})") from exc


def restore_backup(app: Flask, archive: str | os.PathLike) -> dict:
    """Replace the database's contents and the upload folder with ``archive``'s; returns its
    manifest. Every checksum is verified before anything is touched."""
    manifest = read_manifest(archive)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    engine = db.engine.dialect.name
    if manifest["engine"] != engine:
        raise BackupError(f"the backup is of a {manifest['engine']} database; this one is {engine}")
    uploads = Path(app.config["UPLOAD_DIR"])
    with tempfile.TemporaryDirectory(prefix="gridgov-restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")  # no absolute paths, links or devices
        for name, digest in manifest["files"].items():
            path = work / name
            if not path.is_file() or _sha256(path) != digest:
                raise BackupError(f"damaged backup: {name} is missing or does not match its checksum")
        db.session.remove()
        db.engine.dispose()
        if engine == "sqlite":
            source = sqlite3.connect(work / "database.sqlite")
            target = sqlite3.connect(_sqlite_path(app))
            try:
                source.backup(target)  # page by page into the live file, under its own lock
            finally:
                target.close()
                source.close()
        else:
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                  "--single-transaction", "--exit-on-error", "--enable-row-security",
                  f"--dbname={_libpq_url(app)}", str(work / "database.pgdump")], env=_SEES_EVERY_ROW)
        staged = work / "uploads"
        staged.mkdir(exist_ok=True)
        if uploads.exists():
            old = uploads.with_name(uploads.name + ".before-restore")
            shutil.rmtree(old, ignore_errors=True)
            uploads.rename(old)
            shutil.move(str(staged), str(uploads))
            shutil.rmtree(old, ignore_errors=True)
        else:
            uploads.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staged), str(uploads))
    return manifest


# pg_dump and pg_restore as the app's own role, which row-level security binds (FORCE: even as the
# tables' owner): the session setting that the policies let through (core.rls, as for migrations),
# and --enable-row-security, since by default both tools refuse to run where a policy applies.
_SEES_EVERY_ROW = {"PGOPTIONS": "-c gridgov.bypass_rls=on"}


def _run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600,
                              env={**os.environ, **env} if env else None)
    except FileNotFoundError as exc:
        raise BackupError(f"{cmd[0]} is not installed (PostgreSQL's client tools are needed)") from exc
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip()[-2000:]}")
