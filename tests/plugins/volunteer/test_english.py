"""Every page of the module in English (?lang=en): nothing Chinese left but what the township
wrote (names of the township, grids, posts, menu items, volunteers, activities, units)."""
from __future__ import annotations

import re

from plugins.volunteer.posts import DEFAULT_MENU, DEFAULT_POSTS


def _data(town, *extra):
    posts = [n for n, _ in DEFAULT_POSTS] + [d for _, d in DEFAULT_POSTS]
    return [town.tenant.name, town.county.name, town.village.name, town.g1.name, town.g2.name, *posts,
            *[n for n, _ in DEFAULT_MENU], *extra]


def test_console_pages_in_english(town, api_as, volunteer, activity, phone, code, english_only):
    act = activity()
    vol = volunteer(name="英文志愿者", skills=["急救"], availability="周末", is_party_member=True, unit_id=town.unit_id,
                    party_branch="机关支部")
    ph = phone(vol)
    ph.post("/signups", json={"activity_id": act["id"]})
    ph.post("/scan", json={"code": code(act["id"])})
    admin = api_as(town.admin)
    item = admin.get(f"{town.api}/menu").get_json()["items"][0]
    admin.post(f"{town.api}/orders", json={"item_id": item["id"], "grid_id": town.g1.id, "requester_name": "张奶奶",
                                           "address": "幸福路1号", "note": "量血压"})
    unit_name = admin.get(f"{town.api}/volunteers/{vol['id']}").get_json()["unit_name"]
    data = _data(town, "英文志愿者", "急救", "周末", "机关支部", unit_name, act["title"], act["place"], "张奶奶",
                 "幸福路1号", "量血压", "志愿办", "队长老王")
    for path in ("/", "/volunteers", "/volunteers/new", f"/volunteers/{vol['id']}", f"/volunteers/{vol['id']}/certificate",
                 "/activities", "/activities/new", f"/activities/{act['id']}", f"/activities/{act['id']}/qr", "/menu",
                 "/orders", "/hours", "/posts", "/exports"):
        resp = admin.get(f"{town.pages}{path}?lang=en")
        assert resp.status_code == 200, path
        english_only(resp.get_data(as_text=True), data)


def test_phone_and_county_pages_in_english(app, town, api_as, volunteer, activity, code, english_only):
    act = activity()
    vol = volunteer(name="手机英文")
    client = app.test_client()
    client.get(f"{town.pages}/me/{vol['token']}")
    data = _data(town, "手机英文", act["title"], act["place"])
    english_only(client.get(f"{town.pages}/me?lang=en").get_data(as_text=True), data)
    home = client.get(f"{town.pages}/me?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
    english_only(client.post(f"{town.pages}/me/signups/{act['id']}?lang=en", data={"csrf_token": token})
                 .get_data(as_text=True), data)
    english_only(client.get(f"{town.pages}/scan?c={code(act['id'])}&lang=en").get_data(as_text=True), data)
    county = api_as(town.county_admin)
    unit = county.get(f"/api/v1/t/{town.county_slug}/volunteer/units").get_json()["items"][0]
    for path in ("/units?lang=en", f"/units/{unit['id']}?lang=en", f"/units/{unit['id']}?quarter=2&lang=en"):
        resp = county.get(f"/t/{town.county_slug}/volunteer/county{path}")
        assert resp.status_code == 200, path
        english_only(resp.get_data(as_text=True), [town.county.name, unit["name"]])
