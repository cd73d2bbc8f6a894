"""The console's forms for the daily work: an order from the order page through claim, done and
confirm; a leader's correction; the menu, posts and teams; the county's units form re-shown
with the reason."""
from __future__ import annotations

import datetime as dt
import re

from tests.plugins.volunteer.conftest import local_iso, utc_now


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_order_through_the_order_page(town, api_as, volunteer):
    vol = volunteer(name="派单志愿者")
    worker = api_as(town.worker1)
    page = worker.get(f"{town.pages}/orders").get_data(as_text=True)
    item = worker.get(f"{town.api}/menu").get_json()["items"][0]
    bad = worker.post(f"{town.pages}/orders", data={"csrf_token": _csrf(page), "item_id": item["id"],
                                                    "grid_id": town.g1.id, "phone": "123"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "field-error" in html
    placed = worker.post(f"{town.pages}/orders", data={"csrf_token": _csrf(html), "item_id": item["id"],
                                                       "grid_id": town.g1.id, "requester_name": "独居刘奶奶",
                                                       "address": "幸福路2号"})
    assert placed.status_code == 302
    order = worker.get(f"{town.api}/orders").get_json()["items"][0]
    token = _csrf(worker.get(f"{town.pages}/orders").get_data(as_text=True))
    for action, data in (("claim", {"volunteer_id": vol["id"]}), ("done", {"hours": "1.5"}),
                         ("confirm", {"rating": "5", "note": "好"})):
        resp = worker.post(f"{town.pages}/orders/{order['id']}/{action}", data={"csrf_token": token, **data})
        assert resp.status_code == 302, action
    shown = worker.get(f"{town.api}/orders/{order['id']}").get_json()
    assert shown["status"] == "confirmed" and shown["hours"] == 1.5 and shown["rating"] == 5
    again = worker.post(f"{town.pages}/orders/{order['id']}/claim", data={"csrf_token": token,
                                                                          "volunteer_id": vol["id"]})
    assert "已被认领" in worker.get(again.headers["Location"]).get_data(as_text=True)  # the reason, flashed
    other = api_as(town.worker2)
    other_token = _csrf(other.get(f"{town.pages}/orders").get_data(as_text=True))
    assert other.post(f"{town.pages}/orders/{order['id']}/cancel", data={"csrf_token": other_token}).status_code == 403


def test_a_leaders_correction_on_the_activity_page(town, api_as, volunteer, activity, phone, code):
    act = activity(hours=2)
    vol = volunteer()
    ph = phone(vol)
    ph.post("/signups", json={"activity_id": act["id"]})
    att = ph.post("/scan", json={"code": code(act["id"])}).get_json()
    leader = api_as(town.leader)
    page = leader.get(f"{town.pages}/activities/{act['id']}").get_data(as_text=True)
    assert "qr" in page and 'name="reason"' in page
    now = utc_now()
    form = {"csrf_token": _csrf(page), "checked_in_at": local_iso(now - dt.timedelta(hours=1)),
            "checked_out_at": local_iso(now)}
    refused = leader.post(f"{town.pages}/attendance/{att['id']}/correct", data=form)
    assert refused.status_code == 422 and 'id="err-reason"' in refused.get_data(as_text=True)
    done = leader.post(f"{town.pages}/attendance/{att['id']}/correct", data={**form, "reason": "忘记签退"})
    assert done.status_code == 302
    row = leader.get(f"{town.api}/activities/{act['id']}/attendance").get_json()["items"][0]
    assert row["hours"] == 1.0 and row["corrected"]


def test_menu_posts_and_teams_forms(town, api_as, volunteer):
    admin = api_as(town.admin)
    token = _csrf(admin.get(f"{town.pages}/menu").get_data(as_text=True))
    assert admin.post(f"{town.pages}/menu", data={"csrf_token": token, "name": "上门理发"}).status_code == 302
    menu_page = admin.get(f"{town.pages}/menu").get_data(as_text=True)
    assert "上门理发" in menu_page and "现有 7 项服务" in menu_page
    item = next(i for i in admin.get(f"{town.api}/menu").get_json()["items"] if i["name"] == "上门理发")
    admin.post(f"{town.pages}/menu/{item['id']}/toggle", data={"csrf_token": token})
    assert "现有 6 项服务" in admin.get(f"{town.pages}/menu").get_data(as_text=True)
    worker = api_as(town.worker1)
    worker_token = _csrf(worker.get(f"{town.pages}/menu").get_data(as_text=True))
    assert worker.post(f"{town.pages}/menu", data={"csrf_token": worker_token, "name": "x"}).status_code == 403
    lead = volunteer(name="服务队长")
    admin.post(f"{town.pages}/posts", data={"csrf_token": token, "kind": "post", "name": "助老服务"})
    admin.post(f"{town.pages}/posts", data={"csrf_token": token, "kind": "team", "name": "助老服务队",
                                            "leader_id": lead["id"]})
    page = admin.get(f"{town.pages}/posts").get_data(as_text=True)
    assert "助老服务" in page and "助老服务队" in page and "服务队长" in page
    # the leader changes and members join on the team's own form; unticking everyone leaves the leader only
    members = [volunteer(name=n) for n in ("队员甲", "队员乙")]
    team = next(t for t in admin.get(f"{town.api}/teams").get_json()["items"] if t["name"] == "助老服务队")
    post = next(p for p in admin.get(f"{town.api}/posts").get_json()["items"] if p["name"] == "助老服务")
    form = {"csrf_token": token, "kind": "team", "team_id": str(team["id"]), "name": "助老服务队",
            "post_id": str(post["id"]), "leader_id": str(members[0]["id"])}
    assert admin.post(f"{town.pages}/posts", data={**form, "member_ids": [str(m["id"]) for m in members]}).status_code == 302
    saved = next(t for t in admin.get(f"{town.api}/teams").get_json()["items"] if t["id"] == team["id"])
    assert saved["leader_id"] == members[0]["id"] and saved["post_id"] == post["id"]
    assert sorted(saved["member_ids"]) == sorted(m["id"] for m in members)
    assert "队员甲、队员乙" in admin.get(f"{town.pages}/posts").get_data(as_text=True)
    assert admin.post(f"{town.pages}/posts", data=form).status_code == 302
    saved = next(t for t in admin.get(f"{town.api}/teams").get_json()["items"] if t["id"] == team["id"])
    assert saved["member_ids"] == [members[0]["id"]] and saved["post_id"] == post["id"]
    pending = api_as(town.admin).post(f"{town.api}/volunteers", json={"name": "未确认", "mobile": "13700009999"})
    refused = admin.post(f"{town.pages}/posts", data={**form, "member_ids": [str(pending.get_json()["id"])]})
    assert refused.status_code == 422 and "error-summary" in refused.get_data(as_text=True)


def test_the_countys_units_form_keeps_what_was_typed(town, api_as):
    county = api_as(town.county_admin)
    url = f"/t/{town.county_slug}/volunteer/county/units"
    page = county.get(url).get_data(as_text=True)
    bad = county.post(url, data={"csrf_token": _csrf(page), "name": "县水利局", "annual_target_hours": "-5"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'value="县水利局"' in html and "field-error" in html
    ok = county.post(url, data={"csrf_token": _csrf(html), "name": "县水利局", "kind": "government",
                                "annual_target_hours": "40"})
    assert ok.status_code == 302 and "县水利局" in county.get(url).get_data(as_text=True)
    assert api_as(town.admin).get(f"/t/{town.county_slug}/volunteer/county/units").status_code == 404
    assert api_as(town.admin).get(f"/t/{town.slug}/volunteer/county/units").status_code in (403, 404)


def test_withdrawing_a_volunteer_asks_first(town, api_as, volunteer):
    vol = volunteer(name="要退出的")
    admin = api_as(town.admin)
    token = _csrf(admin.get(f"{town.pages}/volunteers/{vol['id']}").get_data(as_text=True))
    asked = admin.post(f"{town.pages}/volunteers/{vol['id']}/withdraw", data={"csrf_token": token})
    assert asked.status_code == 200 and "确认让 要退出的 退出志愿者" in asked.get_data(as_text=True)
    assert admin.get(f"{town.api}/volunteers/{vol['id']}").get_json()["status"] == "confirmed"
    done = admin.post(f"{town.pages}/volunteers/{vol['id']}/withdraw", data={"csrf_token": token, "confirmed": "1"})
    assert done.status_code == 302
    assert admin.get(f"{town.api}/volunteers/{vol['id']}").get_json()["status"] == "withdrawn"
