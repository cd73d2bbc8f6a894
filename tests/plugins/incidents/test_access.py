"""Access to every incidents route: other tenants get 404, members without the permission get
403, a township without the module gets 404. Routes are walked from the URL map so a new route
cannot slip through untested."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.auth.decorators import rule_of
from core.db import db
from core.tenancy import tenant_context
from tests.plugins.incidents.conftest import base, make_town, png_bytes


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0].startswith("incidents"):
            yield rule, rule_of(app.view_functions[rule.endpoint])


def _url(app, rule, town, ids):
    values = {"tenant": town.tenant.slug, "incident_id": ids["incident"], "photo_id": ids["photo"],
              "category_id": ids["category"], "grid_code": town.g1.code, "token": ids["token"], "action": "accept",
              "request_id": ids["incident"], "receipt": ids["receipt"]}
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments}, method=sorted(rule.methods)[0])


@pytest.fixture
def seeded(app, town, api_as, category_id):
    api = api_as(town.worker1)
    resp = api.post(base(town), data={"category_id": str(category_id), "grid_id": str(town.g1.id),
                                      "description": "门禁坏了", "photos": [(__import__("io").BytesIO(png_bytes()), "a.png")]},
                    content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    incident = resp.get_json()
    detail = api.get(f"{base(town)}/{incident['id']}").get_json()
    from plugins.incidents.models import Incident

    with tenant_context(town.tenant):
        token, receipt = db.session.execute(select(Incident.public_token, Incident.receipt)
                                            .where(Incident.id == incident["id"])).one()
    return {"incident": incident["id"], "photo": detail["steps"][0]["photos"][0]["id"], "category": category_id,
            "token": token, "receipt": receipt}


def test_every_route_declares_access_and_blueprint_is_gated(app):
    routes = list(_routes(app))
    assert len(routes) >= 25
    for rule, access in routes:
        assert access is not None, rule.rule
        assert "<tenant>" in rule.rule, rule.rule


def test_other_tenants_users_get_404_everywhere(app, town, seeded, create_tenant, create_grid, create_user, api_as):
    other = make_town(create_tenant, create_grid, create_user)
    outsider = api_as(other.staff)
    for rule, access in _routes(app):
        if access.kind in ("public", "resident"):  # residents' pages: tests/plugins/incidents/test_resident.py
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = getattr(outsider, method.lower())(_url(app, rule, town, seeded), json={})
            assert resp.status_code == 404, (method, rule.rule, resp.status_code)


def test_other_tenants_rows_are_not_found_from_own_tenant(town, seeded, create_tenant, create_grid, create_user,
                                                          api_as, category_id):
    other = make_town(create_tenant, create_grid, create_user)
    own = api_as(other.staff)
    ob = base(other)
    assert own.get(f"{ob}/{seeded['incident']}").status_code == 404
    assert own.post(f"{ob}/{seeded['incident']}/accept", json={}).status_code == 404
    assert own.get(f"{ob}/photos/{seeded['photo']}").status_code == 404
    assert own.patch(f"{ob}/categories/{category_id}", json={"name": "x"}).status_code == 404
    resp = own.post(ob, json={"grid_id": town.g1.id, "category_id": category_id, "description": "跨乡镇"})
    assert resp.status_code == 422 and {"grid_id", "category_id"} & set(resp.get_json()["error"]["fields"])
    # the public QR form of one township does not reach another's grid
    with tenant_context(town.tenant):
        from core.grid.models import Grid

        only_here = create_grid(town.tenant, "只在本乡镇", db.session.get(Grid, town.g1.id))
        token = only_here.public_token
    assert own.client.get(f"/t/{town.tenant.slug}/incidents/q/{token}").status_code == 200
    assert own.client.get(f"/t/{other.tenant.slug}/incidents/q/{token}").status_code == 404
    assert own.client.get(f"/t/{other.tenant.slug}/incidents/r/{seeded['token']}").status_code == 404
    assert own.get(f"{ob}").get_json()["total"] == 0


def test_member_without_permission_gets_403(app, town, seeded, api_as):
    from core.models import RolePermission

    with tenant_context(town.tenant):
        db.session.add(RolePermission(role="info_officer", permission="incidents.report", granted=False))
        db.session.commit()
    officer = api_as(town.officer)
    worker = api_as(town.worker1)
    checked = 0
    for rule, access in _routes(app):
        if access.kind != "permission":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = getattr(officer, method.lower())(_url(app, rule, town, seeded), json={})
            assert resp.status_code == 403, (method, rule.rule, resp.status_code)
            if access.permission == "incidents.manage":
                assert getattr(worker, method.lower())(_url(app, rule, town, seeded), json={}).status_code == 403
            checked += 1
    assert checked >= 20


def test_info_officer_may_report_but_not_handle(town, api_as, category_id):
    officer = api_as(town.officer)
    resp = officer.post(base(town), json={"grid_id": town.g1.id, "category_id": category_id, "description": "路灯坏"})
    assert resp.status_code == 201
    assert officer.post(f"{base(town)}/{resp.get_json()['id']}/accept", json={}).status_code == 403


def test_disabled_module_answers_404(app, town, seeded, api_as, db_session):
    from tenants.modules import disable_module

    disable_module(town.tenant, "incidents")
    db.session.commit()
    staff = api_as(town.staff)
    for rule, access in _routes(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = getattr(staff, method.lower())(_url(app, rule, town, seeded), json={})
            assert resp.status_code == 404, (method, rule.rule)
