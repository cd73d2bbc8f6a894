"""Activities and sign-ups: slots, overlap, past, cut-off, the waiting list, and concurrent
sign-ups over HTTP that never take more places than there are."""
from __future__ import annotations

import threading

from tests.plugins.volunteer.conftest import local_iso, utc_now


def test_sign_up_until_full_then_the_waiting_list_moves_up(town, api_as, volunteer, activity, phone):
    act = activity(slots=2, start_in=600)
    a, b, c, d = (volunteer(name=n) for n in "甲乙丙丁")
    for vol in (a, b):
        resp = phone(vol).post("/signups", json={"activity_id": act["id"]})
        assert resp.status_code == 201 and resp.get_json()["status"] == "confirmed", resp.get_json()
    full = phone(c).post("/signups", json={"activity_id": act["id"]})
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "activity_full"
    assert phone(c).post("/signups", json={"activity_id": act["id"], "waitlist": True}).get_json()["status"] == "waiting"
    assert phone(d).post("/signups", json={"activity_id": act["id"], "waitlist": True}).get_json()["status"] == "waiting"
    again = phone(a).post("/signups", json={"activity_id": act["id"]})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_signed_up"
    assert phone(a).delete(f"/signups/{act['id']}").get_json()["status"] == "cancelled"
    shown = api_as(town.admin).get(f"{town.api}/activities/{act['id']}").get_json()
    status = {s["volunteer_id"]: s["status"] for s in shown["signups"]}
    assert shown["taken"] == 2 and status == {b["id"]: "confirmed", c["id"]: "confirmed", d["id"]: "waiting"}
    # more slots move the next one up too
    api_as(town.admin).patch(f"{town.api}/activities/{act['id']}", json={"slots": 3})
    shown = api_as(town.admin).get(f"{town.api}/activities/{act['id']}").get_json()
    assert shown["taken"] == 3 and {s["status"] for s in shown["signups"]} == {"confirmed"}
    too_few = api_as(town.admin).patch(f"{town.api}/activities/{act['id']}", json={"slots": 1})
    assert too_few.status_code == 409 and "slots" in too_few.get_json()["error"]["fields"]


def test_overlapping_past_and_late_cancellation_are_refused(town, api_as, volunteer, activity, phone):
    vol = phone(volunteer())
    first = activity(start_in=60 * 24, hours=3)
    overlapping = activity(start_in=60 * 24 + 60, hours=1, title="政策宣传入户")
    after = activity(start_in=60 * 24 + 180, hours=1, title="紧接着的活动")
    assert vol.post("/signups", json={"activity_id": first["id"]}).status_code == 201
    clash = vol.post("/signups", json={"activity_id": overlapping["id"]})
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "overlapping"
    assert vol.post("/signups", json={"activity_id": after["id"]}).status_code == 201  # touching is not overlapping
    soon = activity(start_in=30)  # the cut-off (2 h before the start) has passed
    assert vol.post("/signups", json={"activity_id": soon["id"]}).status_code == 201
    late = vol.delete(f"/signups/{soon['id']}")
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "cutoff_passed"
    # the leader may still take the place back
    leader = api_as(town.leader)
    assert leader.delete(f"{town.api}/activities/{soon['id']}/signups/{volunteer_id(vol)}").status_code == 200


def volunteer_id(ph) -> int:
    return ph.get().get_json()["id"]


def test_past_activities_cannot_be_published_or_joined(town, api_as, post_id, volunteer, activity, phone):
    admin = api_as(town.admin)
    start = utc_now()
    body = {"title": "已过去的活动", "post_id": post_id, "grid_id": town.g1.id, "slots": 3,
            "starts_at": local_iso(start.replace(year=start.year - 1)),
            "ends_at": local_iso(start.replace(year=start.year - 1).replace(hour=23))}
    resp = admin.post(f"{town.api}/activities", json=body)
    assert resp.status_code == 422 and "starts_at" in resp.get_json()["error"]["fields"]
    started = activity(start_in=1)
    from core.toolkit import db, tenant_context
    from plugins.volunteer.models import Activity

    with tenant_context(town.tenant):  # the activity has begun since it was published
        row = db.session.get(Activity, started["id"])
        row.starts_at = utc_now().replace(microsecond=0) - __import__("datetime").timedelta(minutes=5)
        db.session.commit()
    late = phone(volunteer()).post("/signups", json={"activity_id": started["id"]})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "activity_started"


def test_bad_activity_input_names_the_field(town, api_as, post_id):
    admin = api_as(town.admin)
    start = utc_now().replace(microsecond=0)
    good = {"title": "活动", "post_id": post_id, "grid_id": town.g1.id, "slots": 3,
            "starts_at": local_iso(start.replace(year=start.year + 1)),
            "ends_at": local_iso(start.replace(year=start.year + 1).replace(hour=23, minute=59))}
    for change, field in ((dict(slots=0), "slots"), (dict(post_id=99999), "post_id"), (dict(grid_id=99999), "grid_id"),
                          (dict(ends_at=good["starts_at"]), "ends_at"), (dict(starts_at="明天"), "starts_at"),
                          (dict(taken=5), "taken")):
        resp = admin.post(f"{town.api}/activities", json={**good, **change})
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], (change, resp.get_json())
    assert admin.get(f"{town.api}/activities").get_json()["total"] == 0
    assert api_as(town.worker1).post(f"{town.api}/activities", json=good).status_code == 403


def test_concurrent_sign_ups_over_http_never_exceed_the_slots(app, town, api_as, volunteer, activity):
    act = activity(slots=3)
    vols = [volunteer(name=f"并发{i}") for i in range(10)]
    statuses, errors, barrier = [], [], threading.Barrier(len(vols))
    url = f"{town.api}/me/signups"

    def go(vol, client):
        try:
            barrier.wait()
            resp = client.post(url, json={"activity_id": act["id"]}, headers={"X-Volunteer-Token": vol["token"]})
            statuses.append(resp.status_code)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(v, app.test_client())) for v in vols]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(statuses) == [201] * 3 + [409] * 7, statuses
    shown = api_as(town.admin).get(f"{town.api}/activities/{act['id']}").get_json()
    assert shown["taken"] == 3 and len([s for s in shown["signups"] if s["status"] == "confirmed"]) == 3


def test_a_repeated_sign_up_with_one_idempotency_key_takes_one_place(town, api_as, volunteer, activity):
    act = activity(slots=5)
    vol = volunteer()
    admin = api_as(town.admin)
    headers = {"Idempotency-Key": "signup-retry-1"}
    first = admin.post(f"{town.api}/activities/{act['id']}/signups", json={"volunteer_id": vol["id"]}, headers=headers)
    again = admin.post(f"{town.api}/activities/{act['id']}/signups", json={"volunteer_id": vol["id"]}, headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert admin.get(f"{town.api}/activities/{act['id']}").get_json()["taken"] == 1


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/t/{tenant}/volunteer/me/scan", "/api/v1/t/{tenant}/volunteer/activities/{activity_id}/code",
                 "/api/v1/t/{tenant}/volunteer/orders/{order_id}/claim", "/api/v1/t/{tenant}/volunteer/units/{unit_id}/report"):
        assert path in paths, path
