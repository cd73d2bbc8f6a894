"""Standards per year, the dashboard widgets and the menu entries."""
from __future__ import annotations

from tests.plugins.five_star.conftest import YEAR, base, county_base, full_scores, star


def test_next_years_standard_is_its_own_and_last_years_results_keep_theirs(town, api_as, standard, at_county):
    party = star(standard, "party")
    county, staff, leader = api_as(town.county_admin), api_as(town.staff), api_as(town.leader1)
    county.post(f"{county_base(town)}/townships/{town.tenant.slug}/assessments/{at_county['id']}/confirm",
                json={"scores": full_scores(party)})
    task = party["tasks"][0]["id"]
    resp = leader.post(f"{base(town)}/plans", json={"org_id": town.b1, "year": YEAR + 1, "star_codes": ["party"],
                                                    "actions": [{"task_id": task, "action": "x", "owner": "y"}]})
    assert resp.status_code == 422 and "actions.0.task_id" in resp.get_json()["error"]["fields"]  # last year's task
    assert staff.get(f"{base(town)}/standards/{YEAR + 1}").status_code == 404
    assert staff.post(f"{base(town)}/standards/{YEAR + 1}", json={}).status_code == 201
    assert staff.post(f"{base(town)}/standards/{YEAR + 1}", json={}).status_code == 409
    assert leader.post(f"{base(town)}/standards/{YEAR + 2}", json={}).status_code == 403
    nxt = staff.get(f"{base(town)}/standards/{YEAR + 1}").get_json()
    assert nxt["id"] != standard["id"] and nxt["year"] == YEAR + 1
    new_crit = star(nxt, "party")["tasks"][0]["criteria"][0]
    assert staff.patch(f"{base(town)}/criteria/{new_crit['id']}", json={"title": "新一年的要求"}).status_code == 200
    assert staff.get(f"{base(town)}/standards/{YEAR}").get_json() == standard
    done = staff.get(f"{base(town)}/assessments/{at_county['id']}").get_json()
    assert done["star_id"] == party["id"] and done["total"] == 100
    assert staff.get(f"{base(town)}/awards?year={YEAR}").get_json()["items"][0]["star_code"] == "party"
    assert staff.get(f"{base(town)}/awards?year={YEAR + 1}").get_json()["items"] == []


def test_hook_dashboard_widgets_and_nav_items(town, api_as, standard, at_county):
    county = api_as(town.county_admin)
    county.post(f"{county_base(town)}/townships/{town.tenant.slug}/assessments/{at_county['id']}/confirm",
                json={"scores": full_scores(star(standard, "party"))})
    home = api_as(town.staff).get(f"/t/{town.tenant.slug}/").get_data(as_text=True)
    assert "各星获星支部数" in home and "支部星数分布" in home and "五星支部" in home
    assert f"/t/{town.tenant.slug}/five_star/" in home and "星级农户" in home
    worker_home = api_as(town.worker).get(f"/t/{town.tenant.slug}/").get_data(as_text=True)
    assert "各星获星支部数" not in worker_home and "/five_star/" not in worker_home
    county_home = county.get(f"/t/{town.county.slug}/").get_data(as_text=True)
    assert f"/t/{town.county.slug}/five_star/county/" in county_home and "待县级评星" in county_home
