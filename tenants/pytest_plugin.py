"""The tenant lifecycle's pytest fixtures (entry point ``pytest11`` ``gridgov_tenants``, installed
with gridgov beside :mod:`core.pytest_plugin`): the factories that go through onboarding and module
switching, which core's plugin cannot offer since core never imports ``tenants``.

| fixture | what it gives |
| --- | --- |
| ``create_county(slug=None, name=...)`` | a county tenant (its default templates published) |
| ``create_tenant(slug=None, county=None, modules=(), levels=None, grids=None)`` | a township, committed |
| ``enable_module(tenant, name, settings=None)`` | switch a module on |
"""
from __future__ import annotations

import pytest

from core.db import db
from core.pytest_plugin import unique
from tenants.modules import enable_module as _enable
from tenants.onboarding import create_county as _create_county
from tenants.onboarding import onboard_township


@pytest.fixture
def create_county(db_session):
    def make(slug: str | None = None, name: str = "测试县"):
        return _create_county(slug or unique("county"), name)

    return make


@pytest.fixture
def create_tenant(db_session, create_county):
    """``create_tenant(modules=..., county=..., levels=...)``: a township, committed."""

    def make(slug: str | None = None, *, county=None, modules=(), levels=None, grids=None, name: str = "测试镇"):
        county = county or create_county()
        manifest = {"name": name, "slug": slug or unique("town"), "county": county.slug,
                    "modules": {m: {} for m in modules} if not isinstance(modules, dict) else modules,
                    "grids": grids or []}
        if levels:
            manifest["grid_level_names"] = levels
        return onboard_township(manifest, county=county).tenant

    return make


@pytest.fixture
def enable_module(db_session):
    def enable(tenant, name: str, settings=None):
        _enable(tenant, name, settings)
        db.session.commit()

    return enable
