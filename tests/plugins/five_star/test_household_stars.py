"""The township defines its household stars (十星农户 / 星级文明户) and their pass scores, per
year: create, edit, retire over the API and the pages, refusals naming the field, last year's
ratings tied to last year's definitions, and the pass score deciding who earns a star."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_context
from tests.plugins.five_star.conftest import YEAR, base


def stars_url(town, year=YEAR) -> str:
    return f"{base(town)}/households/stars?year={year}"


def _household(town, api_as, address="一组8号", head="赵大"):
    return api_as(town.admin).post(f"/api/v1/t/{town.tenant.slug}/households",
                                   json={"grid_id": town.g1, "address": address, "head_name": head}).get_json()


def test_the_township_adds_edits_and_retires_a_star(town, api_as):
    staff = api_as(town.staff)
    seeded = staff.get(stars_url(town)).get_json()
    assert seeded["from_year"] == YEAR and len(seeded["items"]) == 10
    assert {(s["max_score"], s["pass_score"]) for s in seeded["items"]} == {(100, 80)}
    made = staff.post(f"{base(town)}/households/stars", json={"year": YEAR, "name": "勤俭节约星", "pass_score": 70,
                                                              "max_score": 90, "category": "勤俭节约星"})
    assert made.status_code == 201, made.get_json()
    star = made.get_json()
    assert (star["name"], star["pass_score"], star["max_score"], star["active"]) == ("勤俭节约星", 70, 90, True)
    changed = staff.patch(f"{base(town)}/households/stars/{star['id']}", json={"pass_score": 75, "name": "勤俭持家星"})
    assert changed.status_code == 200 and (changed.get_json()["pass_score"], changed.get_json()["name"]) == (75, "勤俭持家星")
    retired = staff.post(f"{base(town)}/households/stars/{star['id']}/retire", json={})
    assert retired.status_code == 200 and retired.get_json()["active"] is False
    listing = staff.get(stars_url(town)).get_json()
    assert "勤俭持家星" not in [s["name"] for s in listing["items"]]
    assert [s["name"] for s in listing["retired"]] == ["勤俭持家星"]
    # a retired star is scored no more, and cannot be retired or edited again
    h = _household(town, api_as)
    resp = api_as(town.scorer).post(f"{base(town)}/households/ratings", json={
        "month": f"{YEAR}-02", "household_id": h["id"], "ratings": [{"star_code": star["code"], "score": 80}]})
    assert resp.status_code == 422 and "ratings.0.star_code" in resp.get_json()["error"]["fields"]
    assert staff.post(f"{base(town)}/households/stars/{star['id']}/retire", json={}).status_code == 409
    assert staff.patch(f"{base(town)}/households/stars/{star['id']}", json={"pass_score": 60}).status_code == 409
    # and its name is free again
    assert staff.post(f"{base(town)}/households/stars", json={"year": YEAR, "name": "勤俭持家星",
                                                              "pass_score": 60}).status_code == 201


@pytest.mark.parametrize("body, field, status", [
    ({"name": "爱党爱国星", "pass_score": 80}, "name", 422),  # a name the year has
    ({"name": "  ", "pass_score": 80}, "name", 422),
    ({"name": "新星", "pass_score": 120}, "pass_score", 422),  # beyond 100
    ({"name": "新星", "pass_score": 95, "max_score": 90}, "pass_score", 422),  # beyond the full score
    ({"name": "新星", "pass_score": 0}, "pass_score", 422),
    ({"name": "新星"}, "pass_score", 422),
    ({"name": "新星", "pass_score": 60, "category": "孝老爱亲星"}, "category", 422),  # derives another star
    ({"name": "新星", "pass_score": 60, "code": "filial"}, "code", 422),
    ({"name": "新星", "pass_score": 60, "code": "Not A Code"}, "code", 422),
    ({"name": "新星", "pass_score": "high"}, "pass_score", 422),
    ({"name": "新星", "pass_score": 60, "id": 5}, "id", 422),
    ({"name": "新星", "pass_score": 60, "tenant_id": 1}, "tenant_id", 422),
])
def test_bad_star_definitions_are_refused_naming_the_field(town, api_as, body, field, status):
    staff = api_as(town.staff)
    before = staff.get(stars_url(town)).get_json()
    resp = staff.post(f"{base(town)}/households/stars", json={"year": YEAR, **body})
    assert resp.status_code == status, resp.get_json()
    assert field in resp.get_json()["error"]["fields"], resp.get_json()
    assert staff.get(stars_url(town)).get_json() == before


def test_bad_edits_are_refused_and_change_nothing(town, api_as):
    staff = api_as(town.staff)
    items = staff.get(stars_url(town)).get_json()["items"]
    first, second = items[0], items[1]
    url = f"{base(town)}/households/stars/{first['id']}"
    for body, field in (({"name": second["name"]}, "name"), ({"pass_score": 101}, "pass_score"),
                        ({"max_score": 50}, "pass_score"), ({"category": second["category"]}, "category")):
        resp = staff.patch(url, json=body)
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], (body, resp.get_json())
    # a full score below a score already given that year
    h = _household(town, api_as)
    api_as(town.scorer).post(f"{base(town)}/households/ratings", json={
        "month": f"{YEAR}-01", "household_id": h["id"], "ratings": [{"star_code": first["code"], "score": 90}]})
    resp = staff.patch(url, json={"max_score": 85, "pass_score": 60})
    assert resp.status_code == 409 and "max_score" in resp.get_json()["error"]["fields"]
    assert staff.get(stars_url(town)).get_json()["items"][0] == first
    assert staff.patch(f"{base(town)}/households/stars/999999", json={"pass_score": 50}).status_code == 404


def test_only_the_township_edits_stars(town, api_as):
    body = {"year": YEAR, "name": "新星", "pass_score": 60}
    for user in (town.leader1, town.scorer, town.rater, town.worker):
        assert api_as(user).post(f"{base(town)}/households/stars", json=body).status_code == 403
    assert api_as(town.scorer).get(stars_url(town)).status_code == 200


def test_the_pass_score_decides_and_a_later_change_keeps_confirmed_months(town, api_as):
    staff, scorer, rater = api_as(town.staff), api_as(town.scorer), api_as(town.rater)
    h = _household(town, api_as)
    patriotic = next(s for s in staff.get(stars_url(town)).get_json()["items"] if s["code"] == "patriotic")
    month = f"{YEAR}-05"
    rows = scorer.post(f"{base(town)}/households/ratings", json={"month": month, "household_id": h["id"], "ratings": [
        {"star_code": "patriotic", "score": 85}, {"star_code": "filial", "score": 60}]}).get_json()["items"]
    rater.post(f"{base(town)}/households/ratings/confirm", json={"month": month, "rating_ids": [r["id"] for r in rows]})
    listed = {r["star"]: r["earned"] for r in rater.get(f"{base(town)}/households/ratings?month={month}").get_json()["items"]}
    assert listed == {"爱党爱国星": True, "孝老爱亲星": False}
    roll = rater.get(f"{base(town)}/households/honour-roll?month={month}").get_json()["items"]
    assert [(r["household_id"], r["stars"]) for r in roll] == [(h["id"], 1)]
    # raising the pass score later does not take May's star away
    assert staff.patch(f"{base(town)}/households/stars/{patriotic['id']}", json={"pass_score": 90}).status_code == 200
    roll = rater.get(f"{base(town)}/households/honour-roll?month={month}").get_json()["items"]
    assert [(r["household_id"], r["stars"]) for r in roll] == [(h["id"], 1)]
    # but June is judged by the new one
    june = f"{YEAR}-06"
    rows = scorer.post(f"{base(town)}/households/ratings", json={"month": june, "household_id": h["id"], "ratings": [
        {"star_code": "patriotic", "score": 85}]}).get_json()["items"]
    rater.post(f"{base(town)}/households/ratings/confirm", json={"month": june, "rating_ids": [rows[0]["id"]]})
    assert rater.get(f"{base(town)}/households/honour-roll?month={june}").get_json()["items"] == []
    # a score above the star's own full score is refused
    full = staff.post(f"{base(town)}/households/stars", json={"year": YEAR, "name": "低分星", "pass_score": 8,
                                                              "max_score": 10}).get_json()
    resp = scorer.post(f"{base(town)}/households/ratings", json={"month": june, "household_id": h["id"], "ratings": [
        {"star_code": full["code"], "score": 11}]})
    assert resp.status_code == 422 and "ratings.0.score" in resp.get_json()["error"]["fields"]


def test_stars_are_versioned_per_year(town, api_as):
    """Next year starts from this year's stars; editing next year's leaves this year's and its
    ratings alone, and last year's stars (closed) cannot be edited."""
    from plugins.five_star.models import HouseholdRating, HouseholdStar

    staff, scorer = api_as(town.staff), api_as(town.scorer)
    h = _household(town, api_as)
    this = {s["code"]: s for s in staff.get(stars_url(town)).get_json()["items"]}
    rated = scorer.post(f"{base(town)}/households/ratings", json={"month": f"{YEAR}-03", "household_id": h["id"],
                                                                  "ratings": [{"star_code": "policy", "score": 90}]})
    assert rated.status_code == 201
    nxt = staff.get(stars_url(town, YEAR + 1)).get_json()
    assert nxt["from_year"] == YEAR and [s["id"] for s in nxt["items"]] == [s["id"] for s in this.values()]
    # editing a carried-over star for next year copies the year first and edits the copy
    resp = staff.patch(f"{base(town)}/households/stars/{this['policy']['id']}?year={YEAR + 1}",
                       json={"name": "政策宣传星", "pass_score": 70})
    assert resp.status_code == 200, resp.get_json()
    copy = resp.get_json()
    assert copy["year"] == YEAR + 1 and copy["id"] != this["policy"]["id"]
    nxt = staff.get(stars_url(town, YEAR + 1)).get_json()
    assert nxt["from_year"] == YEAR + 1 and len(nxt["items"]) == 10
    assert staff.get(stars_url(town)).get_json()["items"] == list(this.values())
    with tenant_context(town.tenant):
        rating = db.session.scalar(select(HouseholdRating))
        assert db.session.get(HouseholdStar, rating.star_id).name == "政策明白星"
    # next year's ratings use next year's stars
    rated = scorer.post(f"{base(town)}/households/ratings", json={"month": f"{YEAR + 1}-01", "household_id": h["id"],
                                                                  "ratings": [{"star_code": "policy", "score": 90}]})
    assert rated.status_code == 201 and rated.get_json()["items"][0]["star"] == "政策宣传星"
    # a past year is closed
    with tenant_context(town.tenant):
        db.session.add(HouseholdStar(year=YEAR - 1, code="old", name="旧星", pass_score=60, max_score=100))
        db.session.commit()
        old = db.session.scalar(select(HouseholdStar).where(HouseholdStar.year == YEAR - 1))
        old_id = old.id
    resp = staff.patch(f"{base(town)}/households/stars/{old_id}", json={"pass_score": 50})
    assert resp.status_code == 409 and "year" in resp.get_json()["error"]["fields"]
    resp = staff.post(f"{base(town)}/households/stars", json={"year": YEAR - 1, "name": "补星", "pass_score": 50})
    assert resp.status_code == 409


