"""Fixtures of the auth tests: a township with a small grid tree, and clients from their own
network address (so failed sign-ins counted per address never leak between tests)."""
from __future__ import annotations

import itertools
import random
from typing import NamedTuple

import pytest

from tests.conftest import PASSWORD

_addr = itertools.count(1)


def fresh_address() -> str:
    n = next(_addr)
    return f"10.{random.randint(1, 250)}.{n // 250 % 250}.{n % 250 + 1}"


@pytest.fixture
def web(app):
    """``web()``: a browser-like client from a fresh address; ``.login(user)`` signs in by form."""

    def make(address: str | None = None):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address or fresh_address()
        return client

    return make


def csrf_of(client, path: str = "/login") -> str:
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def form_login(client, login: str, password: str = PASSWORD, next_: str | None = None, **extra):
    token = csrf_of(client)
    url = "/login" + (f"?next={next_}" if next_ is not None else "")
    return client.post(url, data={"login": login, "password": password, "csrf_token": token, **extra})


class GridRef(NamedTuple):
    """A grid's id and name, usable after commits expire the ORM object (outside its tenant)."""

    id: int
    name: str


@pytest.fixture
def town(create_tenant, create_grid):
    """A township with grids 甲 → 甲一 → 甲一一, and 乙 beside 甲."""
    from core.tenancy import tenant_context

    tenant = create_tenant()
    grids = {}
    with tenant_context(tenant):
        grids["a"] = create_grid(tenant, "甲")
        grids["a1"] = create_grid(tenant, "甲一", grids["a"])
        grids["a11"] = create_grid(tenant, "甲一一", grids["a1"])
        grids["b"] = create_grid(tenant, "乙")
        refs = {k: GridRef(g.id, g.name) for k, g in grids.items()}
    return tenant, refs
