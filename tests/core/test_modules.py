"""Modules per tenant through the API and the CLI: enable, disable, settings, requirements."""
from __future__ import annotations

import pytest

from core.specs import ModuleManifest
from tests.conftest import unique


@pytest.fixture
def town_admin(create_tenant, create_user, api_as):
    town = create_tenant()
    admin = create_user(roles=[(town, "township_admin")])
    return town, api_as(admin)


def test_list_modules_with_state(town_admin):
    town, client = town_admin
    mods = {m["name"]: m for m in client.get(f"/api/v1/t/{town.slug}/modules").get_json()}
    assert mods["hello"]["enabled"] is False
    assert mods["hello"]["title_zh"] == "问候"
    assert mods["hello"]["settings"] == {"greeting": "你好，网格！", "repeat": 1}


def test_settings_are_validated_with_field_errors(town_admin):
    town, client = town_admin
    url = f"/api/v1/t/{town.slug}/modules/hello"
    assert client.patch(url, json={"enabled": True}).status_code == 200
    resp = client.patch(url, json={"settings": {"repeat": 9, "greeting": ""}})
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert set(fields["settings"]) == {"repeat", "greeting"}
    # nothing changed
    assert client.get(f"/api/v1/t/{town.slug}/hello").get_json() == {"greeting": "你好，网格！"}
    resp = client.patch(url, json={"settings": {"repeat": 2}})
    assert resp.status_code == 200 and resp.get_json()["settings"]["repeat"] == 2
    assert client.get(f"/api/v1/t/{town.slug}/hello").get_json() == {"greeting": "你好，网格！ 你好，网格！"}
    assert client.patch(url, json={"settings": "nope"}).status_code == 422
    assert client.patch(f"/api/v1/t/{town.slug}/modules/no_such", json={"enabled": True}).status_code == 404


def test_modules_need_permission_and_membership(create_tenant, create_user, api_as):
    town, other = create_tenant(), create_tenant()
    worker = create_user(roles=[(town, "grid_worker")])
    outsider = create_user(roles=[(other, "township_admin")])
    assert api_as(worker).patch(f"/api/v1/t/{town.slug}/modules/hello", json={"enabled": True}).status_code == 403
    assert api_as(outsider).get(f"/api/v1/t/{town.slug}/modules").status_code == 404
    assert api_as(outsider).patch(f"/api/v1/t/{town.slug}/modules/hello", json={"enabled": True}).status_code == 404


def test_required_module_must_be_on_first(app, town_admin):
    """A module requiring another cannot be enabled alone, and the error names what is missing;
    the required one cannot be switched off while the other is on."""
    from types import ModuleType

    from core.plugins import LoadedPlugin

    registry = app.extensions["gridgov.plugins"]
    pkg = ModuleType("needs_hello")
    pkg.manifest = ModuleManifest(name="needs_hello", title_zh="依赖问候", title_en="Needs hello", requires=("hello",))
    registry.plugins["needs_hello"] = LoadedPlugin(name="needs_hello", package=pkg, impl=None, manifest=pkg.manifest)
    try:
        town, client = town_admin
        resp = client.patch(f"/api/v1/t/{town.slug}/modules/needs_hello", json={"enabled": True})
        assert resp.status_code == 409
        assert resp.get_json()["error"]["fields"] == {"requires": ["hello"]}
        assert client.patch(f"/api/v1/t/{town.slug}/modules/hello", json={"enabled": True}).status_code == 200
        assert client.patch(f"/api/v1/t/{town.slug}/modules/needs_hello", json={"enabled": True}).status_code == 200
        resp = client.patch(f"/api/v1/t/{town.slug}/modules/hello", json={"enabled": False})
        assert resp.status_code == 409 and resp.get_json()["error"]["fields"] == {"required_by": ["needs_hello"]}
    finally:
        del registry.plugins["needs_hello"]


def test_module_changes_are_audited(town_admin, db_session):
    from sqlalchemy import select

    from core.db import db
    from core.models import AuditEntry
    from core.tenancy import tenant_context

    town, client = town_admin
    client.patch(f"/api/v1/t/{town.slug}/modules/hello", json={"enabled": True, "settings": {"repeat": 3}})
    client.patch(f"/api/v1/t/{town.slug}/modules/hello", json={"enabled": False})
    with tenant_context(town):
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "core_tenant_module").order_by(AuditEntry.id)).all()
    assert actions == ["module.enable", "module.disable"]


def test_cli_enable_list_disable(app, create_tenant):
    town = create_tenant()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["--lang", "en", "modules", "enable", "hello", "--tenant", town.slug, "--settings", '{"repeat": 2}'])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["--lang", "en", "modules", "list", "--tenant", town.slug]).output
    assert any(line.startswith("hello") and " On " in line for line in listing.splitlines()), listing
    assert '"repeat": 2' in runner.invoke(args=["modules", "list", "--tenant", town.slug, "--json"]).output
    bad = runner.invoke(args=["--lang", "en", "modules", "enable", "hello", "--tenant", town.slug, "--settings", '{"repeat": 0}'])
    assert bad.exit_code != 0 and "repeat" in bad.output
    assert runner.invoke(args=["--lang", "en", "modules", "disable", "hello", "--tenant", town.slug]).exit_code == 0
    listing = runner.invoke(args=["--lang", "en", "modules", "list", "--tenant", town.slug]).output
    assert any(line.startswith("hello") and " Off " in line for line in listing.splitlines()), listing
    assert runner.invoke(args=["--lang", "en", "modules", "list", "--tenant", unique("nope")]).exit_code != 0
