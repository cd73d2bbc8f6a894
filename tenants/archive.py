"""Whole-township export, import and deletion (乡镇整体导出、导入与注销): how a township moves to
another installation, or leaves.

An archive is one ``.tar.gz``::

    manifest.json          format, time (UTC), gridgov version, migration versions, the township
                           (id, slug, name, county), rows per table, a SHA-256 of every member,
                           and which component claimed which table
    tables/<table>.json    {"columns": [...], "rows": [[...], ...]}: every row of the township
    uploads/...            the township's uploaded files (photos, evidence), by their storage key
                           (read from and written to :mod:`core.storage`: UPLOAD_DIR or S3)

What goes in is asked of every installed component, enabled or not (data outlives a switch-off),
through the ``tenant_archive_contents`` hook: each names its tables and its upload folders. Every
table with a ``tenant_id`` column must be claimed by exactly one component, or the export refuses
(and a test fails), so a module that forgets a table cannot lose it silently. Beside the
township's own rows, the archive carries the accounts its rows name (role holders, handlers,
recorders; ``core_user`` is platform-wide) and the township's ``core_tenant`` row.

Rows keep their ids, so references inside the township (foreign keys, and ids kept in JSON or
in columns without a foreign key) stay right. Importing therefore needs an installation where
none of those ids is taken, typically a fresh one: the import checks every table first and
refuses, naming the table, before writing anything. The township is attached to a county of the
target (``--county``). A reference to a row outside the township that the target lacks (a county
template version, say) is set to NULL where the column allows it, and listed; otherwise refused.

Deletion removes every row of the township from every claimed table, then its uploads and its
tenant row, in one transaction, after an archive has been written; it is audited.
"""
from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tarfile
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, inspect, select, tuple_

from core.audit import record
from core.db import db
from core.errors import ApiError
from core.models import Tenant, TenantKind, platform_tenant
from core.storage import storage
from core.tenancy import cross_tenant

FORMAT = 1
USERS = "core_user"


@dataclass
class ImportReport:
    tenant: Tenant
    rows: int
    files: int
    nulled: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def claimed_contents(tenant: Tenant) -> tuple[dict[str, str], list[str]]:
    """(table name -> claiming component, upload folders) from every installed component's
    answer to ``tenant_archive_contents``; refuses a table claimed twice or not at all."""
    pm = current_app.extensions["gridgov.plugins"].pm
    tables: dict[str, str] = {}
    uploads: list[str] = []
    problems = []
    for impl in pm.hook.tenant_archive_contents.get_hookimpls():
        answer = impl.function(tenant=tenant) or {}
        for name in answer.get("tables", []):
            if name in tables:
                problems.append(f"{name}: claimed by {tables[name]} and {impl.plugin_name}")
            tables[name] = impl.plugin_name
        uploads.extend(answer.get("uploads", []))
    owned = {t.name for t in db.metadata.tables.values() if "tenant_id" in t.c}
    problems += [f"{name}: has tenant_id but no component claims it" for name in sorted(owned - set(tables))]
    problems += [f"{name}: claimed but not a tenant-owned table" for name in sorted(set(tables) - owned)]
    if problems:
        raise ApiError(500, "archive_contents_incomplete", _("乡镇整体导出的表清单不完整：%(problems)s", problems=_("；").join(problems)))
    return tables, uploads


def _ordered(names) -> list[Table]:
    """Tables in foreign-key order (parents first)."""
    wanted = set(names)
    return [t for t in db.metadata.sorted_tables if t.name in wanted]


def _encode(value):
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    return value


def _decoder(column):
    kind = None
    for candidate in (column.type, getattr(column.type, "impl_instance", None)):  # TypeDecorators too
        try:
            kind = candidate.python_type if candidate is not None else None
        except NotImplementedError:
            continue
        if kind not in (None, object):
            break
    if kind is datetime:
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if kind is date:
        return lambda v: None if v is None else date.fromisoformat(v)
    if kind is Decimal:
        return lambda v: None if v is None else Decimal(v)
    if kind is bytes:
        return lambda v: None if v is None else base64.b64decode(v)
    return lambda v: v


