"""Registering on one's own phone (自主报到): an in-service party member fills the public form,
the phone keeps its link while the registration waits, the community confirms it, and the same
phone signs up and scans with no link to pass on; bad input is re-shown with the reason."""
from __future__ import annotations

import re

from core.toolkit import db, tenant_context
from plugins.volunteer.models import Volunteer


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _form(town, **fields):
    return {"name": "李在职", "mobile": "13955550001", "grid_id": str(town.village.id), "is_party_member": "1",
            "unit_id": str(town.unit_id), "party_branch": "教育局机关第一支部", "skills": "急救，驾驶",
            "availability": "周末", **fields}


def _registrations(town) -> int:
    with tenant_context(town.tenant):
        n = db.session.query(Volunteer).count()
        db.session.rollback()
    return n


def test_a_party_member_registers_on_their_phone_and_scans_once_confirmed(app, town, api_as, activity, code):
    phone = app.test_client()
    page = phone.get(f"{town.pages}/register")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "幸福社区" in html and f"县教育局{town.county.id}" in html
    assert "第一网格" not in html  # one registers with a community, not a grid
    sent = phone.post(f"{town.pages}/register", data={"csrf_token": _csrf(html), **_form(town)})
    assert sent.status_code == 200 and "社区确认后" in sent.get_data(as_text=True)
    assert phone.get(f"{town.pages}/me").status_code == 200  # "waiting for the community"
    assert "等待社区确认" in phone.get(f"{town.pages}/me").get_data(as_text=True)
    row = next(v for v in api_as(town.admin).get(f"{town.api}/volunteers?status=pending").get_json()["items"]
               if v["name"] == "李在职")
    assert row["unit_id"] == town.unit_id and row["is_party_member"] and row["skills"] == ["急救", "驾驶"]
    act = activity()
    token = _csrf(html)
    # not confirmed yet: the phone may not sign up
    assert phone.post(f"{town.pages}/me/signups/{act['id']}", data={"csrf_token": token}).status_code == 401
    confirmed = api_as(town.admin).post(f"{town.api}/volunteers/{row['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["token"] is None
    home = phone.get(f"{town.pages}/me")
    assert home.status_code == 200 and "李在职" in home.get_data(as_text=True)
    assert phone.post(f"{town.pages}/me/signups/{act['id']}", data={"csrf_token": token}).status_code == 200
    scan_url = f"{town.pages}/scan?c={code(act['id'])}"
    assert phone.get(scan_url).status_code == 200
    scanned = phone.post(scan_url, data={"csrf_token": token})
    assert scanned.status_code == 200 and "签到成功" in scanned.get_data(as_text=True)
    attendance = api_as(town.leader).get(f"{town.api}/activities/{act['id']}/attendance").get_json()["items"]
    assert [a["volunteer_id"] for a in attendance] == [row["id"]]


def test_the_office_confirming_a_self_registration_is_told_no_link_is_needed(app, town, api_as):
    phone = app.test_client()
    html = phone.get(f"{town.pages}/register").get_data(as_text=True)
    assert phone.post(f"{town.pages}/register", data={"csrf_token": _csrf(html), **_form(town)}).status_code == 200
    row = api_as(town.admin).get(f"{town.api}/volunteers?status=pending").get_json()["items"][0]
    office = api_as(town.admin)
    token = _csrf(office.get(f"{town.pages}/volunteers/{row['id']}").get_data(as_text=True))
    done = office.post(f"{town.pages}/volunteers/{row['id']}/confirm", data={"csrf_token": token})
    assert done.status_code == 302
    assert "无需再发送个人链接" in office.get(done.headers["Location"]).get_data(as_text=True)
    assert "李在职" in phone.get(f"{town.pages}/me").get_data(as_text=True)


def test_bad_registrations_are_shown_with_the_reason_and_nothing_is_saved(app, town, create_county, api_as,
                                                                          create_user):
    phone = app.test_client()
    html = phone.get(f"{town.pages}/register").get_data(as_text=True)
    before = _registrations(town)
    other_county = create_county()
    from tenants.modules import enable_module

    enable_module(other_county, "volunteer")
    admin = create_user(roles=[(other_county, "county_admin")])
    foreign = api_as(admin).post(f"/api/v1/t/{other_county.slug}/volunteer/units", json={"name": "外县财政局"})
    assert foreign.status_code == 201
    for fields, field in (({"grid_id": ""}, "grid_id"), ({"grid_id": str(town.g1.id)}, "grid_id"),
                          ({"mobile": "12345"}, "mobile"), ({"name": ""}, "name"),
                          ({"unit_id": str(foreign.get_json()["id"])}, "unit_id"),
                          ({"is_party_member": ""}, "is_party_member")):
        resp = phone.post(f"{town.pages}/register", data={"csrf_token": _csrf(html), **_form(town, **fields)})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 422 and "field-error" in body, (fields, body[-800:])
        assert re.search(rf'<label class="[^"]*invalid[^"]*">(?:(?!</label>).)*name="{field}"', body, re.S), fields
        html = body
    assert _registrations(town) == before
    assert phone.post(f"{town.pages}/register", data=_form(town)).status_code == 400  # no CSRF token
    ok = phone.post(f"{town.pages}/register", data={"csrf_token": _csrf(html), **_form(town)})
    assert ok.status_code == 200
    twice = phone.post(f"{town.pages}/register", data={"csrf_token": _csrf(html), **_form(town)})
    assert twice.status_code == 422 and "已报到" in twice.get_data(as_text=True)
    assert _registrations(town) == before + 1


def test_the_registration_pages_in_english(app, town, english_only):
    names = [town.tenant.name, town.county.name, town.village.name, f"县教育局{town.county.id}", "李在职",
             "教育局机关第一支部", "急救，驾驶", "周末"]
    phone = app.test_client()
    html = phone.get(f"{town.pages}/register?lang=en").get_data(as_text=True)
    english_only(html, names)
    bad = phone.post(f"{town.pages}/register?lang=en", data={"csrf_token": _csrf(html), **_form(town, grid_id="")})
    assert bad.status_code == 422
    english_only(bad.get_data(as_text=True), names)
    sent = phone.post(f"{town.pages}/register?lang=en", data={"csrf_token": _csrf(html), **_form(town)})
    english_only(sent.get_data(as_text=True), names)
    english_only(phone.get(f"{town.pages}/me?lang=en").get_data(as_text=True), names)


def test_a_party_members_phone_shows_the_years_hours_against_the_unit_target_and_what_was_served(
        app, town, volunteer, activity, phone, code):
    import datetime as dt

    from plugins.volunteer.models import Activity

    vol = volunteer(name="党员老周", is_party_member=True, unit_id=town.unit_id)
    ph = phone(vol)
    done, later = activity(title="防汛值守"), activity(title="政策宣讲进村", start_in=600)
    for act in (done, later):
        assert ph.post("/signups", json={"activity_id": act["id"]}).status_code == 201
    assert ph.post("/scan", json={"code": code(done["id"])}).status_code == 201
    assert ph.post("/scan", json={"code": code(done["id"])}).status_code == 200
    with tenant_context(town.tenant):  # the first activity is over now
        row = db.session.get(Activity, done["id"])
        row.starts_at, row.ends_at = row.starts_at - dt.timedelta(days=1), row.ends_at - dt.timedelta(days=1)
        db.session.commit()
    client = app.test_client()
    client.get(f"{town.pages}/me/{vol['token']}")
    html = client.get(f"{town.pages}/me").get_data(as_text=True)
    assert "单位年度目标 50.0 小时" in html
    mine = html.split("我的报名")[1].split("可报名的活动")[0]
    assert "政策宣讲进村" in mine and "防汛值守" not in mine  # an activity that is over is not a booking
    assert "防汛值守" in html.split("服务记录")[1]


def test_self_registration_is_rate_limited_per_address(app, town, monkeypatch):
    """The form is anonymous: one address may send only so many registrations an hour (a script
    must not fill the community's pending list); another address is not held back."""
    monkeypatch.setitem(app.config, "VOLUNTEER_REGISTER_LIMIT", "2 per hour")
    phone = app.test_client()
    token = _csrf(phone.get(f"{town.pages}/register").get_data(as_text=True))
    for n in range(2):
        sent = phone.post(f"{town.pages}/register", data={"csrf_token": token, **_form(town, mobile=f"1395555100{n}")})
        assert sent.status_code == 200, sent.get_data(as_text=True)
    refused = phone.post(f"{town.pages}/register", data={"csrf_token": token, **_form(town, mobile="13955551009")})
    assert refused.status_code == 429 and "过于频繁" in refused.get_data(as_text=True)
    assert _registrations(town) == 2
    other = app.test_client()
    html = other.get(f"{town.pages}/register", environ_base={"REMOTE_ADDR": "10.9.8.7"}).get_data(as_text=True)
    elsewhere = other.post(f"{town.pages}/register", environ_base={"REMOTE_ADDR": "10.9.8.7"},
                           data={"csrf_token": _csrf(html), **_form(town, mobile="13955551008")})
    assert elsewhere.status_code == 200 and _registrations(town) == 3
