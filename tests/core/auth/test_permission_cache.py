"""Role permissions cached across requests per township and permissions version: a warm request
reads no permission rows, a grant or revocation counts from the next request on, a rolled-back
change leaves nothing cached, and one township's changes never answer for another."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from core.db import db
from core.models import RolePermission, Tenant
from core.tenancy import tenant_context

PERMISSION = "people.read_sensitive"  # not a grid worker's by default


@pytest.fixture
def two_towns(create_tenant, create_grid, create_user):
    towns = []
    for _ in range(2):
        tenant = create_tenant()
        with tenant_context(tenant):
            grid = create_grid(tenant)
            worker = create_user(roles=[(tenant, "grid_worker", grid)])
        admin = create_user(roles=[(tenant, "township_admin")])
        towns.append((tenant, admin, worker))
    return towns


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


def permissions(api, tenant) -> list[str]:
    resp = api.get(f"/api/v1/t/{tenant.slug}/me/access")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["permissions"]


def test_a_warm_request_reads_no_permission_rows(app, api_as, two_towns):
    tenant, _, worker = two_towns[0]
    api = api_as(worker)
    permissions(api, tenant)
    with statements(app) as seen:
        permissions(api, tenant)
    assert seen and not [s for s in seen if "core_role_permission" in s]


def test_grants_and_revocations_count_from_the_next_request(api_as, two_towns):
    (a, admin_a, worker_a), (b, _, worker_b) = two_towns
    url = f"/api/v1/t/{a.slug}/roles/grid_worker/permissions/{PERMISSION}"
    assert PERMISSION not in permissions(api_as(worker_a), a)
    assert PERMISSION not in permissions(api_as(worker_b), b)  # both towns' entries warm
    assert api_as(admin_a).put(url, json={"granted": True}).status_code == 200
    assert PERMISSION in permissions(api_as(worker_a), a)
    assert PERMISSION not in permissions(api_as(worker_b), b)  # the other town's entry stands
    assert api_as(admin_a).put(url, json={"granted": False}).status_code == 200
    assert PERMISSION not in permissions(api_as(worker_a), a)
    # a default revoked, then restored
    edit = f"/api/v1/t/{a.slug}/roles/grid_worker/permissions/people.edit"
    assert api_as(admin_a).put(edit, json={"granted": False}).status_code == 200
    assert "people.edit" not in permissions(api_as(worker_a), a)
    assert "people.edit" in permissions(api_as(worker_b), b)
    assert api_as(admin_a).put(edit, json={"granted": True}).status_code == 200
    assert "people.edit" in permissions(api_as(worker_a), a)


def test_a_change_written_outside_the_api_bumps_the_version_too(api_as, two_towns):
    (a, _, worker_a), (b, _, worker_b) = two_towns
    assert PERMISSION not in permissions(api_as(worker_a), a)
    with tenant_context(a):
        before = db.session.get(Tenant, a.id).permissions_version
        db.session.add(RolePermission(role="grid_worker", permission=PERMISSION, granted=True))
        db.session.commit()
        assert db.session.get(Tenant, a.id).permissions_version == before + 1
    assert PERMISSION in permissions(api_as(worker_a), a)
    assert PERMISSION not in permissions(api_as(worker_b), b)


def test_a_rolled_back_change_leaves_nothing_behind(api_as, two_towns):
    from core.auth.access import effective_role_permissions

    (a, _, worker_a), _ = two_towns
    with tenant_context(a):
        tenant = db.session.get(Tenant, a.id)
        db.session.add(RolePermission(role="grid_worker", permission=PERMISSION, granted=True))
        db.session.flush()
        assert PERMISSION in effective_role_permissions(tenant)["grid_worker"]  # its own write
        db.session.rollback()
    assert PERMISSION not in permissions(api_as(worker_a), a)
    with tenant_context(a):
        db.session.add(RolePermission(role="grid_worker", permission=PERMISSION, granted=True))
        db.session.commit()
    assert PERMISSION in permissions(api_as(worker_a), a)
