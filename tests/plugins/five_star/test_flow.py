"""The main line over HTTP: standard → plan → approval → self-assessment → township review →
county confirmation → published star → withdrawal (摘星) → re-cultivation → won back."""
from __future__ import annotations

from tests.plugins.five_star.conftest import YEAR, base, county_base, full_scores, star


def test_default_standard_has_five_stars_and_29_locked_tasks(standard):
    codes = [s["code"] for s in standard["stars"]]
    assert codes == ["party", "industry", "ecology", "safety", "civility"]
    assert sum(len(s["tasks"]) for s in standard["stars"]) == 29
    assert all(t["locked"] for s in standard["stars"] for t in s["tasks"])
    assert {s["max_score"] for s in standard["stars"]} == {100}
    kinds = {c["kind"] for s in standard["stars"] for t in s["tasks"] for c in t["criteria"]}
    assert kinds == {"threshold", "yesno", "checklist"}


def test_plan_is_filed_returned_resubmitted_and_approved(town, api_as, standard):
    leader, staff = api_as(town.leader1), api_as(town.staff)
    task = star(standard, "ecology")["tasks"][0]["id"]
    body = {"org_id": town.b1, "year": YEAR, "star_codes": ["ecology"],
            "actions": [{"task_id": task, "action": "垃圾分类进农户", "owner": "李主任"}]}
    plan = leader.post(f"{base(town)}/plans", json=body).get_json()
    assert plan["state"] == "draft"
    overview = staff.get(f"{base(town)}/filing?year={YEAR}").get_json()
    assert (overview["total"], overview["filed"], overview["missing"]) == (2, 0, 2)
    assert leader.post(f"{base(town)}/plans/{plan['id']}/submit", json={}).get_json()["state"] == "submitted"
    assert staff.get(f"{base(town)}/filing?year={YEAR}").get_json()["filed"] == 1
    returned = staff.post(f"{base(town)}/plans/{plan['id']}/return", json={"comment": "措施不够具体"}).get_json()
    assert (returned["state"], returned["comment"]) == ("returned", "措施不够具体")
    body["actions"][0]["action"] = "每户发放分类垃圾桶，每周检查"
    again = leader.post(f"{base(town)}/plans", json=body).get_json()
    assert again["id"] == plan["id"] and again["actions"][0]["action"].startswith("每户")
    leader.post(f"{base(town)}/plans/{plan['id']}/submit", json={})
    assert staff.post(f"{base(town)}/plans/{plan['id']}/approve", json={}).get_json()["state"] == "approved"


def test_township_reminds_the_missing_branches(town, api_as, approved_plan):
    staff = api_as(town.staff)
    sent = staff.post(f"{base(town)}/filing/remind", json={"year": YEAR}).get_json()
    assert sent == {"reminded": [town.b2]}
    rows = {r["org_id"]: r for r in staff.get(f"{base(town)}/filing?year={YEAR}").get_json()["branches"]}
    assert rows[town.b2]["reminders"] == 1 and rows[town.b1]["state"] == "approved"


def test_three_levels_publish_the_star(town, api_as, standard, at_county):
    party = star(standard, "party")
    county = api_as(town.county_admin)
    waiting = county.get(f"{county_base(town)}/assessments?year={YEAR}").get_json()["items"]
    assert [w["id"] for w in waiting] == [at_county["id"]] and waiting[0]["township"] == town.tenant.slug
    url = f"{county_base(town)}/townships/{town.tenant.slug}/assessments/{at_county['id']}/confirm"
    resp = county.post(url, json={"scores": full_scores(party), "comment": "评定通过"})
    assert resp.status_code == 200, resp.get_json()
    done = resp.get_json()
    assert (done["state"], done["awarded"], done["total"]) == ("confirmed", True, 100)
    assert [s["level"] for s in done["steps"]] == ["self", "township", "county"]
    assert done["steps"][2]["actor"] == "县委组织部" and done["steps"][1]["comment"] == "同意"
    awards = api_as(town.staff).get(f"{base(town)}/awards?year={YEAR}").get_json()["items"]
    assert [(a["org_id"], a["star_code"]) for a in awards] == [(town.b1, "party")]
    ranking = api_as(town.leader2).get(f"{base(town)}/ranking?year={YEAR}").get_json()["items"]
    assert (ranking[0]["org_id"], ranking[0]["stars"], ranking[0]["rank"]) == (town.b1, 1, 1)
    answer = county.get(f"{county_base(town)}/map?year={YEAR}").get_json()
    assert answer["league"] == [{"slug": town.tenant.slug, "name": town.tenant.name, "branches": 2, "stars": 1,
                                 "five_star": 0, "per_branch": 0.5}]
    wall = answer["townships"][0]
    cells = {r["org_id"]: r["cells"] for r in wall["rows"]}
    assert cells[town.b1]["party"] == "held" and cells[town.b1]["safety"] == "aiming" and cells[town.b2]["party"] == "none"


