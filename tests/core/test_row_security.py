"""Row-level security, the second isolation layer (PostgreSQL only): even raw ``text()`` SQL,
which the ORM guard does not see, reads and writes only the current township's rows. When the
test database's role is a superuser (CI's ``postgres``), which PostgreSQL exempts from every
policy, the statements run under ``SET LOCAL ROLE`` of an ordinary role, as production's must be;
run as an ordinary role owning the tables, they run as they are (FORCE makes the policies apply
to the owner)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from core.db import db
from core.tenancy import cross_tenant, tenant_context

ROLE = "gridgov_rls_probe"


@pytest.fixture
def pg(app, db_session):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level security exists on PostgreSQL only (SQLite has one isolation layer, the ORM guard)")
    global _SUPERUSER
    with db.engine.begin() as connection:
        _SUPERUSER = connection.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
        if not _SUPERUSER:  # an ordinary role owning the tables, as in production: policies apply as it is
            return db_session
    for attempt in range(5):  # two test workers may create the role or grant at the same moment
        try:
            with db.engine.begin() as connection:
                connection.execute(text(f"DO $$BEGIN CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
                                        "EXCEPTION WHEN duplicate_object THEN NULL; END$$"))
                connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {ROLE}"))
                connection.execute(text(f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {ROLE}"))
                connection.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {ROLE}"))
            break
        except Exception:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    return db_session


_SUPERUSER = True


def _as_app_role():
    if _SUPERUSER:
        db.session.execute(text(f"SET LOCAL ROLE {ROLE}"))


def test_every_tenant_owned_table_has_forced_row_security(pg):
    from core.rls import POLICY, covered_tables

    tables = covered_tables()
    assert len(tables) > 60 and "core_person" in tables and "points_bank_txn" in tables
    rows = db.session.execute(text(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = :p) "
        "FROM pg_class c WHERE c.relname = ANY(:t)"), {"p": POLICY, "t": tables}).all()
    assert {r[0] for r in rows} == set(tables)
    assert [r[0] for r in rows if not (r[1] and r[2] and r[3])] == []


def test_raw_sql_inside_a_tenant_sees_only_that_tenants_rows(pg, create_tenant, create_grid):
    one, two = create_tenant(), create_tenant()
    for tenant, name in ((one, "甲网格"), (two, "乙网格")):
        with tenant_context(tenant):
            create_grid(tenant, name)
    db.session.commit()
    with tenant_context(one):
        _as_app_role()
        seen = db.session.execute(text("SELECT DISTINCT tenant_id FROM core_grid")).scalars().all()
        names = db.session.execute(text("SELECT name FROM core_grid")).scalars().all()
        assert seen == [one.id] and "乙网格" not in names and "甲网格" in names
        with pytest.raises(Exception, match="row-level security"):  # nor can it write into another township
            db.session.execute(text("INSERT INTO core_tag (tenant_id, name, builtin) VALUES (:t, '越界', false)"),
                               {"t": two.id})
        db.session.rollback()
    _as_app_role()  # no tenant in context: nothing at all (fails closed)
    assert db.session.execute(text("SELECT count(*) FROM core_grid")).scalar() == 0
    db.session.rollback()
    with cross_tenant("row security test: the explicit, audited bypass"):
        _as_app_role()
        both = set(db.session.execute(text("SELECT tenant_id FROM core_grid")).scalars())
        assert {one.id, two.id} <= both
    db.session.rollback()


def test_the_setting_follows_the_context_within_one_transaction(pg, create_tenant, create_grid):
    one, two = create_tenant(), create_tenant()
    for tenant in (one, two):
        with tenant_context(tenant):
            create_grid(tenant, "网格")
    db.session.commit()
    _as_app_role()
    for tenant in (one, two, one):
        with tenant_context(tenant):
            assert db.session.execute(text("SELECT DISTINCT tenant_id FROM core_grid")).scalars().all() == [tenant.id]
    db.session.rollback()
