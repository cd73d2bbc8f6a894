"""The county withdraws a township's published star itself (县级摘星): with a reason and the tasks
to redo, audited in the township's log, shown to the township, the star won back by a new
assessment; only in the county's own townships (404 otherwise), only by the county admin."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_context
from tests.plugins.five_star.conftest import YEAR, base, county_base, full_scores, make_town, star


def _publish(town, api_as, standard, at_county) -> dict:
    party = star(standard, "party")
    url = f"{county_base(town)}/townships/{town.tenant.slug}/assessments/{at_county['id']}/confirm"
    assert api_as(town.county_admin).post(url, json={"scores": full_scores(party)}).status_code == 200
    return api_as(town.staff).get(f"{base(town)}/awards?year={YEAR}").get_json()["items"][0]


def test_the_county_withdraws_a_star_and_the_branch_wins_it_back(town, api_as, standard, at_county):
    from core.models import AuditEntry

    party = star(standard, "party")
    award = _publish(town, api_as, standard, at_county)
    county, staff, leader = api_as(town.county_admin), api_as(town.staff), api_as(town.leader1)
    listing = county.get(f"{county_base(town)}/townships/{town.tenant.slug}/awards?year={YEAR}").get_json()
    assert [(a["id"], a["branch"], a["star_name"]) for a in listing["items"]] == [(award["id"], "查冲村党支部", "支部过硬星")]
    assert [t["title"] for t in listing["items"][0]["tasks"]] == [t["title"] for t in party["tasks"]]
    url = f"{county_base(town)}/townships/{town.tenant.slug}/awards/{award['id']}/withdraw"
    redo = [party["tasks"][0]["id"]]
    resp = county.post(url, json={"reason": "县委巡查发现班子不团结", "redo_task_ids": redo})
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert (out["withdrawn_level"], out["withdrawn_by"], out["withdraw_reason"]) == ("county", "县委组织部", "县委巡查发现班子不团结")
    # the township sees it: its awards, its overview's re-cultivation list, the branch page, its audit log
    mine = staff.get(f"{base(town)}/awards?year={YEAR}").get_json()["items"][0]
    assert mine["withdrawn_level"] == "county" and mine["redo_task_ids"] == redo
    html = staff.get(f"/t/{town.tenant.slug}/five_star/").get_data(as_text=True)
    assert "县级摘星" in html and "县委巡查发现班子不团结" in html
    html = staff.get(f"/t/{town.tenant.slug}/five_star/branches/{town.b1}?year={YEAR}").get_data(as_text=True)
    assert "县级摘星 县委组织部" in html and party["tasks"][0]["title"] in html
    with tenant_context(town.tenant):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "five_star.withdraw"))
        assert entry is not None and entry.after["level"] == "county" and entry.object_id == str(award["id"])
    # twice is refused
    assert county.post(url, json={"reason": "再摘", "redo_task_ids": redo}).status_code == 409
    # 失星再培育: a new assessment wins it back
    again = leader.post(f"{base(town)}/assessments", json={"org_id": town.b1, "star_code": "party", "year": YEAR})
    assert again.status_code == 201, again.get_json()
    aid = again.get_json()["id"]
    leader.post(f"{base(town)}/assessments/{aid}/submit", json={"scores": full_scores(party)})
    staff.post(f"{base(town)}/assessments/{aid}/submit", json={"scores": full_scores(party)})
    confirm = f"{county_base(town)}/townships/{town.tenant.slug}/assessments/{aid}/confirm"
    assert county.post(confirm, json={"scores": full_scores(party)}).get_json()["awarded"] is True
    cells = {r["org_id"]: r["cells"] for r in county.get(f"{county_base(town)}/map?year={YEAR}").get_json()
             ["townships"][0]["rows"]}
    assert cells[town.b1]["party"] == "held"


def test_a_withdrawal_without_a_reason_or_tasks_is_refused(town, api_as, standard, at_county):
    award = _publish(town, api_as, standard, at_county)
    party = star(standard, "party")
    county = api_as(town.county_admin)
    url = f"{county_base(town)}/townships/{town.tenant.slug}/awards/{award['id']}/withdraw"
    for body, field in (({"reason": "  ", "redo_task_ids": [party["tasks"][0]["id"]]}, "reason"),
                        ({"reason": "原因"}, "redo_task_ids"),
                        ({"reason": "原因", "redo_task_ids": [999999]}, "redo_task_ids"),
                        ({"reason": "原因", "redo_task_ids": ["x"]}, "redo_task_ids"),
                        ({"reason": 5, "redo_task_ids": [party["tasks"][0]["id"]]}, "reason")):
        resp = county.post(url, json=body)
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], (body, resp.get_json())
    assert api_as(town.staff).get(f"{base(town)}/awards?year={YEAR}").get_json()["items"][0]["withdrawn_at"] is None


def test_the_county_acts_only_on_its_own_townships(town, api_as, standard, at_county, create_tenant, create_grid,
                                                   create_user, enable_module):
    award = _publish(town, api_as, standard, at_county)
    party = star(standard, "party")
    body = {"reason": "原因", "redo_task_ids": [party["tasks"][0]["id"]]}
    other = make_town(create_tenant, create_grid, create_user, api_as, enable_module)  # another county
    stranger = api_as(other.county_admin)
    own_slug = f"/api/v1/t/{other.county.slug}/five_star/county/townships/{town.tenant.slug}"
    assert stranger.post(f"{own_slug}/awards/{award['id']}/withdraw", json=body).status_code == 404
    assert stranger.get(f"{own_slug}/awards?year={YEAR}").status_code == 404
    # through this county's URL, another county's admin is not a member
    url = f"{county_base(town)}/townships/{town.tenant.slug}/awards/{award['id']}/withdraw"
    assert stranger.post(url, json=body).status_code == 404
    # an award id of another township under this county's township is not found
    sibling = make_town(create_tenant, create_grid, create_user, api_as, enable_module, county=town.county)
    wrong = f"{county_base(town)}/townships/{sibling.tenant.slug}/awards/{award['id']}/withdraw"
    assert api_as(town.county_admin).post(wrong, json=body).status_code == 404
    # the township's own staff use the township's route, not the county's; a secretary neither
    assert api_as(town.staff).post(url, json=body).status_code == 404
    assert api_as(town.leader1).post(f"{base(town)}/awards/{award['id']}/withdraw", json=body).status_code == 403
    assert api_as(town.staff).get(f"{base(town)}/awards?year={YEAR}").get_json()["items"][0]["withdrawn_at"] is None


def test_the_county_withdraws_from_its_page(town, api_as, standard, at_county):
    from tests.plugins.five_star.test_pages import Browser

    award = _publish(town, api_as, standard, at_county)
    party = star(standard, "party")
    county = Browser(api_as(town.county_admin))
    page = f"/t/{town.county.slug}/five_star/county/awards?year={YEAR}&township={town.tenant.slug}"
    html = county.get(page).get_data(as_text=True)
    assert "查冲村党支部" in html and "县级摘星" in html
    url = f"/t/{town.county.slug}/five_star/county/townships/{town.tenant.slug}/awards/{award['id']}/withdraw?year={YEAR}"
    refused = county.post(url, data={"reason": "", "redo_task_ids": str(party["tasks"][0]["id"])}, follow_redirects=True)
    assert "reason" in refused.get_data(as_text=True)
    asked = county.post(url, data={"reason": "群众满意度测评不达标", "redo_task_ids": str(party["tasks"][0]["id"])})
    assert asked.status_code == 200 and "确认摘星" in asked.get_data(as_text=True)
    done = county.post(url, data={"reason": "群众满意度测评不达标", "redo_task_ids": str(party["tasks"][0]["id"]),
                                  "confirmed": "1"})
    assert done.status_code == 302
    html = county.get(page).get_data(as_text=True)
    assert "群众满意度测评不达标" in html and "已摘星" in html
