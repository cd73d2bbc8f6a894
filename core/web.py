"""The console shell (控制台): sign-in page, tenant chooser, health check, the tenant home.

The console's frame (menu, forms, charts) lives in :mod:`core.console`; the county console,
module switches and platform admin pages come from the tenant lifecycle (:mod:`tenants.console`)
through the hooks, like any plugin's pages.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select, text

from core.auth.decorators import authenticated, public, requires
from core.auth.service import sign_out_everywhere
from core.db import db
from core.errors import ApiError
from core.i18n import localise_message
from core.replica import reads_replica

bp = Blueprint("web", __name__, template_folder="templates")


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.get("/healthz")
@public
def healthz():
    """Load-balancer health check: 200 when the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    from core.auth import csrf
    from core.auth.service import authenticate

    error = None
    login_value = ""
    if request.method == "POST":
        csrf.protect()
        login_value = request.form.get("login", "").strip()
        try:
            user = authenticate(login_value, request.form.get("password", ""))
        except ApiError as exc:
            error = localise_message(exc.message)
        else:
            login_user(user, remember=bool(request.form.get("remember")))
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("web.index"))
    return render_template("core/login.html", error=error, login_value=login_value), (401 if error else 200)


@bp.post("/logout")
@authenticated
def logout():
    if not g.get("via_token"):
        sign_out_everywhere(current_user._get_current_object())
        db.session.commit()
    logout_user()
    return redirect(url_for("web.login"))


@bp.get("/")
@authenticated
def index():
    """Send a signed-in user to their first tenant's workspace."""
    from core.auth.navigation import my_tenants
    from core.models import TenantKind

    tenants = my_tenants(current_user)
    if not current_user.is_platform_admin:
        counties = [t for t in tenants if t.kind == TenantKind.county]
        if len(tenants) == 1:
            return redirect(url_for("web.tenant_home", tenant=tenants[0].slug))
        if len(counties) == 1 and all(t.parent_id == counties[0].id for t in tenants if t is not counties[0]):
            return redirect(url_for("web.tenant_home", tenant=counties[0].slug))  # a county admin's console
    return render_template("core/choose_tenant.html", tenants=tenants)


@bp.get("/t/<tenant>/")
@reads_replica
@requires("dashboard.view")
def tenant_home():
    """A township's workspace (工作台) of hook widgets; another tenant's home (a county's console)
    is the first answer to the ``console_home`` hook."""
    from core.models import TenantKind
    from core.modules import hooks

    if g.tenant.kind != TenantKind.township:
        page = hooks().console_home(tenant=g.tenant, user=current_user)
        if page is None:
            abort(404)
        return page
    widgets, computed_at = dashboard_widgets(g.tenant, current_user._get_current_object())
    return render_template("core/tenant_home.html", widgets=widgets, computed_at=computed_at)


def dashboard_widgets(tenant, user):
    """``(widgets, computed at)``: the hook widgets of ``user``'s dashboard in ``tenant``, kept in
    the app's cache for ``DASHBOARD_CACHE_SECONDS`` (default 60; 0 computes on every view).

    The key names the tenant, the user, the user's roles and the enabled modules: a widget counts
    within the viewer's reach, so no one else's cached numbers (another township's, or a wider
    role's) can answer; a role or module change is a new key at once."""
    import dataclasses
    import hashlib

    from core.cache import cached, tenant_key
    from core.console.widgets import collect
    from core.db import utcnow
    from core.modules import enabled_modules, hooks
    from core.specs import Widget

    access = g.get("access")
    roles = sorted((r, gid or 0) for r, gid in (access.roles if access is not None else []))
    scope = hashlib.sha256(repr((roles, sorted(enabled_modules(tenant)))).encode()).hexdigest()[:16]

    def compute():
        batches = collect(hooks().dashboard_widgets, tenant=tenant, user=user)
        widgets = [w for batch in batches for w in (batch or [])]
        widgets.sort(key=lambda w: (w.order, w.key))
        return {"at": utcnow().isoformat(), "widgets": [dataclasses.asdict(w) for w in widgets]}

    ttl = current_app.config["DASHBOARD_CACHE_SECONDS"]
    value, _hit = cached(tenant_key(tenant.id, "dashboard", user.id, scope), ttl, compute)
    widgets = [Widget(**{**w, "series": [tuple(p) for p in w["series"]]}) for w in value["widgets"]]
    return widgets, dt.datetime.fromisoformat(value["at"])


def init_app(app: Flask) -> None:
    from core import console

    app.register_blueprint(bp)
    console.init_app(app)
