"""Fixtures for the five-star tests: a county with the module on, a township with two villages
and their branches, and one user per role that matters."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from plugins.five_star.clock import this_year

YEAR = this_year()


@dataclass
class Town:
    tenant: object
    county: object
    v1: int  # 查冲村 grid id
    v2: int  # 新安村 grid id
    g1: int  # a grid under v1
    b1: int  # branch (party org) on v1
    b2: int  # branch on v2
    admin: object
    staff: object
    leader1: object  # grid_leader on v1: the village secretary
    leader2: object  # grid_leader on v2
    worker: object  # grid_worker on g1: no five-star rights
    county_admin: object
    scorer: object
    rater: object


def make_town(create_tenant, create_grid, create_user, api_as, enable_module, county=None, modules=("five_star",)) -> Town:
    from tests.conftest import unique

    if county is None:
        from tenants.onboarding import create_county

        from core.db import db

        county = create_county(unique("county"), "示范县")
        db.session.commit()
        enable_module(county, "five_star")
    tenant = create_tenant(county=county, modules=list(modules), levels=["村/社区", "网格"])
    from core.tenancy import tenant_context

    with tenant_context(tenant):
        v1 = create_grid(tenant, "查冲村")
        v1_id = v1.id
        v2_id = create_grid(tenant, "新安村").id
        ids = (v1_id, v2_id, create_grid(tenant, "第一网格", v1).id)
    admin = create_user(roles=[(tenant, "township_admin")], display_name="乡镇管理员")
    api = api_as(admin)
    base = f"/api/v1/t/{tenant.slug}"
    b1 = api.post(f"{base}/party-orgs", json={"grid_id": ids[0], "kind": "branch", "name": "查冲村党支部"}).get_json()["id"]
    b2 = api.post(f"{base}/party-orgs", json={"grid_id": ids[1], "kind": "general_branch", "name": "新安村党总支"}).get_json()["id"]
    return Town(tenant, county, *ids, b1, b2, admin,
                staff=create_user(roles=[(tenant, "township_staff")], display_name="党建办干事"),
                leader1=create_user(roles=[(tenant, "grid_leader", ids[0])], display_name="查冲村书记"),
                leader2=create_user(roles=[(tenant, "grid_leader", ids[1])]),
                worker=create_user(roles=[(tenant, "grid_worker", ids[2])]),
                county_admin=create_user(roles=[(county, "county_admin")], display_name="县委组织部"),
                scorer=create_user(roles=[(tenant, "star_scorer")]),
                rater=create_user(roles=[(tenant, "star_rater")]))


@pytest.fixture
def town(create_tenant, create_grid, create_user, api_as, enable_module) -> Town:
    return make_town(create_tenant, create_grid, create_user, api_as, enable_module)


def base(town) -> str:
    return f"/api/v1/t/{town.tenant.slug}/five_star"


def county_base(town) -> str:
    return f"/api/v1/t/{town.county.slug}/five_star/county"


@pytest.fixture
def standard(town, api_as):
    resp = api_as(town.staff).get(f"{base(town)}/standards/{YEAR}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def star(standard, code):
    return next(s for s in standard["stars"] if s["code"] == code)


def full_scores(star_json) -> dict[str, float]:
    return {str(c["id"]): c["max_score"] for t in star_json["tasks"] for c in t["criteria"]}


@pytest.fixture
def approved_plan(town, api_as, standard):
    """The first village's plan for 支部过硬星 and 平安法治星, filed and approved."""
    party = star(standard, "party")
    leader = api_as(town.leader1)
    resp = leader.post(f"{base(town)}/plans", json={
        "org_id": town.b1, "year": YEAR, "star_codes": ["party", "safety"],
        "actions": [{"task_id": party["tasks"][0]["id"], "action": "调整充实两委班子", "owner": "张书记",
                     "start_on": f"{YEAR}-01-10", "due_on": f"{YEAR}-06-30"}]})
    assert resp.status_code == 201, resp.get_json()
    plan = resp.get_json()
    assert leader.post(f"{base(town)}/plans/{plan['id']}/submit", json={}).status_code == 200
    assert api_as(town.staff).post(f"{base(town)}/plans/{plan['id']}/approve", json={}).status_code == 200
    return plan


@pytest.fixture
def at_county(town, api_as, standard, approved_plan):
    """An assessment of 支部过硬星 submitted by the branch and the township, waiting for the county."""
    party = star(standard, "party")
    leader, staff = api_as(town.leader1), api_as(town.staff)
    a = leader.post(f"{base(town)}/assessments", json={"org_id": town.b1, "star_code": "party", "year": YEAR}).get_json()
    assert leader.post(f"{base(town)}/assessments/{a['id']}/submit", json={"scores": full_scores(party)}).status_code == 200
    resp = staff.post(f"{base(town)}/assessments/{a['id']}/submit", json={"scores": full_scores(party), "comment": "同意"})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()
