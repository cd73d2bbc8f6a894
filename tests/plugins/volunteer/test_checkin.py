"""Check-in and check-out by the leader's rotating QR code: scanning signs in, scanning again
signs out; expired, forged and foreign codes, check-out without check-in and volunteers without
a place are refused with the reason; leader corrections; missing check-outs closed by the CLI;
every closed attendance announced once."""
from __future__ import annotations

import datetime as dt
import time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from core.toolkit import db, hookimpl, tenant_context
from plugins.volunteer.models import Activity, Attendance
from tests.plugins.volunteer.conftest import local_iso, make_town, utc_now


def _signed_up(town, volunteer, activity, phone, **kw):
    act = activity(**kw)
    vol = volunteer()
    assert phone(vol).post("/signups", json={"activity_id": act["id"]}).status_code == 201
    return act, vol, phone(vol)


def test_scan_signs_in_then_out_and_hours_are_capped(town, api_as, volunteer, activity, phone, code):
    act, vol, ph = _signed_up(town, volunteer, activity, phone, hours=1)
    first = ph.post("/scan", json={"code": code(act["id"])})
    assert first.status_code == 201 and first.get_json()["done"] == "in", first.get_json()
    second = ph.post("/scan", json={"code": code(act["id"])})
    assert second.status_code == 200 and second.get_json()["done"] == "out"
    assert second.get_json()["hours"] == 0.0 and second.get_json()["closed_by"] == "scan"
    third = ph.post("/scan", json={"code": code(act["id"])})
    assert third.status_code == 409 and third.get_json()["error"]["code"] == "already_checked_out"
    # the leader corrects the times (the phone died); hours are capped by the activity's 1 hour
    att = api_as(town.leader).get(f"{town.api}/activities/{act['id']}/attendance").get_json()["items"][0]
    start = utc_now()
    body = {"checked_in_at": local_iso(start - dt.timedelta(hours=3)), "checked_out_at": local_iso(start)}
    assert api_as(town.leader).patch(f"{town.api}/attendance/{att['id']}", json=body).status_code == 422  # no reason
    fixed = api_as(town.leader).patch(f"{town.api}/attendance/{att['id']}", json={**body, "reason": "手机没电补录"})
    assert fixed.status_code == 200 and fixed.get_json()["hours"] == 1.0 and fixed.get_json()["corrected"]
    assert ph.get().get_json()["hours"] == 1.0
    # another volunteer's leader may not correct it
    assert api_as(town.worker1).patch(f"{town.api}/attendance/{att['id']}",
                                      json={**body, "reason": "不是我的活动"}).status_code == 403
    log = api_as(town.admin).get(f"/api/v1/t/{town.slug}/audit?action=volunteer.attendance_correct")
    assert log.status_code == 200 and "手机没电补录" in log.get_data(as_text=True)


def _expired_code(app, tenant_id, activity_id):
    class Past(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 120

    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="volunteer.checkin", signer=Past).dumps(
        [tenant_id, activity_id, 0])


def test_expired_forged_and_foreign_codes_are_refused(app, town, volunteer, activity, phone, code, create_county,
                                                      create_tenant, create_grid, create_user, enable_module, api_as):
    act, vol, ph = _signed_up(town, volunteer, activity, phone)
    tenant_id = town.tenant.id
    expired = ph.post("/scan", json={"code": _expired_code(app, tenant_id, act["id"])})
    assert expired.status_code == 400 and expired.get_json()["error"]["code"] == "qr_expired"
    forged = URLSafeTimedSerializer("not-the-secret", salt="volunteer.checkin").dumps([tenant_id, act["id"], 0])
    good = code(act["id"])
    for bad in (forged, good[:-3] + "abc", "hello", ""):
        resp = ph.post("/scan", json={"code": bad})
        assert resp.status_code in (400, 422) and "code" in resp.get_json()["error"]["fields"], (bad, resp.get_json())
    other = make_town(create_county, create_tenant, create_grid, create_user, enable_module, api_as)
    other_vol = api_as(other.admin).post(f"{other.api}/volunteers", json={"name": "外乡", "mobile": "13600001111",
                                                                          "confirm": True}).get_json()
    from tests.plugins.volunteer.conftest import Phone

    foreign = Phone(app.test_client(), other, other_vol["token"]).post("/scan", json={"code": good})
    assert foreign.status_code == 400 and foreign.get_json()["error"]["code"] == "qr_invalid"
    no_token = app.test_client().post(f"{town.api}/me/scan", json={"code": good})
    assert no_token.status_code == 401 and no_token.get_json()["error"]["code"] == "volunteer_unknown"
    assert api_as(town.admin).get(f"{town.api}/activities/{act['id']}/attendance").get_json()["items"] == []


