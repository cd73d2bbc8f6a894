"""Fixtures for people tests: a township with a small grid tree, its admin, and factories."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from core.db import db
from core.grid.models import Grid
from core.people.identity import make_id_number
from core.tenancy import tenant_context

TREE = [
    {"name": "东村", "children": [{"name": "东一网格"}, {"name": "东二网格"}]},
    {"name": "西村", "children": [{"name": "西一网格"}]},
]
_seq = itertools.count(1)


def new_id(born=dt.date(1980, 5, 3), gender="male", region="340822") -> str:
    return make_id_number(region, born, next(_seq), gender)


@pytest.fixture
def town(create_county):
    """A township (region 340822101) with the tree above; ``town.grids[name]`` → id."""
    from tenants.onboarding import onboard_township
    from tests.conftest import unique

    county = create_county()
    tenant = onboard_township({"name": "测试镇", "slug": unique("town"), "county": county.slug,
                               "region_code": "340822101", "grid_level_names": ["村", "网格"], "grids": TREE},
                              county=county).tenant
    with tenant_context(tenant):
        tenant.grids = {g.name: g.id for g in db.session.scalars(select(Grid))}
    return tenant


def grid_of(tenant, name: str) -> Grid:
    """The Grid row called ``name`` in ``tenant`` (for grid-scoped roles)."""
    with tenant_context(tenant):
        return db.session.get(Grid, tenant.grids[name])


@pytest.fixture
def admin(town, create_user):
    return create_user(roles=[(town, "township_admin")])


@pytest.fixture
def add_person(db_session):
    """``add_person(tenant, name, grid_id, **fields)`` through the service; committed."""
    from core.people.services import create_person

    def make(tenant, name, grid_id, **fields):
        fields.setdefault("id_number", new_id())
        with tenant_context(tenant):
            person = create_person({"name": name, "grid_id": grid_id, **fields})
            db.session.commit()
            return person.id

    return make


@pytest.fixture
def probe(register_plugin):
    """A plugin answering the people hooks (person_sections, data export, anonymising)."""
    from core.plugins import hookimpl

    calls = []

    class Probe:
        @staticmethod
        @hookimpl
        def person_sections(tenant, person, user):
            return [{"title": "走访记录", "rows": [("最近走访", f"探针-{person.id}")]}]

        @staticmethod
        @hookimpl
        def person_data_export(tenant, person):
            return {"visits": [f"visit of {person.name}"]}

        @staticmethod
        @hookimpl
        def person_anonymised(tenant, person):
            calls.append(("anonymised", person.id, person.name))

    register_plugin(Probe, "people_probe")
    return calls
