"""Fixtures for the console pages: a township with an admin, signed-in page clients."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


class PageClient:
    """A browser-like client signed in as one user; every request carries the session's CSRF
    token in ``X-CSRFToken`` (as the forms' hidden field would)."""

    def __init__(self, app, user, password: str = PASSWORD):
        self.client = app.test_client()
        self.user = user
        resp = self.client.post("/api/v1/auth/login", json={"login": user.username, "password": password})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        page = self.client.get("/login").get_data(as_text=True)
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, data=None, **kw):
        headers = {"X-CSRFToken": self.csrf, **kw.pop("headers", {})}
        return self.client.post(path, data=data, headers=headers, **kw)


@pytest.fixture
def page_as(app):
    """``page_as(user)``: a client signed in as ``user``; form posts carry the CSRF token."""
    return lambda user, **kw: PageClient(app, user, **kw)


@pytest.fixture
def town_admin(create_tenant, create_user):
    town = create_tenant(name="城关镇")
    admin = create_user(roles=[(town, "township_admin")], display_name="王主任")
    return town, admin


def field_error(html: str, field_id: str) -> str | None:
    """The error text shown next to the input whose id (or name) is ``field_id``."""
    m = re.search(r'<span class="field-error" id="err-' + re.escape(field_id) + r'"[^>]*>([^<]*)</span>', html)
    return m.group(1) if m else None


def input_value(html: str, name: str) -> str | None:
    m = re.search(r'<input[^>]*name="' + re.escape(name) + r'"[^>]*value="([^"]*)"', html)
    return m.group(1) if m else None


@pytest.fixture
def sample_module(app):
    """Install :mod:`tests.core.console.sample_module` (``chart_demo``) for one test."""
    from core.plugins import LoadedPlugin
    from tests.core.console import sample_module as package

    registry = app.extensions["gridgov.plugins"]
    impl = package.Hooks()
    registry.plugins["chart_demo"] = LoadedPlugin(name="chart_demo", package=package, impl=impl, manifest=package.manifest)
    registry.pm.register(impl, name="chart_demo")
    registry._relays.clear()
    try:
        yield package.manifest
    finally:
        registry.pm.unregister(impl)
        del registry.plugins["chart_demo"]
        registry._relays.clear()


def modules_on(tenant) -> set[str]:
    """The modules switched on for ``tenant``, read afresh from the database (not the
    per-request cache of :func:`core.modules.enabled_modules`)."""
    from sqlalchemy import select

    from core.db import db
    from core.models import TenantModule
    from core.tenancy import tenant_context

    db.session.rollback()  # a new transaction: see what the requests committed
    with tenant_context(tenant):
        return set(db.session.scalars(select(TenantModule.module).where(TenantModule.enabled.is_(True))))
