"""Fixtures for the residents' side: a township with two households, a grid worker with a phone,
and helpers that issue a card through the staff page and sign a phone in with it."""
from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from core.db import db
from core.grid.models import Grid
from core.people.identity import make_id_number
from core.tenancy import tenant_context

_seq = itertools.count(300)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Village:
    tenant: object
    slug: str
    village_id: int  # 东门社区 (level 1)
    grid_id: int  # 第一网格 under it
    other_grid_id: int  # 西门村 (level 1)
    household_id: int  # in 第一网格
    neighbour_id: int  # in 西门村
    admin: object
    worker: object  # grid_worker on 第一网格
    other_worker: object  # grid_worker on 西门村


def csrf_of(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    return CSRF.search(text).group(1)


def make_village(create_county, create_user, name: str = "城关镇") -> Village:
    from core.grid.duties import add_duty
    from core.people.services import create_household, create_person
    from tenants.onboarding import onboard_township
    from tests.conftest import unique

    county = create_county()
    tenant = onboard_township({"name": name, "slug": unique("town"), "county": county.slug,
                               "grid_level_names": ["村", "网格"],
                               "grids": [{"name": "东门社区", "children": [{"name": "第一网格"}]}, {"name": "西门村"}]},
                              county=county).tenant
    with tenant_context(tenant):
        grids = {g.name: g for g in db.session.scalars(select(Grid))}
        home = create_household({"grid_id": grids["第一网格"].id, "address": "东门路 8 号", "number": "0008",
                                 "head_name": "张大爷"})
        neighbour = create_household({"grid_id": grids["西门村"].id, "address": "西门村 3 组 12 号", "number": "0312"})
        for person, household in (("张大爷", home), ("李奶奶", home), ("王邻居", neighbour)):
            create_person({"name": person, "grid_id": household.grid_id, "household_id": household.id,
                           "relation": "户主" if person != "李奶奶" else "配偶",
                           "id_number": make_id_number("340822", dt.date(1950, 3, 1), next(_seq), "male")})
        add_duty(tenant, grids["第一网格"], "grid_worker", name="赵网格员", phone="13900001111")
        ids = (grids["东门社区"].id, grids["第一网格"].id, grids["西门村"].id, home.id, neighbour.id)
        db.session.commit()
        first, west = grids["第一网格"], grids["西门村"]
        worker = create_user(roles=[(tenant, "grid_worker", first)])
        other_worker = create_user(roles=[(tenant, "grid_worker", west)])
    admin = create_user(roles=[(tenant, "township_admin")])
    return Village(tenant, tenant.slug, *ids, admin=admin, worker=worker, other_worker=other_worker)


@pytest.fixture
def village(create_county, create_user) -> Village:
    return make_village(create_county, create_user)


def issue_card(api, village: Village, household_id: int | None = None) -> dict:
    """Issue (or reissue) a card from the household page; the printed face: url, token, pin, number."""
    household_id = household_id or village.household_id
    resp = api.post(f"/t/{village.slug}/people/households/{household_id}/card")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return faces(resp.get_data(as_text=True))[0]


def faces(html: str) -> list[dict]:
    out = []
    for url, number, pin in re.findall(r'data-url="([^"]+)".*?class="hcard-number">([^<]+)<.*?class="hcard-pin">([^<]+)<',
                                       html, re.S):
        path = url.split("//", 1)[1].split("/", 1)[1]
        out.append({"url": url, "path": "/" + path, "token": path.rsplit("/", 1)[1], "number": number.strip(),
                    "pin": pin.strip()})
    return out


def sign_in(client, face: dict, pin: str | None = None):
    """Scan the card (GET its link) and send the PIN; the response of the POST."""
    page = client.get(face["path"])
    return client.post(face["path"], data={"csrf_token": csrf_of(page.data), "pin": pin or face["pin"]})


def resident_phone(app, staff_api, tenant_slug: str, household_id: int):
    """A test client signed in to the residents' portal of ``household_id`` (a card issued by
    ``staff_api``, a client of someone holding ``people.cards``): for modules' portal tests."""
    resp = staff_api.post(f"/t/{tenant_slug}/people/households/{household_id}/card")
    assert resp.status_code == 200, resp.status_code
    phone = app.test_client()
    assert sign_in(phone, faces(resp.get_data(as_text=True))[0]).status_code == 303
    return phone
