"""gridgov's pytest plugin (测试夹具): the fixtures gridgov's own suite uses, for plugin authors'
suites too. Installed with gridgov (entry point ``pytest11``), so ``pytest`` in any project next to
gridgov has them: an app on a freshly migrated scratch database (SQLite by default, PostgreSQL
when ``DATABASE_URL`` names one), factories and signed-in API clients.

| fixture | what it gives |
| --- | --- |
| ``app`` | the app (session-wide) on a migrated scratch database, every installed plugin loaded |
| ``db_session`` | an app context whose uncommitted work is rolled back |
| ``client`` | a test client; each request gets its own app context, as in production |
| ``create_county(slug=None, name=...)`` | a county tenant |
| ``create_tenant(slug=None, county=None, modules=(), levels=None, grids=None)`` | a township, committed |
| ``create_user(username=None, roles=[(tenant, role[, grid])], platform_admin=False)`` | an account |
| ``create_grid(tenant, name=None, parent=None)`` | a grid |
| ``enable_module(tenant, name, settings=None)`` | switch a module on |
| ``api_as(user)`` | a JSON client signed in as ``user`` |
| ``register_plugin(obj, name)`` | hook implementations for this test only |
| ``consumer`` | a real task queue consumer (threads in the test's process) while the test runs |
| ``english_only(html, data=())`` | fail when Chinese is left in an English page |
| ``reliability(kind, count, what, lost=0, errors_5xx=0)`` | note a figure for ``docs/reliability.md`` (``scripts/reliability.sh``) |

``create_county``, ``create_tenant`` and ``enable_module`` go through the tenant lifecycle, so they
come from its own pytest plugin, :mod:`tenants.pytest_plugin` (installed with gridgov alike):
core never imports ``tenants``.

Tests isolate themselves by creating their own tenants and users (unique slugs, :func:`unique`),
so no test depends on another's rows and no cleanup is needed between tests.
"""
from __future__ import annotations

import itertools
import re
import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import inspect as sa_inspect

from core import create_app
from core.db import db
from core.testing import scratch_database

PASSWORD = "Passw0rd-test"
_seq = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_seq)}{uuid.uuid4().hex[:6]}"


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, hence its own ``g`` and database session, as in
    production. (Flask would otherwise reuse the test's pushed app context, sharing ``g`` and the
    session's identity map between requests of different users and tenants.)"""

    def open(self, *args, **kwargs):
        from flask import has_app_context

        if has_app_context() and db.session.registry.has() and db.session().in_transaction():
            # end the test's own transaction so the request sees its writes and the test sees the
            # request's (SQLite snapshots would otherwise be stale)
            db.session.commit()
        try:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            if has_app_context() and db.session.registry.has() and db.session().in_transaction():
                db.session.commit()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url, drop = scratch_database("gridgov_test", tmp_path_factory.mktemp("db"))
    instance = tmp_path_factory.mktemp("instance")
    application = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(instance),
                              "SECRET_KEY": "test-secret", "RATELIMIT_ENABLED": True})
    application.test_client_class = FreshContextClient
    with application.app_context():
        from core.migrate import upgrade_all

        upgrade_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


@pytest.fixture
def db_session(app):
    """An app context with a database session; whatever the test left uncommitted is rolled back."""
    with app.app_context():
        yield db.session
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


def _grid_id(grid) -> int | None:
    """A grid's id: a Grid (its identity key needs no load, so an expired grid needs no tenant
    context), anything with ``.id``, or an int."""
    if grid is None or isinstance(grid, int):
        return grid
    state = sa_inspect(grid, raiseerr=False)
    if state is not None and getattr(state, "identity", None):
        return state.identity[0]
    return grid.id


@pytest.fixture
def create_user(db_session):
    """``create_user(roles=[(tenant, "township_admin"), (tenant, "grid_worker", grid)])``."""
    from core.auth.service import assign_role, create_user as _create

    def make(username: str | None = None, *, roles=(), platform_admin: bool = False, password: str = PASSWORD, **kw):
        user = _create(username or unique("user"), password, platform_admin=platform_admin, **kw)
        for spec in roles:
            tenant, role, *rest = spec
            grid = rest[0] if rest else None
            assign_role(user, tenant, role, _grid_id(grid))
        db.session.commit()
        return user

    return make


