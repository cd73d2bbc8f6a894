"""The county console (县级控制台): the county's townships, onboarding, suspend/resume, and the
side-by-side comparison with its .xlsx export. Pages answer 404 on a township tenant."""
from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.auth import requires
from core.console.charts import render_chart
from core.db import db
from core.errors import ApiError
from core.models import Tenant, TenantKind, TenantStatus
from core.modules import enabled_modules, registry
from tenants.console import bp
from tenants.console.compare import compare, is_rate, metric_label, metric_parts, metric_value, status_label, to_xlsx, townships_of
from tenants.console.onboard_form import errors_by_field, manifest_from_form
from tenants.onboarding import onboard_township, set_status


def _county() -> Tenant:
    if g.tenant.kind != TenantKind.county:
        raise ApiError(404)
    return g.tenant


def county_home():
    """``/t/<county>/``: the townships with their status and modules, and what can be done."""
    county = _county()
    manifests = registry().modules
    rows = []
    for town in townships_of(county):
        names = sorted(enabled_modules(town))
        rows.append({"town": town, "status": status_label(town.status),
                     "modules": [manifests[n] for n in names if n in manifests]})
    return render_template("tenants/county_home.html", rows=rows, TenantStatus=TenantStatus,
                           can_onboard=g.access.can("tenants.onboard"), can_suspend=g.access.can("tenants.suspend"))


def _module_choices():
    return list(registry().modules.values())


@bp.route("/t/<tenant>/townships/new", methods=["GET", "POST"])
@requires("tenants.onboard")
def county_onboard():
    """Onboard a township with the same rules as a manifest (all-or-nothing)."""
    county = _county()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            result = onboard_township(manifest_from_form(request.form, county.slug), county=county)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors = errors_by_field(exc.fields) or {"_form": [exc.message]}
            errors.setdefault("_form", []).insert(0, exc.message)
            status = exc.status
        else:
            # the generated password is on this page: never cached, shown once
            return render_template("tenants/onboarded.html", result=result), 201, {"Cache-Control": "no-store"}
    return render_template("tenants/onboard.html", form=request.form, errors=errors, modules=_module_choices(),
                           selected=set(request.form.getlist("modules"))), status


def _township(slug: str) -> Tenant:
    county = _county()
    town = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.parent_id == county.id))
    if town is None:
        raise ApiError(404)
    return town


def _set_status(slug: str, status: TenantStatus, message: str):
    town = set_status(_township(slug), status)
    flash(message % {"name": town.name}, "success")
    return redirect(url_for("web.tenant_home"))


@bp.post("/t/<tenant>/townships/<slug>/suspend")
@requires("tenants.suspend")
def county_suspend(slug: str):
    return _set_status(slug, TenantStatus.suspended, _("已暂停：%(name)s（数据均已保留）"))


@bp.post("/t/<tenant>/townships/<slug>/resume")
@requires("tenants.suspend")
def county_resume(slug: str):
    return _set_status(slug, TenantStatus.active, _("已恢复：%(name)s"))


@bp.get("/t/<tenant>/compare")
@requires("tenants.read")
def county_compare():
    """The numbers table, a bar chart of one chosen metric (``?metric=``), and the export link."""
    county = _county()
    result = compare(county)
    metric = request.args.get("metric")
    if metric not in result.metrics:
        metric = result.metrics[0] if result.metrics else None
    title = (metric_label(metric) + (" (%)" if is_rate(metric) else "")) if metric else ""
    svg = render_chart("bar", result.series(metric), title) if metric else None
    return render_template("tenants/compare.html", county=county, result=result, metric=metric, chart_svg=svg,
                           chart_title=title, metric_label=metric_label, metric_parts=metric_parts, metric_value=metric_value, status_label=status_label)


@bp.get("/t/<tenant>/compare.xlsx")
@requires("tenants.read")
def county_compare_xlsx():
    county = _county()
    body = to_xlsx(county, compare(county))
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{county.slug}-townships.xlsx"'})
