"""Row-level security, the second isolation layer (PostgreSQL only): even raw ``text()`` SQL,
which the ORM guard does not see, reads and writes only the current township's rows.

The suite connects as an ordinary role owning the tables (:func:`core.testing.scratch_database`
sees to it even when ``DATABASE_URL`` names a superuser), as production must: superusers and
BYPASSRLS roles skip every policy, so the first test fails rather than let the others pass for
nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from core.db import db
from core.tenancy import cross_tenant, tenant_context


@pytest.fixture
def pg(app, db_session):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level security exists on PostgreSQL only (SQLite has one isolation layer, the ORM guard)")
    return db_session


def test_the_suite_connects_as_a_role_row_security_binds(pg):
    role, superuser, bypass = db.session.execute(text(
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert not superuser and not bypass, (
        f"the tests connect as {role}, which skips every row-level security policy: connect as an "
        "ordinary role (scripts/pg_role.sh prints a DATABASE_URL for one)")
    owner = db.session.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'core_person'")).scalar()
    assert owner == role  # FORCE is what makes the policies bind the owner


def test_every_tenant_owned_table_has_forced_row_security(pg):
    from core.rls import POLICY, covered_tables

    tables = covered_tables()
    assert len(tables) > 60 and "core_person" in tables and "points_bank_txn" in tables
    assert {"core_audit_entry", "core_idempotency_key"} <= set(tables)
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
        seen = db.session.execute(text("SELECT DISTINCT tenant_id FROM core_grid")).scalars().all()
        names = db.session.execute(text("SELECT name FROM core_grid")).scalars().all()
        assert seen == [one.id] and "乙网格" not in names and "甲网格" in names
        with pytest.raises(Exception, match="row-level security"):  # nor can it write into another township
            db.session.execute(text("INSERT INTO core_tag (tenant_id, name, builtin) VALUES (:t, '越界', false)"),
                               {"t": two.id})
        db.session.rollback()
    # no tenant in context: nothing at all (fails closed)
    assert db.session.execute(text("SELECT count(*) FROM core_grid")).scalar() == 0
    db.session.rollback()
    with cross_tenant("row security test: the explicit, audited bypass"):
        both = set(db.session.execute(text("SELECT tenant_id FROM core_grid")).scalars())
        assert {one.id, two.id} <= both
    db.session.rollback()


def test_the_setting_follows_the_context_within_one_transaction(pg, create_tenant, create_grid):
    one, two = create_tenant(), create_tenant()
    for tenant in (one, two):
        with tenant_context(tenant):
            create_grid(tenant, "网格")
    db.session.commit()
    for tenant in (one, two, one):
        with tenant_context(tenant):
            assert db.session.execute(text("SELECT DISTINCT tenant_id FROM core_grid")).scalars().all() == [tenant.id]
    db.session.rollback()


def _audit_rows(where: str = "") -> set[tuple[int, str]]:
    return set(db.session.execute(text(f"SELECT tenant_id, action FROM core_audit_entry {where}")).all())


def test_the_audit_log_is_read_per_tenant_appended_only_and_the_platforms_log_kept_apart(pg, create_tenant):
    from core import audit

    one, two = create_tenant(), create_tenant()
    platform = audit.platform_tenant_id()
    for tenant in (one, two):
        with tenant_context(tenant):
            audit.record("test.rls", object_type="probe", object_id=tenant.id)
    with tenant_context(one):  # an account-level action inside a township goes to the platform's log
        audit.record("test.rls_platform", object_type="probe", tenant_id=platform)
    db.session.commit()
    with tenant_context(one):
        assert {t for t, _ in _audit_rows()} == {one.id}  # not two's, not the platform's
        assert db.session.execute(text("UPDATE core_audit_entry SET action = 'x'")).rowcount == 0
        assert db.session.execute(text("DELETE FROM core_audit_entry")).rowcount == 0
        with pytest.raises(Exception, match="row-level security"):
            db.session.execute(text("INSERT INTO core_audit_entry (tenant_id, action, created_at) "
                                    "VALUES (:t, 'forged', now())"), {"t": two.id})
        db.session.rollback()
    assert _audit_rows() == set()  # no tenant in context: no one's (fails closed)
    db.session.rollback()
    with tenant_context(platform):
        assert {t for t, _ in _audit_rows()} == {platform}
    db.session.rollback()
    with cross_tenant("row security test: the whole log"):
        seen = _audit_rows("WHERE action LIKE 'test.rls%'")
        assert {(one.id, "test.rls"), (two.id, "test.rls"), (platform, "test.rls_platform")} <= seen
    db.session.rollback()


def test_idempotency_keys_are_seen_only_in_their_tenant(pg, create_tenant):
    one, two = create_tenant(), create_tenant()
    with cross_tenant("row security test: keys of three callers"):
        for tenant_id in (one.id, two.id, 0):
            db.session.execute(text(
                "INSERT INTO core_idempotency_key (tenant_id, user_id, key, request_hash, state, created_at, expires_at)"
                " VALUES (:t, 1, :k, 'h', 'done', now(), now() + interval '1 day')"), {"t": tenant_id, "k": f"rls-{one.id}"})
    db.session.commit()
    keys = text("SELECT DISTINCT tenant_id FROM core_idempotency_key WHERE key = :k")
    with tenant_context(two):
        assert db.session.execute(keys, {"k": f"rls-{one.id}"}).scalars().all() == [two.id]
        assert db.session.execute(text("DELETE FROM core_idempotency_key WHERE tenant_id <> :t"), {"t": two.id}).rowcount == 0
    db.session.rollback()
    assert db.session.execute(keys, {"k": f"rls-{one.id}"}).scalars().all() == [0]
    db.session.rollback()
