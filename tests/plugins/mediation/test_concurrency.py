"""Simultaneous steps over HTTP on one case: exactly one is taken, the others get 409, never a 500
and never two outcomes (or two reopenings, two announcements)."""
from __future__ import annotations

import threading

from tests.plugins.mediation.conftest import base, step, to_agreement


def _race(clients, url, body):
    barrier = threading.Barrier(len(clients))
    answers, errors = [], []

    def press(client):
        try:
            barrier.wait()
            resp = client.post(url, json=body)
            answers.append((resp.status_code, (resp.get_json().get("error") or {}).get("code", "")))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return answers


def test_simultaneous_outcomes_one_wins(api_as, town, take_in):
    case = take_in()
    med = api_as(town.med_a)
    step(med, town, case["id"], "accept")
    step(med, town, case["id"], "assign", mediator_ids=[town.mediators["med_a"]])
    step(med, town, case["id"], "session", notes="谈")
    clients = [api_as(u) for u in (town.med_a, town.staff) * 3]
    answers = _race(clients, f"{base(town)}/cases/{case['id']}/fail", {"note": "不成"})
    assert sorted(s for s, _ in answers) == [200] + [409] * 5, answers
    assert {c for s, c in answers if s == 409} <= {"invalid_transition", "changed_meanwhile"}
    assert api_as(town.staff).get(f"{base(town)}/cases/{case['id']}").get_json()["state"] == "failed"


def test_simultaneous_failed_follow_ups_reopen_once(api_as, town, take_in):
    case = to_agreement(api_as, town, take_in())
    clients = [api_as(u) for u in (town.med_a, town.staff) * 2]
    answers = _race(clients, f"{base(town)}/cases/{case['id']}/followups", {"holds": False, "then": "reopen"})
    assert sorted(s for s, _ in answers) == [201] + [409] * 3, answers
    body = api_as(town.staff).get(f"{base(town)}/cases/{case['id']}").get_json()
    assert body["reopen_count"] == 1 and [f["holds"] for f in body["followups"]] == [False, None, None]


def test_simultaneous_visits_are_each_their_own_row(api_as, town, take_in):
    case = to_agreement(api_as, town, take_in())
    clients = [api_as(u) for u in (town.med_a, town.staff) * 2]
    answers = _race(clients, f"{base(town)}/cases/{case['id']}/followups", {"holds": True, "note": "好"})
    assert {s for s, _ in answers} <= {201, 409}, answers
    # each visit that was answered 201 is its own row: none overwrote another's (a lost update)
    body = api_as(town.staff).get(f"{base(town)}/cases/{case['id']}").get_json()
    done = [f for f in body["followups"] if f["done_at"]]
    assert len(done) == sum(1 for s, _ in answers if s == 201) >= 1 and all(f["holds"] for f in done)
