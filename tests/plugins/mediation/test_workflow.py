"""The process over HTTP: intake → accept → assign → sessions → outcome, each refusal leaving the
case as it was."""
from __future__ import annotations

from tests.plugins.mediation.conftest import base, step, to_agreement


def test_intake_to_agreement_with_follow_ups_scheduled(api_as, town, take_in):
    case = take_in(user=town.worker1, source="grid_worker")
    assert case["state"] == "intake" and case["room_id"] == town.room_a  # the room serving the village
    assert case["source"] == "grid_worker" and case["amount"] == 3000.0
    assert [p["name"] for p in case["parties"]] == ["张三", "李四"]
    done = to_agreement(api_as, town, case)
    assert done["state"] == "agreement" and done["outcome"] == "agreement"
    assert done["agreement_terms"] == "李四于十日内改道排水沟" and all(p["signed"] for p in done["parties"])
    assert [m["name"] for m in done["mediators"]] == ["周法官"] and done["mediators"][0]["lead"]
    assert len(done["sessions"]) == 1 and done["sessions"][0]["attendees"] == "张三、李四"
    assert len(done["followups"]) == 3 and all(f["done_at"] is None for f in done["followups"])


def test_decline_needs_a_reason_and_ends_the_case(api_as, town, take_in):
    case = take_in()
    api = api_as(town.med_a)
    resp = step(api, town, case["id"], "decline")
    assert resp.status_code == 422 and "reason" in resp.get_json()["error"]["fields"]
    resp = step(api, town, case["id"], "decline", reason="已进入诉讼程序")
    assert resp.status_code == 200 and resp.get_json()["state"] == "declined"
    assert step(api, town, case["id"], "accept").status_code == 409


def test_outcome_before_acceptance_is_refused_and_nothing_changes(api_as, town, take_in):
    case = take_in()
    api = api_as(town.staff)
    for action, body in (("agree", {"terms": "x", "signed_party_ids": [p["id"] for p in case["parties"]]}),
                         ("fail", {"note": "x"}), ("partial", {"terms": "x"}), ("session", {"notes": "x"}),
                         ("refer", {"referral_kind": "court", "referral_body": "县法院"})):
        resp = step(api, town, case["id"], action, **body)
        assert resp.status_code == 409, action
        assert resp.get_json()["error"]["code"] == "invalid_transition" and "state" in resp.get_json()["error"]["fields"]
    after = api.get(f"{base(town)}/cases/{case['id']}").get_json()
    assert after["state"] == "intake" and after["sessions"] == [] and after["outcome"] is None


def test_session_after_closure_is_refused(api_as, town, take_in):
    case = to_agreement(api_as, town, take_in())
    resp = step(api_as(town.med_a), town, case["id"], "session", notes="再谈一次")
    assert resp.status_code == 409
    assert len(api_as(town.staff).get(f"{base(town)}/cases/{case['id']}").get_json()["sessions"]) == 1


def test_agreement_needs_terms_and_every_partys_signature(api_as, town, take_in):
    case = take_in()
    api = api_as(town.med_a)
    step(api, town, case["id"], "accept")
    step(api, town, case["id"], "assign", mediator_ids=[town.mediators["med_a"]])
    step(api, town, case["id"], "session", notes="第一次调解")
    first = case["parties"][0]["id"]
    resp = step(api, town, case["id"], "agree", terms="", signed_party_ids=[first])
    assert resp.status_code == 422 and "terms" in resp.get_json()["error"]["fields"]
    resp = step(api, town, case["id"], "agree", terms="和解", signed_party_ids=[first])
    assert resp.status_code == 422 and "signed_party_ids" in resp.get_json()["error"]["fields"]
    resp = step(api, town, case["id"], "agree", terms="和解", signed_party_ids=[first, 999999])
    assert resp.status_code == 422
    assert api.get(f"{base(town)}/cases/{case['id']}").get_json()["state"] == "in_session"


def test_referral_names_the_receiving_body_and_date(api_as, town, take_in):
    case = take_in()
    api = api_as(town.staff)
    step(api, town, case["id"], "accept")
    resp = step(api, town, case["id"], "refer", referral_kind="court")
    assert resp.status_code == 422 and "referral_body" in resp.get_json()["error"]["fields"]
    resp = step(api, town, case["id"], "refer", referral_kind="prison", referral_body="x")
    assert resp.status_code == 422 and "referral_kind" in resp.get_json()["error"]["fields"]
    resp = step(api, town, case["id"], "refer", referral_kind="judicial_office", referral_body="镇司法所",
                referral_date="2026-11-30")
    body = resp.get_json()
    assert resp.status_code == 200 and body["state"] == "referred" and body["outcome"] == "referred"
    assert (body["referral_body"], body["referral_date"]) == ("镇司法所", "2026-11-30") and body["followups"] == []


