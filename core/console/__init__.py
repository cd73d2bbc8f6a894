"""The web console's frame (控制台): the menu, settings forms, charts and widgets that every
page uses, core's own or a plugin's.

Pages extend ``core/base.html`` (blocks ``title``, ``head``, ``nav``, ``content``); the menu comes
from the ``nav_items`` hook (:mod:`core.console.nav`), charts are inline SVG
(:mod:`core.console.charts`), and every asset is served from ``core/static``. The county console,
the module switches and the platform admin's pages belong to the tenant lifecycle
(:mod:`tenants.console`), which registers them as a library plugin.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from core.console.charts import fmt, render_chart
    from core.console.nav import console_nav, label_of
    from core.console.widgets import widget_url

    app.jinja_env.globals.update(console_nav=console_nav, chart=render_chart, label_of=label_of, widget_url=widget_url)
    app.jinja_env.filters["num"] = fmt
