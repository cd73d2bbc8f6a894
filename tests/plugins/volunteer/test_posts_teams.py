"""Posts (standing posts seeded, a township's own added) and teams with their leaders; a
volunteer's posts; a cancelled activity refuses sign-ups."""
from __future__ import annotations


def test_posts_are_seeded_and_extended(town, api_as):
    admin = api_as(town.admin)
    names = [p["name"] for p in admin.get(f"{town.api}/posts").get_json()["items"]]
    assert names[:3] == ["疫情防控", "应急救援", "政策宣传"]
    added = admin.post(f"{town.api}/posts", json={"name": "河湖巡护", "description": "河长制巡河"})
    assert added.status_code == 201
    assert admin.post(f"{town.api}/posts", json={"name": "河湖巡护"}).status_code == 409
    assert admin.post(f"{town.api}/posts", json={"name": ""}).status_code == 422
    retired = admin.patch(f"{town.api}/posts/{added.get_json()['id']}", json={"active": False}).get_json()
    assert retired["active"] is False
    assert api_as(town.worker1).post(f"{town.api}/posts", json={"name": "网格员不能加"}).status_code == 403


def test_teams_with_leaders_and_members(town, api_as, volunteer, post_id):
    admin = api_as(town.admin)
    lead, a, b = volunteer(name="队长"), volunteer(name="队员甲"), volunteer(name="队员乙")
    pending = admin.post(f"{town.api}/volunteers", json={"name": "未确认", "mobile": "13700001234"}).get_json()
    team = admin.post(f"{town.api}/teams", json={"name": "党员先锋队", "post_id": post_id, "leader_id": lead["id"],
                                                 "member_ids": [a["id"]]})
    assert team.status_code == 201, team.get_json()
    body = team.get_json()
    assert sorted(body["member_ids"]) == sorted([lead["id"], a["id"]])  # the leader is a member
    changed = admin.patch(f"{town.api}/teams/{body['id']}", json={"member_ids": [a["id"], b["id"]]}).get_json()
    assert sorted(changed["member_ids"]) == sorted([lead["id"], a["id"], b["id"]])
    for bad, field in (({"name": "x队", "leader_id": pending["id"]}, "leader_id"),
                       ({"name": "y队", "member_ids": [999999]}, "member_ids"),
                       ({"name": "z队", "post_id": 999999}, "post_id")):
        resp = admin.post(f"{town.api}/teams", json=bad)
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], (bad, resp.get_json())
    assert admin.post(f"{town.api}/teams", json={"name": "党员先锋队"}).status_code == 409
    assert [t["name"] for t in admin.get(f"{town.api}/teams").get_json()["items"]] == ["党员先锋队"]
    page = admin.get(f"{town.pages}/posts").get_data(as_text=True)
    assert "党员先锋队" in page and "队长" in page


def test_a_volunteers_posts_and_a_cancelled_activity(town, api_as, volunteer, activity, phone, post_id):
    admin = api_as(town.admin)
    vol = volunteer(post_ids=[post_id])
    assert admin.get(f"{town.api}/volunteers/{vol['id']}").get_json()["post_ids"] == [post_id]
    changed = admin.patch(f"{town.api}/volunteers/{vol['id']}", json={"post_ids": [], "skills": ["摄影"]}).get_json()
    assert changed["post_ids"] == [] and changed["skills"] == ["摄影"]
    act = activity()
    assert admin.post(f"{town.api}/activities/{act['id']}/cancel").get_json()["status"] == "cancelled"
    refused = phone(vol).post("/signups", json={"activity_id": act["id"]})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "activity_cancelled"


def test_the_countys_post_template_is_adopted_and_its_locks_hold(town, api_as):
    county_api, admin = api_as(town.county_admin), api_as(town.admin)
    url = f"/api/v1/t/{town.county_slug}/templates/volunteer.posts"
    current = county_api.get(url).get_json()
    assert [i["name"] for i in current["draft"]][:3] == ["疫情防控", "应急救援", "政策宣传"]
    items = current["draft"] + [{"name": "河湖巡护", "description": "县河长办统一设岗", "active": True}]
    assert county_api.put(url, json={"items": items, "locked_fields": ["active"]}).status_code == 200
    assert county_api.post(f"{url}/publish").status_code == 201
    town_url = f"/api/v1/t/{town.slug}/templates/volunteer.posts"
    adopted = admin.post(f"{town_url}/adopt", json={})
    assert adopted.status_code == 200, adopted.get_json()
    posts = {p["name"]: p for p in admin.get(f"{town.api}/posts").get_json()["items"]}
    assert posts["河湖巡护"]["description"] == "县河长办统一设岗" and posts["河湖巡护"]["active"]
    locked = admin.patch(f"{town.api}/posts/{posts['河湖巡护']['id']}", json={"active": False})
    assert locked.status_code == 422 and "active" in locked.get_json()["error"]["fields"]
    local = admin.patch(f"{town.api}/posts/{posts['河湖巡护']['id']}", json={"description": "本镇：每周巡河两次"})
    assert local.status_code == 200 and local.get_json()["description"] == "本镇：每周巡河两次"
