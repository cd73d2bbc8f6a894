"""Cross-tenant is 404, a missing permission 403, for the API and the pages."""
from __future__ import annotations


def test_another_townships_admin_gets_404_everywhere(town, other_town, api_as, deduct, rule_by_code):
    staff = api_as(town.staff)
    rule = rule_by_code(staff, town, "party_meeting")
    assert deduct(staff, town, town.g1, rule["id"], 1).status_code == 201
    outsider = api_as(other_town.admin)
    q = f"{town.api}/quarters/{town.period}"
    for path in (f"{town.api}/quarters", q, f"{q}/ranking", f"{q}/grids/{town.g1}", f"{q}/people",
                 f"{q}/deductions", f"{q}/export/ranking.xlsx", f"{town.api}/years/2026", f"{town.pages}/",
                 f"{town.pages}/quarters/{town.period}/ranking"):
        assert outsider.get(path).status_code == 404, path
    assert deduct(outsider, town, town.g1, rule["id"], 1).status_code == 404
    assert outsider.post(f"{q}/close").status_code == 404
    assert outsider.patch(f"{q}/rules/{rule['id']}", json={"max_points": 1}).status_code == 404
    # A's quarter is untouched
    assert staff.get(q).get_json()["state"] == "open"
    assert len(staff.get(f"{q}/deductions").get_json()["items"]) == 1


def test_a_township_sees_its_own_rows_only_under_its_own_slug(town, other_town, api_as, deduct, rule_by_code):
    staff = api_as(town.staff)
    deduct(staff, town, town.g1, rule_by_code(staff, town, "party_meeting")["id"], 2)
    theirs = api_as(other_town.staff).get(f"{other_town.api}/quarters/{other_town.period}/ranking").get_json()["grids"]
    assert {r["grid_name"] for r in theirs} == {"一网格", "二网格", "三网格"}
    assert all(r["total"] == 100.0 for r in theirs)
    assert api_as(other_town.staff).get(f"{other_town.api}/quarters/{other_town.period}/grids/{town.g1}").status_code == 404


def test_missing_permissions_are_403(town, api_as, deduct, rule_by_code, create_user):
    staff, leader, worker = api_as(town.staff), api_as(town.leader1), api_as(town.worker3)
    rule = rule_by_code(staff, town, "party_meeting")
    q = f"{town.api}/quarters/{town.period}"
    assert deduct(leader, town, town.g1, rule["id"], 1).status_code == 403  # a grid leader does not inspect
    assert deduct(worker, town, town.g3, rule["id"], 1).status_code == 403
    assert staff.post(f"{q}/close").status_code == 403  # inspectors do not close the quarter
    assert staff.post(f"{town.api}/quarters", json={"period": "2030-Q1"}).status_code == 403
    assert staff.patch(f"{q}/rules/{rule['id']}", json={"max_points": 1}).status_code == 403
    assert leader.get(f"{q}/deductions").status_code == 403
    assert leader.get(f"{q}/ranking").status_code == 403  # not published yet
    assert leader.get(f"{town.pages}/quarters/{town.period}/ranking").status_code == 403
    assert leader.post(f"{town.pages}/quarters/{town.period}/deductions", data={"grid_id": town.g1}).status_code in (400, 403)
    nobody = api_as(create_user(roles=[(town.tenant, "info_officer", town.g1)]))  # no assessment permission
    assert nobody.get(f"{town.api}/quarters").status_code == 403
    assert staff.get(q).get_json()["state"] == "open"
    assert staff.get(f"{q}/deductions").get_json()["items"] == []


def test_a_grid_scoped_inspector_scores_only_grids_in_reach(town, api_as, create_user, deduct, rule_by_code,
                                                             register_plugin, app):
    from core.toolkit import Role, hookimpl

    class Inspector:
        @hookimpl
        def register_roles(self):
            return [Role("village_inspector", "村督查员", "Village inspector", scope="grid",
                         permissions=frozenset({"assessment.view", "assessment.score"}))]

    register_plugin(Inspector(), "test_village_inspector")
    app.extensions.pop("gridgov.roles", None)  # the role catalogue is built once per app; build it again
    try:
        inspector = api_as(create_user(roles=[(town.tenant, "village_inspector", town.village1)]))
        rule = rule_by_code(inspector, town, "party_meeting")
        assert deduct(inspector, town, town.g1, rule["id"], 1).status_code == 201
        resp = deduct(inspector, town, town.g3, rule["id"], 1)  # 三网格 is under the other village
        assert resp.status_code == 403 and "无权" in resp.get_json()["error"]["message"]
    finally:
        app.extensions.pop("gridgov.roles", None)
