"""The plugin manager: entry-point discovery, broken plugins, a third-party plugin, the relay."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.plugins import hookimpl


def test_entry_points_find_builtin_and_external_plugins(app):
    registry = app.extensions["gridgov.plugins"]
    assert {"hello", "civic_notes"} <= set(registry.modules)
    assert registry.plugins["civic_notes"].distribution == "gridgov-civic-notes"
    manifest = registry.modules["civic_notes"]
    assert manifest.title_zh == "民情日记" and manifest.default_settings() == {"max_length": 200}


def test_broken_plugin_is_reported_and_app_still_starts(app):
    registry = app.extensions["gridgov.plugins"]
    assert "broken_example" in registry.broken
    assert "gridgov_dependency_that_is_not_installed" in registry.broken["broken_example"]
    assert "broken_example" not in registry.modules
    result = app.test_cli_runner().invoke(args=["--lang", "en", "plugins", "list"])
    assert result.exit_code == 0
    line = next(l for l in result.output.splitlines() if l.startswith("broken_example"))
    assert "broken" in line and "ModuleNotFoundError" in line
    assert any(l.startswith("hello") and " ok " in l for l in result.output.splitlines())


def test_third_party_plugin_enabled_for_one_tenant_only(create_tenant, create_user, api_as):
    """civic_notes: its own table and migration, API endpoint, hook and per-tenant setting."""
    on = create_tenant(modules={"civic_notes": {"max_length": 12}})
    off = create_tenant()
    user_on = create_user(roles=[(on, "township_admin")])
    user_off = create_user(roles=[(off, "township_admin")])
    client = api_as(user_on)
    # setup_tenant seeded the welcome note, in this tenant only
    assert [n["text"] for n in client.get(f"/api/v1/t/{on.slug}/civic_notes/notes").get_json()] == ["欢迎使用民情日记"]
    resp = client.post(f"/api/v1/t/{on.slug}/civic_notes/notes", json={"text": "东门路灯坏了"})
    assert resp.status_code == 201
    # the per-tenant setting is enforced
    resp = client.post(f"/api/v1/t/{on.slug}/civic_notes/notes", json={"text": "这条日记写得实在是太长了超过十二个字"})
    assert resp.status_code == 422 and "text" in resp.get_json()["error"]["fields"]
    # the other tenant has it off: its routes answer 404 there, even for its own admin
    assert api_as(user_off).get(f"/api/v1/t/{off.slug}/civic_notes/notes").status_code == 404
    # and the first tenant's user cannot reach into the other tenant at all
    assert client.get(f"/api/v1/t/{off.slug}/civic_notes/notes").status_code == 404


def test_disable_keeps_data_and_reenable_brings_it_back(create_tenant, create_user, api_as):
    town = create_tenant(modules=["civic_notes"])
    admin = create_user(roles=[(town, "township_admin")])
    client = api_as(admin)
    base = f"/api/v1/t/{town.slug}"
    client.post(f"{base}/civic_notes/notes", json={"text": "保留我"})
    assert client.patch(f"{base}/modules/civic_notes", json={"enabled": False}).get_json()["enabled"] is False
    assert client.get(f"{base}/civic_notes/notes").status_code == 404
    assert client.patch(f"{base}/modules/civic_notes", json={"enabled": True}).status_code == 200
    texts = [n["text"] for n in client.get(f"{base}/civic_notes/notes").get_json()]
    assert texts == ["欢迎使用民情日记", "保留我"]  # setup_tenant is idempotent: no second welcome note


def test_relay_reaches_only_enabled_modules(app, create_tenant, db_session):
    from core.modules import hooks

    registry = app.extensions["gridgov.plugins"]
    with_notes = create_tenant(modules=["civic_notes", "hello"])
    without = create_tenant(modules=["hello"])
    from core.tenancy import tenant_context

    with tenant_context(with_notes):
        keys_on = {w.key for batch in hooks(with_notes).dashboard_widgets(tenant=with_notes, user=None) for w in batch}
    with tenant_context(without):
        keys_off = {w.key for batch in hooks(without).dashboard_widgets(tenant=without, user=None) for w in batch}
    assert {"civic_notes.count", "hello.greeting"} <= keys_on
    assert "civic_notes.count" not in keys_off and "hello.greeting" in keys_off
    # the relay is cached per set of enabled modules
    assert registry.relay({"hello"}) is registry.relay(["hello"])


def test_hook_civic_note_written(app, create_tenant, create_user, api_as, register_plugin):
    """civic_notes declares civic_note_written; another plugin answers it (optionalhook), inside
    the writing transaction: if the answer fails, the note is not saved."""
    registry = app.extensions["gridgov.plugins"]
    assert hasattr(registry.pm.hook, "civic_note_written")
    heard = []

    class Listener:
        @staticmethod
        @hookimpl(optionalhook=True)
        def civic_note_written(tenant, note):
            if note.text == "失败":
                raise RuntimeError("listener failed")
            heard.append((tenant.slug, note.text))

    register_plugin(Listener, "listener_plugin")
    town = create_tenant(modules=["civic_notes"])
    client = api_as(create_user(roles=[(town, "township_admin")]))
    assert client.post(f"/api/v1/t/{town.slug}/civic_notes/notes", json={"text": "听到了"}).status_code == 201
    assert client.post(f"/api/v1/t/{town.slug}/civic_notes/notes", json={"text": "失败"}).status_code == 500
    assert heard == [(town.slug, "听到了")]
    texts = [n["text"] for n in client.get(f"/api/v1/t/{town.slug}/civic_notes/notes").get_json()]
    assert "失败" not in texts and "听到了" in texts


def test_hook_register_routes(app):
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert "/api/v1/t/<tenant>/hello" in rules
    assert "/api/v1/t/<tenant>/civic_notes/notes" in rules
    assert app.extensions["gridgov.blueprint_owners"]["civic_notes"] == "civic_notes"


def test_hook_register_permissions(app):
    from core.auth.roles import catalogue

    with app.app_context():
        perms, _ = catalogue()
    assert perms["civic_notes.write"].label_zh == "写民情日记"
    assert perms["people.read_sensitive"].label_en == "View full ID and phone numbers"


def test_hook_register_roles(app):
    from core.auth.roles import catalogue

    with app.app_context():
        _, roles = catalogue()
    assert "civic_notes.write" in roles["township_admin"].permissions
    # a plugin adding to an existing role keeps core's labels and permissions
    assert roles["township_admin"].label_zh == "乡镇管理员"
    assert "people.read" in roles["township_admin"].permissions


def test_hook_setup_tenant(create_tenant, db_session):
    from sqlalchemy import func

    from core.tenancy import tenant_context
    from gridgov_civic_notes.models import Note

    town = create_tenant(modules=["civic_notes"])
    other = create_tenant()
    with tenant_context(town):
        assert db.session.scalar(select(func.count()).select_from(Note)) == 1
    with tenant_context(other):
        assert db.session.scalar(select(func.count()).select_from(Note)) == 0


def test_hook_register_cli_commands(app):
    result = app.test_cli_runner().invoke(args=["--lang", "en", "civic-notes", "count"])
    assert result.exit_code == 0, result.output
    assert "civic notes:" in result.output


def test_hook_dashboard_widgets(create_tenant, create_user, client):
    town = create_tenant(modules=["hello"])
    user = create_user(roles=[(town, "township_admin")])
    client.post("/api/v1/auth/login", json={"login": user.username, "password": "Passw0rd-test"})
    page = client.get(f"/t/{town.slug}/")
    assert page.status_code == 200
    assert 'data-key="hello.greeting"' in page.get_data(as_text=True)


def test_hook_implementations_see_only_their_tenants_rows(create_tenant, create_user, api_as, register_plugin):
    """A hook answering for township A cannot read or change township B's rows."""
    from gridgov_civic_notes.models import Note

    a = create_tenant(modules=["civic_notes"])
    b = create_tenant(modules=["civic_notes"])
    client_b = api_as(create_user(roles=[(b, "township_admin")]))
    b_note = client_b.post(f"/api/v1/t/{b.slug}/civic_notes/notes", json={"text": "乙镇的"}).get_json()["id"]
    seen = {}

    class Snoop:
        @staticmethod
        @hookimpl(optionalhook=True)
        def civic_note_written(tenant, note):
            seen["get"] = db.session.get(Note, b_note)
            seen["texts"] = db.session.scalars(select(Note.text)).all()
            from sqlalchemy import update

            seen["updated"] = db.session.execute(update(Note).where(Note.id == b_note).values(text="篡改")).rowcount

    register_plugin(Snoop, "snoop_plugin")
    client_a = api_as(create_user(roles=[(a, "township_admin")]))
    assert client_a.post(f"/api/v1/t/{a.slug}/civic_notes/notes", json={"text": "甲镇的"}).status_code == 201
    assert seen["get"] is None
    assert "乙镇的" not in seen["texts"] and "甲镇的" in seen["texts"]
    assert seen["updated"] == 0
    texts_b = [n["text"] for n in client_b.get(f"/api/v1/t/{b.slug}/civic_notes/notes").get_json()]
    assert "乙镇的" in texts_b and "篡改" not in texts_b


