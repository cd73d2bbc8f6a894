"""The standard's key tasks shaped as a county template: the county's items land locked in the
township's standard, a stricter county threshold replaces the old one, a dropped county task is
unlocked (not deleted), and the township's own additions read back unlocked."""
from __future__ import annotations

import copy

from core.db import db
from core.tenancy import tenant_context
from tests.plugins.five_star.conftest import YEAR, base


def test_county_items_apply_and_read_back(town, api_as, standard):
    from plugins.five_star import county_template as ct

    staff = api_as(town.staff)
    own = staff.post(f"{base(town)}/standards/{YEAR}/stars/safety/tasks", json={
        "code": "safety-town", "title": "本镇自设：防汛值守", "criteria": [{"kind": "yesno", "title": "汛期24小时值班", "max_score": 5}]})
    assert own.status_code == 201
    items = ct.default_items()
    assert len(items) == 29 and all(ct.TaskItem().load(i) for i in items)
    stricter = copy.deepcopy(items)
    closure = next(i for i in stricter if i["code"] == "safety-2")
    closure["criteria"][0]["threshold"] = 98
    stricter.append({"code": "safety-7", "star_code": "safety", "title": "智慧安防小区全覆盖", "active": True,
                     "criteria": [{"kind": "yesno", "title": "人脸门禁覆盖", "max_score": 5}]})
    with tenant_context(town.tenant):
        ct.apply_items(town.tenant, stricter, removed=["party-6"], year=YEAR)
        db.session.commit()
        read = {i["code"]: i for i in ct.read_items(town.tenant, YEAR)}
        from plugins.five_star.models import Task
        from sqlalchemy import select

        locked = dict(db.session.execute(select(Task.code, Task.locked)).all())
        db.session.rollback()
    assert read["safety-2"]["criteria"][0]["threshold"] == 98 and locked["safety-2"]
    assert locked["safety-7"] and read["safety-7"]["title"] == "智慧安防小区全覆盖"
    assert locked["party-6"] is False  # dropped by the county: kept, now the township's own
    assert locked["safety-town"] is False and all(ct.TaskItem().load(i) for i in read.values())
    after = staff.get(f"{base(town)}/standards/{YEAR}").get_json()
    party6 = next(t for s in after["stars"] for t in s["tasks"] if t["code"] == "party-6")
    assert staff.delete(f"{base(town)}/tasks/{party6['id']}").status_code == 204


def test_bad_county_items_change_nothing(town, api_as, standard):
    from core.errors import ApiError
    from plugins.five_star import county_template as ct

    items = ct.default_items()
    items[0]["criteria"][0] = {"kind": "threshold", "title": "x", "max_score": 5, "metric_key": None, "threshold": None,
                               "items": []}
    with tenant_context(town.tenant):
        try:
            ct.apply_items(town.tenant, items, removed=[], year=YEAR)
        except ApiError as exc:
            assert exc.status == 422 and "party-1.criteria.0.threshold" in exc.fields
        else:
            raise AssertionError("a threshold without its number was applied")
        db.session.rollback()
    assert api_as(town.staff).get(f"{base(town)}/standards/{YEAR}").get_json() == standard


def test_the_county_publishes_the_tasks_and_a_township_adopts_them_over_http(town, api_as, standard):
    county_api, town_api = api_as(town.county_admin), api_as(town.admin)
    url = f"/api/v1/t/{town.county.slug}/templates/five_star.tasks"
    current = county_api.get(url).get_json()
    assert current["label_zh"] == "五星支部重点任务" and len(current["draft"]) == 29
    items = [dict(i) for i in current["draft"]]
    closure = next(i for i in items if i["code"] == "safety-2")
    closure["criteria"] = [{**closure["criteria"][0], "threshold": 98}]
    resp = county_api.put(url, json={"items": items, "locked_fields": ["title", "criteria", "active"]})
    assert resp.status_code == 200, resp.get_json()
    assert county_api.post(f"{url}/publish").status_code == 201
    t_url = f"/api/v1/t/{town.tenant.slug}/templates/five_star.tasks"
    assert town_api.get(t_url).get_json()["county"]["version"] == 2
    page = town_api.get(f"/t/{town.tenant.slug}/five_star/standard?year={YEAR}").get_data(as_text=True)
    assert "尚未采用县级模板" in page and "县级已发布第 2 版" in page and "/templates/five_star.tasks" in page
    resp = town_api.post(f"{t_url}/adopt", json={})
    assert resp.status_code == 200, resp.get_json()
    after = town_api.get(f"{base(town)}/standards/{YEAR}").get_json()
    assert "已采用县级模板第 2 版" in town_api.get(f"/t/{town.tenant.slug}/five_star/standard?year={YEAR}").get_data(as_text=True)
    crit = next(c for s in after["stars"] for t in s["tasks"] if t["code"] == "safety-2" for c in t["criteria"])
    assert crit["threshold"] == 98
    refused = town_api.patch(f"{t_url}/items/safety-2", json={"title": "降低要求"})
    assert refused.status_code == 422 and "title" in str(refused.get_json()["error"]["fields"])
    assert town_api.patch(f"{base(town)}/criteria/{crit['id']}", json={"threshold": 90}).status_code == 409