def test_check_out_without_check_in_and_without_a_place(town, volunteer, activity, phone, code):
    act, vol, ph = _signed_up(town, volunteer, activity, phone)
    out = ph.post("/scan", json={"code": code(act["id"]), "action": "out"})
    assert out.status_code == 409 and out.get_json()["error"]["code"] == "not_checked_in"
    stranger = phone(volunteer(name="没报名"))
    resp = stranger.post("/scan", json={"code": code(act["id"])})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_signed_up"
    assert ph.post("/scan", json={"code": code(act["id"]), "action": "in"}).status_code == 201
    twice = ph.post("/scan", json={"code": code(act["id"]), "action": "in"})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_checked_in"


def test_only_the_leader_or_the_office_gets_the_code(town, api_as, activity):
    act = activity()
    assert api_as(town.worker1).get(f"{town.api}/activities/{act['id']}/code").status_code == 403
    assert api_as(town.police).get(f"{town.api}/activities/{act['id']}/code").status_code == 403
    body = api_as(town.leader).get(f"{town.api}/activities/{act['id']}/code").get_json()
    assert body["expires_in"] == 60 and f"/t/{town.slug}/volunteer/scan?c=" in body["url"]


class Listener:
    def __init__(self):
        self.seen = []

    @hookimpl
    def volunteer_service_completed(self, tenant, service):
        self.seen.append(service)


def test_missing_check_outs_are_flagged_and_closed_once_and_announced(app, town, volunteer, activity, phone, code,
                                                                     api_as, register_plugin):
    listener = register_plugin(Listener(), "volunteer_listener")
    act, vol, ph = _signed_up(town, volunteer, activity, phone, hours=2)
    assert ph.post("/scan", json={"code": code(act["id"])}).status_code == 201
    with tenant_context(town.tenant):  # the activity took place yesterday
        row = db.session.get(Activity, act["id"])
        row.starts_at, row.ends_at = utc_now() - dt.timedelta(days=1, hours=2), utc_now() - dt.timedelta(days=1)
        att = db.session.query(Attendance).filter_by(activity_id=act["id"]).one()
        att.checked_in_at = row.starts_at + dt.timedelta(minutes=30)
        db.session.commit()
    missing = api_as(town.leader).get(f"{town.api}/attendance/missing").get_json()["items"]
    assert [m["activity_id"] for m in missing] == [act["id"]]
    from core.schedules import declared, recent_runs

    assert declared()["volunteer.close_missing_checkouts"].schedule.cron == "*/30 * * * *"
    result = app.test_cli_runner().invoke(args=["--lang", "en", "volunteer", "close-missing-checkouts", "--tenant", town.slug])
    assert result.exit_code == 0 and f"{town.slug}: closed 1" in result.output, result.output
    again = app.test_cli_runner().invoke(args=["--lang", "en", "volunteer", "close-missing-checkouts", "--tenant", town.slug])
    assert f"{town.slug}: closed 0" in again.output
    with app.app_context():
        runs = recent_runs(schedule="volunteer.close_missing_checkouts")
    assert [r["status"] for r in runs[:2]] == ["succeeded", "succeeded"]
    closed = api_as(town.leader).get(f"{town.api}/activities/{act['id']}/attendance").get_json()["items"][0]
    assert closed["missing_checkout"] and closed["closed_by"] == "schedule" and closed["hours"] == 1.5
    assert api_as(town.leader).get(f"{town.api}/attendance/missing").get_json()["items"] == []
    assert len(listener.seen) == 1
    service = listener.seen[0]
    assert service["kind"] == "activity" and service["ref"] == f"attendance:{closed['id']}"
    assert service["hours"] == 1.5 and service["volunteer_id"] == vol["id"] and service["grid_id"] == town.g1.id
    assert service["person_id"] is None and isinstance(service["occurred_at"], dt.datetime)


