"""Platform admin pages (平台管理): counties (list, create) and every township."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.auth import requires
from tenants.console import bp
from tenants.console.compare import status_label
from core.db import db
from core.errors import ApiError
from core.models import Tenant, TenantKind
from tenants.onboarding import create_county


def _counties() -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.county).order_by(Tenant.name, Tenant.id)))


@bp.get("/admin/")
@requires("platform.manage")
def admin_home():
    return redirect(url_for("tenants_console.admin_counties"))


@bp.route("/admin/counties", methods=["GET", "POST"])
@requires("platform.manage")
def admin_counties():
    """The counties with their number of townships, and a form to create one."""
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        slug, name = request.form.get("slug", "").strip(), request.form.get("name", "").strip()
        try:
            county = create_county(slug, name, request.form.get("region_code", "").strip() or None)
        except ApiError as exc:
            db.session.rollback()
            if exc.status not in (409, 422):
                raise
            errors = {k: list(v) if isinstance(v, (list, tuple)) else [str(v)] for k, v in (exc.fields or {}).items()}
            errors.setdefault("_form", []).insert(0, exc.message)
            status = exc.status
        else:
            flash(_("已创建县/市：%(name)s") % {"name": county.name}, "success")
            return redirect(url_for("tenants_console.admin_counties"))
    counties = _counties()
    counts = {c.id: 0 for c in counties}
    for parent_id in db.session.scalars(select(Tenant.parent_id).where(Tenant.kind == TenantKind.township)):
        if parent_id in counts:
            counts[parent_id] += 1
    return render_template("tenants/admin_counties.html", counties=counties, counts=counts,
                           form=request.form, errors=errors), status


@bp.get("/admin/townships")
@requires("platform.manage")
def admin_townships():
    """Every township on the platform, by county."""
    towns = list(db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.township).order_by(Tenant.parent_id, Tenant.name)))
    parents = {c.id: c for c in _counties()}
    return render_template("tenants/admin_townships.html", towns=towns, parents=parents, status_label=status_label)
