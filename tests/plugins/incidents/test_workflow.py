"""The workflow through the API: states in order, no skipping, no double close, levels."""
from __future__ import annotations

from tests.plugins.incidents.conftest import base


def step(api, town, incident_id, action, **body):
    return api.post(f"{base(town)}/{incident_id}/{action}", json=body)


def test_report_settle_in_grid_and_timeline(api_as, town, report):
    from core.db import db
    from core.people.services import create_person
    from core.tenancy import tenant_context

    with tenant_context(town.tenant):
        person_id = create_person({"name": "李四", "grid_id": town.g1.id}).id
        db.session.commit()
    inc = report(urgency="pressing", person_id=person_id)
    assert inc["state"] == "reported" and inc["level"] == "grid" and inc["grid_id"] == town.g1.id
    assert inc["person_id"] == person_id and inc["source"] == "worker"
    api = api_as(town.worker1)
    for action, state in (("accept", "accepted"), ("start", "in_progress"), ("resolve", "resolved"), ("close", "closed")):
        resp = step(api, town, inc["id"], action, note=f"{action} ok")
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["state"] == state
    detail = api.get(f"{base(town)}/{inc['id']}").get_json()
    assert [s["action"] for s in detail["steps"]] == ["report", "accept", "start", "resolve", "close"]
    assert all(s["actor_name"] == "网格员甲" for s in detail["steps"])
    assert detail["steps"][-1]["to_where"] == "第一网格" and detail["steps"][2]["note"] == "start ok"
    assert detail["closed_at"] is not None and detail["reach"] == 0


def test_states_cannot_be_skipped_or_closed_twice(api_as, town, report):
    inc = report()
    api = api_as(town.worker1)
    for action in ("start", "resolve", "close"):
        resp = step(api, town, inc["id"], action)
        assert resp.status_code == 409, action
        assert resp.get_json()["error"]["code"] == "invalid_transition"
    for action in ("accept", "start", "resolve", "close"):
        assert step(api, town, inc["id"], action).status_code == 200
    again = step(api, town, inc["id"], "close")
    assert again.status_code == 409
    detail = api.get(f"{base(town)}/{inc['id']}").get_json()
    assert detail["state"] == "closed" and len(detail["steps"]) == 5  # nothing added by the refused close


def test_reject_needs_a_reason(api_as, town, report):
    inc = report()
    api = api_as(town.worker1)
    resp = step(api, town, inc["id"], "reject")
    assert resp.status_code == 422 and "reason" in resp.get_json()["error"]["fields"]
    resp = step(api, town, inc["id"], "reject", reason="不属于网格事项")
    assert resp.status_code == 200 and resp.get_json()["state"] == "rejected"
    assert resp.get_json()["reject_reason"] == "不属于网格事项"
    assert step(api, town, inc["id"], "accept").status_code == 409


