"""Escalation numbers by level (#17 item 19): each incident counted once, at the highest level it
reached: the grids, the village (a first-level grid, however many steps it took), the township
office, a department. A township with nothing reported shows "—" for its rates (item 16)."""
from __future__ import annotations

from sqlalchemy import text

from core import create_app
from core.db import db
from core.migrate import downgrade, upgrade_all
from core.testing import scratch_database
from core.tenancy import cross_tenant, tenant_context
from tests.plugins.incidents.conftest import base


def step(api, town, incident_id, action, **body):
    resp = api.post(f"{base(town)}/{incident_id}/{action}", json=body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_each_incident_counts_once_at_the_highest_level_it_reached(town, api_as, report, create_grid, create_user):
    from types import SimpleNamespace

    from core.grid.models import Grid

    with tenant_context(town.tenant):
        micro = SimpleNamespace(id=create_grid(town.tenant, "三号楼微网格", db.session.get(Grid, town.g1.id)).id)
        db.session.commit()  # 村 › 网格 › 微网格
    w1, leader, staff = api_as(town.worker1), api_as(town.leader), api_as(town.staff)
    # micro-grid → 网格 (still below the village) → settled there
    a = report(grid=micro)
    assert step(w1, town, a["id"], "escalate", to="parent", note="楼里协调不了")["reach"] == 0
    for action in ("accept", "start", "resolve", "close"):
        step(w1, town, a["id"], action)
    # micro-grid → 网格 → 村: the village level, in two steps
    b = report(grid=micro)
    step(w1, town, b["id"], "escalate", to="parent", note="上报网格")
    assert step(w1, town, b["id"], "escalate", to="parent", note="上报村里")["reach"] == 1
    # 网格 → 村 → 乡镇网格办 → 部门, sent back down afterwards: counted once, at the department
    c = report()
    step(w1, town, c["id"], "escalate", to="parent", note="需村里协调")
    step(leader, town, c["id"], "escalate", to="office", note="村里解决不了")
    step(staff, town, c["id"], "escalate", to="department", department=_department(staff, town), note="交部门")
    step(staff, town, c["id"], "send_back", note="请网格跟进")
    report()  # stays in its grid
    n = staff.get(f"{base(town)}/numbers").get_json()
    assert n["reported"] == 4
    assert n["by_level"] == {"grid": 2, "village": 1, "office": 0, "department": 1}
    assert sum(n["by_level"].values()) == n["reported"]
    assert n["settled_in_grid"] == 1  # the first one, closed without reaching the village
    page = staff.get(f"/t/{town.tenant.slug}/incidents/numbers").get_data(as_text=True)
    assert "网格 2，村级（一级网格）1，乡镇网格办 0，部门 1，共 4" in page


def _department(api, town):
    from plugins.incidents import DEFAULT_DEPARTMENTS

    return DEFAULT_DEPARTMENTS[0]


def test_nothing_reported_is_a_dash_in_the_numbers_and_the_county_comparison(app, town, api_as):
    n = api_as(town.staff).get(f"{base(town)}/numbers").get_json()
    assert n["closure_rate"] is None and n["satisfaction_rate"] is None
    with tenant_context(town.tenant):
        answers = app.extensions["gridgov.plugins"].only("incidents").tenant_numbers(tenant=town.tenant)
    assert answers[0]["incidents.closure_rate"] is None and answers[0]["incidents.satisfaction_rate"] is None


def test_the_county_comparison_shows_a_dash_for_an_empty_township(town, create_user, api_as):
    from core.models import Tenant

    with tenant_context(town.tenant):
        county = db.session.get(Tenant, town.tenant.parent_id)
        slug = county.slug
    admin = create_user(roles=[(county, "county_admin")])
    html = api_as(admin).get(f"/t/{slug}/compare").get_data(as_text=True)
    table = html.split('<table class="compare">')[1]
    header = table.split("</thead>")[0]
    row = table.split(f'<th scope="row">{town.tenant.name}</th>')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    keys = [h.split('"')[0] for h in header.split('title="')[1:]]
    shown = dict(zip(keys, cells))
    # no rate at all in the county: no column; the page shows a dash where another township has one
    assert shown.get("incidents.closure_rate", "—") == "—" and shown.get("incidents.satisfaction_rate", "—") == "—"
    assert shown["incidents.reported"] == "0" and "0.0%" not in row


def test_the_migration_moves_intermediate_escalations_back_to_the_grid_level(tmp_path):
    from tenants.onboarding import create_county, onboard_township

    url, drop = scratch_database("gridgov_reachmig", tmp_path)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SECRET_KEY": "test-secret"})
    try:
        with app.app_context():
            upgrade_all()
            create_county("lcounty", "层级县", "340823")
            tenant = onboard_township({"name": "层级镇", "slug": "ltown", "county": "lcounty",
                                       "grid_level_names": ["村", "网格", "微网格"], "modules": {"incidents": {}},
                                       "grids": [{"name": "一村", "children": [{"name": "一网格", "children": [
                                           {"name": "一号微网格"}]}]}]}).tenant
            with tenant_context(tenant):
                from core.grid.models import Grid
                from plugins.incidents import services
                from plugins.incidents.categories import all_categories

                grids = {g.name: g for g in db.session.query(Grid)}
                cat = next(c for c in all_categories(active_only=True) if c.parent_id)
                ids = {}
                for name, tos in (("mid", ["parent"]), ("top", ["parent", "parent"]), ("own", [])):
                    inc = services.report_incident(tenant, grid=grids["一号微网格"], category=cat, description="测试事件")
                    for to in tos:
                        services.escalate(tenant, inc, to, "上报")
                    ids[name] = inc.id
                db.session.commit()
                tenant_id = tenant.id
            downgrade("incidents", "4e01349fc47a")
            # the old meaning: any higher grid was reach 1
            with cross_tenant("levels migration test: raw SQL"), db.engine.begin() as conn:
                conn.execute(text("UPDATE incidents_incident SET reach = 1 WHERE id IN (:a, :b)"),
                             {"a": ids["mid"], "b": ids["top"]})
            upgrade_all()
            with cross_tenant("levels migration test: raw SQL"), db.engine.connect() as conn:
                reach = dict(conn.execute(text("SELECT id, reach FROM incidents_incident WHERE tenant_id = :t"),
                                          {"t": tenant_id}).all())
            assert reach == {ids["mid"]: 0, ids["top"]: 1, ids["own"]: 0}
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