def test_blueprint_static_files_are_served_to_anyone(client):
    """A plugin's own static folder is served without signing in, like core's assets, and is
    not switched off with the module (assets are not tenant data)."""
    resp = client.get("/static/civic_notes/notes.css")
    assert resp.status_code == 200 and b"civic-note" in resp.data
    assert client.get("/static/civic_notes/missing.css").status_code == 404


def _routes_plugin(name: str, blueprint: str, path: str):
    """A plugin package built in memory: a manifest and one blueprint with one public route."""
    import types

    from flask import Blueprint

    from core.auth import public
    from core.specs import ModuleManifest

    package = types.ModuleType(name)
    package.manifest = ModuleManifest(name=name, title_zh="测试", title_en="Test")
    bp = Blueprint(blueprint, __name__)

    @bp.get(path)
    @public
    def hello():
        return "reachable"

    @hookimpl
    def register_routes():
        return [bp]

    package.register_routes = register_routes
    return package


def test_unattributable_blueprint_breaks_its_plugin_and_the_rest_starts(app):
    from core import create_app

    probe = create_app({
        "TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_PATH": app.instance_path,
        "GRIDGOV_EXTRA_PLUGINS": [
            ("stray_routes", _routes_plugin("stray_routes", "notes_elsewhere", "/stray-probe")),
            ("tidy_routes", _routes_plugin("tidy_routes", "tidy_routes_pages", "/tidy-probe")),
            # named after *another* module: it would be switched with that module, not its own
            ("sly_routes", _routes_plugin("sly_routes", "incidents_extra", "/sly-probe")),
        ],
    })
    registry = probe.extensions["gridgov.plugins"]
    assert "notes_elsewhere" in registry.broken["stray_routes"]
    assert "cannot attribute" in registry.broken["stray_routes"]
    assert "incidents_extra" in registry.broken["sly_routes"]
    assert "stray_routes" not in registry.modules and "sly_routes" not in registry.modules
    rules = {r.rule for r in probe.url_map.iter_rules()}
    assert "/stray-probe" not in rules and "/sly-probe" not in rules
    assert "notes_elsewhere" not in probe.blueprints and "incidents_extra" not in probe.blueprints
    # the rest started: the good plugin and the built-in modules have their routes
    assert "/tidy-probe" in rules and "tidy_routes" in registry.modules
    assert probe.extensions["gridgov.blueprint_owners"]["tidy_routes_pages"] == "tidy_routes"
    assert probe.extensions["gridgov.blueprint_owners"]["incidents"] == "incidents"
    listing = probe.test_cli_runner().invoke(args=["--lang", "en", "plugins", "list"]).output
    line = next(l for l in listing.splitlines() if l.startswith("stray_routes"))
    assert "broken" in line
    # a broken plugin's hooks no longer answer
    assert registry.plugins["stray_routes"].impl is None
    names = [bp.name for bps in registry.pm.hook.register_routes() for bp in bps]
    assert "notes_elsewhere" not in names and "tidy_routes_pages" in names