@pytest.fixture
def create_grid(db_session):
    from core.grid.service import create_grid as _create
    from core.tenancy import tenant_context

    def make(tenant, name: str | None = None, parent=None):
        with tenant_context(tenant):
            grid = _create(tenant, name or unique("网格"), parent)
        db.session.commit()
        with tenant_context(tenant):
            db.session.refresh(grid)  # loaded again in its tenant, so the test can read it
        return grid

    return make


@pytest.fixture
def register_plugin(app):
    """``register_plugin(obj, name)``: hook implementations for this test only, unregistered at
    teardown. Plugins without a manifest are always on, so every relay reaches them."""
    pm = app.extensions["gridgov.plugins"].pm
    names: list[str] = []

    def register(obj, name: str):
        pm.register(obj, name=name)
        names.append(name)
        return obj

    yield register
    for name in names:
        pm.unregister(name=name)


class ApiClient:
    """A test client signed in as one user, speaking JSON."""

    def __init__(self, app, user, password: str = PASSWORD, token: str | None = None):
        self.client = app.test_client()
        self.user = user
        self.headers = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        else:
            resp = self.client.post("/api/v1/auth/login", json={"login": user.username, "password": password})
            assert resp.status_code == 200, resp.get_json()
            # session-authenticated non-JSON writes need the CSRF token, as in a browser
            self.headers["X-CSRFToken"] = resp.get_json()["csrf_token"]

    def _call(self, method, path, **kw):
        headers = {**self.headers, **kw.pop("headers", {})}
        return getattr(self.client, method)(path, headers=headers, **kw)

    def get(self, path, **kw):
        return self._call("get", path, **kw)

    def post(self, path, **kw):
        return self._call("post", path, **kw)

    def put(self, path, **kw):
        return self._call("put", path, **kw)

    def patch(self, path, **kw):
        return self._call("patch", path, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, **kw)


@pytest.fixture
def api_as(app):
    """``api_as(user)``: a JSON client signed in as ``user`` (session cookie)."""
    return lambda user, **kw: ApiClient(app, user, **kw)


# Chinese characters and punctuation; not U+3000, the wide space that indents grids in lists
CHINESE = re.compile(r"[\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uffef]+")


@pytest.fixture
def english_only():
    """``english_only(html, data)``: fail, quoting each spot, when Chinese is left in a page once
    ``data`` is taken out: what the township wrote (names, addresses, grid, level and tag names).
    The language switch names Chinese in Chinese (简体中文), so it is left out too."""

    def check(html: str, data=()) -> None:
        for text in sorted({*data, "简体中文"}, key=len, reverse=True):
            html = html.replace(text, "")
        left = [html[max(m.start() - 50, 0):m.end() + 10] for m in CHINESE.finditer(html)]
        assert not left, "Chinese left in the English page:\n" + "\n".join(left)

    return check


@pytest.fixture
def consumer(app):
    """A real huey consumer (threads in this process) on the app's queue while the test runs:
    background jobs and schedule runs go through the queue's store as in production."""
    from core.queue import running_consumer

    with running_consumer(app, workers=2) as running:
        yield running


@pytest.fixture
def reliability(request):
    """``reliability(kind, count, what, **figures)``: note a figure of what a test exercised (routes
    probed, concurrent operations, faults injected, rows compared, and what was lost) for
    ``docs/reliability.md``. Written only when ``GRIDGOV_RELIABILITY_LOG`` names a file
    (``scripts/reliability.sh`` sets it); a no-op otherwise, so it never changes a test's outcome."""
    import json
    import os

    def note(kind: str, count: int, what: str, **figures) -> None:
        path = os.environ.get("GRIDGOV_RELIABILITY_LOG")
        if not path:
            return
        line = {"test": request.node.nodeid, "kind": kind, "count": int(count), "what": what, **figures}
        with open(path, "a", encoding="utf-8") as fh:  # one line per write: safe across xdist workers
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")

    return note
