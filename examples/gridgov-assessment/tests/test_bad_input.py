"""Bad input is a 4xx naming the reason, and nothing is changed: a closed quarter, points beyond a
rule's maximum, a grid of another township, fields the API does not know."""
from __future__ import annotations

import pytest


def _state(api, town) -> tuple:
    """What the quarter holds: its state, its deductions and its checklist."""
    quarter = api.get(f"{town.api}/quarters/{town.period}").get_json()
    deductions = api.get(f"{town.api}/quarters/{town.period}/deductions").get_json()["items"]
    return quarter["state"], [(d["grid_id"], d["rule_id"], d["points"]) for d in deductions], \
        [(r["code"], r["max_points"], r["title"], r["active"]) for r in quarter["rules"]]


def test_scoring_a_closed_quarter_is_refused(town, api_as, deduct, rule_by_code):
    admin = api_as(town.admin)
    rule = rule_by_code(admin, town, "party_meeting")
    assert deduct(admin, town, town.g1, rule["id"], 1).status_code == 201
    assert admin.post(f"{town.api}/quarters/{town.period}/close").status_code == 200
    before = _state(admin, town)
    resp = deduct(admin, town, town.g1, rule["id"], 1)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "quarter_closed"
    assert "已关闭" in resp.get_json()["error"]["message"]
    assert admin.patch(f"{town.api}/quarters/{town.period}/rules/{rule['id']}", json={"max_points": 9}).status_code == 409
    deduction_id = admin.get(f"{town.api}/quarters/{town.period}/deductions").get_json()["items"][0]["id"]
    assert admin.post(f"{town.api}/quarters/{town.period}/deductions/{deduction_id}/withdraw",
                      json={"reason": "复核"}).status_code == 409
    assert admin.post(f"{town.api}/quarters/{town.period}/close").status_code == 409
    assert _state(admin, town) == before


@pytest.mark.parametrize("points, already", [(7.5, 0), (3, 5)])
def test_points_beyond_the_rules_maximum_are_refused(town, api_as, deduct, rule_by_code, points, already):
    staff = api_as(town.staff)
    rule = rule_by_code(staff, town, "party_meeting")  # 7 points
    if already:
        assert deduct(staff, town, town.g2, rule["id"], already).status_code == 201
    before = _state(staff, town)
    resp = deduct(staff, town, town.g2, rule["id"], points)
    assert resp.status_code == 422, resp.get_json()
    reason = resp.get_json()["error"]["fields"]["points"][0]
    assert "满分 7 分" in reason and f"最多还能扣 {7 - already:g} 分" in reason
    assert _state(staff, town) == before


def test_a_grid_of_another_township_is_refused(town, other_town, api_as, deduct, rule_by_code):
    staff = api_as(town.staff)
    rule = rule_by_code(staff, town, "party_meeting")
    before = _state(staff, town)
    resp = deduct(staff, town, other_town.g1, rule["id"], 1)
    assert resp.status_code == 422 and "grid_id" in resp.get_json()["error"]["fields"]
    assert "不是本乡镇的网格" in resp.get_json()["error"]["fields"]["grid_id"][0]
    # and a rule of the other township's quarter is no rule here either
    theirs = rule_by_code(api_as(other_town.staff), other_town, "party_meeting")
    resp = deduct(staff, town, town.g1, theirs["id"], 1)
    assert resp.status_code == 422 and "rule_id" in resp.get_json()["error"]["fields"]
    assert _state(staff, town) == before
    assert api_as(other_town.staff).get(f"{other_town.api}/quarters/{other_town.period}/deductions").get_json()["items"] == []


@pytest.mark.parametrize("body, field", [
    ({"grid_id": None, "points": 1, "reason": "x"}, "grid_id"),
    ({"grid_id": "一网格", "rule_id": 1, "points": 1, "reason": "x"}, "grid_id"),
    ({"points": 0, "reason": "x"}, "points"),
    ({"points": 1.25, "reason": "x"}, "points"),
    ({"points": -1, "reason": "x"}, "points"),
    ({"points": 1, "reason": "   "}, "reason"),
    ({"points": 1, "reason": "x", "tenant_id": 1}, "tenant_id"),
    ({"points": 1, "reason": "x", "inspected_on": "昨天"}, "inspected_on"),
])
def test_malformed_deductions_name_the_field(town, api_as, rule_by_code, body, field):
    staff = api_as(town.staff)
    rule = rule_by_code(staff, town, "party_meeting")
    before = _state(staff, town)
    full = {"grid_id": town.g1, "rule_id": rule["id"], **body}
    resp = staff.post(f"{town.api}/quarters/{town.period}/deductions", json=full)
    assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], resp.get_json()
    assert _state(staff, town) == before


def test_a_village_with_grids_under_it_is_not_assessed(town, api_as, deduct, rule_by_code):
    staff = api_as(town.staff)
    resp = deduct(staff, town, town.village1, rule_by_code(staff, town, "party_meeting")["id"], 1)
    assert resp.status_code == 422 and "只考核网格一级" in resp.get_json()["error"]["fields"]["grid_id"][0]


def test_bad_checklist_changes_and_periods(town, api_as, deduct, rule_by_code):
    admin = api_as(town.admin)
    rule = rule_by_code(admin, town, "party_meeting")
    deduct(admin, town, town.g1, rule["id"], 4)
    before = _state(admin, town)
    base = f"{town.api}/quarters/{town.period}/rules"
    resp = admin.patch(f"{base}/{rule['id']}", json={"max_points": 3})
    assert resp.status_code == 422 and "扣了 4 分" in resp.get_json()["error"]["fields"]["max_points"][0]
    assert admin.patch(f"{base}/{rule['id']}", json={"code": "x"}).status_code == 422  # the code names the rule
    assert admin.patch(f"{base}/{rule['id']}", json={"metric_key": "no dots"}).status_code == 422
    assert admin.post(base, json={"code": "party_meeting", "item": "党建引领", "title": "重复", "max_points": 1}).status_code == 422
    assert admin.post(f"{town.api}/quarters", json={"period": "2026-Q5"}).status_code == 422
    assert admin.post(f"{town.api}/quarters", data="{", content_type="application/json").status_code == 400
    assert admin.get(f"{town.api}/quarters/2026-13/ranking").status_code == 404
    assert admin.get(f"{town.api}/years/99999").status_code == 404
    assert _state(admin, town) == before
