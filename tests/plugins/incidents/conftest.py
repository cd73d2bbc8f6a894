"""Fixtures for the incidents tests: a township with the module on, a small grid tree and one
user per role that matters."""
from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from PIL import Image

from core.db import db


@dataclass
class Town:
    tenant: object
    village: object  # 村 (level 1)
    g1: object  # 第一网格 under the village
    g2: object  # 第二网格 under the village
    other_village: object
    g3: object  # under the other village
    worker1: object  # grid_worker on g1
    worker2: object  # grid_worker on g2
    leader: object  # grid_leader on the village
    staff: object  # township_staff (网格办)
    officer: object  # info_officer on g1: may report, not handle


@dataclass(frozen=True)
class GridRef:
    """A grid's plain values: ORM rows expire on each commit and may only reload in their tenant."""

    id: int
    code: str
    name: str
    path: str
    token: str  # public_token: what its printed QR code carries


def make_town(create_tenant, create_grid, create_user, modules=("incidents",)) -> Town:
    from core.tenancy import tenant_context

    tenant = create_tenant(modules=list(modules), levels=["村/社区", "网格", "微网格"])
    with tenant_context(tenant):
        village = create_grid(tenant, "查冲村")
        g1 = create_grid(tenant, "第一网格", village)
        g2 = create_grid(tenant, "第二网格", village)
        other = create_grid(tenant, "新安村")
        g3 = create_grid(tenant, "一组网格", other)
        users = dict(
            worker1=create_user(roles=[(tenant, "grid_worker", g1)], display_name="网格员甲"),
            worker2=create_user(roles=[(tenant, "grid_worker", g2)]),
            leader=create_user(roles=[(tenant, "grid_leader", village)]),
            staff=create_user(roles=[(tenant, "township_staff")]),
            officer=create_user(roles=[(tenant, "info_officer", g1)]),
        )
        refs = [GridRef(x.id, x.code, x.name, x.path, x.public_token) for x in (village, g1, g2, other, g3)]
    return Town(tenant, *refs, **users)


@pytest.fixture
def town(create_tenant, create_grid, create_user) -> Town:
    return make_town(create_tenant, create_grid, create_user)


@pytest.fixture
def category_id(town, db_session):
    from sqlalchemy import select

    from core.tenancy import tenant_context
    from plugins.incidents.models import Category

    with tenant_context(town.tenant):
        return db.session.scalar(select(Category.id).where(Category.code == "facility_road"))


def base(town) -> str:
    return f"/api/v1/t/{town.tenant.slug}/incidents"


@pytest.fixture
def report(api_as, town, category_id):
    """``report(user=worker1, grid=g1, **fields)`` → the created incident's JSON."""

    def make(user=None, grid=None, **fields):
        api = api_as(user or town.worker1)
        body = {"category_id": category_id, "grid_id": (grid or town.g1).id, "description": "道路出现坑洼",
                "place": "村口", **fields}
        resp = api.post(base(town), json=body)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    return make


def png_bytes(size=(8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buf, format="PNG")
    return buf.getvalue()