def test_a_failing_listener_rolls_the_check_out_back(town, volunteer, activity, phone, code, register_plugin):
    class Broken:
        @hookimpl
        def volunteer_service_completed(self, tenant, service):
            raise RuntimeError("points bank down")

    act, vol, ph = _signed_up(town, volunteer, activity, phone)
    assert ph.post("/scan", json={"code": code(act["id"])}).status_code == 201
    register_plugin(Broken(), "volunteer_broken_listener")
    assert ph.post("/scan", json={"code": code(act["id"])}).status_code == 500
    with tenant_context(town.tenant):
        att = db.session.query(Attendance).filter_by(activity_id=act["id"]).one()
        assert att.checked_out_at is None and att.hours is None
        db.session.rollback()


def test_one_volunteer_scanning_on_two_phones_at_once_checks_in_once(app, town, volunteer, activity, phone, code,
                                                                     api_as):
    import threading

    act, vol, ph = _signed_up(town, volunteer, activity, phone)
    body, url = {"code": code(act["id"]), "action": "in"}, f"{town.api}/me/scan"
    clients = [app.test_client() for _ in range(5)]
    answers, errors, barrier = [], [], threading.Barrier(len(clients))

    def go(client):
        try:
            barrier.wait()
            resp = client.post(url, json=body, headers={"X-Volunteer-Token": vol["token"]})
            answers.append((resp.status_code, (resp.get_json().get("error") or {}).get("code")))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(a[0] for a in answers) == [201] + [409] * 4, answers
    assert {a[1] for a in answers if a[0] == 409} == {"already_checked_in"}
    assert len(api_as(town.admin).get(f"{town.api}/activities/{act['id']}/attendance").get_json()["items"]) == 1


def test_the_leader_signs_in_by_hand_someone_whose_phone_failed(town, api_as, volunteer, activity, phone, code):
    act, vol, ph = _signed_up(town, volunteer, activity, phone, hours=2)
    start = utc_now()
    url = f"{town.api}/activities/{act['id']}/attendance"
    body = {"volunteer_id": vol["id"], "checked_in_at": local_iso(start - dt.timedelta(hours=1)),
            "checked_out_at": local_iso(start), "reason": "手机没电"}
    leader = api_as(town.leader)
    assert leader.post(url, json={k: v for k, v in body.items() if k != "reason"}).status_code == 422
    assert api_as(town.worker1).post(url, json=body).status_code == 403
    stranger = volunteer(name="没名额")
    no_place = leader.post(url, json={**body, "volunteer_id": stranger["id"]})
    assert no_place.status_code == 403 and no_place.get_json()["error"]["code"] == "not_signed_up"
    assert leader.get(url).get_json()["items"] == []
    done = leader.post(url, json=body)
    assert done.status_code == 201 and done.get_json()["hours"] == 1.0 and done.get_json()["corrected"]
    again = leader.post(url, json=body)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_checked_in"
    assert ph.post("/scan", json={"code": code(act["id"]), "action": "in"}).status_code == 409
    assert ph.get().get_json()["hours"] == 1.0


def test_the_leaders_hand_sign_in_form_on_the_activity_page(town, api_as, volunteer, activity, phone):
    import re

    act, vol, _ph = _signed_up(town, volunteer, activity, phone, hours=2)
    leader = api_as(town.leader)
    page = leader.get(f"{town.pages}/activities/{act['id']}").get_data(as_text=True)
    assert "补签" in page and f'<option value="{vol["id"]}">' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    start = utc_now()
    form = {"csrf_token": token, "volunteer_id": str(vol["id"]), "reason": "扫码失败",
            "checked_in_at": local_iso(start - dt.timedelta(minutes=90))[:16],
            "checked_out_at": local_iso(start)[:16]}
    missing = leader.post(f"{town.pages}/activities/{act['id']}/attendance", data={**form, "reason": ""})
    assert missing.status_code == 422 and 'id="err-reason"' in missing.get_data(as_text=True)  # shown again
    done = leader.post(f"{town.pages}/activities/{act['id']}/attendance", data=form)
    assert done.status_code == 302
    shown = leader.get(done.headers["Location"]).get_data(as_text=True)
    assert "已补签" in shown and f'<option value="{vol["id"]}">' not in shown  # signed in: no longer offered
    rows = leader.get(f"{town.api}/activities/{act['id']}/attendance").get_json()["items"]
    assert [(r["volunteer_id"], r["hours"], r["corrected"]) for r in rows] == [(vol["id"], 1.5, True)]
