"""``gridgov backup`` / ``gridgov restore``: a round trip gives back every row of every table and
every uploaded file, on SQLite and on PostgreSQL (pg_dump/pg_restore); a damaged archive changes
nothing; ``--keep`` prunes old archives. Each test runs on its own scratch database and instance."""
from __future__ import annotations

import gzip
import hashlib
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from core import create_app
from core.db import db
from core.rls import bypassing
from core.testing import scratch_database

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "township.yaml"


@pytest.fixture
def fresh(tmp_path):
    url, drop = scratch_database("gridgov_backup", tmp_path)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SECRET_KEY": "test-secret"})
    with app.app_context():
        from core.migrate import upgrade_all

        upgrade_all()
    runner = app.test_cli_runner()

    def cli(*args, ok=True):
        result = runner.invoke(args=list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    cli("tenants", "create-county", "huaining", "怀宁县")
    cli("tenants", "onboard", str(EXAMPLE))
    uploads = Path(app.config["UPLOAD_DIR"])
    (uploads / "incidents" / "yueshan").mkdir(parents=True)
    (uploads / "incidents" / "yueshan" / "photo.jpg").write_bytes(b"\xff\xd8 a photo " * 100)
    (uploads / "top.txt").write_text("上传文件", encoding="utf-8")
    yield app, cli, uploads
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    with app.app_context():
        out = {}
        with db.engine.connect() as conn, bypassing(conn):  # every township's rows
            for name in sorted(inspect(db.engine).get_table_names()):
                rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
                out[name] = sorted((tuple(str(v) for v in row) for row in rows))
        db.engine.dispose()
        return out


def files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_round_trip_gives_back_every_row_and_file(fresh, tmp_path, reliability):
    app, cli, uploads = fresh
    before, before_files = snapshot(app), files(uploads)
    assert before["core_tenant"] and before["core_grid"]
    archive = tmp_path / "b.tar.gz"
    out = cli("backup", "--output", str(archive)).output
    assert "已备份" in out and archive.exists()

    # what happens after the backup: rows gone, rows added, a file gone, a file added
    with app.app_context():
        with db.engine.begin() as conn, bypassing(conn):
            conn.execute(text("DELETE FROM core_audit_entry"))
        db.engine.dispose()
    cli("tenants", "create-county", "qianshan", "潜山县")
    (uploads / "incidents" / "yueshan" / "photo.jpg").unlink()
    (uploads / "new.txt").write_text("after")
    assert snapshot(app) != before

    out = cli("restore", str(archive), "--yes").output
    assert "已恢复" in out
    assert snapshot(app) == before
    assert files(uploads) == before_files
    reliability("roundtrip", sum(len(r) for r in before.values()),
                f"rows of {len(before)} tables and {len(before_files)} files through backup and restore", lost=0)
    # the restored installation works: a command that reads and writes
    cli("tenants", "create-county", "qianshan", "潜山县")


def test_a_damaged_archive_is_refused_and_changes_nothing(fresh, tmp_path):
    app, cli, uploads = fresh
    archive = tmp_path / "b.tar.gz"
    cli("backup", "--output", str(archive))
    # rewrite the archive with one upload altered: its checksum no longer matches the manifest
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name == "uploads/top.txt":
                data = b"tampered"
                member.size = len(data)
            import io

            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    cli("tenants", "create-county", "qianshan", "潜山县")
    before, before_files = snapshot(app), files(uploads)
    result = cli("restore", str(damaged), "--yes", ok=False)
    assert result.exit_code != 0 and "uploads/top.txt" in result.output
    assert snapshot(app) == before and files(uploads) == before_files
    not_a_backup = tmp_path / "x.tar.gz"
    not_a_backup.write_bytes(gzip.compress(b"hello"))
    result = cli("restore", str(not_a_backup), "--yes", ok=False)
    assert result.exit_code != 0 and "not a gridgov backup" in result.output


def test_keep_prunes_old_archives(fresh, tmp_path):
    app, cli, uploads = fresh
    folder = tmp_path / "nightly"
    for _ in range(3):
        cli("backup", "--dir", str(folder), "--keep", "2")
    assert len(list(folder.glob("gridgov-backup-*.tar.gz"))) == 2
    result = cli("backup", "--output", str(tmp_path / "missing" / "b.tar.gz"), ok=False)
    assert result.exit_code != 0 and "missing" in result.output
