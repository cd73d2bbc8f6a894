"""The console menu (导航菜单), built per request from the ``nav_items`` hook.

Only the request tenant's enabled modules answer the hook (the per-tenant relay), so switching a
module on or off changes the menu on the next page load, without a restart. Items whose
``permission`` the user lacks are hidden; items naming an endpoint that does not exist (a module
whose pages are not built yet) are skipped. The item whose URL best matches the current path is
marked active.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import g, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.routing import BuildError

from core.console.widgets import collect

log = logging.getLogger("gridgov.console")


@dataclass
class NavEntry:
    label: str
    url: str
    endpoint: str
    icon: str = ""
    active: bool = False


def is_english() -> bool:
    try:
        return str(get_locale()).startswith("en")
    except Exception:  # outside a request
        return False


def label_of(obj, base: str = "label") -> str:
    """``obj.label_en`` in English, else ``obj.label_zh`` (``title_*`` with ``base="title"``)."""
    en, zh = getattr(obj, f"{base}_en", ""), getattr(obj, f"{base}_zh", "")
    return (en or zh) if is_english() else (zh or en)


def _mark_active(entries: list[NavEntry]) -> list[NavEntry]:
    path = request.path
    best, best_len = None, -1
    for e in entries:
        url_path = e.url.split("?")[0]
        exact = path == url_path or request.endpoint == e.endpoint
        nested = url_path.endswith("/") and path.startswith(url_path) and url_path.count("/") > 3
        if (exact or nested) and (len(url_path) + (1000 if exact else 0)) > best_len:
            best, best_len = e, len(url_path) + (1000 if exact else 0)
    if best is not None:
        best.active = True
    return entries


def tenant_nav(tenant, user, access) -> list[NavEntry]:
    """Menu entries for ``tenant``: hook answers, filtered by permission, sorted, deduplicated."""
    from core.modules import hooks

    items = [i for batch in collect(hooks(tenant).nav_items, tenant=tenant, user=user) for i in (batch or [])]
    items.sort(key=lambda i: (i.order, i.label_zh))
    entries, seen = [], set()
    for item in items:
        if item.endpoint in seen or (item.permission and not access.can(item.permission)):
            continue
        if tenant.kind.value not in item.tenant_kinds:
            continue
        try:
            url = url_for(item.endpoint, tenant=tenant.slug)
        except BuildError:
            log.debug("nav item %s: no such endpoint", item.endpoint)
            continue
        seen.add(item.endpoint)
        entries.append(NavEntry(label_of(item), url, item.endpoint, item.icon))
    return _mark_active(entries)


def platform_nav() -> list[NavEntry]:
    """The platform admin's menu (no tenant in the URL)."""
    from flask_babel import gettext as _

    entries = [NavEntry(_("县/市"), url_for("tenants_console.admin_counties"), "tenants_console.admin_counties"),
               NavEntry(_("全部乡镇"), url_for("tenants_console.admin_townships"), "tenants_console.admin_townships")]
    return _mark_active(entries)


def console_nav() -> list[NavEntry]:
    """The menu for the current page, or ``[]`` (signed out, error before the tenant was known).

    Never raises: the error page renders this menu too.
    """
    try:
        if not current_user.is_authenticated:
            return []
        tenant, access = g.get("tenant"), g.get("access")
        if tenant is not None and access is not None:
            return tenant_nav(tenant, current_user, access)
        if tenant is None and current_user.is_platform_admin:
            return platform_nav()
    except Exception:  # a broken menu must not take the page (or the error page) down
        log.exception("console menu failed")
    return []