def _self_sorted(table: Table, rows: list[dict]) -> list[dict]:
    """Rows of a self-referencing table with every referenced row first (grids under grids)."""
    refs = [(fk.parent.name, fk.column.name) for fk in table.foreign_keys
            if fk.column.table is table and fk.parent.name != "tenant_id"]  # (tenant_id, parent_id) pairs
    if not refs:
        return rows
    key = refs[0][1]
    by_key = {r[key]: r for r in rows}
    done, out = set(), []

    def visit(row, depth=0):
        marker = row[key]
        if marker in done:
            return
        for col, _target in refs:  # (not `_`: that is gettext here)
            parent = by_key.get(row[col])
            if parent is not None and parent is not row and depth < 10_000:
                visit(parent, depth + 1)
        done.add(marker)
        out.append(row)

    for row in sorted(rows, key=lambda r: (r[key] is None, r[key])):
        visit(row)
    return out


def export_township(tenant: Tenant, output: str | Path) -> dict:
    """Write ``tenant``'s whole archive to ``output``; returns the manifest."""
    if tenant.kind != TenantKind.township:
        raise ApiError(422, "not_a_township", _("只能导出乡镇（街道）"), fields={"tenant": [_("须为乡镇")]})
    output = Path(output)
    if not output.parent.is_dir():
        raise ApiError(422, "folder_missing", _("目录不存在：%(folder)s", folder=output.parent), fields={"output": [_("目录不存在")]})
    with cross_tenant(f"township archive export {tenant.slug}"):
        tables, folders = claimed_contents(tenant)
        ordered = _ordered(tables)
        store = storage()
        with tempfile.TemporaryDirectory(prefix="gridgov-archive-") as tmp:
            work = Path(tmp)
            (work / "tables").mkdir()
            counts, user_ids = {}, set()
            for table in ordered:
                rows = db.session.execute(select(table).where(table.c.tenant_id == tenant.id)
                                          .order_by(*table.primary_key.columns)).mappings().all()
                for fk in table.foreign_keys:
                    if fk.column.table.name == USERS:
                        user_ids.update(r[fk.parent.name] for r in rows if r[fk.parent.name] is not None)
                _write_table(work, table, rows)
                counts[table.name] = len(rows)
            users = db.metadata.tables[USERS]
            user_rows = db.session.execute(select(users).where(users.c.id.in_(sorted(user_ids)))
                                           .order_by(users.c.id)).mappings().all()
            _write_table(work, users, user_rows)
            tenants = db.metadata.tables["core_tenant"]
            _write_table(work, tenants, db.session.execute(
                select(tenants).where(tenants.c.id == tenant.id)).mappings().all())
            files = []
            for folder in folders:  # copied out of the storage (UPLOAD_DIR or S3) by key
                for entry in store.entries(folder):
                    target = work / "uploads" / entry.key
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with store.open(entry.key) as source, open(target, "wb") as out:
                        shutil.copyfileobj(source, out)
                    files.append(target)
            checksums = {p.relative_to(work).as_posix(): _sha256(p) for p in sorted((work / "tables").iterdir())}
            checksums.update({p.relative_to(work).as_posix(): _sha256(p) for p in files})
            county = db.session.get(Tenant, tenant.parent_id) if tenant.parent_id else None
            manifest = {
                "format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(),
                "gridgov_version": _gridgov_version(), "engine": db.engine.dialect.name,
                "migrations": _migration_versions(),
                "tenant": {"id": tenant.id, "slug": tenant.slug, "name": tenant.name,
                           "county": county.slug if county else None},
                "tables": counts, "users": len(user_rows), "components": tables,
                "files": checksums,
            }
            (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
            partial = output.with_name(output.name + ".part")
            with tarfile.open(partial, "w:gz") as tar:
                tar.add(work / "manifest.json", arcname="manifest.json")
                tar.add(work / "tables", arcname="tables")
                for path in files:
                    tar.add(path, arcname=path.relative_to(work).as_posix())
            partial.replace(output)
        record("tenant.archive_exported", tenant, tenant_id=tenant.id,
               after={"rows": sum(counts.values()), "files": len(files)})
        db.session.commit()
    return manifest


def _write_table(work: Path, table: Table, rows) -> None:
    columns = [c.name for c in table.columns]
    data = {"columns": columns, "rows": [[_encode(r[c]) for c in columns] for r in rows]}
    (work / "tables" / f"{table.name}.json").write_text(json.dumps(data, ensure_ascii=False))


def _gridgov_version() -> str:
    try:
        return version("gridgov")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _migration_versions() -> dict[str, list[str]]:
    out = {}
    conn = db.session.connection()
    for name in sorted(inspect(conn).get_table_names()):
        if name.startswith("alembic_version_"):
            out[name.removeprefix("alembic_version_")] = sorted(
                r[0] for r in conn.exec_driver_sql(f'SELECT version_num FROM "{name}"'))
    return out


def read_archive(archive: str | Path, work: Path) -> dict:
    """Unpack ``archive`` into ``work`` and verify it; returns the manifest."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
        manifest = json.loads((work / "manifest.json").read_text())
    except (OSError, tarfile.TarError, json.JSONDecodeError, KeyError) as exc:
        raise ApiError(422, "not_an_archive", _("不是乡镇整体导出文件：%(problem)s", problem=exc), fields={"archive": [_("无法读取")]}) from exc
    if manifest.get("format") != FORMAT:
        raise ApiError(422, "archive_format", _("未知的导出格式 %(format)r", format=manifest.get("format")), fields={"archive": [_("格式不符")]})
    for name, digest in manifest["files"].items():
        path = work / name
        if not path.is_file() or _sha256(path) != digest:
            raise ApiError(422, "archive_damaged", _("导出文件已损坏：%(name)s", name=name), fields={"archive": [_("%(name)s 校验失败", name=name)]})
    return manifest


def import_township(archive: str | Path, county: Tenant, slug: str | None = None) -> ImportReport:
    """Create the archive's township under ``county``, every row and file included; refuses
    (changing nothing) when its migrations differ from this installation's or any id is taken."""
    if county.kind != TenantKind.county:
        raise ApiError(422, "not_a_county", _("须指定本系统中的一个县（区）"), fields={"county": [_("须为县")]})
    with tempfile.TemporaryDirectory(prefix="gridgov-import-") as tmp, cross_tenant("township archive import"):
        work = Path(tmp)
        manifest = read_archive(archive, work)
        mine = _migration_versions()
        differ = sorted(c for c, heads in manifest["migrations"].items() if mine.get(c) != heads)
        if differ:
            raise ApiError(409, "archive_versions_differ",
                           _("导出文件与本系统的数据库版本不同（%(chains)s）：请先将两边升级到同一版本", chains=_("、").join(differ)),
                           fields={"archive": differ})
        tenant_rows = _read_table(work, "core_tenant")
        new_slug = slug or tenant_rows[0]["slug"]
        if db.session.scalar(select(Tenant.id).where(Tenant.slug == new_slug)) is not None:
            raise ApiError(409, "slug_taken", _("本系统已有标识为 %(slug)s 的租户", slug=new_slug), fields={"slug": [_("已被占用")]})
        tables = {name: db.metadata.tables.get(name) for name in manifest["tables"]}
        unknown = sorted(n for n, t in tables.items() if t is None)
        if unknown:
            raise ApiError(409, "archive_tables_unknown", _("本系统缺少这些表（未安装相应模块）：%(tables)s", tables=_("、").join(unknown)),
                           fields={"archive": unknown})
        data = {name: _read_table(work, name) for name in tables}
        users = _read_table(work, USERS)
        clashes = _taken_ids(db.metadata.tables["core_tenant"], tenant_rows)
        for name, rows in data.items():
            clashes += _taken_ids(tables[name], rows)
        reused_users = _check_users(users)
        if clashes:
            raise ApiError(409, "archive_ids_taken", _("本系统中已有这些编号，无法原样导入：%(ids)s", ids=_("；").join(clashes[:20])),
                           fields={"archive": clashes[:20]})
        try:
            conn = db.session.connection()
            new_users = [u for u in users if u["id"] not in reused_users]
            if new_users:
                conn.execute(db.metadata.tables[USERS].insert(), _decoded(db.metadata.tables[USERS], new_users))
            tenant_rows[0].update(parent_id=county.id, slug=new_slug)
            conn.execute(db.metadata.tables["core_tenant"].insert(),
                         _decoded(db.metadata.tables["core_tenant"], tenant_rows))
            present = defaultdict(set)
            nulled: list[str] = []
            for table in _ordered(tables):
                rows = _self_sorted(table, data[table.name])
                _resolve_outside(table, rows, data, nulled)
                for chunk in range(0, len(rows), 500):
                    part = rows[chunk:chunk + 500]
                    if part:
                        conn.execute(table.insert(), _decoded(table, part))
                present[table.name] = {r.get("id") for r in rows}
            _bump_sequences(conn, [*tables.values(), db.metadata.tables[USERS], db.metadata.tables["core_tenant"]])
            tenant = db.session.get(Tenant, tenant_rows[0]["id"])
            store, files = storage(), 0
            staged = work / "uploads"
            if staged.is_dir():
                for path in sorted(p for p in staged.rglob("*") if p.is_file()):
                    with open(path, "rb") as source:
                        store.save(path.relative_to(staged).as_posix(), source)
                    files += 1
            record("tenant.archive_imported", tenant, tenant_id=tenant.id,
                   after={"from": manifest["tenant"], "rows": sum(len(r) for r in data.values()), "nulled": nulled[:50]})
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return ImportReport(tenant, sum(len(r) for r in data.values()), files, nulled)


def _read_table(work: Path, name: str) -> list[dict]:
    path = work / "tables" / f"{name}.json"
    if not path.exists():
        raise ApiError(422, "archive_damaged", _("导出文件缺少表 %(name)s", name=name), fields={"archive": [name]})
    data = json.loads(path.read_text())
    return [dict(zip(data["columns"], row)) for row in data["rows"]]


def _decoded(table: Table, rows: list[dict]) -> list[dict]:
    decoders = {c.name: _decoder(c) for c in table.columns}
    return [{k: decoders[k](v) for k, v in row.items() if k in decoders} for row in rows]


def _taken_ids(table: Table, rows: list[dict]) -> list[str]:
    keys = [c.name for c in table.primary_key.columns]
    if not rows or not keys:
        return []
    values = [tuple(r[k] for k in keys) for r in rows]
    taken = []
    for start in range(0, len(values), 500):
        part = values[start:start + 500]
        cols = [table.c[k] for k in keys]
        cond = cols[0].in_([v[0] for v in part]) if len(cols) == 1 else tuple_(*cols).in_(part)
        taken += db.session.execute(select(*cols).where(cond).limit(3)).all()
        if taken:
            break
    return [f"{table.name}（编号 {', '.join(str(v) for v in row)}）" for row in taken[:3]]


def _check_users(users: list[dict]) -> set[int]:
    """Accounts of the archive that already exist here (same id and username) are reused; an id
    or username taken by another account is refused. Read in chunks of 500, one query each."""
    table = db.metadata.tables[USERS]
    reused = set()
    for start in range(0, len(users), 500):
        part = users[start:start + 500]
        here = db.session.execute(select(table.c.id, table.c.username).where(
            table.c.id.in_([u["id"] for u in part]) | table.c.username.in_([u["username"] for u in part]))).all()
        by_id = {row.id: row.username for row in here}
        names = {row.username for row in here}
        for user in part:
            if by_id.get(user["id"]) == user["username"]:
                reused.add(user["id"])
            elif user["id"] in by_id or user["username"] in names:
                raise ApiError(409, "archive_user_taken", _("账号 %(username)s 或其编号已被本系统的其他账号占用", username=user["username"]),
                               fields={"archive": [user["username"]]})
    return reused


def _resolve_outside(table: Table, rows: list[dict], data: dict[str, list[dict]], nulled: list[str]) -> None:
    """References to rows outside the archive (a county's template version): kept when the row
    exists here, set to NULL where allowed, refused otherwise."""
    for fk in table.foreign_keys:
        target = fk.column.table
        if target.name in (USERS, "core_tenant") or fk.parent.name == "tenant_id":
            continue
        inside = {r.get(fk.column.name) for r in data.get(target.name, [])}
        outside = {r[fk.parent.name] for r in rows if r[fk.parent.name] is not None and r[fk.parent.name] not in inside}
        if not outside:
            continue
        here = {v for (v,) in db.session.execute(select(fk.column).where(fk.column.in_(sorted(outside))))}
        missing = outside - here
        if not missing:
            continue
        if not fk.parent.nullable:
            raise ApiError(409, "archive_reference_missing",
                           _("%(column)s 引用了本系统没有的 %(table)s 行：%(ids)s", column=f"{table.name}.{fk.parent.name}",
                             table=target.name, ids=sorted(missing)[:5]),
                           fields={"archive": [f"{table.name}.{fk.parent.name}"]})
        for row in rows:
            if row[fk.parent.name] in missing:
                row[fk.parent.name] = None
        nulled.append(f"{table.name}.{fk.parent.name}: {len(missing)}")


def _bump_sequences(conn, tables) -> None:
    """PostgreSQL: ids were inserted as they were, so each id sequence moves past them."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" not in table.c or len(table.primary_key.columns) != 1:
            continue
        sequence = conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table.name}', 'id')").scalar()
        if sequence:
            conn.exec_driver_sql(f"SELECT setval('{sequence}', GREATEST((SELECT COALESCE(MAX(id), 0) "
                                 f"FROM \"{table.name}\"), 1))")


def delete_township(tenant: Tenant, archive: str | Path) -> dict[str, int]:
    """Remove every row and upload of ``tenant``, given the archive just written of it."""
    with tempfile.TemporaryDirectory(prefix="gridgov-delete-") as tmp:
        manifest = read_archive(archive, Path(tmp))
    if manifest["tenant"]["id"] != tenant.id or manifest["tenant"]["slug"] != tenant.slug:
        raise ApiError(422, "archive_of_another", _("该导出文件不是这个乡镇的"), fields={"archive": [_("乡镇不符")]})
    with cross_tenant(f"township deletion {tenant.slug}"):
        tables, folders = claimed_contents(tenant)
        conn = db.session.connection()
        removed = {}
        try:
            for table in reversed(_ordered(tables)):
                self_refs = [fk.parent for fk in table.foreign_keys
                             if fk.column.table is table and fk.parent.name != "tenant_id"]
                for col in self_refs:  # cut links inside the table first (grids under grids)
                    if col.nullable:
                        conn.execute(table.update().where(table.c.tenant_id == tenant.id).values({col.name: None}))
                removed[table.name] = conn.execute(table.delete().where(table.c.tenant_id == tenant.id)).rowcount
            slug, tenant_id = tenant.slug, tenant.id
            db.session.expunge(tenant)
            conn.execute(db.metadata.tables["core_tenant"].delete().where(db.metadata.tables["core_tenant"].c.id == tenant_id))
            record("tenant.deleted", object_type="core_tenant", object_id=tenant_id, tenant_id=platform_tenant().id,
                   before={"slug": slug, "name": manifest["tenant"]["name"], "rows": sum(removed.values()),
                           "archive_created_at": manifest["created_at"]})
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    store = storage()
    for folder in folders:
        store.delete_prefix(folder)
    return removed
