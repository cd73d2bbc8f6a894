"""Every route declares who may reach it (``@public``, ``@authenticated`` or ``@requires``)."""
from __future__ import annotations

from core.auth.decorators import rule_of


def test_every_route_declares_its_access(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue  # static files are public by construction in the guard
        view = app.view_functions[rule.endpoint]
        if rule_of(view) is None:
            missing.append(f"{rule.rule} ({rule.endpoint})")
    assert not missing, "routes without @public/@authenticated/@requires:\n" + "\n".join(sorted(missing))


def test_declarations_name_known_permissions(app):
    from core.auth.roles import catalogue

    with app.app_context():
        known = set(catalogue()[0])
    unknown = []
    for rule in app.url_map.iter_rules():
        access = rule_of(app.view_functions[rule.endpoint])
        if access is not None and access.kind == "permission" and access.permission not in known:
            unknown.append(f"{rule.rule}: {access.permission}")
    assert not unknown, "routes requiring permissions nobody declares:\n" + "\n".join(unknown)


def test_an_undeclared_route_is_refused(app):
    """The guard fails closed: a view without a declaration answers 403, never runs."""
    from flask import Flask

    from core import create_app

    probe = create_app({"TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                        "INSTANCE_PATH": app.instance_path})
    ran = []

    @probe.get("/undeclared-probe")
    def undeclared():
        ran.append(True)
        return "should not run"

    assert isinstance(probe, Flask)
    resp = probe.test_client().get("/undeclared-probe")
    assert resp.status_code == 403 and not ran
