"""The ORM tenant guard: fails closed, scopes every ORM statement, refuses cross-tenant writes."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from core.db import db
from core.grid.models import Grid
from core.models import TenantModule
from core.tenancy import TenantScopeError, cross_tenant, tenant_context


@pytest.fixture
def two_towns(create_tenant, create_grid):
    a, b = create_tenant(), create_tenant()
    ga = create_grid(a, "甲网格")
    gb = create_grid(b, "乙网格")
    return a, b, ga, gb


def test_query_without_tenant_raises(db_session, two_towns):
    with pytest.raises(TenantScopeError):
        db.session.scalars(select(Grid)).all()
    with pytest.raises(TenantScopeError):
        db.session.scalar(select(func.count()).select_from(Grid))


def test_select_sees_only_own_tenant(db_session, two_towns):
    a, b, ga, gb = two_towns
    with tenant_context(a):
        names = db.session.scalars(select(Grid.name)).all()
        assert names == ["甲网格"]
        assert db.session.scalar(select(func.count()).select_from(Grid)) == 1
        # joins and subqueries are scoped too
        parent = db.aliased(Grid)
        joined = db.session.execute(select(Grid.id).outerjoin(parent, parent.id == Grid.parent_id)).all()
        assert [r[0] for r in joined] == [ga.id]
        sub = select(Grid.id).scalar_subquery()
        assert db.session.scalars(select(Grid.name).where(Grid.id.in_(sub))).all() == ["甲网格"]
        assert db.session.scalars(select(Grid).where(Grid.id == gb.id)).first() is None


def test_bulk_update_and_delete_are_scoped(db_session, two_towns):
    a, b, ga, gb = two_towns
    with tenant_context(a):
        db.session.execute(update(Grid).values(name="改名"))
        db.session.execute(delete(TenantModule))
        db.session.commit()
    with tenant_context(b):
        assert db.session.get(Grid, gb.id).name == "乙网格"


def test_flush_stamps_tenant_and_refuses_other_tenant(db_session, two_towns):
    a, b, ga, gb = two_towns
    with tenant_context(a):
        g = Grid(name="新", level=1, seq=9, code="x9", path="/")
        db.session.add(g)
        db.session.flush()
        assert g.tenant_id == a.id
        db.session.rollback()
    with tenant_context(a):
        db.session.add(Grid(tenant_id=b.id, name="越界", level=1, seq=9, code="x9", path="/"))
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()


def test_cannot_attach_row_of_other_tenant(db_session, two_towns):
    a, b, ga, gb = two_towns
    with cross_tenant("test loads both"):
        foreign = db.session.get(Grid, gb.id)
    with tenant_context(a):
        child = Grid(name="子", level=2, seq=1, code="y1", path="/")
        child.parent = foreign
        db.session.add(child)
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()


def test_tenant_id_cannot_change(db_session, two_towns):
    a, b, ga, gb = two_towns
    with tenant_context(a):
        g = db.session.get(Grid, ga.id)
        g.tenant_id = b.id
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()


def test_cross_tenant_context_is_explicit_and_logged(db_session, two_towns, caplog):
    a, b, ga, gb = two_towns
    with caplog.at_level("INFO", logger="gridgov.audit"):
        with cross_tenant("county totals"):
            ids = set(db.session.scalars(select(Grid.id).where(Grid.id.in_([ga.id, gb.id]))))
    assert ids == {ga.id, gb.id}
    assert "county totals" in caplog.text
    with pytest.raises(ValueError):
        with cross_tenant(""):
            pass


def test_database_refuses_cross_tenant_foreign_key(db_session, two_towns):
    """The composite (tenant_id, parent_id) key stops a row pointing into another tenant even
    when the ORM checks are bypassed by setting the raw id."""
    from sqlalchemy.exc import IntegrityError

    a, b, ga, gb = two_towns
    with tenant_context(a):
        db.session.add(Grid(name="坏", level=2, seq=1, code="z1", path="/", parent_id=gb.id))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_orm_bulk_insert_must_carry_the_current_tenant(db_session, two_towns):
    from sqlalchemy import insert

    a, b, ga, gb = two_towns
    row = {"name": "批量", "level": 1, "seq": 50, "code": "bulk50", "path": "/"}
    with pytest.raises(TenantScopeError):
        db.session.execute(insert(Grid), [{**row, "tenant_id": a.id}])  # no tenant in context
    with tenant_context(a):
        with pytest.raises(TenantScopeError):
            db.session.execute(insert(Grid), [{**row, "tenant_id": b.id}])
        with pytest.raises(TenantScopeError):
            db.session.execute(insert(Grid), [{**row}])  # unstamped
        db.session.execute(insert(Grid), [{**row, "tenant_id": a.id}])
        assert db.session.scalar(select(func.count()).select_from(Grid).where(Grid.code == "bulk50")) == 1
        db.session.rollback()


def test_bulk_update_by_primary_key_refuses_another_tenants_rows(db_session, two_towns):
    a, b, ga, gb = two_towns
    with tenant_context(a):
        with pytest.raises(TenantScopeError):
            db.session.execute(update(Grid), [{"id": gb.id, "name": "越界改名"}])
        with pytest.raises(TenantScopeError):  # one foreign row among own rows spoils the batch
            db.session.execute(update(Grid), [{"id": ga.id, "name": "甲二"}, {"id": gb.id, "name": "越界"}])
        with pytest.raises(TenantScopeError):  # nor may rows be moved to another tenant
            db.session.execute(update(Grid), [{"id": ga.id, "tenant_id": b.id}])
        with pytest.raises(TenantScopeError):
            db.session.execute(update(Grid).where(Grid.id == ga.id).values(tenant_id=b.id))
        db.session.rollback()
        db.session.execute(update(Grid), [{"id": ga.id, "name": "甲改"}])  # own rows: fine
        db.session.commit()
    with pytest.raises(TenantScopeError):  # no tenant at all
        db.session.execute(update(Grid), [{"id": ga.id, "name": "无主"}])
    db.session.rollback()
    with cross_tenant("test checks both"):
        names = dict(db.session.execute(select(Grid.id, Grid.name).where(Grid.id.in_([ga.id, gb.id]))).all())
    assert names == {ga.id: "甲改", gb.id: "乙网格"}


def test_insert_values_must_carry_the_current_tenant(db_session, two_towns):
    from sqlalchemy import insert

    a, b, ga, gb = two_towns
    row = {"name": "值", "level": 1, "seq": 60, "path": "/"}
    with tenant_context(a):
        with pytest.raises(TenantScopeError):
            db.session.execute(insert(Grid).values(**row, code="v1", tenant_id=b.id))
        with pytest.raises(TenantScopeError):  # multi-values: one foreign row is enough
            db.session.execute(insert(Grid).values([{**row, "code": "v2", "tenant_id": a.id},
                                                    {**row, "code": "v3", "seq": 61, "tenant_id": b.id}]))
        with pytest.raises(TenantScopeError):  # values() plus a parameter list
            db.session.execute(insert(Grid).values(tenant_id=b.id), [{**row, "code": "v4"}])
        with pytest.raises(TenantScopeError):  # unstamped
            db.session.execute(insert(Grid).values(**row, code="v5"))
        with pytest.raises(TenantScopeError):  # rows that cannot be checked before they exist
            db.session.execute(insert(Grid).from_select(["name"], select(Grid.name)))
        db.session.rollback()
        db.session.execute(insert(Grid).values(**row, code="v6", tenant_id=a.id))
        db.session.execute(insert(Grid).values([{**row, "code": "v7", "seq": 62, "tenant_id": a.id}]))
        assert set(db.session.scalars(select(Grid.code).where(Grid.code.like("v%")))) == {"v6", "v7"}
        db.session.rollback()
    with cross_tenant("test counts every tenant"):
        assert db.session.scalar(select(func.count()).select_from(Grid).where(Grid.code.like("v%"))) == 0


def test_changed_or_deleted_rows_flushed_with_no_tenant_raise(db_session, two_towns):
    a, b, ga, gb = two_towns
    with tenant_context(a):
        grid = db.session.get(Grid, ga.id)
    grid.name = "无上下文"
    with pytest.raises(TenantScopeError, match="no tenant"):
        db.session.flush()
    db.session.rollback()
    with tenant_context(a):
        grid = db.session.get(Grid, ga.id)
        module = db.session.scalars(select(TenantModule)).first() or TenantModule(module="hello", enabled=False)
        db.session.add(module)
        db.session.commit()
    db.session.delete(module)
    with pytest.raises(TenantScopeError, match="no tenant"):
        db.session.flush()
    db.session.rollback()
    # inside the context (or an explicit cross-tenant block) the same changes go through
    with tenant_context(a):
        db.session.get(Grid, ga.id).name = "有上下文"
        db.session.commit()
    with cross_tenant("test renames across tenants"):
        db.session.get(Grid, gb.id).name = "跨租户"
        db.session.commit()


def _cross_entries(reason: str) -> list:
    from core.models import AuditEntry

    db.session.rollback()
    with cross_tenant("test reads the audit log"):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tenant.cross")).all()
        return [e for e in entries if (e.after or {}).get("reason") == reason]


def test_cross_tenant_writes_an_audit_row_even_in_a_read_that_never_commits(db_session, two_towns):
    a, b, ga, gb = two_towns
    with tenant_context(a):
        with cross_tenant("read-only county totals"):
            assert db.session.scalar(select(func.count()).select_from(Grid).where(Grid.id.in_([ga.id, gb.id]))) == 2
    db.session.rollback()  # the caller never commits: the entry is there all the same
    [entry] = _cross_entries("read-only county totals")
    assert entry.tenant_id == a.id and entry.actor == "cli"
    # with no tenant in context the entry goes to the platform tenant's log
    from core.audit import platform_tenant_id

    with cross_tenant("platform maintenance"):
        pass
    [entry] = _cross_entries("platform maintenance")
    assert entry.tenant_id == platform_tenant_id()


def test_cross_tenant_inside_a_write_transaction_neither_blocks_nor_is_lost(db_session, two_towns):
    """On SQLite the caller holds the write lock once it has written: a second connection would
    wait for it; the entry joins the caller's transaction instead and commits with it."""
    a, b, ga, gb = two_towns
    with tenant_context(a):
        db.session.get(Grid, ga.id).name = "写入中"
        db.session.flush()
        with cross_tenant("write then look across"):
            db.session.scalar(select(func.count()).select_from(Grid))
        db.session.commit()
        assert db.session.get(Grid, ga.id).name == "写入中"
    assert len(_cross_entries("write then look across")) == 1


def test_cross_tenant_in_requests_is_audited(db_session, create_tenant, create_user, api_as):
    """The start page lists the user's units across tenants (a GET: nothing else commits)."""
    from core.audit import platform_tenant_id

    town = create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    api = api_as(user)
    before = len(_cross_entries("list the tenants a user belongs to"))
    assert api.client.get("/").status_code == 302
    after = _cross_entries("list the tenants a user belongs to")
    assert len(after) == before + 1
    assert after[-1].user_id == user.id and after[-1].actor == user.username
    assert after[-1].tenant_id == platform_tenant_id()
