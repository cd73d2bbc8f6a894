"""The quarter from inspection to the published ranking, through the HTTP API."""
from __future__ import annotations


def test_enabling_opens_this_quarter_with_the_default_checklist(town, api_as):
    quarter = api_as(town.admin).get(f"{town.api}/quarters/{town.period}").get_json()
    assert quarter["state"] == "open"
    rules = quarter["rules"]
    assert len(rules) == 22 and len({r["item"] for r in rules}) == 11
    assert sum(r["max_points"] for r in rules) == 100
    assert {r["item"] for r in rules} >= {"党建引领", "平安建设", "安全生产", "人居环境"}


def test_inspection_to_published_ranking(town, api_as, deduct, rule_by_code):
    staff, admin, leader = api_as(town.staff), api_as(town.admin), api_as(town.leader1)
    clean = rule_by_code(staff, town, "environment_clean")
    patrol = rule_by_code(staff, town, "security_patrol")
    assert deduct(staff, town, town.g1, clean["id"], 2).status_code == 201
    assert deduct(staff, town, town.g1, patrol["id"], 0.5, "巡查记录缺一次").status_code == 201
    assert deduct(staff, town, town.g2, clean["id"], 1).status_code == 201
    # before publication the grid leader sees nothing of it
    assert leader.get(f"{town.api}/quarters/{town.period}/ranking").status_code == 403
    assert leader.get(f"{town.api}/quarters").get_json()["items"] == []
    ranking = staff.get(f"{town.api}/quarters/{town.period}/ranking").get_json()["grids"]
    assert [(r["grid_name"], r["total"], r["rank"]) for r in ranking] == [("三网格", 100.0, 1), ("二网格", 99.0, 2),
                                                                         ("一网格", 97.5, 3)]
    first = ranking[2]
    lost = {line["code"]: line for line in first["lines"] if line["lost"] > 0}
    assert set(lost) == {"environment_clean", "security_patrol"}
    d = lost["environment_clean"]["deductions"][0]
    assert (d["points"], d["reason"], d["evidence"], d["inspector"]) == (2.0, "门前堆放杂物", "照片 IMG_0012", "督查组王干事")
    # the comparison with the grid just above: 1.5 behind 二网格, on the two rules
    above = first["above"]
    assert above["grid_name"] == "二网格" and above["behind"] == 1.5
    assert [(g["title"], g["gap"]) for g in above["rules"]] == [("房前屋后整洁、无乱堆乱放", 1.0),
                                                               ("网格内每周巡查不少于两次", 0.5)]
    assert admin.post(f"{town.api}/quarters/{town.period}/publish").status_code == 409  # close first
    closed = admin.post(f"{town.api}/quarters/{town.period}/close")
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    assert admin.post(f"{town.api}/quarters/{town.period}/publish").get_json()["state"] == "published"
    # now the whole township reads it, and the leader's grid sheet answers "where did I lose points?"
    sheet = leader.get(f"{town.api}/quarters/{town.period}/grids/{town.g1}").get_json()["grid"]
    assert sheet["rank"] == 3 and sheet["total"] == 97.5 and sheet["stars"] == 5
    assert [q["period"] for q in leader.get(f"{town.api}/quarters").get_json()["items"]] == [town.period]


def test_stars_follow_the_townships_thresholds(town, api_as, enable_module, deduct, rule_by_code):
    enable_module(town.tenant, "assessment", {"star_thresholds": [60, 70, 80, 90, 99]})
    staff = api_as(town.staff)
    deduct(staff, town, town.g3, rule_by_code(staff, town, "party_meeting")["id"], 3)
    rows = {r["grid_name"]: r for r in staff.get(f"{town.api}/quarters/{town.period}/ranking").get_json()["grids"]}
    assert rows["三网格"]["total"] == 97.0 and rows["三网格"]["stars"] == 4 and rows["一网格"]["stars"] == 5


def test_leaders_and_instructors_score_with_their_grids(town, api_as, deduct, rule_by_code):
    admin = api_as(town.admin)
    base = f"/api/v1/t/{town.slug}"
    for grid_id, duty, name in [(town.g1, "grid_leader", "张网格长"), (town.g2, "grid_leader", "李网格长"),
                                (town.g1, "grid_instructor", "赵指导员"), (town.g3, "grid_instructor", "赵指导员")]:
        resp = admin.post(f"{base}/grids/{grid_id}/duties", json={"duty": duty, "name": name, "phone": "13800000000"})
        assert resp.status_code == 201, resp.get_json()
    deduct(admin, town, town.g1, rule_by_code(admin, town, "duty_training")["id"], 3)
    people = admin.get(f"{town.api}/quarters/{town.period}/people").get_json()
    assert [(p["name"], p["average"]) for p in people["grid_leader"]] == [("李网格长", 100.0), ("张网格长", 97.0)]
    (instructor,) = people["grid_instructor"]
    assert instructor["name"] == "赵指导员" and instructor["average"] == 98.5
    assert sorted(g["grid_name"] for g in instructor["grids"]) == ["一网格", "三网格"]
    assert instructor["too_many_grids"] is False


