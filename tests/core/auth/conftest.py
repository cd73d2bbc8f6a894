"""Fixtures of the auth tests: a township with a small grid tree, and clients from their own
network address (so failed sign-ins counted per address never leak between tests)."""
from __future__ import annotations

import itertools
import random

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


@pytest.fixture
def town(create_tenant, create_grid):
    """A township with grids 甲 → 甲一 → 甲一一, and 乙 beside 甲."""
    tenant = create_tenant()
    a = create_grid(tenant, "甲")
    a1 = create_grid(tenant, "甲一", a)
    a11 = create_grid(tenant, "甲一一", a1)
    b = create_grid(tenant, "乙")
    return tenant, {"a": a, "a1": a1, "a11": a11, "b": b}
