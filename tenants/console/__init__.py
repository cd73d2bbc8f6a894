"""The tenant lifecycle's pages (租户控制台): the county console (townships, onboarding,
suspend/resume, side-by-side comparison), a township's module switches, and the platform admin's
counties and townships. Views here only route: load → check → call a service → commit.

The blueprint is ``tenants_console``; its pages extend core's ``core/base.html`` and use core's
console helpers (forms, charts, menu), never the other way round.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tenants_console", __name__, template_folder="../templates")


def blueprint() -> Blueprint:
    """The blueprint with every page attached."""
    from tenants.console import admin, county, county_templates, modules_page  # noqa: F401  (routes attach to bp)

    return bp
