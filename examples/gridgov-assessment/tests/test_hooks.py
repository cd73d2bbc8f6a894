"""The module's hooks, answered and called: its own ``assessment_numbers`` (directly and through
the numbers installed modules offer five_star), the dashboard widget, ``tenant_numbers``, a grid's
section, merging grids, demo data and the checklist as a county template."""
from __future__ import annotations

from core.toolkit import db, hookimpl, hooks, tenant_context


def _publish(api, town) -> None:
    assert api.post(f"{town.api}/quarters/{town.period}/close").status_code == 200
    assert api.post(f"{town.api}/quarters/{town.period}/publish").status_code == 200


def test_hook_assessment_numbers(town, api_as, register_plugin, rule_by_code):
    """A module answering the hook scores the rules tied to its key, shown with its source; a
    malformed answer is dropped; closing the quarter freezes the numbers."""
    answers, tenant_id = {"value": 20.0}, town.tenant.id

    class Volunteering:
        @hookimpl
        def assessment_numbers(self, tenant, grid_id, start, end):
            assert start < end and tenant.id == tenant_id
            if grid_id != town.g1:
                return [{"key": "broken"}, "nonsense"]
            return [{"key": "volunteer.hours", "value": answers["value"], "label_zh": "志愿服务时长",
                     "label_en": "Volunteer hours", "unit": "h"}]

    register_plugin(Volunteering(), "test_volunteering")
    admin = api_as(town.admin)
    rows = {r["grid_name"]: r for r in admin.get(f"{town.api}/quarters/{town.period}/ranking").get_json()["grids"]}
    line = next(l for l in rows["一网格"]["lines"] if l["code"] == "visits_volunteer")  # 4 points, full at 40 hours
    assert line["lost_number"] == 2.0 and line["score"] == 2.0
    assert line["number"]["source"] == "volunteer" and line["number"]["value"] == 20.0
    other = next(l for l in rows["二网格"]["lines"] if l["code"] == "visits_volunteer")
    assert other["number"] is None and other["number_missing"] and other["score"] == 4.0
    _publish(admin, town)
    answers["value"] = 40.0  # the module's data moves on; the closed quarter does not
    frozen = admin.get(f"{town.api}/quarters/{town.period}/grids/{town.g1}").get_json()["grid"]
    assert next(l for l in frozen["lines"] if l["code"] == "visits_volunteer")["score"] == 2.0
    page = admin.get(f"{town.pages}/quarters/{town.period}/ranking").get_data(as_text=True)
    assert "志愿服务时长" in page and "来源：volunteer" in page


def test_incidents_numbers_arrive_through_the_star_evidence_bridge(town_with, api_as):
    town = town_with(modules=("assessment", "incidents"))
    admin = api_as(town.admin)
    base = f"/api/v1/t/{town.slug}"
    category = admin.get(f"{base}/incidents/categories").get_json()[0]
    resp = admin.post(f"{base}/incidents", json={"category_id": category["id"], "grid_id": town.g1,
                                                  "description": "路灯坏了", "place": "村口"})
    assert resp.status_code == 201, resp.get_json()
    sheet = admin.get(f"{town.api}/quarters/{town.period}/grids/{town.g1}").get_json()["grid"]
    closure = next(l for l in sheet["lines"] if l["code"] == "security_closure")
    assert closure["number"]["key"] == "incidents.closure_rate" and closure["number"]["source"] == "incidents"
    assert closure["number"]["value"] == 0.0 and closure["lost_number"] == closure["max_points"] == 6
    untouched = admin.get(f"{town.api}/quarters/{town.period}/grids/{town.g2}").get_json()["grid"]
    assert next(l for l in untouched["lines"] if l["code"] == "security_closure")["number_missing"]


def test_hook_dashboard_widgets_tenant_numbers_and_grid_sections(town, api_as, deduct, rule_by_code):
    admin = api_as(town.admin)
    with tenant_context(town.tenant):
        assert hooks(town.tenant).tenant_numbers(tenant=town.tenant) and \
            {"assessment.average_score": 0.0} in hooks(town.tenant).tenant_numbers(tenant=town.tenant)
        db.session.rollback()
    deduct(admin, town, town.g1, rule_by_code(admin, town, "duty_training")["id"], 3)
    _publish(admin, town)
    with tenant_context(town.tenant):
        assert {"assessment.average_score": 99.0} in hooks(town.tenant).tenant_numbers(tenant=town.tenant)
        db.session.rollback()
    home = admin.get(f"/t/{town.slug}/").get_data(as_text=True)
    assert "季排队平均分" in home and '<p class="number">99</p>' in home and f"{town.period} · 三网格" in home
    grid_page = admin.get(f"/t/{town.slug}/grids/{town.g1}").get_data(as_text=True)
    assert "网格考核" in grid_page and "97/100" in grid_page and "查看失分明细" in grid_page


