"""Simultaneous deductions on one grid and rule never lose more than the rule's points; a deduction
racing the closing is either in before it or refused. Never a 500."""
from __future__ import annotations

import threading


def _race(calls):
    barrier = threading.Barrier(len(calls))
    answers, errors = [None] * len(calls), []

    def press(i, call):
        try:
            barrier.wait()
            resp = call()
            answers[i] = (resp.status_code, (resp.get_json().get("error") or {}).get("code", ""))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=press, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return answers


def test_simultaneous_deductions_stay_within_the_rule(town, api_as, rule_by_code):
    rule = rule_by_code(api_as(town.staff), town, "party_meeting")  # 7 points
    url = f"{town.api}/quarters/{town.period}/deductions"
    body = {"grid_id": town.g1, "rule_id": rule["id"], "points": 4, "reason": "缺席"}
    clients = [api_as(u) for u in (town.staff, town.admin) * 2]
    answers = _race([lambda c=c: c.post(url, json=body) for c in clients])
    statuses = sorted(s for s, _ in answers)  # the others: 422 (too many points) or 409 (busy, SQLite)
    assert statuses[0] == 201 and all(s in (409, 422) for s in statuses[1:]), answers
    items = api_as(town.staff).get(f"{url}?grid_id={town.g1}").get_json()["items"]
    assert [d["points"] for d in items] == [4.0]


def test_a_deduction_racing_the_closing(town, api_as, rule_by_code):
    rule = rule_by_code(api_as(town.staff), town, "party_meeting")
    q = f"{town.api}/quarters/{town.period}"
    staff, admin = api_as(town.staff), api_as(town.admin)
    answers = _race([lambda: staff.post(f"{q}/deductions", json={"grid_id": town.g1, "rule_id": rule["id"], "points": 1,
                                                                 "reason": "缺席"}),
                     lambda: admin.post(f"{q}/close")])
    (deducted, _), (closed, _) = answers
    assert deducted in (201, 409) and closed in (200, 409), answers  # 409: closed first, or busy (SQLite)
    assert api_as(town.admin).get(q).get_json()["state"] == ("closed" if closed == 200 else "open")
    recorded = api_as(town.admin).get(f"{q}/deductions").get_json()["items"]
    assert len(recorded) == (1 if deducted == 201 else 0)  # recorded exactly when it was answered 201