def test_the_stars_page_adds_edits_and_retires(town, api_as):
    from tests.plugins.five_star.test_pages import Browser

    staff = Browser(api_as(town.staff))
    url = f"/t/{town.tenant.slug}/five_star/households/stars/"
    html = staff.get(url).get_data(as_text=True)
    assert "爱党爱国星" in html and "达标分" in html and "新增一颗星" in html
    resp = staff.post(url + f"?year={YEAR}", data={"name": "勤俭节约星", "max_score": "100", "pass_score": "75"})
    assert resp.status_code == 302
    html = staff.get(url).get_data(as_text=True)
    assert "勤俭节约星" in html
    refused = staff.post(url + f"?year={YEAR}", data={"name": "节水星", "max_score": "50", "pass_score": "75"},
                         follow_redirects=True).get_data(as_text=True)
    assert "pass_score" in refused and "节水星" not in refused.split("新增一颗星")[0]
    from plugins.five_star.models import HouseholdStar

    with tenant_context(town.tenant):
        star_id = db.session.scalar(select(HouseholdStar.id).where(HouseholdStar.name == "勤俭节约星"))
    assert staff.post(f"{url}{star_id}?year={YEAR}", data={"name": "勤俭节约星", "category": "", "max_score": "100",
                                                           "pass_score": "65"}).status_code == 302
    asked = staff.post(f"{url}{star_id}/retire?year={YEAR}", data={})
    assert asked.status_code == 200 and "确认停用" in asked.get_data(as_text=True)
    assert staff.post(f"{url}{star_id}/retire?year={YEAR}", data={"confirmed": "1"}).status_code == 302
    with tenant_context(town.tenant):
        star = db.session.get(HouseholdStar, star_id)
        assert (star.pass_score, star.active) == (65, False) and star.retired_at is not None
    # a village secretary reads the page without the forms
    leader = Browser(api_as(town.leader1))
    html = leader.get(url).get_data(as_text=True)
    assert "爱党爱国星" in html and "新增一颗星" not in html
    leader.get(f"/t/{town.tenant.slug}/five_star/")
    assert leader.post(url + f"?year={YEAR}", data={"name": "x", "pass_score": "1"}).status_code == 403


