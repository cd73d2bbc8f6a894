"""The one gate every request passes (请求守卫), before any view runs:

1. authenticate: a ``Bearer`` token (bound to the URL's tenant) or the session;
   a user whose password was reset reaches only the change-password routes and sign-out;
2. check the route's declaration (:mod:`core.auth.decorators`): public routes pass;
   anonymous callers of other routes get 401 (pages: the sign-in page);
3. resolve the ``/t/<tenant>/`` slug: unknown → 404; not a member → 404 (outsiders learn nothing);
   suspended → 403 with the reason, for everyone but platform and county admins;
4. check the permission: missing → 403;
5. enter the tenant's scope for the ORM guard, left again at teardown.

Residents' portal routes (``@resident``, ``/r/<tenant>/...``) have no account behind them: the
township must exist and be active (else 404), then the phone's device cookie must name an active
household card of *this* township (:mod:`core.residents.signin`); otherwise the PIN page, the
same for a stranger, another township's card and a revoked one. ``g.household`` and
``g.resident_card`` are set for the view; writes need the CSRF token.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core.auth.access import Access, access_for
from core.auth.decorators import AccessRule, rule_of
from core.auth.tokens import token_is_elsewhere, user_for_token
from core.db import db
from core.errors import ApiError
from core.models import Tenant, TenantStatus
from core.tenancy import reset_tenant, set_tenant
from flask_babel import gettext as _

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# all a user whose password was reset may reach until they change it (besides public routes)
PASSWORD_CHANGE_ENDPOINTS = frozenset({
    "auth_api.change_password", "auth_api.logout", "auth_api.me", "auth_pages.change_password", "web.logout",
})
PUBLIC = AccessRule("public")


def _tenant_by_slug(slug: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def _unauthenticated():
    if request.path.startswith("/api/"):
        raise ApiError(401, "unauthorized", _("请先登录或提供有效的令牌"))
    return redirect(url_for("web.login") + "?" + urlencode({"next": request.full_path.rstrip("?")}))


def _password_change_required():
    if request.path.startswith("/api/"):
        raise ApiError(403, "password_change_required",
                       _("密码已被重置，请先修改密码"))
    return redirect(url_for("auth_pages.change_password"))


def _resident(slug: str | None, tenant: Tenant | None):
    from core.residents.signin import resident_session

    if tenant is None or tenant.status != TenantStatus.active:
        raise ApiError(404)
    enter_tenant(tenant)
    owner = current_app.extensions.get("gridgov.blueprint_owners", {}).get((request.blueprint or "").split(".")[0])
    if owner is not None:
        from core.modules import enabled_modules

        if owner not in enabled_modules(tenant):
            raise ApiError(404)  # a module's residents' pages are off with the module, for everyone
    found = resident_session(tenant)
    if found is None:
        nxt = request.full_path.rstrip("?") if request.method == "GET" else None
        target = url_for("residents.sign_in", tenant=tenant.slug)
        return redirect(target + ("?" + urlencode({"next": nxt}) if nxt else ""), 303)
    g.resident_card, g.household = found
    if g.pop("_resident_touch", False):
        db.session.commit()  # last seen, before the view's own transaction
    if request.method in UNSAFE:
        from core.auth import csrf

        csrf.protect()
    return None


def enter_tenant(tenant: Tenant) -> None:
    g.tenant = tenant
    g._tenant_token = set_tenant(tenant.id)


def init_app(app: Flask) -> None:
    @app.url_value_preprocessor
    def _pop_tenant(endpoint, values):
        if values and "tenant" in values:
            g._tenant_slug = values.pop("tenant")

    @app.url_defaults
    def _add_tenant(endpoint, values):
        if "tenant" in values or not g.get("tenant"):
            return
        if current_app.url_map.is_endpoint_expecting(endpoint, "tenant"):
            values["tenant"] = g.tenant.slug

    @app.before_request
    def _guard():
        view = current_app.view_functions.get(request.endpoint or "")
        if view is None:
            return None  # routing fails with 404/405 on its own
        # static files (the app's and every blueprint's, plugins included) are public assets
        is_static = request.endpoint == "static" or (request.endpoint or "").endswith(".static")
        rule = PUBLIC if is_static else rule_of(view)
        if rule is None:
            raise ApiError(403, "undeclared_route", _("该页面未声明访问权限"))
        slug = g.pop("_tenant_slug", None)
        token = _bearer()
        tenant = _tenant_by_slug(slug) if slug else None
        user = None
        if token is not None:
            user = user_for_token(tenant, token) if tenant is not None else None
            if user is None and tenant is not None and token_is_elsewhere(token):
                # a good token of another township: that township's data is not here (404, as pages)
                raise ApiError(404, "token_of_another_tenant",
                               _("此令牌属于另一个乡镇，不能访问本乡镇"))
            if user is None:
                raise ApiError(401, "invalid_token", _("令牌无效、已过期或已撤销"))
            g._login_user = user  # flask-login's per-request user; no session cookie for tokens
            g.via_token = True
        elif current_user.is_authenticated:
            user = current_user._get_current_object()
        if rule.kind == "resident":
            return _resident(slug, tenant)
        if rule.kind == "public":
            if slug is not None:
                if tenant is None or tenant.status != TenantStatus.active:
                    raise ApiError(404)
                enter_tenant(tenant)
            return None
        if user is None:
            return _unauthenticated()
        if user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            return _password_change_required()
        if not g.get("via_token") and request.method in UNSAFE:
            # a cookie rides along on any site's request, JSON included: every write signed in by
            # cookie proves it came from our pages (the form field, or the X-CSRFToken header that
            # /api/v1/auth/login hands out); tokens in a header need no such proof
            from core.auth import csrf

            csrf.protect()
        if slug is None:
            g.access = access_for(user, None)
            if rule.kind == "permission" and not g.access.can(rule.permission):
                raise ApiError(403)
            return None
        if tenant is None:
            raise ApiError(404)
        access = access_for(user, tenant)
        if not access.is_member:
            raise ApiError(404)
        privileged = access.everything or access.via_county
        if tenant.status != TenantStatus.active and not privileged:
            raise ApiError(
                403,
                "tenant_suspended",
                _("%(name)s已暂停使用，数据均已保留；请联系县级管理员恢复", name=tenant.name),
            )
        g.access = access
        enter_tenant(tenant)
        if rule.kind == "permission" and not access.can(rule.permission):
            raise ApiError(403, "forbidden", _("缺少权限 %(permission)s", permission=rule.permission))
        return None

    @app.teardown_request
    def _leave_tenant(exc):
        token = g.pop("_tenant_token", None)
        if token is not None:
            try:
                reset_tenant(token)
            except ValueError:
                pass


def current_access() -> Access:
    return g.get("access") or Access(tenant=g.get("tenant"))