def test_escalate_up_two_steps_and_send_back(api_as, town, report):
    inc = report()
    w1, leader, staff = api_as(town.worker1), api_as(town.leader), api_as(town.staff)
    assert step(w1, town, inc["id"], "escalate", to="parent").status_code == 422  # a note is required
    resp = step(w1, town, inc["id"], "escalate", to="parent", note="需村里协调")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["handling_grid_id"] == town.village.id and body["reach"] == 1 and body["state"] == "reported"
    # the reporter's grid no longer holds it: seeing it yes, acting on it no
    assert w1.get(f"{base(town)}/{inc['id']}").status_code == 200
    refused = step(w1, town, inc["id"], "accept")
    assert refused.status_code == 403
    # the village has no parent grid: escalate to the township office instead
    assert step(leader, town, inc["id"], "escalate", to="parent", note="再上").status_code == 422
    assert step(leader, town, inc["id"], "escalate", to="office", note="村里处理不了").status_code == 200
    assert step(leader, town, inc["id"], "accept").status_code == 403  # office level: staff only
    resp = step(staff, town, inc["id"], "escalate", to="department", department="不存在的部门", note="x")
    assert resp.status_code == 422 and "department" in resp.get_json()["error"]["fields"]
    resp = step(staff, town, inc["id"], "escalate", to="department", department="综合执法队", note="请执法队处理")
    assert resp.get_json()["level"] == "department" and resp.get_json()["reach"] == 3
    # send it back to the grid with instructions
    assert step(staff, town, inc["id"], "send_back").status_code == 422
    resp = step(staff, town, inc["id"], "send_back", note="请网格先行劝导", to_grid_id=town.g2.id)
    assert resp.status_code == 422  # g2 is not on the incident's path
    resp = step(staff, town, inc["id"], "send_back", note="请网格先行劝导")
    assert resp.status_code == 200 and resp.get_json()["handling_grid_id"] == town.g1.id
    assert resp.get_json()["reach"] == 3  # the highest level reached is kept for the numbers
    assert step(w1, town, inc["id"], "accept").status_code == 200
    moves = [(s["action"], s["from_where"], s["to_where"]) for s in resp.get_json()["steps"] if s["action"] != "report"]
    assert moves == [("escalate", "第一网格", "查冲村"), ("escalate", "查冲村", "乡镇网格办"),
                     ("escalate", "乡镇网格办", "综合执法队"), ("send_back", "综合执法队", "第一网格")]


def test_handler_outside_subtree_cannot_act_or_see(api_as, town, report):
    inc = report()
    w2 = api_as(town.worker2)
    assert w2.get(f"{base(town)}/{inc['id']}").status_code == 404
    resp = step(w2, town, inc["id"], "escalate", to="parent", note="越权")
    assert resp.status_code == 404
    detail = api_as(town.worker1).get(f"{base(town)}/{inc['id']}").get_json()
    assert detail["level"] == "grid" and detail["handling_grid_id"] == town.g1.id and len(detail["steps"]) == 1
    # a higher level (the village leader) may act on it
    assert step(api_as(town.leader), town, inc["id"], "accept").status_code == 200


def test_reopen_at_closing_level_by_higher_level_only(api_as, town, report):
    inc = report()
    w1 = api_as(town.worker1)
    for action in ("accept", "start", "resolve", "close"):
        step(w1, town, inc["id"], action)
    assert step(w1, town, inc["id"], "reopen", note="再办").status_code == 403  # same level
    resp = step(api_as(town.leader), town, inc["id"], "reopen", note="群众反映未修好")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["state"] == "reported" and body["handling_grid_id"] == town.g1.id and body["reopen_count"] == 1
    assert step(w1, town, inc["id"], "accept").status_code == 200


def test_reporter_rates_and_dissatisfied_reopens(api_as, town, report):
    inc = report()
    w1 = api_as(town.worker1)
    assert w1.post(f"{base(town)}/{inc['id']}/rate", json={"satisfaction": "satisfied"}).status_code == 409
    for action in ("accept", "start", "resolve", "close"):
        closed = step(w1, town, inc["id"], action).get_json()
    assert closed["awaiting_rating"] is True
    assert api_as(town.leader).post(f"{base(town)}/{inc['id']}/rate",
                                    json={"satisfaction": "satisfied"}).status_code == 403  # not the reporter
    bad = w1.post(f"{base(town)}/{inc['id']}/rate", json={"satisfaction": "great"})
    assert bad.status_code == 422 and "satisfaction" in bad.get_json()["error"]["fields"]
    resp = w1.post(f"{base(town)}/{inc['id']}/rate", json={"satisfaction": "dissatisfied", "reopen": True, "note": "没修好"})
    assert resp.status_code == 200 and resp.get_json()["state"] == "reported"


