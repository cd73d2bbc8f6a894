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
