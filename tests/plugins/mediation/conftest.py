"""Fixtures for the mediation tests: a township with mediation (and incidents) on, two villages,
residents in households, two rooms with mediators who have accounts, and the office."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.conftest import unique


@dataclass
class Town:
    tenant: object
    slug: str
    village: int
    g1: int
    g2: int
    other_village: int
    g3: int
    staff: object  # township_staff: the office
    worker1: object  # grid_worker on g1
    worker3: object  # grid_worker on g3
    med_a: object  # mediator account, room A
    med_a2: object  # mediator account, room A, lives in household hh1 (a party's household)
    med_b: object  # mediator account, room B
    room_a: int = 0
    room_b: int = 0
    mediators: dict = field(default_factory=dict)  # user key → mediator id
    people: dict = field(default_factory=dict)  # name → person id
    households: dict = field(default_factory=dict)


def base(town) -> str:
    return f"/api/v1/t/{town.slug}/mediation"


def make_town(create_tenant, create_grid, create_user, api_as, modules=("incidents", "mediation")) -> Town:
    from core.tenancy import tenant_context

    tenant = create_tenant(modules=list(modules), levels=["村/社区", "网格", "微网格"])
    with tenant_context(tenant):
        village = create_grid(tenant, "查冲村")
        g1 = create_grid(tenant, "第一网格", village)
        g2 = create_grid(tenant, "第二网格", village)
        other = create_grid(tenant, "新安村")
        g3 = create_grid(tenant, "一组网格", other)
        ids = [x.id for x in (village, g1, g2, other, g3)]
        users = dict(staff=create_user(roles=[(tenant, "township_staff")], display_name="综治办小王"),
                     worker1=create_user(roles=[(tenant, "grid_worker", g1)]),
                     worker3=create_user(roles=[(tenant, "grid_worker", g3)]),
                     med_a=create_user(roles=[(tenant, "mediator")], display_name="周法官"),
                     med_a2=create_user(roles=[(tenant, "mediator")]),
                     med_b=create_user(roles=[(tenant, "mediator")]))
    town = Town(tenant, tenant.slug, *ids, **users)
    staff = api_as(town.staff)
    api = f"/api/v1/t/{town.slug}"
    for hh, grid in (("hh1", town.g1), ("hh2", town.g1), ("hh3", town.g3)):
        town.households[hh] = staff.post(f"{api}/households", json={"grid_id": grid, "address": f"{hh}号"}).get_json()["id"]
    for name, hh in (("张三", "hh1"), ("张三妻", "hh1"), ("李四", "hh2"), ("王五", "hh3")):
        body = staff.post(f"{api}/people", json={"name": name, "household_id": town.households[hh], "mobile": "13912345678"})
        assert body.status_code == 201, body.get_json()
        town.people[name] = body.get_json()["id"]
    a = staff.post(f"{base(town)}/rooms", json={"name": "查冲村调解室", "grid_ids": [town.village], "address": "村部二楼",
                                                "hours": "周一至周五"})
    assert a.status_code == 201, a.get_json()
    town.room_a = a.get_json()["id"]
    town.room_b = staff.post(f"{base(town)}/rooms", json={"name": "新安村调解室", "grid_ids": [town.other_village]}).get_json()["id"]
    for key, room, extra in (("med_a", town.room_a, {"name": "周法官", "background": "retired_judge"}),
                             ("med_a2", town.room_a, {"person_id": town.people["张三妻"], "background": "villager"}),
                             ("med_b", town.room_b, {"name": "吴警官", "background": "retired_police"})):
        resp = staff.post(f"{base(town)}/mediators", json={**extra, "room_ids": [room],
                                                             "username": getattr(town, key).username})
        assert resp.status_code == 201, resp.get_json()
        town.mediators[key] = resp.get_json()["id"]
    return town


@pytest.fixture
def town(create_tenant, create_grid, create_user, api_as) -> Town:
    return make_town(create_tenant, create_grid, create_user, api_as)


@pytest.fixture
def take_in(api_as, town):
    """``take_in(user=staff, **fields)`` → the new case's JSON (a neighbours' dispute in g1)."""

    def make(user=None, **fields):
        body = {"grid_id": town.g1, "dispute_type": "neighbours", "summary": "张三与李四因排水沟走向发生争执",
                "amount": 3000, "urgency": "normal",
                "parties": [{"person_id": town.people["张三"], "role": "applicant"},
                            {"person_id": town.people["李四"], "role": "respondent"}], **fields}
        resp = api_as(user or town.staff).post(f"{base(town)}/cases", json=body)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    return make


def step(api, town, case_id, action, **body):
    return api.post(f"{base(town)}/cases/{case_id}/{action}", json=body)


def to_agreement(api_as, town, case, mediator="med_a"):
    """Accept, assign ``mediator``, one session, agreement signed by all; returns the JSON."""
    api = api_as(getattr(town, mediator))
    assert step(api, town, case["id"], "accept").status_code == 200
    assert step(api, town, case["id"], "assign", mediator_ids=[town.mediators[mediator]]).status_code == 200
    assert step(api, town, case["id"], "session", notes="双方陈述", attendees="张三、李四").status_code == 200
    resp = step(api, town, case["id"], "agree", terms="李四于十日内改道排水沟",
                signed_party_ids=[p["id"] for p in case["parties"]])
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()