def test_a_new_quarter_copies_the_checklist_of_the_one_before(town, api_as, deduct, rule_by_code):
    admin = api_as(town.admin)
    rule = rule_by_code(admin, town, "duty_training")
    changed = admin.patch(f"{town.api}/quarters/{town.period}/rules/{rule['id']}", json={"max_points": 4, "title": "参加培训"})
    assert changed.status_code == 200 and changed.get_json()["max_points"] == 4
    year, q = town.period.split("-Q")
    following = f"{int(year) + 1}-Q1" if q == "4" else f"{year}-Q{int(q) + 1}"
    opened = admin.post(f"{town.api}/quarters", json={"period": following})
    assert opened.status_code == 201
    copied = next(r for r in opened.get_json()["rules"] if r["code"] == "duty_training")
    assert (copied["title"], copied["max_points"]) == ("参加培训", 4) and copied["id"] != rule["id"]
    assert admin.post(f"{town.api}/quarters", json={"period": following}).status_code == 409


def test_year_summary_proposes_the_best_grids(town, api_as, enable_module, deduct, rule_by_code):
    enable_module(town.tenant, "assessment", {"award_count": 1})
    admin = api_as(town.admin)
    deduct(admin, town, town.g1, rule_by_code(admin, town, "duty_training")["id"], 1)
    year = int(town.period[:4])
    assert admin.get(f"{town.api}/years/{year}").get_json()["grids"] == []  # nothing closed yet
    admin.post(f"{town.api}/quarters/{town.period}/close")
    summary = admin.get(f"{town.api}/years/{year}").get_json()
    assert summary["quarters"] == [town.period]
    rows = {r["grid_name"]: r for r in summary["grids"]}
    assert rows["一网格"]["average"] == 99.0 and rows["一网格"]["proposed_award"] is False
    assert {r["grid_name"] for r in summary["grids"] if r["proposed_award"]} == {"二网格", "三网格"}  # tied first
    # the year of a viewer counts published quarters only
    assert api_as(town.leader1).get(f"{town.api}/years/{year}").get_json()["grids"] == []


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    ours = {p for p in paths if "/assessment/" in p}
    assert {"/api/v1/t/{tenant}/assessment/quarters", "/api/v1/t/{tenant}/assessment/quarters/{period}/deductions",
            "/api/v1/t/{tenant}/assessment/quarters/{period}/ranking", "/api/v1/t/{tenant}/assessment/years/{year}"} <= ours
    assert paths["/api/v1/t/{tenant}/assessment/quarters/{period}/deductions"]["post"]["summary"].startswith("Record points")


def test_the_assessed_level_is_the_townships_网格_unless_set(town, api_as, enable_module, create_grid):
    from core.toolkit import tenant_context

    staff = api_as(town.staff)
    with tenant_context(town.tenant):
        create_grid(town.tenant, "南村")  # a village not divided into grids is scored itself
    rows = staff.get(f"{town.api}/quarters/{town.period}/ranking").get_json()["grids"]
    assert sorted(r["grid_label"] for r in rows) == ["东村 · 一网格", "东村 · 二网格", "南村", "西村 · 三网格"]
    enable_module(town.tenant, "assessment", {"grid_level": 1})
    rows = staff.get(f"{town.api}/quarters/{town.period}/ranking").get_json()["grids"]
    assert sorted(r["grid_label"] for r in rows) == ["东村", "南村", "西村"]


def test_a_deduction_withdrawn_gives_the_points_back(town, api_as, deduct, rule_by_code):
    staff = api_as(town.staff)
    rule = rule_by_code(staff, town, "party_meeting")
    deduction = deduct(staff, town, town.g1, rule["id"], 2).get_json()
    q = f"{town.api}/quarters/{town.period}"
    assert staff.post(f"{q}/deductions/{deduction['id']}/withdraw", json={}).status_code == 422  # say why
    resp = staff.post(f"{q}/deductions/{deduction['id']}/withdraw", json={"reason": "复核后不扣"})
    assert resp.status_code == 200
    assert staff.get(f"{q}/grids/{town.g1}").get_json()["grid"]["total"] == 100.0
    assert staff.post(f"{q}/deductions/{deduction['id']}/withdraw", json={"reason": "again"}).status_code == 404


def test_a_quarters_moments_are_iso_with_the_townships_offset(town, api_as):
    """closed_at and published_at as every API answer gives moments (2026-12-01T16:00:00+08:00), not
    the HTTP date a bare datetime would be written as."""
    import datetime as dt

    admin = api_as(town.admin)
    assert admin.get(f"{town.api}/quarters").get_json()["items"][0]["closed_at"] is None
    assert admin.post(f"{town.api}/quarters/{town.period}/close").status_code == 200
    assert admin.post(f"{town.api}/quarters/{town.period}/publish").status_code == 200
    quarter = admin.get(f"{town.api}/quarters").get_json()["items"][0]
    for name in ("closed_at", "published_at"):
        moment = dt.datetime.fromisoformat(quarter[name])
        assert moment.utcoffset() == dt.timedelta(hours=8), quarter[name]
