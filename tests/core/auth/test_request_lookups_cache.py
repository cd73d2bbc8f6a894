"""A user's role assignments and a township's modules (which are on, their settings) are kept
across requests under the township's version: a warm request reads neither table, a granted or
revoked role and a module switched off count from the next request on, a rolled-back change
leaves nothing kept, and one township's copy never answers for another."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from core.db import db
from core.models import RoleAssignment, Tenant
from core.tenancy import tenant_context


@contextmanager
def statements(app):
    seen: list[str] = []

    def listen(conn, cursor, sql, *args):
        seen.append(sql)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


@pytest.fixture
def two_towns(create_tenant, create_grid, create_user):
    """Two townships; one worker posted to a grid in each, the same account."""
    towns = [create_tenant(), create_tenant()]
    grids = []
    for tenant in towns:
        with tenant_context(tenant):
            grids.append(create_grid(tenant))
    worker = create_user(roles=[(towns[0], "grid_worker", grids[0]), (towns[1], "info_officer", grids[1])])
    return towns, grids, worker


def access(api, tenant):
    resp = api.get(f"/api/v1/t/{tenant.slug}/me/access")
    return resp.status_code, (resp.get_json() or {}).get("permissions", [])


def test_a_warm_request_reads_no_role_or_module_rows(app, api_as, two_towns):
    (a, _), _, worker = two_towns
    api = api_as(worker)
    access(api, a)
    with statements(app) as seen:
        assert access(api, a)[0] == 200
    assert seen and not [s for s in seen if "core_role_assignment" in s or "core_tenant_module" in s]


def test_roles_count_from_the_next_request_and_per_township(api_as, two_towns, create_user):
    (a, b), (grid_a, _), worker = two_towns
    api = api_as(worker)
    admin = api_as(create_user(roles=[(a, "township_admin")]))
    assert "people.edit" in access(api, a)[1] and "people.edit" not in access(api, b)[1]  # both warm
    assert "people.export" not in access(api, a)[1]
    # granted through the API (township-wide): counts from the next request, in A only
    resp = admin.post(f"/api/v1/t/{a.slug}/users/{worker.id}/roles", json={"role": "township_staff"})
    assert resp.status_code == 201, resp.get_json()
    staff = set(access(api, a)[1])
    assert staff > {"people.edit", "people.read"} and staff != set(access(api, b)[1])
    # both revoked: the next request finds no role in A (not a member: 404); B unchanged
    with tenant_context(a):
        ids = db.session.scalars(select(RoleAssignment.id).where(RoleAssignment.user_id == worker.id)).all()
    for row_id in ids:
        assert admin.delete(f"/api/v1/t/{a.slug}/users/{worker.id}/roles/{row_id}").status_code == 200
    assert access(api, a) == (404, [])
    assert access(api, b)[0] == 200 and "people.edit" not in access(api, b)[1]


def test_a_role_written_outside_the_api_bumps_the_version(api_as, two_towns):
    from core.auth.service import assign_role

    (a, b), _, worker = two_towns
    api = api_as(worker)
    assert "users.manage" not in access(api, a)[1]
    with tenant_context(a):
        before = db.session.get(Tenant, a.id).permissions_version
        assign_role(db.session.merge(worker), db.session.get(Tenant, a.id), "township_admin")
        db.session.commit()
        assert db.session.get(Tenant, a.id).permissions_version == before + 1
    assert "users.manage" in access(api, a)[1]
    assert "users.manage" not in access(api, b)[1]


def test_a_rolled_back_role_leaves_nothing_behind(api_as, two_towns):
    from core.auth.service import assign_role

    (a, _), _, worker = two_towns
    api = api_as(worker)
    access(api, a)
    with tenant_context(a):
        assign_role(db.session.merge(worker), db.session.get(Tenant, a.id), "township_admin")
        db.session.flush()
        db.session.rollback()
    assert "users.manage" not in access(api, a)[1]


def test_a_module_switched_off_or_changed_counts_from_the_next_request(app, api_as, create_user, two_towns):
    from core.modules import enabled_modules, module_settings
    from tenants.modules import disable_module, enable_module, update_settings

    (a, b), _, _ = two_towns
    for town in (a, b):
        with tenant_context(town):
            enable_module(db.session.get(Tenant, town.id), "incidents")
            db.session.commit()
    admin_a = api_as(create_user(roles=[(a, "township_admin")]))
    admin_b = api_as(create_user(roles=[(b, "township_admin")]))
    assert admin_a.get(f"/api/v1/t/{a.slug}/incidents").status_code == 200
    assert admin_b.get(f"/api/v1/t/{b.slug}/incidents").status_code == 200  # both kept warm

    def settings(town):
        with app.test_request_context():
            return module_settings(db.session.get(Tenant, town.id), "incidents")

    assert settings(a)["normal_hours"] == settings(b)["normal_hours"] == 72
    with tenant_context(a):
        update_settings(db.session.get(Tenant, a.id), "incidents", {"normal_hours": 48})
        db.session.commit()
    assert (settings(a)["normal_hours"], settings(b)["normal_hours"]) == (48, 72)
    kept = settings(a)
    kept["normal_hours"] = 1  # a caller changing its copy changes nothing kept
    assert settings(a)["normal_hours"] == 48
    with tenant_context(a):
        disable_module(db.session.get(Tenant, a.id), "incidents")
        db.session.commit()
    assert admin_a.get(f"/api/v1/t/{a.slug}/incidents").status_code == 404
    assert admin_b.get(f"/api/v1/t/{b.slug}/incidents").status_code == 200
    with app.test_request_context():
        assert "incidents" not in enabled_modules(db.session.get(Tenant, a.id))
        assert "incidents" in enabled_modules(db.session.get(Tenant, b.id))
