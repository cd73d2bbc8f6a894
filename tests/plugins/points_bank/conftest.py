"""Fixtures for the points bank tests: a township with the module on, two villages, households
created through the people API, and one user per role that matters."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest


@dataclass
class Town:
    tenant: object
    slug: str
    village: int
    g1: int
    g2: int
    other_village: int
    admin: object  # township_admin
    staff: object  # township_staff: records, reviews, redeems
    worker1: object  # grid_worker on g1
    worker2: object  # grid_worker on g2
    clerk: object  # points_clerk: the counter
    officer: object  # info_officer on g1: views only
    households: dict = field(default_factory=dict)  # name -> id

    @property
    def base(self) -> str:
        return f"/api/v1/t/{self.slug}/points_bank"


def make_town(create_tenant, create_grid, create_user, api_as, modules=("points_bank",), settings=None) -> Town:
    from core.tenancy import tenant_context

    mods = {m: {} for m in modules}
    if settings:
        mods["points_bank"] = settings
    tenant = create_tenant(modules=mods, levels=["村/社区", "网格"])
    with tenant_context(tenant):
        village = create_grid(tenant, "查冲村")
        g1 = create_grid(tenant, "第一网格", village)
        g2 = create_grid(tenant, "第二网格", village)
        other = create_grid(tenant, "新安村")
        ids = (village.id, g1.id, g2.id, other.id)
        users = dict(
            admin=create_user(roles=[(tenant, "township_admin")], display_name="管理员"),
            staff=create_user(roles=[(tenant, "township_staff")], display_name="网格办小王"),
            worker1=create_user(roles=[(tenant, "grid_worker", g1)], display_name="网格员甲"),
            worker2=create_user(roles=[(tenant, "grid_worker", g2)]),
            clerk=create_user(roles=[(tenant, "points_clerk")], display_name="超市管理员"),
            officer=create_user(roles=[(tenant, "info_officer", g1)]),
        )
    town = Town(tenant, tenant.slug, *ids, **users)
    api = api_as(town.admin)
    for name, grid in (("张三", ids[1]), ("李四", ids[1]), ("王五", ids[2]), ("赵六", ids[3])):
        resp = api.post(f"/api/v1/t/{town.slug}/households",
                        json={"grid_id": grid, "address": f"{name}家", "head_name": name, "number": f"HH-{name}"})
        assert resp.status_code == 201, resp.get_json()
        town.households[name] = resp.get_json()["id"]
    return town


@pytest.fixture
def town(create_tenant, create_grid, create_user, api_as):
    return make_town(create_tenant, create_grid, create_user, api_as)


@pytest.fixture
def build_town(create_tenant, create_grid, create_user, api_as):
    return lambda **kw: make_town(create_tenant, create_grid, create_user, api_as, **kw)


class Books:
    """Short-hands over the API for one township, as one user."""

    def __init__(self, town: Town, api):
        self.town, self.api = town, api

    def scheme(self, code: str = "household") -> dict:
        rows = self.api.get(f"{self.town.base}/schemes").get_json()
        scheme = next(s for s in rows if s["code"] == code)
        return self.api.get(f"{self.town.base}/schemes/{scheme['id']}").get_json()

    def rule(self, key: str, code: str = "household") -> dict:
        return next(r for r in self.scheme(code)["rules"] if r["key"] == key)

    def record(self, household: str, key: str, code: str = "household", **extra):
        scheme = self.scheme(code)
        rule = next(r for r in scheme["rules"] if r["key"] == key)
        return self.api.post(f"{self.town.base}/entries", json={
            "scheme_id": scheme["id"], "rule_id": rule["id"], "household_id": self.town.households[household], **extra})

    def account(self, household: str) -> dict:
        rows = self.api.get(f"{self.town.base}/accounts?household_id={self.town.households[household]}").get_json()
        return rows["items"][0]

    def check(self) -> dict:
        return self.api.get(f"{self.town.base}/check").get_json()


@pytest.fixture
def books(town, api_as):
    return Books(town, api_as(town.admin))
