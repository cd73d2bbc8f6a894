"""The migrated schema is held to the rules Citus needs to distribute it by ``tenant_id``
(core/distribution.py), and docs/scale.md carries the distribution plan made from it.

Known breaches are listed below, each with what fixing it takes; the list may only shrink: a new
breach fails, and so does a listed one that is gone (take it off the list)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text

from core.db import db
from core.distribution import REFERENCE_TABLES, citus_statements, schema, violations

ROOT = Path(__file__).resolve().parents[2]

KNOWN: set[str] = set()  # none left: every tenant-owned table follows the rules
MOST = 0  # may only go down
OWN = "(core|incidents|five_star|points_bank|mediation|volunteer)_"  # gridgov's own components


def test_every_tenant_table_follows_the_citus_rules_but_the_listed_ones(app, db_session):
    found = violations(schema(db.engine))
    new = sorted(set(found) - KNOWN)
    assert not new, "tables that Citus could not distribute by tenant_id:\n" + "\n".join(new)
    fixed = sorted(KNOWN - set(found))
    assert not fixed, "fixed, take them off KNOWN (and lower MOST):\n" + "\n".join(fixed)
    assert len(KNOWN) <= MOST


def test_the_rules_catch_what_citus_refuses(app, db_session):
    """The checker itself: a schema with each kind of breach is reported, a sound one is not."""
    tables = {
        "core_tenant": {"columns": {"id": {}}, "pk": ("id",), "uniques": [], "fks": []},
        "lookup": {"columns": {"id": {}}, "pk": ("id",), "uniques": [],
                   "fks": [{"referred_table": "grid", "constrained_columns": ["grid_id"], "referred_columns": ["id"]}]},
        "grid": {"columns": {"id": {}, "tenant_id": {"nullable": False}}, "pk": ("id",),
                 "uniques": [("tenant_id", "id"), ("code",)], "fks": []},
        "incident": {"columns": {"id": {}, "tenant_id": {"nullable": True}, "grid_id": {}}, "pk": ("tenant_id", "id"),
                     "uniques": [],
                     "fks": [{"referred_table": "grid", "constrained_columns": ["grid_id"], "referred_columns": ["id"]}]},
        "step": {"columns": {"id": {}, "tenant_id": {"nullable": False}}, "pk": ("tenant_id", "id"), "uniques": [],
                 "fks": [{"referred_table": "incident", "constrained_columns": ["tenant_id", "incident_id"],
                          "referred_columns": ["tenant_id", "id"]}]},
    }
    assert sorted(violations(tables)) == sorted([
        "undeclared platform table: lookup (no tenant_id; add it to REFERENCE_TABLES)",
        "reference table points at a tenant table: lookup -> grid",
        "unique without tenant_id: grid (code)",
        "foreign key uses a key without tenant_id: incident -> grid (id)",
        "nullable tenant_id: incident",
        "foreign key without tenant_id: incident (grid_id) -> grid",
    ])


def test_platform_tables_are_the_declared_reference_tables(app, db_session):
    tables = schema(db.engine)
    assert sorted(t for t, info in tables.items() if "tenant_id" not in info["columns"]) == sorted(REFERENCE_TABLES)


def test_the_plan_distributes_every_tenant_table_once_after_what_it_points_at(app, db_session):
    tables = schema(db.engine)
    plan = citus_statements(tables)
    distributed = [re.search(r"create_distributed_table\('(\w+)'", s).group(1) for s in plan if "distributed" in s]
    owned = sorted(t for t, info in tables.items() if "tenant_id" in info["columns"])
    assert sorted(distributed) == owned
    first = distributed[0]
    assert all(f"colocate_with => '{first}'" in s for s in plan if "create_distributed_table" in s and f"'{first}'," not in s)
    position = {t: n for n, t in enumerate(distributed)}
    for table in distributed:
        for fk in tables[table]["fks"]:
            target = fk["referred_table"]
            assert target in REFERENCE_TABLES or target == table or position[target] < position[table], (table, target)


def test_the_plan_s_primary_keys_apply_on_postgresql(app, db_session):
    """The ALTER statements of the plan run as written (constraint names included) on the
    migrated schema; rolled back. On SQLite there is nothing to run them on."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL): Citus extends PostgreSQL")
    statements = [s for s in citus_statements(schema(db.engine)) if s.startswith("ALTER TABLE")]
    assert statements
    with db.engine.connect() as conn:
        trans = conn.begin()
        try:
            for statement in statements:
                conn.execute(text(statement))
        finally:
            trans.rollback()


def test_docs_scale_carries_the_plan_as_the_schema_makes_it(app, db_session):
    """For gridgov's own tables (the suite also installs test plugins, the docs the example)."""
    doc = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    block = re.search(r"```sql\n-- distribution plan[^\n]*\n(.*?)```", doc, re.S)
    assert block, "docs/scale.md has no ```sql block starting with '-- distribution plan'"

    def own(statements):
        return [s for s in statements if re.search(r"\b(ALTER TABLE |\(')" + OWN + r"\w+", s)]

    assert own(block.group(1).strip().splitlines()) == own(citus_statements(schema(db.engine))), (
        "docs/scale.md's plan is out of date: regenerate it with python -m core.distribution")
