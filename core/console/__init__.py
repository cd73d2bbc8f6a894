"""The web console (控制台): layout helpers, township workspace, module switches, county console
and platform admin pages. Views here only route: load → check → call a service → commit.

Pages extend ``core/base.html`` (blocks ``title``, ``head``, ``nav``, ``content``); the menu comes
from the ``nav_items`` hook (:mod:`core.console.nav`), charts are inline SVG
(:mod:`core.console.charts`), and every asset is served from ``core/static``.
"""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("console", __name__)


def init_app(app: Flask) -> None:
    from core.console import admin, county, modules_page  # noqa: F401  (routes attach to bp)
    from core.console.charts import fmt, render_chart
    from core.console.nav import console_nav, label_of
    from core.console.widgets import widget_url

    app.register_blueprint(bp)
    app.jinja_env.globals.update(console_nav=console_nav, chart=render_chart, label_of=label_of, widget_url=widget_url)
    app.jinja_env.filters["num"] = fmt
