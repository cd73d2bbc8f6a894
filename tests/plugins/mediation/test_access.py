"""Who reads a case: the office and the case's mediators only; every read audited; contacts
masked; other townships get 404, members without the permission 403."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_context
from tests.plugins.mediation.conftest import base, make_town, step


def _audits(town, action):
    from core.models.audit import AuditEntry

    with tenant_context(town.tenant):
        rows = db.session.execute(select(AuditEntry.user_id, AuditEntry.object_id)
                                  .where(AuditEntry.action == action)).all()
        db.session.rollback()
    return rows


def test_mediators_reach_only_their_rooms_and_then_only_their_cases(api_as, town, take_in):
    case = take_in()
    a, a2, b = api_as(town.med_a), api_as(town.med_a2), api_as(town.med_b)
    assert b.get(f"{base(town)}/cases/{case['id']}").status_code == 404  # another room
    assert [c["id"] for c in b.get(f"{base(town)}/cases").get_json()["items"]] == []
    assert a.get(f"{base(town)}/cases/{case['id']}").status_code == 200  # room A, nobody assigned yet
    assert step(b, town, case["id"], "accept").status_code == 404
    step(a, town, case["id"], "accept")
    step(a, town, case["id"], "assign", mediator_ids=[town.mediators["med_a"]])
    other = take_in(parties=[{"person_id": town.people["王五"]}])
    # once assigned, the room's other mediator no longer reads it; the unassigned one still
    assert [c["id"] for c in a2.get(f"{base(town)}/cases").get_json()["items"]] == [other["id"]]
    assert a2.get(f"{base(town)}/cases/{case['id']}").status_code == 404
    assert {c["id"] for c in a.get(f"{base(town)}/cases").get_json()["items"]} == {case["id"], other["id"]}


def test_grid_workers_take_in_but_do_not_read_cases(api_as, town, take_in):
    w1 = api_as(town.worker1)
    case = take_in(user=town.worker1)
    assert w1.get(f"{base(town)}/cases/{case['id']}").status_code == 403
    assert w1.get(f"{base(town)}/cases").status_code == 403
    assert step(w1, town, case["id"], "accept").status_code == 403
    # and only in their own grids
    resp = w1.post(f"{base(town)}/cases", json={"grid_id": town.g3, "dispute_type": "family", "summary": "家事",
                                               "parties": [{"person_id": town.people["王五"]}]})
    assert resp.status_code == 403
    assert w1.post(f"{base(town)}/rooms", json={"name": "x"}).status_code == 403
    assert w1.get(f"{base(town)}/ledger.xlsx").status_code == 403


def test_every_read_is_audited(api_as, town, take_in):
    case = take_in()
    api_as(town.med_a).get(f"{base(town)}/cases/{case['id']}")
    api_as(town.staff).get(f"{base(town)}/cases/{case['id']}")
    reads = _audits(town, "mediation.read_case")
    assert (town.med_a.id, str(case["id"])) in reads and (town.staff.id, str(case["id"])) in reads


def test_party_contacts_are_masked_unless_the_reader_may_see_them(api_as, town, take_in):
    case = take_in(parties=[{"name": "外村人老陈", "phone": "13700001111", "address": "邻县某村"},
                            {"person_id": town.people["李四"]}])
    a = api_as(town.med_a)
    masked = a.get(f"{base(town)}/cases/{case['id']}?reveal=1").get_json()["parties"][0]
    assert masked["phone"] == "137****1111" and masked["masked"]  # not assigned yet: no reveal
    step(a, town, case["id"], "accept")
    step(a, town, case["id"], "assign", mediator_ids=[town.mediators["med_a"]])
    assert a.get(f"{base(town)}/cases/{case['id']}").get_json()["parties"][0]["phone"] == "137****1111"
    shown = a.get(f"{base(town)}/cases/{case['id']}?reveal=1").get_json()["parties"][0]
    assert shown["phone"] == "13700001111" and not shown["masked"]
    assert (town.med_a.id, str(case["id"])) in _audits(town, "mediation.read_contacts")


def test_another_township_gets_404_everywhere(api_as, town, take_in, create_tenant, create_grid, create_user):
    case = take_in()
    other = make_town(create_tenant, create_grid, create_user, api_as)
    stranger = api_as(other.staff)
    own = f"/api/v1/t/{other.slug}/mediation"
    assert stranger.get(f"{own}/cases/{case['id']}").status_code == 404
    assert step(stranger, other, case["id"], "accept").status_code == 404
    assert stranger.patch(f"{own}/rooms/{town.room_a}", json={"name": "改名"}).status_code == 404
    assert stranger.patch(f"{own}/mediators/{town.mediators['med_a']}", json={"active": False}).status_code == 404
    # and through our own URL they are not members at all
    assert stranger.get(f"{base(town)}/cases/{case['id']}").status_code == 404
    body = api_as(town.staff).get(f"{base(town)}/cases/{case['id']}").get_json()
    assert body["state"] == "intake"


def test_rooms_and_mediators_bad_input(api_as, town, create_tenant, create_grid, create_user):
    staff = api_as(town.staff)
    other = make_town(create_tenant, create_grid, create_user, api_as)
    assert staff.post(f"{base(town)}/rooms", json={"name": "查冲村调解室"}).status_code == 409
    resp = staff.post(f"{base(town)}/rooms", json={"name": "新室", "grid_ids": [other.g1]})
    assert resp.status_code == 422 and "grid_ids" in resp.get_json()["error"]["fields"]
    resp = staff.post(f"{base(town)}/mediators", json={"person_id": other.people["张三"]})
    assert resp.status_code == 422 and "person_id" in resp.get_json()["error"]["fields"]
    resp = staff.post(f"{base(town)}/mediators", json={"name": "外聘", "room_ids": [other.room_a]})
    assert resp.status_code == 422 and "room_ids" in resp.get_json()["error"]["fields"]
    resp = staff.post(f"{base(town)}/mediators", json={"background": "judge"})
    assert resp.status_code == 422 and "background" in resp.get_json()["error"]["fields"]
    assert staff.post(f"{base(town)}/mediators", json={}).status_code == 422  # an outsider needs a name
    resp = staff.post(f"{base(town)}/mediators", json={"name": "x", "username": town.med_a.username})
    assert resp.status_code == 409
    assert len(staff.get(f"{base(town)}/mediators").get_json()) == 3


def test_huge_ids_and_unknown_filters(api_as, town):
    huge = 99999999999999999999
    staff = api_as(town.staff)
    assert staff.get(f"{base(town)}/cases/{huge}").status_code == 404
    assert staff.get(f"/t/{town.slug}/mediation/{huge}").status_code == 404
    for query in (f"{base(town)}/cases?room_id={huge}", f"{base(town)}/cases?state=bogus",
                  f"{base(town)}/cases?dispute_type=gossip", f"{base(town)}/numbers?grid_id={huge}"):
        resp = staff.get(query)
        assert resp.status_code == 422 and resp.get_json()["error"]["fields"], query
    for body in ({"grid_id": huge}, {"parties": [{"person_id": huge}]}, {"room_id": huge}):
        full = {"grid_id": town.g1, "dispute_type": "family", "summary": "家事",
                "parties": [{"person_id": town.people["张三"]}], **body}
        resp = staff.post(f"{base(town)}/cases", json=full)
        assert resp.status_code == 422, (body, resp.get_json())