def test_the_scoring_form_finds_a_household_by_name_or_address(town, api_as):
    from tests.plugins.five_star.test_pages import Browser

    h = _household(town, api_as, address="查冲村一组12号", head="钱多多")
    _household(town, api_as, address="新安村三组1号", head="孙一")
    scorer = Browser(api_as(town.scorer))
    url = f"/t/{town.tenant.slug}/five_star/households/?month={YEAR}-07"
    html = scorer.get(url + "&q=钱多").get_data(as_text=True)
    assert "查冲村一组12号" in html and "新安村三组1号" not in html and f"household={h['id']}" in html
    assert "没有找到" in scorer.get(url + "&q=%25").get_data(as_text=True)  # a wildcard is a character
    picked = scorer.get(url + f"&household={h['id']}").get_data(as_text=True)
    assert f'name="household_id" value="{h["id"]}"' in picked and "钱多多" in picked
    resp = scorer.post(f"/t/{town.tenant.slug}/five_star/households/score?month={YEAR}-07",
                       data={"household_id": str(h["id"]), "star_codes": "policy", "score_policy": "88"})
    assert resp.status_code == 302
    rows = api_as(town.scorer).get(f"{base(town)}/households/ratings?month={YEAR}-07").get_json()["items"]
    assert [(r["household_id"], r["star"], r["score"]) for r in rows] == [(h["id"], "政策明白星", 88)]


def test_points_bank_points_derive_the_default_stars(create_tenant, create_grid, create_user, api_as):
    """With both modules on and their defaults untouched, points earned in a category derive the
    star of that name (the categories are the stars' names on both sides)."""
    from plugins.five_star.clock import this_month
    from tests.plugins.points_bank.conftest import Books, make_town as points_town

    town = points_town(create_tenant, create_grid, create_user, api_as, modules=("points_bank", "five_star"))
    books = Books(town, api_as(town.admin))
    for _ in range(2):  # 2 × 5 points of 热心公益星 reach the 10 a star needs
        assert books.record("张三", "public_good").status_code == 201
    admin, month = api_as(town.admin), this_month()
    fs = f"/api/v1/t/{town.slug}/five_star/households"
    assert admin.post(f"{fs}/ratings/derive", json={"month": month}).get_json() == {"scored": 1}
    [row] = admin.get(f"{fs}/ratings?month={month}").get_json()["items"]
    assert (row["household_id"], row["star"], row["source"]) == (town.households["张三"], "热心公益星", "points")
