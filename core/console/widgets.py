"""Collecting hook answers for pages so that one failing module does not break the page."""
from __future__ import annotations

import logging

from core.db import db

log = logging.getLogger("gridgov.console")


def collect(caller, **kwargs) -> list:
    """Call a list-returning hook; if it raises, call each implementation on its own (inside a
    savepoint, so a failed query cannot poison the transaction) and drop the failing ones."""
    try:
        with db.session.begin_nested():  # a failed query must not abort the page's transaction
            return list(caller(**kwargs))
    except Exception:
        log.exception("hook %s failed; retrying implementation by implementation", caller.name)
    results = []
    for impl in reversed(caller.get_hookimpls()):
        args = {name: kwargs[name] for name in impl.argnames if name in kwargs}
        try:
            with db.session.begin_nested():
                results.append(impl.function(**args))
        except Exception:
            log.exception("hook %s of plugin %s failed; left out", caller.name, impl.plugin_name)
    return results


def widget_url(widget, tenant) -> str | None:
    """The link of a widget (``link_endpoint``) or ``None`` when it has none or it cannot be built."""
    from flask import url_for
    from werkzeug.routing import BuildError

    if not widget.link_endpoint:
        return None
    try:
        return url_for(widget.link_endpoint, tenant=tenant.slug)
    except BuildError:
        return None
