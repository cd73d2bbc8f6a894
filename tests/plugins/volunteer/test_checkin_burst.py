"""A check-in burst: every volunteer scanning at once gets exactly one check-in, twin check-outs
close (and announce) once, and a scan reads without waiting for the write lock: refusals answer
while another writer holds it, and a check-in queues for it only to write."""
from __future__ import annotations

import threading
import time

from sqlalchemy import func, select, text

from core.toolkit import db, hookimpl, immediate_transaction, tenant_context
from plugins.volunteer.models import Attendance, ServiceRecord


def _at_once(calls):
    """Run the callables in threads released together; their answers in order, errors raised."""
    answers, errors, barrier = [None] * len(calls), [], threading.Barrier(len(calls))

    def go(i, call):
        try:
            barrier.wait()
            answers[i] = call()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return answers


def test_a_burst_of_check_ins_counts_each_volunteer_exactly_once(town, volunteer, activity, phone, code, reliability):
    act = activity(slots=12)
    phones = [phone(volunteer(name=f"志愿者{i}")) for i in range(12)]
    for ph in phones:
        assert ph.post("/signups", json={"activity_id": act["id"]}).status_code == 201
    body = {"code": code(act["id"])}
    # every phone twice at once: 12 check-ins, and each second scan is refused, never a check-out
    answers = _at_once([lambda ph=ph: ph.post("/scan", json={**body, "action": "in"}) for ph in phones + phones])
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] * 12 + [409] * 12, [(r.status_code, r.get_json()) for r in answers]
    assert {r.get_json()["error"]["code"] for r in answers if r.status_code == 409} == {"already_checked_in"}
    with tenant_context(town.tenant):
        rows = db.session.execute(select(func.count(Attendance.id), func.count(func.distinct(Attendance.volunteer_id)))
                                  .where(Attendance.activity_id == act["id"])).one()
        db.session.rollback()
    assert tuple(rows) == (12, 12)
    reliability("concurrency", len(answers), "check-in scans, every phone twice at once (12 in, 12 refused)", lost=0,
                errors_5xx=sum(r.status_code >= 500 for r in answers))


class Listener:
    def __init__(self):
        self.seen = []

    @hookimpl
    def volunteer_service_completed(self, tenant, service):
        self.seen.append(service["ref"])


def test_twin_check_outs_close_once_and_announce_once(town, volunteer, activity, phone, code, register_plugin):
    listener = register_plugin(Listener(), "volunteer_burst_listener")
    act, vol = activity(), volunteer()
    ph = phone(vol)
    assert ph.post("/signups", json={"activity_id": act["id"]}).status_code == 201
    body = {"code": code(act["id"])}
    assert ph.post("/scan", json=body).status_code == 201
    answers = _at_once([lambda c=phone(vol): c.post("/scan", json={**body, "action": "out"}) for _ in range(4)])
    assert sorted(r.status_code for r in answers) == [200, 409, 409, 409], [r.get_json() for r in answers]
    assert {r.get_json()["error"]["code"] for r in answers if r.status_code == 409} == {"already_checked_out"}
    done = next(r.get_json() for r in answers if r.status_code == 200)
    assert done["done"] == "out" and done["closed_by"] == "scan" and done["checked_out_at"]
    assert listener.seen == [f"attendance:{done['id']}"]
    with tenant_context(town.tenant):
        assert db.session.scalar(select(func.count(ServiceRecord.id)).where(
            ServiceRecord.ref == f"attendance:{done['id']}")) == 1
        db.session.rollback()


def test_a_scan_reads_while_another_writer_holds_the_lock(app, town, volunteer, activity, phone, code):
    act, vol = activity(), volunteer()
    ph = phone(vol)
    assert ph.post("/signups", json={"activity_id": act["id"]}).status_code == 201
    body = {"code": code(act["id"])}
    locked, release = threading.Event(), threading.Event()

    def writer():  # another request's write transaction, open for a while
        with app.app_context(), immediate_transaction() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("LOCK TABLE volunteer_attendance IN EXCLUSIVE MODE"))
            locked.set()
            release.wait(20)

    holder = threading.Thread(target=writer)
    holder.start()
    try:
        assert locked.wait(10)
        began = time.monotonic()
        refused = ph.post("/scan", json={**body, "action": "out"})  # decided by reading alone
        assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_checked_in"
        assert time.monotonic() - began < 3, "the scan's reads waited for the write lock"
        answer = []
        scanner = threading.Thread(target=lambda: answer.append(phone(vol).post("/scan", json=body)))
        scanner.start()
        scanner.join(timeout=0.5)
        assert not answer, "a check-in wrote while another writer held the lock"
    finally:
        release.set()
        holder.join(timeout=30)
    scanner.join(timeout=30)
    assert answer[0].status_code == 201, answer[0].get_json()


def test_a_retried_scan_with_an_idempotency_key_checks_in_once(town, volunteer, activity, phone, code):
    act, vol = activity(), volunteer()
    ph = phone(vol)
    assert ph.post("/signups", json={"activity_id": act["id"]}).status_code == 201
    body, key = {"code": code(act["id"])}, {"Idempotency-Key": "scan-1"}
    first = ph.client.post(f"{town.api}/me/scan", json=body, headers={**ph.headers, **key})
    again = ph.client.post(f"{town.api}/me/scan", json=body, headers={**ph.headers, **key})
    assert first.status_code == again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json() and first.get_json()["done"] == "in"
    out = ph.post("/scan", json=body)  # without the key: a new scan, so a check-out (0 min in tests)
    assert out.status_code == 200 and out.get_json()["done"] == "out"
