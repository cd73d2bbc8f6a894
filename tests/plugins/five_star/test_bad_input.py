"""Every "Bad input" case of the issue: a 4xx naming the reason, and nothing changed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import db
from core.tenancy import tenant_context
from tests.plugins.five_star.conftest import YEAR, base, county_base, full_scores, make_town, star


def _rows(town):
    from plugins.five_star.models import Assessment, AssessmentStep, Award, Plan, PlanAction

    with tenant_context(town.tenant):
        out = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
               for m in (Plan, PlanAction, Assessment, AssessmentStep, Award)}
        out["states"] = db.session.execute(select(Assessment.id, Assessment.state, Assessment.total)).all()
        out["plans"] = db.session.execute(select(Plan.id, Plan.state, Plan.star_codes)).all()
        out["awards"] = db.session.execute(select(Award.id, Award.withdrawn_at)).all()
        db.session.rollback()
    return out


def _refused(resp, status, field=None):
    body = resp.get_json()
    assert resp.status_code == status, body
    assert body["error"]["message"]
    if field:
        assert field in body["error"]["fields"], body


def test_plan_for_a_star_the_standard_lacks(town, api_as, standard):
    before = _rows(town)
    resp = api_as(town.leader1).post(f"{base(town)}/plans", json={"org_id": town.b1, "year": YEAR,
                                                                  "star_codes": ["party", "tourism"], "actions": []})
    _refused(resp, 422, "star_codes")
    assert "tourism" in resp.get_json()["error"]["message"]
    assert _rows(town) == before


def test_plan_action_for_a_task_of_another_star(town, api_as, standard):
    before = _rows(town)
    task = star(standard, "industry")["tasks"][0]["id"]
    resp = api_as(town.leader1).post(f"{base(town)}/plans", json={
        "org_id": town.b1, "year": YEAR, "star_codes": ["party"],
        "actions": [{"task_id": task, "action": "发展合作社", "owner": "王"}]})
    _refused(resp, 422, "actions.0.task_id")
    assert _rows(town) == before


def test_plan_for_a_branch_of_another_township(town, api_as, standard, create_tenant, create_grid, create_user,
                                               enable_module):
    other = make_town(create_tenant, create_grid, create_user, api_as, enable_module, county=town.county)
    before = _rows(town), _rows(other)
    resp = api_as(town.admin).post(f"{base(town)}/plans", json={"org_id": other.b1, "year": YEAR,
                                                                "star_codes": ["party"], "actions": []})
    _refused(resp, 422, "org_id")
    resp = api_as(town.admin).post(f"{base(town)}/assessments", json={"org_id": other.b1, "star_code": "party",
                                                                      "year": YEAR})
    _refused(resp, 422, "org_id")
    assert (_rows(town), _rows(other)) == before


def test_assessment_out_of_order(town, api_as, standard, approved_plan):
    """The county cannot confirm before the township, nor the township act for the county."""
    party = star(standard, "party")
    leader = api_as(town.leader1)
    a = leader.post(f"{base(town)}/assessments", json={"org_id": town.b1, "star_code": "party", "year": YEAR}).get_json()
    before = _rows(town)
    url = f"{county_base(town)}/townships/{town.tenant.slug}/assessments/{a['id']}/confirm"
    resp = api_as(town.county_admin).post(url, json={"scores": full_scores(party)})
    _refused(resp, 409, "state")
    _refused(api_as(town.staff).post(f"{base(town)}/assessments/{a['id']}/return", json={"comment": "x"}), 409, "state")
    assert _rows(town) == before
    leader.post(f"{base(town)}/assessments/{a['id']}/submit", json={"scores": full_scores(party)})
    before = _rows(town)
    _refused(api_as(town.county_admin).post(url, json={"scores": full_scores(party)}), 409, "state")
    assert _rows(town) == before


@pytest.mark.parametrize("score", [-1, 21, "many", True])
def test_score_outside_a_criterions_range(town, api_as, standard, approved_plan, score):
    party = star(standard, "party")
    leader = api_as(town.leader1)
    a = leader.post(f"{base(town)}/assessments", json={"org_id": town.b1, "star_code": "party", "year": YEAR}).get_json()
    scores = full_scores(party)
    first = str(party["tasks"][0]["criteria"][0]["id"])  # a checklist worth 20
    scores[first] = score
    before = _rows(town)
    resp = leader.post(f"{base(town)}/assessments/{a['id']}/submit", json={"scores": scores})
    _refused(resp, 422, f"scores.{first}")
    assert _rows(town) == before


def test_yesno_criterion_takes_zero_or_full_and_every_criterion_needs_a_score(town, api_as, standard, approved_plan):
    party = star(standard, "party")
    leader = api_as(town.leader1)
    a = leader.post(f"{base(town)}/assessments", json={"org_id": town.b1, "star_code": "party", "year": YEAR}).get_json()
    yesno = str(party["tasks"][1]["criteria"][0]["id"])
    before = _rows(town)
    _refused(leader.post(f"{base(town)}/assessments/{a['id']}/submit",
                         json={"scores": {**full_scores(party), yesno: 7}}), 422, f"scores.{yesno}")
    partial = {k: v for k, v in full_scores(party).items() if k != yesno}
    _refused(leader.post(f"{base(town)}/assessments/{a['id']}/submit", json={"scores": partial}), 422, f"scores.{yesno}")
    _refused(leader.post(f"{base(town)}/assessments/{a['id']}/submit",
                         json={"scores": {**full_scores(party), "999999": 1}}), 422, "scores.999999")
    assert _rows(town) == before


def test_withdrawn_star_without_a_reason(town, api_as, standard, at_county):
    party = star(standard, "party")
    url = f"{county_base(town)}/townships/{town.tenant.slug}/assessments/{at_county['id']}/confirm"
    api_as(town.county_admin).post(url, json={"scores": full_scores(party)})
    staff = api_as(town.staff)
    award = staff.get(f"{base(town)}/awards?year={YEAR}").get_json()["items"][0]
    before = _rows(town)
    _refused(staff.post(f"{base(town)}/awards/{award['id']}/withdraw",
                        json={"reason": "  ", "redo_task_ids": [party["tasks"][0]["id"]]}), 422, "reason")
    other_star_task = star(standard, "industry")["tasks"][0]["id"]
    _refused(staff.post(f"{base(town)}/awards/{award['id']}/withdraw",
                        json={"reason": "整改", "redo_task_ids": [other_star_task]}), 422, "redo_task_ids")
    assert _rows(town) == before


def test_editing_a_confirmed_assessment(town, api_as, standard, at_county):
    party = star(standard, "party")
    county = api_as(town.county_admin)
    url = f"{county_base(town)}/townships/{town.tenant.slug}/assessments/{at_county['id']}"
    county.post(f"{url}/confirm", json={"scores": full_scores(party)})
    before = _rows(town)
    resp = county.post(f"{url}/confirm", json={"scores": {k: 0 for k in full_scores(party)}})
    _refused(resp, 409, "state")
    assert resp.get_json()["error"]["code"] == "confirmed"
    _refused(county.post(f"{url}/return", json={"comment": "重评"}), 409)
    _refused(api_as(town.staff).post(f"{base(town)}/assessments/{at_county['id']}/submit",
                                     json={"scores": full_scores(party)}), 409)
    assert _rows(town) == before


def test_plan_cannot_change_once_submitted_and_return_needs_a_comment(town, api_as, standard, approved_plan):
    before = _rows(town)
    resp = api_as(town.leader1).post(f"{base(town)}/plans", json={"org_id": town.b1, "year": YEAR,
                                                                  "star_codes": ["party"], "actions": []})
    _refused(resp, 409, "state")
    assert _rows(town) == before


def test_return_without_comment_and_unknown_fields(town, api_as, standard):
    leader, staff = api_as(town.leader1), api_as(town.staff)
    task = star(standard, "party")["tasks"][0]["id"]
    plan = leader.post(f"{base(town)}/plans", json={"org_id": town.b1, "year": YEAR, "star_codes": ["party"],
                                                    "actions": [{"task_id": task, "action": "a", "owner": "b"}]}).get_json()
    leader.post(f"{base(town)}/plans/{plan['id']}/submit", json={})
    before = _rows(town)
    _refused(staff.post(f"{base(town)}/plans/{plan['id']}/return", json={"comment": ""}), 422, "comment")
    _refused(leader.post(f"{base(town)}/plans", json={"org_id": town.b1, "year": YEAR, "star_codes": ["party"],
                                                      "tenant_id": 1, "id": 5}), 422)
    assert _rows(town) == before


def test_township_cannot_weaken_or_drop_the_countys_locked_tasks(town, api_as, standard):
    staff = api_as(town.staff)
    safety = star(standard, "safety")
    locked = safety["tasks"][1]
    crit = locked["criteria"][0]
    _refused(staff.delete(f"{base(town)}/tasks/{locked['id']}"), 409, "task_id")
    _refused(staff.patch(f"{base(town)}/criteria/{crit['id']}", json={"threshold": 80}), 409, "threshold")
    _refused(staff.patch(f"{base(town)}/criteria/{crit['id']}", json={"max_score": 5}), 409, "max_score")
    assert staff.patch(f"{base(town)}/criteria/{crit['id']}", json={"threshold": 98}).get_json()["threshold"] == 98
    new = staff.post(f"{base(town)}/standards/{YEAR}/stars/safety/tasks", json={
        "code": "safety-x", "title": "雪亮工程监控全覆盖",
        "criteria": [{"kind": "yesno", "title": "主要路口监控覆盖", "max_score": 5}]})
    assert new.status_code == 201 and new.get_json()["locked"] is False
    assert staff.delete(f"{base(town)}/tasks/{new.get_json()['id']}").status_code == 204
    _refused(staff.post(f"{base(town)}/standards/{YEAR}/stars/safety/tasks", json={
        "code": "safety-y", "title": "t", "criteria": [{"kind": "threshold", "title": "x", "max_score": 5}]}),
        422, "criteria.threshold")


def test_bad_year_and_month(town, api_as):
    _refused(api_as(town.staff).get(f"{base(town)}/ranking?year=abc"), 422, "year")
    _refused(api_as(town.scorer).get(f"{base(town)}/households/ratings?month=2026-13"), 422, "month")
