"""Console and phone pages: forms re-shown with the reason beside the field and what was typed
kept, the leader's QR screen (no inline script), the phone flow from the personal link to
checking in and out, exports, certificates, the dashboard widgets and the demo."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_registration_form_keeps_what_was_typed_and_names_the_field(town, api_as):
    admin = api_as(town.admin)
    page = admin.get(f"{town.pages}/volunteers/new")
    assert page.status_code == 200
    resp = admin.post(f"{town.pages}/volunteers/new", data={"csrf_token": _csrf(page.get_data(as_text=True)),
                                                            "name": "赵志愿", "mobile": "1234", "skills": "急救，驾驶"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'value="赵志愿"' in html and "11 位手机号" in html and 'aria-invalid="true"' in html
    ok = admin.post(f"{town.pages}/volunteers/new", data={"csrf_token": _csrf(html), "name": "赵志愿",
                                                          "mobile": "13512345678", "skills": "急救，驾驶"})
    assert ok.status_code == 302
    detail = admin.get(ok.headers["Location"]).get_data(as_text=True)
    assert "赵志愿" in detail and "急救" in detail and "驾驶" in detail
    # confirming shows the personal link once
    vid = int(ok.headers["Location"].rstrip("/").split("/")[-1])
    confirmed = admin.post(f"{town.pages}/volunteers/{vid}/confirm", data={"csrf_token": _csrf(detail)})
    body = confirmed.get_data(as_text=True)
    assert confirmed.status_code == 200 and f"/t/{town.slug}/volunteer/me/" in body
    assert confirmed.headers["Cache-Control"] == "no-store"
    assert f"/volunteer/me/" not in admin.get(f"{town.pages}/volunteers/{vid}").get_data(as_text=True)


def test_activity_form_and_qr_screen(town, api_as, post_id):
    admin = api_as(town.admin)
    page = admin.get(f"{town.pages}/activities/new").get_data(as_text=True)
    bad = admin.post(f"{town.pages}/activities/new", data={"csrf_token": _csrf(page), "title": "防汛值守",
                                                           "post_id": post_id, "grid_id": town.g1.id, "slots": "0",
                                                           "starts_at": "2099-06-01T08:00", "ends_at": "2099-06-01T07:00"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'value="防汛值守"' in html and "field-error" in html
    good = admin.post(f"{town.pages}/activities/new", data={"csrf_token": _csrf(html), "title": "防汛值守",
                                                            "post_id": post_id, "grid_id": town.g1.id, "slots": "5",
                                                            "starts_at": "2099-06-01T08:00", "ends_at": "2099-06-01T11:00"})
    assert good.status_code == 302
    detail = admin.get(good.headers["Location"]).get_data(as_text=True)
    assert "2099-06-01 08:00" in detail  # shown in Beijing time as entered
    aid = int(good.headers["Location"].rstrip("/").split("/")[-1])
    qr = admin.get(f"{town.pages}/activities/{aid}/qr")
    html = qr.get_data(as_text=True)
    assert qr.status_code == 200 and "qr.js" in html and "<script>" not in html.replace("<script src", "")
    src = re.search(r'id="qr-image" src="([^"]+)"', html).group(1).replace("&amp;", "&")
    png = admin.get(src)
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert admin.get(f"{town.pages}/activities/{aid}/qr.png?c=forged").status_code == 404
    assert api_as(town.worker1).get(f"{town.pages}/activities/{aid}/qr").status_code == 403
    assert admin.get("/assets/volunteer/qr.js").status_code == 200


def test_phone_flow_from_the_personal_link_to_check_in_and_out(app, town, volunteer, activity, code):
    act = activity(slots=2)
    vol = volunteer(name="手机志愿者")
    phone = app.test_client()
    assert phone.get(f"{town.pages}/me").status_code == 401  # no link opened yet
    assert phone.get(f"{town.pages}/me/not-a-token").status_code == 404
    opened = phone.get(f"{town.pages}/me/{vol['token']}")
    assert opened.status_code == 302 and "HttpOnly" in opened.headers["Set-Cookie"]
    home = phone.get(f"{town.pages}/me").get_data(as_text=True)
    assert "手机志愿者" in home and act["title"] in home
    assert phone.post(f"{town.pages}/me/signups/{act['id']}", data={}).status_code == 400  # no CSRF token
    signed = phone.post(f"{town.pages}/me/signups/{act['id']}", data={"csrf_token": _csrf(home)})
    assert signed.status_code == 200 and "报名成功" in signed.get_data(as_text=True)
    scan = phone.get(f"{town.pages}/scan?c={code(act['id'])}")
    html = scan.get_data(as_text=True)
    assert scan.status_code == 200 and "签到" in html and act["title"] in html
    c = re.search(r'name="c" value="([^"]+)"', html).group(1)
    done = phone.post(f"{town.pages}/scan", data={"csrf_token": _csrf(html), "c": c})
    assert done.status_code == 200 and "签到成功" in done.get_data(as_text=True)
    again = phone.get(f"{town.pages}/scan?c={code(act['id'])}").get_data(as_text=True)
    assert "签退" in again
    out = phone.post(f"{town.pages}/scan", data={"csrf_token": _csrf(again), "c": code(act["id"])})
    assert out.status_code == 200 and "签退成功" in out.get_data(as_text=True)
    forged = phone.get(f"{town.pages}/scan?c=forged")
    assert forged.status_code == 400 and "签到码无效" in forged.get_data(as_text=True)


def test_exports_certificate_dashboard_and_numbers(app, town, api_as, volunteer, activity, phone, code):
    act = activity()
    vol = volunteer(name="导出志愿者")
    ph = phone(vol)
    ph.post("/signups", json={"activity_id": act["id"]})
    ph.post("/scan", json={"code": code(act["id"])})
    ph.post("/scan", json={"code": code(act["id"])})
    admin = api_as(town.admin)
    for kind in ("volunteers", "activities", "attendance", "hours"):
        resp = admin.get(f"{town.pages}/exports/{kind}.xlsx")
        assert resp.status_code == 200, kind
        rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
        assert len(rows) >= 2, kind
    names = [r[1] for r in load_workbook(io.BytesIO(admin.get(f"{town.pages}/exports/volunteers.xlsx").data)).active
             .iter_rows(min_row=2, values_only=True)]
    assert "导出志愿者" in names
    assert api_as(town.worker1).get(f"{town.pages}/exports/volunteers.xlsx").status_code == 403
    cert = admin.get(f"{town.pages}/volunteers/{vol['id']}/certificate")
    assert cert.status_code == 200 and "志愿服务证明" in cert.get_data(as_text=True)
    dash = admin.get(f"/t/{town.slug}/").get_data(as_text=True)
    assert "已报到志愿者" in dash
    with app.app_context():
        from core.toolkit import hooks, tenant_context

        with tenant_context(town.tenant):
            numbers = {}
            for answer in hooks(town.tenant).tenant_numbers(tenant=town.tenant):
                numbers.update(answer)
    assert numbers["volunteer.registered"] == 1 and numbers["volunteer.menu_items"] == 6
    english = load_workbook(io.BytesIO(admin.get(f"{town.pages}/exports/hours.xlsx?lang=en").data)).active
    assert [c.value for c in english[1]] == ["Rank", "Volunteers", "Unit", "Services", "Hours"]


def test_pages_answer_each_role(town, api_as):
    for path in ("/", "/volunteers", "/activities", "/menu", "/hours", "/posts"):
        assert api_as(town.police).get(f"{town.pages}{path}").status_code == 200, path
    assert api_as(town.police).get(f"{town.pages}/orders").status_code == 403
    assert api_as(town.worker1).get(f"{town.pages}/orders").status_code == 200
    assert api_as(town.admin).get(f"{town.pages}/exports").status_code == 200


def test_demo_data_fills_a_township_once(app, town, api_as):
    from core.toolkit import db, tenant_context
    from plugins.volunteer.demo import fill_demo

    with app.app_context():
        with tenant_context(town.tenant):
            assert fill_demo(town.tenant) == 40
            db.session.commit()
            assert fill_demo(town.tenant) == 0
    hours = api_as(town.admin).get(f"{town.api}/hours").get_json()
    assert hours["total_hours"] > 0 and hours["items"][0]["rank"] == 1
    history = api_as(town.admin).get(f"{town.api}/menu/history").get_json()
    assert history["items_now"] > history["items_year_ago"] > 0


def test_an_activity_shows_whether_it_is_upcoming_running_over_or_cancelled(town, api_as, activity):
    admin = api_as(town.admin)
    import datetime as dt

    from core.toolkit import db, tenant_context
    from plugins.volunteer.models import Activity

    upcoming, running, over, cancelled = (activity(start_in=m) for m in (60, 70, 80, 90))
    with tenant_context(town.tenant):  # one is under way, one took place this morning
        now = dt.datetime.now(dt.timezone.utc)
        for act, start in ((running, now - dt.timedelta(minutes=30)), (over, now - dt.timedelta(hours=5))):
            row = db.session.get(Activity, act["id"])
            row.starts_at, row.ends_at = start, start + dt.timedelta(hours=2)
        db.session.commit()
    assert admin.post(f"{town.api}/activities/{cancelled['id']}/cancel", json={"reason": "天气"}).status_code == 200
    for act, label in ((upcoming, "未开始"), (running, "进行中"), (over, "已结束"), (cancelled, "已取消")):
        html = admin.get(f"{town.pages}/activities/{act['id']}").get_data(as_text=True)
        assert f"<small>{label}</small>" in html, (label, re.search(r"<h1>.*?</h1>", html, re.S).group(0))
    listing = admin.get(f"{town.pages}/activities").get_data(as_text=True)
    assert all(label in listing for label in ("未开始", "进行中", "已结束", "已取消"))
