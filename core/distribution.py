"""Distributing gridgov's schema by ``tenant_id`` (Citus): the rules every table is held to, and
the plan (``docs/scale.md``).

Every table with a ``tenant_id`` column is tenant-owned and is distributed by it, all of them
co-located (one township's rows on one node, so joins and foreign keys stay on that node). The
platform-wide tables, without ``tenant_id``, are reference tables (a copy on every node):
:data:`REFERENCE_TABLES`. The rules, checked by :func:`violations` on the migrated schema
(``tests/core/test_citus_rules.py``):

1. ``tenant_id`` is NOT NULL, and in the primary key or in a unique key that every foreign key
   pointing at the table uses;
2. a foreign key between tenant-owned tables carries ``tenant_id`` on both sides;
3. no unique constraint or unique index of a tenant-owned table leaves ``tenant_id`` out;
4. a table without ``tenant_id`` is a declared reference table, and points at no tenant-owned one.

Citus also wants ``tenant_id`` in the primary key itself: a table whose primary key is ``id`` with
a unique ``(tenant_id, id)`` beside it (every :class:`core.tenancy.TenantOwned` table) has its
primary key swapped for ``(tenant_id, id)`` when it is distributed (:func:`citus_statements`).
"""
from __future__ import annotations

from sqlalchemy import inspect, text

REFERENCE_TABLES = ("core_tenant", "core_user")
ANCHOR = "core_grid"  # distributed first, the others co-located with it (whatever plugins are installed)


def _is_alembic(name: str) -> bool:
    return name.startswith("alembic_version")


def schema(bind) -> dict[str, dict]:
    """The migrated schema as the database reports it: table -> columns, primary key, unique
    keys (constraints and unique indexes) and foreign keys."""
    insp = inspect(bind)
    partitions = set()
    if bind.dialect.name == "postgresql":  # gridgov db partition's: Citus distributes the parent with them
        with bind.connect() as connection:
            partitions = set(connection.execute(text("SELECT relname FROM pg_class WHERE relispartition")).scalars())
    out = {}
    for table in insp.get_table_names():
        if _is_alembic(table) or table in partitions:
            continue
        uniques = [tuple(u["column_names"]) for u in insp.get_unique_constraints(table)]
        uniques += [tuple(i["column_names"]) for i in insp.get_indexes(table) if i.get("unique")]
        out[table] = {"columns": {c["name"]: c for c in insp.get_columns(table)},
                      "pk": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
                      "uniques": uniques,
                      "fks": [fk for fk in insp.get_foreign_keys(table) if fk["referred_table"] not in partitions]}
    return out


def violations(tables: dict[str, dict]) -> list[str]:
    """Every breach of the rules above, one line each (``rule: table ...``)."""
    owned = {t for t, info in tables.items() if "tenant_id" in info["columns"]}
    found = []
    referenced: dict[str, list[tuple[str, tuple]]] = {}
    for table, info in tables.items():
        for fk in info["fks"]:
            referenced.setdefault(fk["referred_table"], []).append((table, tuple(fk["referred_columns"])))
    for table in sorted(tables):
        info = tables[table]
        if table not in owned:
            if table not in REFERENCE_TABLES:
                found.append(f"undeclared platform table: {table} (no tenant_id; add it to REFERENCE_TABLES)")
            for fk in info["fks"]:
                if fk["referred_table"] in owned:
                    found.append(f"reference table points at a tenant table: {table} -> {fk['referred_table']}")
            continue
        if info["columns"]["tenant_id"].get("nullable"):
            found.append(f"nullable tenant_id: {table}")
        keys = [k for k in (info["pk"], *info["uniques"]) if "tenant_id" in k]
        if "tenant_id" not in info["pk"]:
            if not any(set(k) == {"tenant_id", *info["pk"]} for k in keys):
                found.append(f"no key with tenant_id: {table} (primary key {', '.join(info['pk'])})")
            for source, columns in referenced.get(table, []):
                if source in owned and not any(set(columns) == set(k) for k in keys):
                    found.append(f"foreign key uses a key without tenant_id: {source} -> {table} ({', '.join(columns)})")
        for unique in info["uniques"]:
            if "tenant_id" not in unique:
                found.append(f"unique without tenant_id: {table} ({', '.join(unique)})")
        for fk in info["fks"]:
            target = fk["referred_table"]
            if target not in owned:
                continue
            pairs = dict(zip(fk["constrained_columns"], fk["referred_columns"]))
            if pairs.get("tenant_id") != "tenant_id":
                found.append(f"foreign key without tenant_id: {table} ({', '.join(fk['constrained_columns'])}) -> {target}")
    return found


def _ordered(tables: dict[str, dict], names: set[str]) -> list[str]:
    """``names`` with every table after the tables it points at (ties by name)."""
    done: list[str] = []
    pending = sorted(names)
    while pending:
        ready = [t for t in pending
                 if all(fk["referred_table"] in done or fk["referred_table"] == t or fk["referred_table"] not in names
                        for fk in tables[t]["fks"])]
        ready = ready or pending[:1]  # a cycle: Citus takes it with the foreign keys added after
        done += ready
        pending = [t for t in pending if t not in ready]
    return done


def citus_statements(tables: dict[str, dict]) -> list[str]:
    """The SQL that distributes the schema on a Citus coordinator, in order: reference tables,
    primary keys swapped to ``(tenant_id, id)`` where needed, then every tenant-owned table
    distributed by ``tenant_id`` after the tables it points at, co-located with the first
    (:data:`ANCHOR`)."""
    owned = {t for t, info in tables.items() if "tenant_id" in info["columns"]}
    out = [f"SELECT create_reference_table('{t}');" for t in REFERENCE_TABLES if t in tables]
    for table in sorted(owned):
        pk = tables[table]["pk"]
        if "tenant_id" not in pk:
            out.append(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}, "
                       f"ADD CONSTRAINT pk_{table} PRIMARY KEY (tenant_id, {', '.join(pk)});")
    order = _ordered(tables, owned)
    if ANCHOR in order and all(fk["referred_table"] in (ANCHOR, *REFERENCE_TABLES) for fk in tables[ANCHOR]["fks"]):
        order.remove(ANCHOR)
        order.insert(0, ANCHOR)
    for n, table in enumerate(order):
        colocate = f", colocate_with => '{order[0]}'" if n else ""
        out.append(f"SELECT create_distributed_table('{table}', 'tenant_id'{colocate});")
    return out


if __name__ == "__main__":  # python -m core.distribution: the plan for the configured database
    from core import create_app
    from core.db import db

    with create_app().app_context():
        print("\n".join(citus_statements(schema(db.engine))))
