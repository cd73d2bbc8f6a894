"""The tenant lifecycle registered as a library plugin (always on, never switchable): its API and
pages, its commands, its menu entries and the county console as a county's home page.

Core never imports :mod:`tenants`; it reaches it only through these hooks.
"""
from __future__ import annotations

from core.models import TenantKind
from core.plugins import hookimpl
from core.specs import NavItem


@hookimpl
def register_routes():
    from tenants.api import bp as api_bp
    from tenants.console import blueprint

    return [api_bp, blueprint()]


@hookimpl
def register_cli_commands(cli):
    from tenants.cli import register_commands
    from tenants.cli_bench_data import register_bench_data_command

    register_commands(cli)
    register_bench_data_command(cli)


@hookimpl
def nav_items(tenant, user):
    if tenant.kind == TenantKind.county:
        county = ("county",)
        return [
            NavItem("乡镇总览", "Townships", "web.tenant_home", permission="tenants.read", order=0, tenant_kinds=county),
            NavItem("乡镇对比", "Compare townships", "tenants_console.county_compare", permission="tenants.read", order=10,
                    tenant_kinds=county),
            NavItem("开通乡镇", "Onboard a township", "tenants_console.county_onboard", permission="tenants.onboard",
                    order=20, tenant_kinds=county),
            NavItem("县级模板", "County templates", "tenants_console.county_templates", permission="templates.read",
                    order=30, tenant_kinds=county),
        ]
    if tenant.kind == TenantKind.township:
        return [NavItem("模块开关", "Modules", "tenants_console.modules", permission="modules.read", order=800)]
    return []


@hookimpl
def console_home(tenant, user):
    if tenant.kind != TenantKind.county:
        return None
    from tenants.console.county import county_home

    return county_home()