def test_a_low_county_total_confirms_without_a_star(town, api_as, standard, at_county):
    scores = {k: 0 for k in full_scores(star(standard, "party"))}
    url = f"{county_base(town)}/townships/{town.tenant.slug}/assessments/{at_county['id']}/confirm"
    done = api_as(town.county_admin).post(url, json={"scores": scores}).get_json()
    assert (done["state"], done["awarded"]) == ("confirmed", False)
    assert api_as(town.staff).get(f"{base(town)}/awards?year={YEAR}").get_json()["items"] == []


def test_each_level_returns_one_step(town, api_as, standard, at_county):
    county, staff = api_as(town.county_admin), api_as(town.staff)
    url = f"{county_base(town)}/townships/{town.tenant.slug}/assessments/{at_county['id']}/return"
    back = county.post(url, json={"comment": "佐证材料不足"}).get_json()
    assert back.get("state") == "township", back
    back = staff.post(f"{base(town)}/assessments/{at_county['id']}/return", json={"comment": "请补充会议记录"}).get_json()
    assert back["state"] == "self"
    assert [s["action"] for s in back["steps"]] == ["submit_self", "submit_township", "return_to_township", "return_to_self"]


def test_withdrawn_star_flags_recultivation_and_is_won_back(town, api_as, standard, at_county):
    party = star(standard, "party")
    county, staff, leader = api_as(town.county_admin), api_as(town.staff), api_as(town.leader1)
    confirm = f"{county_base(town)}/townships/{town.tenant.slug}/assessments/{{}}/confirm"
    county.post(confirm.format(at_county["id"]), json={"scores": full_scores(party)})
    award = staff.get(f"{base(town)}/awards?year={YEAR}").get_json()["items"][0]
    redo = [party["tasks"][1]["id"]]
    out = staff.post(f"{base(town)}/awards/{award['id']}/withdraw", json={"reason": "三会一课未按期开展", "redo_task_ids": redo})
    assert out.status_code == 200 and out.get_json()["redo_task_ids"] == redo
    assert staff.get(f"{base(town)}/ranking?year={YEAR}").get_json()["items"][0]["stars"] == 0
    wall = county.get(f"{county_base(town)}/map?year={YEAR}").get_json()["townships"][0]
    assert {r["org_id"]: r["cells"] for r in wall["rows"]}[town.b1]["party"] == "lost"
    again = leader.post(f"{base(town)}/assessments", json={"org_id": town.b1, "star_code": "party", "year": YEAR}).get_json()
    leader.post(f"{base(town)}/assessments/{again['id']}/submit", json={"scores": full_scores(party)})
    staff.post(f"{base(town)}/assessments/{again['id']}/submit", json={"scores": full_scores(party)})
    assert county.post(confirm.format(again["id"]), json={"scores": full_scores(party)}).status_code == 200
    items = staff.get(f"{base(town)}/awards?year={YEAR}").get_json()["items"]
    assert [a["withdrawn_at"] is None for a in items] == [False, True]
    assert {r["org_id"]: r["cells"] for r in county.get(f"{county_base(town)}/map?year={YEAR}").get_json()
            ["townships"][0]["rows"]}[town.b1]["party"] == "held"


def test_numbers_are_snapshotted_when_a_step_is_submitted(town, api_as, standard, approved_plan, register_plugin):
    from core.toolkit import hookimpl

    seen = {"value": 0.97}

    class Numbers:
        @hookimpl
        def star_evidence(self, tenant, grid_id, start, end):
            if grid_id != town.v1:
                return []
            return [{"key": "incidents.closure_rate", "value": seen["value"], "label_zh": "办结率",
                     "label_en": "Closure rate", "unit": "%"}]

    register_plugin(Numbers(), "numbers_for_test")
    safety = star(standard, "safety")
    closure = next(c for t in safety["tasks"] for c in t["criteria"] if c["metric_key"] == "incidents.closure_rate")
    scores = {k: v for k, v in full_scores(safety).items() if k != str(closure["id"])}
    leader = api_as(town.leader1)
    a = leader.post(f"{base(town)}/assessments", json={"org_id": town.b1, "star_code": "safety", "year": YEAR}).get_json()
    done = leader.post(f"{base(town)}/assessments/{a['id']}/submit", json={"scores": scores}).get_json()
    step = done["steps"][0]
    assert step["scores"][str(closure["id"])] == closure["max_score"]  # 97% >= 95%: the number scored it
    assert step["numbers"][0]["value"] == 0.97
    seen["value"] = 0.5
    later = leader.get(f"{base(town)}/assessments/{a['id']}").get_json()
    assert later["steps"][0]["numbers"][0]["value"] == 0.97
    live = leader.get(f"{base(town)}/evidence?org_id={town.b1}&year={YEAR}").get_json()["numbers"]
    assert live[0]["value"] == 0.5
