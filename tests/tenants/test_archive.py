"""Whole-township export, import and deletion (``gridgov tenants export|import|delete``).

A demo township is exported from one installation and imported into a fresh one, then compared
row by row in every table and file by file; imports that would collide, damaged archives and
deletion are checked the same way. Each installation is its own scratch database and instance."""
from __future__ import annotations

import hashlib
import json
import tarfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from core import create_app
from core.db import db
from core.testing import scratch_database
from tenants.demo import DEMO_PASSWORD


class Installation:
    def __init__(self, tmp: Path, name: str):
        self.url, self.drop = scratch_database(f"gridgov_{name}", tmp)
        self.app = create_app({"TESTING": True, "DATABASE_URL": self.url, "SECRET_KEY": "test-secret",
                               "INSTANCE_PATH": str(tmp / name)})
        with self.app.app_context():
            from core.migrate import upgrade_all

            upgrade_all()
        self.runner = self.app.test_cli_runner()
        self.uploads = Path(self.app.config["UPLOAD_DIR"])

    def cli(self, *args, ok=True):
        result = self.runner.invoke(args=[str(a) for a in args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def rows(self, table: str, tenant_id: int | None = None, column: str = "tenant_id") -> list[tuple]:
        from core.rls import bypassing

        with self.app.app_context():
            with db.engine.connect() as conn, bypassing(conn):  # any township's rows, past row-level security
                sql = f'SELECT * FROM "{table}"' + ("" if tenant_id is None else f" WHERE {column} = {int(tenant_id)}")
                out = sorted(tuple(str(v) for v in row) for row in conn.execute(text(sql)))
            db.engine.dispose()
        return out

    def tenant_id(self, slug: str) -> int | None:
        with self.app.app_context():
            with db.engine.connect() as conn:
                found = conn.execute(text("SELECT id FROM core_tenant WHERE slug = :s"), {"s": slug}).scalar()
            db.engine.dispose()
        return found

    def close(self):
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        self.drop()


@pytest.fixture
def installations(tmp_path):
    made = []

    def make(name):
        made.append(Installation(tmp_path, name))
        return made[-1]

    yield make
    for inst in made:
        inst.close()


@pytest.fixture
def exported(installations, tmp_path):
    """Installation A with the demo loaded, a photo of gushu's, and gushu's archive."""
    a = installations("a")
    a.cli("demo")
    tid = a.tenant_id("gushu")
    photo = a.uploads / "incidents" / str(tid) / "evidence.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 photo " * 50)
    archive = tmp_path / "gushu.tar.gz"
    out = a.cli("tenants", "export", "gushu", archive).output
    assert "已导出 gushu" in out
    return a, tid, archive


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def test_a_township_moves_to_a_fresh_installation_row_for_row(exported, installations, reliability):
    a, tid, archive = exported
    manifest = _manifest(archive)
    # every module's tables are in it, with rows: the demo fills each module
    for module in ("core", "incidents", "points_bank", "five_star", "mediation", "volunteer"):
        assert any(n.startswith(module + "_") and count for n, count in manifest["tables"].items()), module
    b = installations("b")
    b.cli("tenants", "create-county", "xinxian", "新县")
    out = b.cli("tenants", "import", archive, "--county", "xinxian").output
    assert "已导入 gushu" in out
    assert b.tenant_id("gushu") == tid
    for table, count in manifest["tables"].items():
        there = b.rows(table, tid)
        if table == "core_audit_entry":  # the import adds its own entry
            there = [r for r in there if "tenant.archive_imported" not in r]
            here = [r for r in a.rows(table, tid) if "tenant.archive_exported" not in r]
            assert there == here, table
            continue
        assert there == a.rows(table, tid), table
        assert len(there) == count
    reliability("roundtrip", sum(manifest["tables"].values()),
                f"rows of {len(manifest['tables'])} tables of a demo township moved to a fresh installation", lost=0)
    assert b.rows("core_tenant", tid, "id")[0][1:4] == a.rows("core_tenant", tid, "id")[0][1:4]  # slug, name, kind
    folder = f"incidents/{tid}/evidence.jpg"
    assert hashlib.sha256((b.uploads / folder).read_bytes()).digest() == hashlib.sha256((a.uploads / folder).read_bytes()).digest()
    # the township's admin signs in on the new installation with the old password
    client = b.app.test_client()
    resp = client.post("/api/v1/t/gushu/tokens/issue", json={"login": "gushu_admin", "password": DEMO_PASSWORD})
    assert resp.status_code in (200, 201), resp.get_json()
    # and new rows get new ids past the imported ones (PostgreSQL sequences moved on)
    b.cli("tenants", "create-county", "another", "另一县")
    assert b.tenant_id("another") > tid


def test_an_import_that_would_collide_changes_nothing(exported, installations, tmp_path):
    a, tid, archive = exported
    before = a.rows("core_person")
    result = a.cli("tenants", "import", archive, "--county", "dangtu", ok=False)
    assert result.exit_code != 0
    with a.app.app_context():
        with db.engine.connect() as conn:
            county_slug = conn.execute(text("SELECT slug FROM core_tenant WHERE kind = 'county'")).scalars().first()
        db.engine.dispose()
    result = a.cli("tenants", "import", archive, "--county", county_slug, ok=False)
    assert result.exit_code != 0 and "gushu" in result.output          # the slug is taken
    with _statements_on(a, "core_user") as user_reads:
        result = a.cli("tenants", "import", archive, "--county", county_slug, "--slug", "gushu2", ok=False)
    assert result.exit_code != 0 and "编号" in result.output            # so are its ids
    assert a.rows("core_person") == before and a.tenant_id("gushu2") is None
    # the archive's accounts, all already here, were looked up together, not two queries each
    assert _manifest(archive)["users"] >= 2 and len(user_reads) == 1, len(user_reads)

    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name == "tables/core_person.json":
                data = data.replace(b'"', b"'", 4)
                member.size = len(data)
            import io

            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    b = installations("b")
    b.cli("tenants", "create-county", "xinxian", "新县")
    result = b.cli("tenants", "import", damaged, "--county", "xinxian", ok=False)
    assert result.exit_code != 0 and "core_person" in result.output
    assert b.tenant_id("gushu") is None
    with b.app.app_context():  # another account here has the name of one in the archive
        from core.auth.service import create_user

        create_user("gushu_admin", "Passw0rd-other")
        db.session.commit()
        db.engine.dispose()
    result = b.cli("tenants", "import", archive, "--county", "xinxian", ok=False)
    assert result.exit_code != 0 and "gushu_admin" in result.output
    assert b.tenant_id("gushu") is None and b.rows("core_person") == []


@contextmanager
def _statements_on(inst: Installation, table: str):
    """The SELECTs reading ``table`` that ``inst`` runs inside the block."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append(statement)

    with inst.app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_delete_removes_every_row_and_file_after_an_export(exported, tmp_path):
    a, tid, _ = exported
    manifest = _manifest(tmp_path / "gushu.tar.gz")
    others = {}
    for table in manifest["tables"]:
        if table != "core_audit_entry":
            mine = set(a.rows(table, tid))
            others[table] = [r for r in a.rows(table) if r not in mine]
    result = a.cli("tenants", "delete", "gushu", "--archive", tmp_path / "gushu.tar.gz", "--yes", ok=False)
    assert result.exit_code != 0 and "已存在" in result.output          # never overwrites an archive
    out = a.cli("tenants", "delete", "gushu", "--archive", tmp_path / "final.tar.gz", "--yes").output
    assert "已删除 gushu" in out and (tmp_path / "final.tar.gz").exists()
    assert a.tenant_id("gushu") is None
    for table in manifest["tables"]:
        assert a.rows(table, tid) == [], table
        if table in others:
            assert a.rows(table) == others[table], f"{table}: another township's rows changed"
    assert not (a.uploads / "incidents" / str(tid)).exists()
    deleted = [r for r in a.rows("core_audit_entry") if "tenant.deleted" in r]
    assert len(deleted) == 1 and "gushu" in " ".join(deleted[0])


def test_hook_tenant_archive_contents_claims_every_tenant_owned_table_once(app, create_tenant, db_session):
    from tenants.archive import claimed_contents

    township = create_tenant()
    tables, uploads = claimed_contents(township)
    owned = {t.name for t in db.metadata.tables.values() if "tenant_id" in t.c}
    assert set(tables) == owned
    assert {tables["core_person"], tables["incidents_incident"]} == {"core", "incidents"}
    assert f"incidents/{township.id}" in uploads
