"""The app factory: configuration, database, plugins, tenancy, auth, API and console."""
from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from flask import Flask

from core.config import build_config
from core.db import db
from core.plugins import PluginRegistry, make_plugin_manager

log = logging.getLogger("gridgov")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("GRIDGOV_INSTANCE") or None
    app = Flask("core", instance_path=instance_path, instance_relative_config=True)
    app.config.update(build_config(app.instance_path, config))
    os.makedirs(app.instance_path, exist_ok=True)
    __import__("core.inputs").inputs.init_app(app)  # control characters never enter (core/inputs.py)
    app.json.ensure_ascii = False
    logging.basicConfig(level=logging.INFO if not app.testing else logging.WARNING)

    if app.config["GRIDGOV_PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["GRIDGOV_PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    __import__("core.replica").replica.init_app(app)  # read-only views on a streaming replica, if set
    from core import rls  # row-level security follows the tenant context (PostgreSQL)

    if not app.testing:
        with app.app_context():
            rls.warn_if_policies_are_skipped(db.engine)
    __import__("core.cache").cache.init_app(app)  # the short-lived cache (Redis or in-process)
    registry = make_plugin_manager(extra=app.config["GRIDGOV_EXTRA_PLUGINS"])
    app.extensions["gridgov.plugins"] = registry

    from core import auth, cli, errors, i18n, modules, people, queue, schedules_pages, web
    from core.api import api_bp, idempotency, openapi

    errors.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    app.register_blueprint(api_bp)
    openapi.init_app(app)
    web.init_app(app)
    people.init_app(app)
    __import__("core.residents").residents.init_app(app)  # household cards and the residents' portal
    __import__("core.grid").grid.init_app(app)  # grid API and pages

    modules.init_app(app, registry)
    idempotency.init_app(app)  # after the guard and the module gate: claimed just before the view
    queue.init_app(app)
    schedules_pages.init_app(app)  # the platform admin's API and page
    cli.init_app(app)
    return app


def plugin_registry(app: Flask | None = None) -> PluginRegistry:
    from flask import current_app

    return (app or current_app).extensions["gridgov.plugins"]