def test_possible_duplicates_offered_and_merged(api_as, town, report):
    first = report(description="村口路面塌陷")
    second = report(description="村口路坑")
    assert [d["id"] for d in second["possible_duplicates"]] == [first["id"]]
    # in the township's time, as every time the API answers (docs/api.md), not UTC
    listed = api_as(town.worker1).get(f"{base(town)}/{second['id']}/duplicates").get_json()["items"]
    assert second["possible_duplicates"][0]["reported_at"] == listed[0]["reported_at"] == first["reported_at"]
    assert first["reported_at"].endswith("+08:00")
    other_grid = report(user=town.worker2, grid=town.g2)
    assert other_grid["possible_duplicates"] == []
    api = api_as(town.worker1)
    assert api.post(f"{base(town)}/{second['id']}/merge", json={"into_id": second["id"]}).status_code == 422
    resp = api.post(f"{base(town)}/{second['id']}/merge", json={"into_id": first["id"]})
    assert resp.status_code == 200 and resp.get_json()["state"] == "merged"
    assert resp.get_json()["merged_into_id"] == first["id"]
    # into an incident the user cannot act on: refused, nothing changed
    third = report()
    resp = api.post(f"{base(town)}/{third['id']}/merge", json={"into_id": other_grid["id"]})
    assert resp.status_code == 422
    assert api.get(f"{base(town)}/{third['id']}").get_json()["state"] == "reported"


def test_bad_report_input_names_fields_and_saves_nothing(api_as, town, category_id):
    api = api_as(town.worker1)
    resp = api.post(base(town), json={"grid_id": town.g1.id, "description": "", "urgency": "whenever", "id": 5,
                                      "tenant_id": 1})
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert {"category_id", "description", "urgency", "id", "tenant_id"} <= set(fields)
    resp = api.post(base(town), json={"grid_id": 999999, "category_id": category_id, "description": "路坏了"})
    assert resp.status_code == 422 and "grid_id" in resp.get_json()["error"]["fields"]
    resp = api.post(base(town), json={"grid_id": town.g2.id, "category_id": category_id, "description": "路坏了"})
    assert resp.status_code == 403
    assert api.post(base(town), data="{not json", content_type="application/json").status_code == 400
    assert api.get(base(town)).get_json()["total"] == 0


def test_two_handlers_at_once_cannot_both_move_it(app, town, report, api_as, db_session):
    """Handler A loaded the incident, handler B accepted it meanwhile (another session): A's
    write is refused and nothing of it is kept."""
    import pytest
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    from core.tenancy import tenant_context
    from plugins.incidents import services
    from plugins.incidents.models import Incident

    inc = report()
    with tenant_context(town.tenant):
        stale = db_session.get(Incident, inc["id"])
        assert stale.state == "reported"
        with Session(db_session.get_bind()) as other:
            row = other.get(Incident, inc["id"])
            row.state, row.handler_user_id = "accepted", town.leader.id
            other.commit()
        # PostgreSQL: the versioned UPDATE matches no row; SQLite: the stale snapshot cannot write.
        # Both answer 409 through the blueprints' handlers.
        with pytest.raises((StaleDataError, OperationalError)):
            services.advance(town.tenant, stale, "reject", reason="已处理")
        db_session.rollback()
    detail = api_as(town.worker1).get(f"{base(town)}/{inc['id']}").get_json()
    assert detail["state"] == "accepted" and [s["action"] for s in detail["steps"]] == ["report"]


def test_simultaneous_accepts_over_http_one_wins(app, api_as, town, report):
    """Six handlers press 接单 on the same incident at the same moment: exactly one step is taken,
    the others are told 409 (already accepted, or changed meanwhile); never a 500, never two steps."""
    import threading

    inc = report()
    url = f"{base(town)}/{inc['id']}/accept"
    clients = [api_as(user) for user in (town.worker1, town.leader, town.staff) * 2]
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def press(client):
        try:
            barrier.wait()
            resp = client.post(url, json={})
            answers.append((resp.status_code, (resp.get_json().get("error") or {}).get("code", "")))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(status for status, _ in answers) == [200] + [409] * 5, answers
    assert {code for status, code in answers if status == 409} <= {"invalid_transition", "changed_meanwhile"}
    detail = api_as(town.worker1).get(f"{base(town)}/{inc['id']}").get_json()
    assert detail["state"] == "accepted" and [s["action"] for s in detail["steps"]] == ["report", "accept"]