def test_failed_mediation_needs_a_note(api_as, town, take_in):
    case = take_in()
    api = api_as(town.med_a)
    for action, body in (("accept", {}), ("assign", {"mediator_ids": [town.mediators["med_a"]]}),
                         ("session", {"notes": "分歧大"})):
        assert step(api, town, case["id"], action, **body).status_code == 200
    assert step(api, town, case["id"], "fail").status_code == 422
    resp = step(api, town, case["id"], "fail", note="双方坚持己见")
    assert resp.get_json()["state"] == "failed"


def test_mediator_outside_the_room_or_with_a_conflict_cannot_be_assigned(api_as, town, take_in):
    case = take_in()
    api = api_as(town.staff)
    step(api, town, case["id"], "accept")
    resp = step(api, town, case["id"], "assign", mediator_ids=[town.mediators["med_b"]])
    assert resp.status_code == 422 and "mediator_ids" in resp.get_json()["error"]["fields"]
    resp = step(api, town, case["id"], "assign", mediator_ids=[town.mediators["med_a"], town.mediators["med_a2"]])
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "conflict_of_interest"  # same household
    body = api.get(f"{base(town)}/cases/{case['id']}").get_json()
    assert body["state"] == "accepted" and body["mediators"] == []
    assert step(api, town, case["id"], "assign", mediator_ids=[999999]).status_code == 422


def test_a_mediator_who_is_a_party_cannot_take_the_case(api_as, town, take_in):
    case = take_in(parties=[{"person_id": town.people["张三妻"]}, {"person_id": town.people["李四"]}])
    # the mediator is herself a party: she does not even see the case of her room
    assert api_as(town.med_a2).get(f"{base(town)}/cases/{case['id']}").status_code == 404
    api = api_as(town.staff)
    step(api, town, case["id"], "accept")
    resp = step(api, town, case["id"], "assign", mediator_ids=[town.mediators["med_a2"]])
    assert resp.status_code == 409 and "当事人" in resp.get_json()["error"]["message"]


def test_adding_a_party_that_conflicts_with_the_assigned_mediator_is_refused(api_as, town, take_in):
    case = take_in(parties=[{"person_id": town.people["李四"]}])
    api = api_as(town.staff)
    step(api, town, case["id"], "accept")
    step(api, town, case["id"], "assign", mediator_ids=[town.mediators["med_a2"]])
    resp = api.post(f"{base(town)}/cases/{case['id']}/parties", json={"person_id": town.people["张三"]})
    assert resp.status_code == 409
    assert len(api.get(f"{base(town)}/cases/{case['id']}").get_json()["parties"]) == 1
    resp = api.post(f"{base(town)}/cases/{case['id']}/parties", json={"name": "外村人", "phone": "13700001111"})
    assert resp.status_code == 201 and len(resp.get_json()["parties"]) == 2


def test_intake_bad_input(api_as, town, take_in, create_tenant, create_grid, create_user):
    from tests.plugins.mediation.conftest import make_town

    api = api_as(town.staff)
    other = make_town(create_tenant, create_grid, create_user, api_as)
    cases = [
        ({"parties": [{"person_id": other.people["张三"]}]}, "parties.0.person_id"),  # a party from another township
        ({"parties": [{"name": "外来人"}]}, "parties.0.phone"),  # an outsider without contacts
        ({"parties": []}, "parties"),
        ({"dispute_type": "gossip"}, "dispute_type"),
        ({"grid_id": other.g1}, "grid_id"),
        ({"room_id": other.room_a}, "room_id"),
        ({"amount": -5}, "amount"),
        ({"tenant_id": other.tenant.id}, "tenant_id"),
        ({"id": 5}, "id"),
    ]
    before = api.get(f"{base(town)}/cases").get_json()["total"]
    for extra, field in cases:
        body = {"grid_id": town.g1, "dispute_type": "neighbours", "summary": "纠纷",
                "parties": [{"person_id": town.people["张三"]}], **extra}
        resp = api.post(f"{base(town)}/cases", json=body)
        assert resp.status_code == 422, (extra, resp.get_json())
        assert field in resp.get_json()["error"]["fields"], (field, resp.get_json())
    assert api.get(f"{base(town)}/cases").get_json()["total"] == before


def test_a_repeated_intake_with_the_same_idempotency_key_takes_in_once(api_as, town):
    api = api_as(town.worker1)
    body = {"grid_id": town.g1, "dispute_type": "family", "summary": "赡养纠纷", "parties": [{"person_id": town.people["张三"]}]}
    first = api.post(f"{base(town)}/cases", json=body, headers={"Idempotency-Key": "intake-42"})
    again = api.post(f"{base(town)}/cases", json=body, headers={"Idempotency-Key": "intake-42"})
    assert first.status_code == again.status_code == 201 and first.get_json()["id"] == again.get_json()["id"]
    assert api_as(town.staff).get(f"{base(town)}/cases").get_json()["total"] == 1
