"""Hook implementations of the five-star module; each calls into the module's services."""
from __future__ import annotations

from core.toolkit import NavItem, TenantKind, Widget, hookimpl


@hookimpl
def register_routes():
    from plugins.five_star.api import bp
    from plugins.five_star.api_households import bp as households_bp
    from plugins.five_star.county_api import bp as county_bp

    return [bp, households_bp, county_bp]


@hookimpl
def register_permissions():
    from plugins.five_star.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def register_roles():
    from plugins.five_star.permissions import ROLES

    return list(ROLES)


@hookimpl
def setup_tenant(tenant, settings):
    """A township gets this year's default standard and the ten household stars; a county keeps
    nothing of its own until county templates land."""
    if tenant.kind != TenantKind.township:
        return
    from plugins.five_star.clock import this_year
    from plugins.five_star.households import seed_household_stars
    from plugins.five_star.standards import ensure_standard

    ensure_standard(this_year())
    seed_household_stars()


@hookimpl
def tenant_numbers(tenant):
    from plugins.five_star.clock import this_year
    from plugins.five_star.stats import summary

    s = summary(this_year())
    return {"five_star.stars": s["stars"], "five_star.five_star_branches": s["five_star"],
            "five_star.branches": s["branches"]}
