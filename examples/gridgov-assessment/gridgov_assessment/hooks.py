"""Hook implementations of the assessment module; each calls into the module's own code."""
from __future__ import annotations

from core.toolkit import NavItem, Widget, hookimpl


@hookimpl
def register_routes():
    from gridgov_assessment.api import bp
    from gridgov_assessment.pages import bp as pages_bp

    return [bp, pages_bp]


@hookimpl
def register_permissions():
    from gridgov_assessment.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def register_roles():
    from gridgov_assessment.permissions import ROLES

    return list(ROLES)


@hookimpl
def register_template_kinds():
    """The checklist as a county template: a county publishes it, its townships adopt it."""
    from core.toolkit import TemplateKind
    from gridgov_assessment import county_template as ct
    from gridgov_assessment.schemas import TemplateRule
    from gridgov_assessment.services import KIND

    return [TemplateKind(KIND, "网格考核细则", "Grid assessment checklist", TemplateRule, "code", ct.apply_items,
                         ct.read_items, lockable=("title", "max_points", "method", "active"), defaults=ct.default_items)]


@hookimpl
def setup_tenant(tenant, settings):
    from gridgov_assessment.demo import ensure_current_quarter

    ensure_current_quarter(tenant)


@hookimpl
def demo_data(tenant):
    from gridgov_assessment.demo import fill_demo

    fill_demo(tenant)


@hookimpl
def nav_items(tenant, user):
    return [NavItem("网格考核", "Grid assessment", "assessment_pages.index", permission="assessment.view", order=400)]


@hookimpl
def dashboard_widgets(tenant, user):
    from flask import g

    from gridgov_assessment.summary import latest_published

    access = g.get("access")
    if access is None or not access.can("assessment.view"):
        return []
    latest = latest_published(tenant)
    if latest is None:
        return [Widget("assessment.latest", "季排队平均分", "Quarterly ranking: average score", value=None, order=400,
                       link_endpoint="assessment_pages.index")]
    return [Widget("assessment.latest", "季排队平均分", "Quarterly ranking: average score", value=latest["average"],
                   detail=f"{latest['period']} · {latest['first']}", order=400, link_endpoint="assessment_pages.index")]


@hookimpl
def tenant_numbers(tenant):
    from gridgov_assessment.summary import latest_published

    latest = latest_published(tenant)
    return {"assessment.average_score": latest["average"] if latest else 0.0}


@hookimpl
def grid_sections(tenant, grid, user):
    from gridgov_assessment.summary import grid_section

    return grid_section(tenant, grid)


@hookimpl
def grids_merged(tenant, source, target):
    from gridgov_assessment.summary import move_grid

    move_grid(source, target)


@hookimpl
def assessment_numbers(tenant, grid_id, start, end):
    """Our own hook, answered with what the installed modules already offer five_star."""
    from gridgov_assessment.numbers import from_star_evidence

    return from_star_evidence(tenant, grid_id, start, end)


@hookimpl
def tenant_archive_contents(tenant):
    from core.toolkit import archive_contents

    return archive_contents("assessment", tenant, uploads=())
