"""The audit log: browse and filter (user, action, object type, dates; paginated), export to
.xlsx with Chinese headers, and no way to change or delete an entry."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select, update

from core.db import db
from core.models import AuditEntry
from core.tenancy import tenant_context
from tests.core.auth.conftest import form_login


@pytest.fixture
def logged(api_as, create_user, town):
    """A township whose log holds the admin's role grants and a worker's token creation."""
    tenant, grids = town
    admin = create_user(roles=[(tenant, "township_admin")])
    worker = create_user(roles=[(tenant, "grid_worker", grids["a"])])
    client = api_as(admin)
    for key in ("a1", "a11", "b"):
        assert client.post(f"/api/v1/t/{tenant.slug}/users/{worker.id}/roles",
                           json={"role": "grid_leader", "grid_id": grids[key].id}).status_code == 201
    assert api_as(worker).post(f"/api/v1/t/{tenant.slug}/tokens", json={"name": "巡查"}).status_code == 201
    return tenant, admin, worker, client


def test_browse_and_filter(logged):
    tenant, admin, worker, client = logged
    url = f"/api/v1/t/{tenant.slug}/audit"
    body = client.get(url).get_json()
    assert body["total"] >= 5
    first = body["items"][0]
    assert first["action"] == "token.create" and first["actor"] == worker.username and first["address"]
    by_user = client.get(url, query_string={"user": admin.username}).get_json()
    assert by_user["total"] == 3 and {e["action"] for e in by_user["items"]} == {"role.assign"}
    assert client.get(url, query_string={"user": str(worker.id)}).get_json()["total"] == 1
    assert client.get(url, query_string={"action": "role"}).get_json()["total"] >= 5  # prefix
    assert client.get(url, query_string={"action": "role.assign", "user": admin.username}).get_json()["total"] == 3
    assert client.get(url, query_string={"object_type": "core_api_token"}).get_json()["total"] == 1
    from core.localtime import local_today

    today = local_today(tenant)  # the filter's days are the township's (Beijing), not UTC's
    same_day = {"from": today.isoformat(), "to": today.isoformat()}
    assert client.get(url, query_string=same_day).get_json()["total"] == body["total"]
    later = {"from": (today + dt.timedelta(days=1)).isoformat()}
    assert client.get(url, query_string=later).get_json()["total"] == 0
    page = client.get(url, query_string={"per_page": 2, "page": 2}).get_json()
    assert page["total"] == body["total"] and [e["id"] for e in page["items"]] == [e["id"] for e in body["items"][2:4]]


@pytest.mark.parametrize("args,field", [({"from": "2024-13-01"}, "from"), ({"to": "yesterday"}, "to"),
                                        ({"from": "2024-05-02", "to": "2024-05-01"}, "to"),
                                        ({"per_page": "0"}, "per_page")])
def test_bad_filters_name_the_field(logged, args, field):
    tenant, admin, worker, client = logged
    resp = client.get(f"/api/v1/t/{tenant.slug}/audit", query_string=args)
    assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"]


def test_audit_read_is_needed_and_tenants_stay_apart(logged, api_as, create_user, create_tenant):
    tenant, admin, worker, client = logged
    other = create_tenant()
    other_admin = create_user(roles=[(other, "township_admin")])
    staff = create_user(roles=[(tenant, "township_staff")])
    for path in ("", "/export.xlsx"):
        assert api_as(staff).get(f"/api/v1/t/{tenant.slug}/audit{path}").status_code == 403
        assert api_as(other_admin).get(f"/api/v1/t/{tenant.slug}/audit{path}").status_code == 404
    # the other township's own log holds none of these entries
    theirs = api_as(other_admin).get(f"/api/v1/t/{other.slug}/audit", query_string={"user": admin.username})
    assert theirs.status_code == 200 and theirs.get_json()["total"] == 0


def test_export_xlsx_with_chinese_headers(logged, db_session):
    tenant, admin, worker, client = logged
    resp = client.get(f"/api/v1/t/{tenant.slug}/audit/export.xlsx", query_string={"action": "role"})
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in resp.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("时间 (本地时间)", "用户", "用户ID", "操作", "操作说明", "对象类型")
    assert len(rows) - 1 >= 5 and {r[3] for r in rows[1:]} == {"role.assign"}
    assert {r[4] for r in rows[1:]} == {"授予角色"}
    assert any('"grid_id"' in (r[8] or "") for r in rows[1:])
    with tenant_context(tenant):
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "audit.export"))


def test_audit_page(logged, web):
    tenant, admin, worker, client = logged
    browser = web()
    form_login(browser, admin.username)
    html = browser.get(f"/t/{tenant.slug}/audit?action=token").get_data(as_text=True)
    assert "审计日志" in html and "token.create" in html and "创建API令牌" in html and "role.assign" not in html
    assert "export.xlsx?action=token" in html
    assert browser.get(f"/t/{tenant.slug}/audit?from=bad").status_code == 200  # flashed, not a 500


def test_entries_cannot_be_changed_or_deleted(logged, db_session):
    tenant, *_ = logged
    with tenant_context(tenant):
        entry = db.session.scalars(select(AuditEntry).limit(1)).one()
        entry.action = "forged"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        entry = db.session.scalars(select(AuditEntry).limit(1)).one()
        db.session.delete(entry)
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(PermissionError):
            db.session.execute(update(AuditEntry).values(action="forged"))
        db.session.rollback()
        with pytest.raises(PermissionError):
            db.session.execute(delete(AuditEntry))
        db.session.rollback()
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "forged")) is None


def test_no_route_edits_the_log(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert not (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}, rule.rule


def test_sign_ins_and_password_changes_go_to_the_platform_log(api_as, create_user, create_tenant):
    create_tenant()  # the platform tenant exists from here on
    user = create_user()
    client = api_as(user)
    client.post("/api/v1/auth/password", json={"current_password": "Passw0rd-test", "new_password": "Newpass-2024"})
    root = create_user(platform_admin=True)
    body = api_as(root).get("/api/v1/t/platform/audit", query_string={"user": user.username}).get_json()
    # (revoking the account's tokens in every township is a logged cross-tenant step, tenant.cross)
    entries = [e for e in body["items"] if e["action"] != "tenant.cross"]
    assert [e["action"] for e in entries] == ["user.password_change", "user.login"]
    assert entries[1]["address"] == "127.0.0.1"
    # a township admin cannot open the platform's log
    town = create_tenant()
    admin = create_user(roles=[(town, "township_admin")])
    assert api_as(admin).get("/api/v1/t/platform/audit").status_code == 404


def test_export_never_writes_formulas(logged, db_session):
    from core import audit

    tenant, admin, worker, client = logged
    with tenant_context(tenant):
        audit.record("note.add", object_type="=HYPERLINK(\"http://x\")", object_id="+1", after={"t": 1})
        db.session.commit()
    resp = client.get(f"/api/v1/t/{tenant.slug}/audit/export.xlsx", query_string={"action": "note.add"})
    sheet = load_workbook(io.BytesIO(resp.data)).active
    row = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert row[5].value.startswith("'=") and row[5].data_type == "s"
    assert row[6].value == "'+1"
