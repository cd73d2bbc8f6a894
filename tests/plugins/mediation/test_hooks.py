"""The module's hooks: its announcements (answered here by a stand-in and by incidents), its
answers to incidents and five_star, and to core's people hooks."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.db import db
from core.errors import ApiError
from core.modules import hooks
from core.plugins import hookimpl
from core.tenancy import tenant_context
from tests.plugins.mediation.conftest import base, step, to_agreement


class Listener:
    """A stand-in for another module (points_bank) answering mediation's announcements."""

    def __init__(self):
        self.calls, self.refuse = [], None

    @hookimpl(optionalhook=True)
    def mediation_case_concluded(self, tenant, case):
        self.calls.append(("concluded", case))
        if self.refuse == "concluded":
            raise ApiError(409, "listener_refused", "refused")

    @hookimpl(optionalhook=True)
    def mediation_agreement_failed(self, tenant, case):
        self.calls.append(("failed", case))


@pytest.fixture
def listener(register_plugin):
    return register_plugin(Listener(), "mediation_test_listener")


def _category(town, code):
    from plugins.incidents.models import Category

    with tenant_context(town.tenant):
        return db.session.scalar(select(Category.id).where(Category.code == code))


def _incident(api_as, town, code="dispute_neighbour", person=None):
    body = {"category_id": _category(town, code), "grid_id": town.g1, "description": "两户因排水沟发生纠纷",
            "urgency": "pressing", "person_id": person}
    resp = api_as(town.worker1).post(f"/api/v1/t/{town.slug}/incidents", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_hook_mediation_case_concluded(api_as, town, take_in, listener):
    case = take_in()
    to_agreement(api_as, town, case)
    [(name, payload)] = listener.calls
    assert name == "concluded" and payload["case_id"] == case["id"] and payload["outcome"] == "agreement"
    assert payload["party_person_ids"] == sorted([town.people["张三"], town.people["李四"]])
    assert payload["mediator_person_ids"] == [] and payload["incident_id"] is None  # an outsider mediator
    assert payload["dispute_type"] == "neighbours" and payload["grid_id"] == town.g1
    assert isinstance(payload["concluded_at"], dt.datetime)


def test_a_refusing_listener_rolls_the_outcome_back(api_as, town, take_in, listener):
    case = take_in()
    api = api_as(town.med_a)
    step(api, town, case["id"], "accept")
    step(api, town, case["id"], "assign", mediator_ids=[town.mediators["med_a"]])
    step(api, town, case["id"], "session", notes="谈")
    listener.refuse = "concluded"
    assert step(api, town, case["id"], "fail", note="不成").status_code == 409
    assert api.get(f"{base(town)}/cases/{case['id']}").get_json()["state"] == "in_session"


def test_hook_incident_reported_opens_a_linked_case_and_the_timeline_shows_the_outcome(api_as, town):
    inc = _incident(api_as, town, person=town.people["张三"])
    assert inc["linked_module"] == "mediation"
    case = api_as(town.staff).get(f"{base(town)}/cases/{inc['linked_ref']}").get_json()
    assert case["source"] == "incident" and case["incident_id"] == inc["id"] and case["urgency"] == "pressing"
    assert case["dispute_type"] == "neighbours" and [p["person_id"] for p in case["parties"]] == [town.people["张三"]]
    api_as(town.staff).post(f"{base(town)}/cases/{case['id']}/parties", json={"person_id": town.people["李四"]})
    case = api_as(town.staff).get(f"{base(town)}/cases/{case['id']}").get_json()
    to_agreement(api_as, town, case)
    steps = api_as(town.staff).get(f"/api/v1/t/{town.slug}/incidents/{inc['id']}").get_json()["steps"]
    assert steps[-1]["action"] == "mediation" and "达成协议" in steps[-1]["note"]
    page = api_as(town.staff).get(f"/t/{town.slug}/incidents/{inc['id']}").get_data(as_text=True)
    assert "<strong>调解</strong>" in page  # the timeline names the step in words, not its code
    english = api_as(town.staff).get(f"/t/{town.slug}/incidents/{inc['id']}?lang=en").get_data(as_text=True)
    assert "<strong>Mediation</strong>" in english
    # not a dispute category: no case
    road = _incident(api_as, town, code="facility_road")
    assert road["linked_module"] is None


def test_incident_handover_follows_the_townships_setting(api_as, town, enable_module):
    enable_module(town.tenant, "mediation", {"take_dispute_incidents": False})
    assert _incident(api_as, town)["linked_module"] is None


def test_hook_mediation_agreement_failed(api_as, town, listener):
    inc = _incident(api_as, town, person=town.people["张三"])
    staff = api_as(town.staff)
    case = staff.get(f"{base(town)}/cases/{inc['linked_ref']}").get_json()
    to_agreement(api_as, town, case)
    resp = api_as(town.med_a).post(f"{base(town)}/cases/{case['id']}/followups", json={"holds": False, "then": "reopen"})
    assert resp.status_code == 201
    failed = [c for n, c in listener.calls if n == "failed"]
    assert len(failed) == 1 and failed[0]["outcome"] == "agreement" and failed[0]["incident_id"] == inc["id"]
    after = staff.get(f"/api/v1/t/{town.slug}/incidents/{inc['id']}").get_json()
    assert after["level"] == "office" and after["reach"] == 2 and after["steps"][-1]["action"] == "escalate"
    assert "调解协议未履行" in after["steps"][-1]["note"]


def test_hook_incident_from_mediation_topic(api_as, town):
    staff = api_as(town.staff)
    meeting = staff.post(f"{base(town)}/meetings", json={"grid_id": town.village, "held_on": "2026-11-20",
                                                         "topics": [{"title": "村口路灯坏了"}]}).get_json()
    topic = meeting["topics"][0]
    resp = staff.post(f"{base(town)}/topics/{topic['id']}/incident", json={})
    assert resp.status_code == 201, resp.get_json()
    incident_id = resp.get_json()["incident_id"]
    inc = staff.get(f"/api/v1/t/{town.slug}/incidents/{incident_id}").get_json()
    assert "村口路灯坏了" in inc["description"] and inc["linked_ref"] == f"topic:{topic['id']}"
    assert resp.get_json()["meeting"]["topics"][0]["became"] == "incident"
    assert staff.post(f"{base(town)}/topics/{topic['id']}/incident", json={}).status_code == 409  # once only
    # incidents resolves it: the topic counts as solved (incidents' incident_resolved, answered here)
    for action in ("accept", "start", "resolve"):
        assert staff.post(f"/api/v1/t/{town.slug}/incidents/{incident_id}/{action}", json={}).status_code == 200
    tally = staff.get(f"{base(town)}/meetings/{meeting['id']}").get_json()["tally"]
    assert tally == {"raised": 1, "solved": 1, "open": 0, "case": 0, "incident": 1, "dropped": 0}


def test_topic_to_incident_without_incidents_is_refused(api_as, town, enable_module):
    from tenants.modules import disable_module

    staff = api_as(town.staff)
    meeting = staff.post(f"{base(town)}/meetings", json={"grid_id": town.village, "held_on": "2026-11-20",
                                                         "topics": [{"title": "路灯"}]}).get_json()
    disable_module(town.tenant, "incidents")
    db.session.commit()
    resp = staff.post(f"{base(town)}/topics/{meeting['topics'][0]['id']}/incident", json={})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "incidents_unavailable"
    assert staff.get(f"{base(town)}/meetings/{meeting['id']}").get_json()["topics"][0]["state"] == "open"


def test_star_evidence(api_as, town, take_in):
    for _ in range(3):
        to_agreement(api_as, town, take_in())
    api = api_as(town.staff)
    other = take_in()
    step(api, town, other["id"], "accept")
    step(api, town, other["id"], "refer", referral_kind="court", referral_body="法院")
    now = dt.datetime.utcnow()
    with tenant_context(town.tenant):
        answers = hooks(town.tenant).star_evidence(tenant=town.tenant, grid_id=town.village,
                                                   start=now - dt.timedelta(days=1), end=now + dt.timedelta(days=1))
        elsewhere = hooks(town.tenant).star_evidence(tenant=town.tenant, grid_id=town.other_village,
                                                     start=now - dt.timedelta(days=1), end=now + dt.timedelta(days=1))
    flat = [a for answer in answers for a in answer if a["key"].startswith("mediation.")]
    assert flat == [{"key": "mediation.success_rate", "value": 0.75, "label_zh": "矛盾纠纷调解成功率",
                     "label_en": "Mediation success rate", "unit": "%"}]
    assert [a for answer in elsewhere for a in answer if a["key"].startswith("mediation.")] == []


def test_person_export_and_anonymising_include_cases(api_as, town, take_in, create_user):
    case = take_in(summary="张三与李四因排水沟走向发生争执")
    to_agreement(api_as, town, case)
    staff = api_as(create_user(roles=[(town.tenant, "township_admin")]))
    export = staff.get(f"/api/v1/t/{town.slug}/people/{town.people['张三']}/data-export").get_json()
    mine = export["mediation"]
    assert mine["cases"][0]["case_id"] == case["id"] and mine["cases"][0]["role"] == "applicant"
    wife = staff.get(f"/api/v1/t/{town.slug}/people/{town.people['张三妻']}/data-export").get_json()
    assert wife["mediation"]["mediator"][0]["background"] == "villager"
    resp = staff.post(f"/api/v1/t/{town.slug}/people/{town.people['张三']}/anonymise", json={"confirm": True})
    assert resp.status_code in (200, 204), resp.get_json()
    after = staff.get(f"{base(town)}/cases/{case['id']}").get_json()
    assert after["parties"][0]["name"] == "（已匿名）" and after["parties"][0]["person_id"] is None
    assert "张三" not in after["summary"] and "李四" in after["summary"]
    assert after["parties"][1]["name"] == "李四"


def test_tenant_numbers_and_widgets(api_as, town, take_in):
    to_agreement(api_as, town, take_in())
    take_in()
    with tenant_context(town.tenant):
        numbers = {}
        for answer in hooks(town.tenant).tenant_numbers(tenant=town.tenant):
            numbers.update(answer)
    assert numbers["mediation.cases"] == 2 and numbers["mediation.success_rate"] == 1.0
    html = api_as(town.staff).get(f"/t/{town.slug}/").get_data(as_text=True)
    assert "今年调解成功率(%)" in html and "1/1" in html  # agreements over concluded, under the rate


def test_the_county_compares_townships_on_mediation(api_as, town, take_in, create_user):
    to_agreement(api_as, town, take_in())
    county = town.tenant.parent
    admin = create_user(roles=[(county, "county_admin")])
    html = api_as(admin).get(f"/t/{county.slug}/compare?metric=mediation.success_rate").get_data(as_text=True)
    assert "调解工作室" in html and "成功率" in html and "100.0%" in html