def test_hook_grids_merged_moves_the_deductions(town, api_as, deduct, rule_by_code):
    admin = api_as(town.admin)
    deduct(admin, town, town.g2, rule_by_code(admin, town, "duty_training")["id"], 2)
    resp = admin.post(f"/api/v1/t/{town.slug}/grids/{town.g2}/merge", json={"target_id": town.g1})
    assert resp.status_code == 200, resp.get_json()
    rows = {r["grid_name"]: r["total"] for r in admin.get(f"{town.api}/quarters/{town.period}/ranking").get_json()["grids"]}
    assert rows == {"一网格": 98.0, "三网格": 100.0}


def test_hook_demo_data_publishes_last_quarter_once(town, api_as):
    from gridgov_assessment import hooks as assessment_hooks

    with tenant_context(town.tenant):
        hooks(town.tenant).demo_data(tenant=town.tenant)
        db.session.commit()
        assessment_hooks.demo_data(tenant=town.tenant)  # again, this module alone: nothing added
        db.session.commit()
    quarters = api_as(town.leader1).get(f"{town.api}/quarters").get_json()["items"]
    assert len(quarters) == 1 and quarters[0]["state"] == "published"
    last = quarters[0]["period"]
    rows = api_as(town.leader1).get(f"{town.api}/quarters/{last}/ranking").get_json()["grids"]
    assert len(rows) == 3 and any(r["total"] < 100 for r in rows)
    assert api_as(town.admin).get(f"{town.api}/quarters/{town.period}").get_json()["state"] == "open"


def test_hook_register_template_kinds_county_checklist_adopted(create_county, create_user, town_with, api_as, enable_module,
                                                             rule_by_code):
    county = create_county()
    enable_module(county, "assessment")
    county_admin = api_as(create_user(roles=[(county, "county_admin")]))
    kind = f"/api/v1/t/{county.slug}/templates/assessment.checklist"
    items = county_admin.get(kind).get_json()["draft"]  # seeded with the default checklist
    assert len(items) == 22
    for item in items:
        if item["code"] == "party_meeting":
            item["max_points"] = 10
    items.append({"code": "county_flood", "item": "防汛防台", "title": "汛期值守到位", "max_points": 3, "method": "脱岗一次扣1分"})
    resp = county_admin.put(kind, json={"title": "县网格考核细则", "items": items, "locked_fields": ["max_points"]})
    assert resp.status_code == 200, resp.get_json()
    assert county_admin.post(f"{kind}/publish").status_code in (200, 201)
    town = town_with(county=county)
    admin = api_as(town.admin)
    adopted = admin.post(f"/api/v1/t/{town.slug}/templates/assessment.checklist/adopt")
    assert adopted.status_code == 200, adopted.get_json()
    assert rule_by_code(admin, town, "party_meeting")["max_points"] == 10
    flood = rule_by_code(admin, town, "county_flood")
    assert flood["title"] == "汛期值守到位" and flood["active"]
    rule = rule_by_code(admin, town, "party_meeting")
    locked = admin.patch(f"{town.api}/quarters/{town.period}/rules/{rule['id']}", json={"max_points": 5})
    assert locked.status_code == 422 and "max_points" in locked.get_json()["error"]["fields"]
    assert rule_by_code(admin, town, "party_meeting")["max_points"] == 10
    ok = admin.patch(f"{town.api}/quarters/{town.period}/rules/{rule['id']}", json={"method": "缺一次扣2分"})
    assert ok.status_code == 200 and ok.get_json()["method"] == "缺一次扣2分"


def test_adopting_with_no_open_quarter_is_refused(create_county, create_user, town_with, api_as, enable_module):
    county = create_county()
    enable_module(county, "assessment")
    api_as(create_user(roles=[(county, "county_admin")])).get(f"/api/v1/t/{county.slug}/templates/assessment.checklist")
    town = town_with(county=county)
    admin = api_as(town.admin)
    assert admin.post(f"{town.api}/quarters/{town.period}/close").status_code == 200
    resp = admin.post(f"/api/v1/t/{town.slug}/templates/assessment.checklist/adopt")
    assert resp.status_code == 409 and "先新建下一季度" in resp.get_json()["error"]["message"]
    assert [q["state"] for q in admin.get(f"{town.api}/quarters").get_json()["items"]] == ["closed"]
