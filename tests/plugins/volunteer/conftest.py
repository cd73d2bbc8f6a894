"""Fixtures for the volunteer tests: a county with units, a township with the module on, a small
grid tree, one user per role that matters, and helpers that speak the API."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from plugins.volunteer.localtime import to_local

FAST = {"min_minutes_before_checkout": 0}


@dataclass(frozen=True)
class GridRef:
    id: int
    name: str


@dataclass
class Town:
    tenant: object
    county: object
    village: GridRef
    g1: GridRef
    g2: GridRef
    admin: object  # township_admin (志愿服务办)
    worker1: object  # grid_worker on g1
    worker2: object  # grid_worker on g2
    leader: object  # volunteer_leader (team leader with an account)
    police: object  # grid_police on g1: may view only
    county_admin: object
    unit_id: int  # a unit of the county
    slug: str = ""  # plain values: ORM rows expire on commit and reload only in their tenant
    county_slug: str = ""

    @property
    def api(self) -> str:
        return f"/api/v1/t/{self.slug}/volunteer"

    @property
    def pages(self) -> str:
        return f"/t/{self.slug}/volunteer"


def make_town(create_county, create_tenant, create_grid, create_user, enable_module, api_as, *, county=None,
              settings=None) -> Town:
    county = county or create_county()
    tenant = create_tenant(county=county, modules={"volunteer": dict(FAST, **(settings or {}))},
                           levels=["村/社区", "网格"])
    from core.toolkit import tenant_context

    with tenant_context(tenant):
        village = create_grid(tenant, "幸福社区")
        g1 = create_grid(tenant, "第一网格", village)
        g2 = create_grid(tenant, "第二网格", village)
        refs = [GridRef(x.id, x.name) for x in (village, g1, g2)]
        users = _users(create_user, tenant, county, g1, g2)
    enable_module(county, "volunteer")
    units = f"/api/v1/t/{county.slug}/volunteer/units"
    name = f"县教育局{county.id}"
    unit = api_as(users["county_admin"]).post(units, json={"name": name, "annual_target_hours": 50})
    if unit.status_code == 409:  # a second township of the same county
        unit_id = next(u["id"] for u in api_as(users["county_admin"]).get(units).get_json()["items"] if u["name"] == name)
    else:
        assert unit.status_code == 201, unit.get_json()
        unit_id = unit.get_json()["id"]
    return Town(tenant, county, *refs, **users, unit_id=unit_id, slug=tenant.slug, county_slug=county.slug)


def _users(create_user, tenant, county, g1, g2) -> dict:
    return dict(
        admin=create_user(roles=[(tenant, "township_admin")], display_name="志愿办"),
        worker1=create_user(roles=[(tenant, "grid_worker", g1)]),
        worker2=create_user(roles=[(tenant, "grid_worker", g2)]),
        leader=create_user(roles=[(tenant, "volunteer_leader")], display_name="队长老王"),
        police=create_user(roles=[(tenant, "grid_police", g1)]),
        county_admin=create_user(roles=[(county, "county_admin")]),
    )


@pytest.fixture
def town(create_county, create_tenant, create_grid, create_user, enable_module, api_as) -> Town:
    return make_town(create_county, create_tenant, create_grid, create_user, enable_module, api_as)


def local_iso(moment: dt.datetime) -> str:
    """A UTC moment as the Beijing time the API accepts."""
    return to_local(moment).replace(microsecond=0, tzinfo=None).isoformat()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@pytest.fixture
def post_id(town, api_as):
    items = api_as(town.admin).get(f"{town.api}/posts").get_json()["items"]
    return next(p["id"] for p in items if p["name"] == "疫情防控")


@pytest.fixture
def volunteer(town, api_as):
    """``volunteer(name=..., mobile=..., **fields)`` → the confirmed volunteer's JSON with ``token``."""
    seq = iter(range(1000, 9999))

    def make(**fields):
        body = {"name": "志愿者", "mobile": f"139{next(seq):04d}{town.tenant.id % 10000:04d}", "confirm": True, **fields}
        resp = api_as(town.admin).post(f"{town.api}/volunteers", json=body)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    return make


@pytest.fixture
def activity(town, api_as, post_id):
    """``activity(slots=3, start_in=minutes, hours=2, **fields)`` → the activity's JSON; the leader leads it."""

    def make(slots=3, start_in=30, hours=2.0, **fields):
        start = utc_now() + dt.timedelta(minutes=start_in)
        body = {"title": "核酸检测秩序维护", "post_id": post_id, "grid_id": town.g1.id, "place": "社区广场",
                "starts_at": local_iso(start), "ends_at": local_iso(start + dt.timedelta(hours=hours)),
                "slots": slots, "leader_user_id": town.leader.id, **fields}
        resp = api_as(town.admin).post(f"{town.api}/activities", json=body)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    return make


class Phone:
    """A volunteer's phone: the personal token as the header the API takes."""

    def __init__(self, client, town, token):
        self.client, self.town, self.headers = client, town, {"X-Volunteer-Token": token}

    def post(self, path, **kw):
        return self.client.post(f"{self.town.api}/me{path}", headers=self.headers, **kw)

    def get(self, path="", **kw):
        return self.client.get(f"{self.town.api}/me{path}", headers=self.headers, **kw)

    def delete(self, path, **kw):
        return self.client.delete(f"{self.town.api}/me{path}", headers=self.headers, **kw)


@pytest.fixture
def phone(app, town):
    return lambda vol: Phone(app.test_client(), town, vol["token"])


@pytest.fixture
def code(town, api_as):
    """The activity's current check-in code, as the leader's screen shows it."""

    def make(activity_id, user=None):
        resp = api_as(user or town.leader).get(f"{town.api}/activities/{activity_id}/code")
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["code"]

    return make
