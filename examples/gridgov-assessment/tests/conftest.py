"""Fixtures for the assessment plugin's tests, built only from gridgov's pytest plugin
(``create_tenant``, ``create_grid``, ``create_user``, ``api_as``...) and the public plugin API: a
township with two villages and three grids (the assessed ones), and the users who matter."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.toolkit import local_today, period_name, tenant_context


def this_quarter() -> str:
    return period_name("quarter", local_today())


@dataclass
class Town:
    tenant: object
    village1: int
    village2: int
    g1: int  # 一网格, under village1
    g2: int  # 二网格, under village1
    g3: int  # 三网格, under village2
    admin: object  # township_admin: manages quarters and checklists
    staff: object  # township_staff: inspects
    leader1: object  # grid_leader on g1: sees published quarters only
    worker3: object  # grid_worker on g3
    period: str

    @property
    def slug(self) -> str:
        return self.tenant.slug

    @property
    def api(self) -> str:
        return f"/api/v1/t/{self.tenant.slug}/assessment"

    @property
    def pages(self) -> str:
        return f"/t/{self.tenant.slug}/assessment"


def make_town(create_tenant, create_grid, create_user, modules=("assessment",), county=None) -> Town:
    tenant = create_tenant(modules=list(modules), levels=["村", "网格"], county=county)
    with tenant_context(tenant):
        v1 = create_grid(tenant, "东村")
        v2 = create_grid(tenant, "西村")
        ids = [v1.id, v2.id, create_grid(tenant, "一网格", v1).id, create_grid(tenant, "二网格", v1).id,
               create_grid(tenant, "三网格", v2).id]
    return Town(tenant, *ids,
                admin=create_user(roles=[(tenant, "township_admin")], display_name="网格办主任"),
                staff=create_user(roles=[(tenant, "township_staff")], display_name="督查组王干事"),
                leader1=create_user(roles=[(tenant, "grid_leader", ids[2])], display_name="一网格长"),
                worker3=create_user(roles=[(tenant, "grid_worker", ids[4])]),
                period=this_quarter())


@pytest.fixture
def town(create_tenant, create_grid, create_user) -> Town:
    return make_town(create_tenant, create_grid, create_user)


@pytest.fixture
def town_with(create_tenant, create_grid, create_user):
    """``town_with(modules=("assessment", "incidents"), county=None)``: another town, other modules."""
    return lambda modules=("assessment",), county=None: make_town(create_tenant, create_grid, create_user, modules, county)


@pytest.fixture
def other_town(create_tenant, create_grid, create_user) -> Town:
    return make_town(create_tenant, create_grid, create_user)


@pytest.fixture
def rule_by_code():
    """``rule_by_code(api, town, code)``: a rule of the town's current quarter, as the API gives it."""

    def find(api, town: Town, code: str, period: str | None = None) -> dict:
        quarter = api.get(f"{town.api}/quarters/{period or town.period}").get_json()
        return next(r for r in quarter["rules"] if r["code"] == code)

    return find


@pytest.fixture
def deduct():
    """``deduct(api, town, grid_id, rule_id, points)``: record an inspection's deduction."""

    def post(api, town: Town, grid_id: int, rule_id: int, points: float, reason: str = "门前堆放杂物",
             period: str | None = None):
        return api.post(f"{town.api}/quarters/{period or town.period}/deductions",
                        json={"grid_id": grid_id, "rule_id": rule_id, "points": points, "reason": reason,
                              "evidence": "照片 IMG_0012"})

    return post
