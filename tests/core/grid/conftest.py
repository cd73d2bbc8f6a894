"""Fixtures for grid tests: a township with a small tree, a reader of grid rows, and a spy
plugin answering ``grid_usage``/``grids_merged`` the way installed modules do."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import db
from core.grid.models import Grid
from core.plugins import hookimpl
from core.tenancy import tenant_context

TREE = [
    {"name": "东村", "children": [
        {"name": "东一网格", "children": [{"name": "一号楼"}, {"name": "二号楼"}]},
        {"name": "东二网格"},
    ]},
    {"name": "西村", "children": [{"name": "西一网格"}]},
]


@pytest.fixture
def town(create_tenant):
    """A township with region code, 4 level names and the tree above."""
    from tenants.onboarding import create_county, onboard_township
    from tests.conftest import unique

    county = create_county(unique("county"), "测试县")
    return onboard_township({"name": "测试镇", "slug": unique("town"), "county": county.slug,
                             "region_code": "340822101", "grid_level_names": ["村", "网格", "楼栋", "单元"],
                             "grids": TREE}, county=county).tenant


@pytest.fixture
def rows():
    """``rows(tenant)``: {name: {"id", "code", "path", "level", "parent_id", "status"}} read fresh."""

    def read(tenant):
        db.session.expire_all()
        with tenant_context(tenant):
            return {g.name: {"id": g.id, "code": g.code, "path": g.path, "level": g.level,
                             "parent_id": g.parent_id, "status": g.status.value}
                    for g in db.session.scalars(select(Grid))}

    return read


class Spy:
    """Answers the every-module grid hooks like a module holding rows per grid."""

    def __init__(self):
        self.usage: dict[int, dict[str, int]] = {}
        self.merged: list[tuple[int, int, int]] = []

    @hookimpl
    def grid_usage(self, tenant, grid):
        return self.usage.get(grid.id, {})

    @hookimpl
    def grids_merged(self, tenant, source, target):
        self.merged.append((tenant.id, source.id, target.id))
        moved = self.usage.pop(source.id, {})
        for label, n in moved.items():
            self.usage.setdefault(target.id, {})[label] = self.usage.get(target.id, {}).get(label, 0) + n


@pytest.fixture
def spy(register_plugin):
    return register_plugin(Spy(), "test_grid_spy")
