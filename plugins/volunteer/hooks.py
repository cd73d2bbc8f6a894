"""Hook implementations of the volunteer module; each calls into the module's services."""
from __future__ import annotations

from core.toolkit import N_, NavItem, Widget, hookimpl
from core.toolkit import gettext as _


@hookimpl
def register_routes():
    from plugins.volunteer import (api, api_county, api_menu, api_self, pages, pages_county, pages_resident,
                                   pages_self)
    from plugins.volunteer import pages_menu  # noqa: F401  adds the menu, order and hours pages to pages.bp

    return [api.bp, api_menu.bp, api_self.bp, api_county.bp, pages.bp, pages.assets, pages_self.bp, pages_county.bp,
            pages_resident.bp]


@hookimpl
def register_permissions():
    from plugins.volunteer.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def register_roles():
    from plugins.volunteer.permissions import ROLES

    return list(ROLES)


@hookimpl
def register_cli_commands(cli):
    import click

    @cli.group("volunteer", help=N_("志愿服务"))
    def volunteer_group():
        """Volunteers (志愿服务)."""

    @volunteer_group.command("close-missing-checkouts",
                             help=N_("立即关闭活动结束后仍未签退的签到，并提示队长（队列每 30 分钟也会执行：定时任务 volunteer.close_missing_checkouts）。"))
    @click.option("--tenant", "slug", default=None, help=N_("一个乡镇（默认：启用了该模块的全部乡镇）"))
    def close_missing_cmd(slug):
        """Close check-ins left open after their activity ended, flagged for the leader, now (the
        queue also does it every 30 minutes: schedule volunteer.close_missing_checkouts)."""
        from plugins.volunteer.jobs import close_all

        for town, status, n in close_all(slug):
            click.echo(f"{town}: " + (_("已关闭 %(n)s 条签到", n=n) if status == "succeeded" else _("失败：%(reason)s", reason=n)))


@hookimpl
def register_schedules():
    from core.toolkit import Schedule
    from plugins.volunteer.jobs import close_missing

    return [Schedule("volunteer.close_missing_checkouts", "*/30 * * * *", close_missing,
                     _("活动结束后未签退的签到自动补签退并标记"))]


@hookimpl
def register_template_kinds():
    from plugins.volunteer.posts import TEMPLATE_KIND

    return [TEMPLATE_KIND]


@hookimpl
def setup_tenant(tenant, settings):
    from core.toolkit import TenantKind
    from plugins.volunteer.posts import seed_defaults

    if tenant.kind != TenantKind.county:
        seed_defaults(tenant)


@hookimpl
def nav_items(tenant, user):
    return [NavItem("志愿服务", "Volunteers", "volunteer_pages.index", permission="volunteer.view", order=400),
            NavItem("点单服务", "Service orders", "volunteer_pages.orders", permission="volunteer.register", order=410),
            NavItem("双报到单位", "Units (dual registration)", "volunteer_county_pages.units",
                    permission="volunteer.units", order=400, tenant_kinds=("county",))]


@hookimpl
def dashboard_widgets(tenant, user):
    from flask import g

    from plugins.volunteer import stats

    access = g.get("access")
    if access is None or not access.can("volunteer.view") or tenant.kind.value != "township":
        return []
    n = stats.numbers()
    return [Widget("volunteer.registered", "已报到志愿者", "Registered volunteers", value=n["registered"], order=400,
                   link_endpoint="volunteer_pages.volunteers"),
            Widget("volunteer.hours_year", "今年服务时长(小时)", "Service hours this year", value=n["hours_year"],
                   order=401, link_endpoint="volunteer_pages.hours"),
            Widget("volunteer.open_orders", "待认领点单", "Orders waiting for a volunteer", value=n["open_orders"],
                   order=402, link_endpoint="volunteer_pages.orders"),
            Widget("volunteer.hours_per_month", "每月服务时长", "Service hours per month", kind="bar",
                   series=stats.hours_per_month(), order=403)]


@hookimpl
def tenant_numbers(tenant):
    from plugins.volunteer import stats

    n = stats.numbers()
    return {"volunteer.registered": n["registered"], "volunteer.party_members": n["party_members"],
            "volunteer.hours_year": n["hours_year"], "volunteer.activities_year": n["activities_year"],
            "volunteer.orders_confirmed_year": n["orders_confirmed_year"], "volunteer.menu_items": n["menu_items"]}


@hookimpl(optionalhook=True)
def star_evidence(tenant, grid_id, start, end):
    from plugins.volunteer import stats

    return stats.star_evidence(grid_id, start, end)


@hookimpl
def resident_sections(tenant, household, card):
    """The household's service orders (点单服务) with their status; a done one is rated here."""
    from core.toolkit import gettext, render_section
    from plugins.volunteer.portal import resident_summary

    return [{"key": "volunteer.orders", "title": gettext("我的点单服务"), "order": 300,
             "html": render_section("volunteer/resident_orders.html", summary=resident_summary(household))}]


@hookimpl
def resident_actions(tenant, household, card):
    from flask import url_for

    from core.toolkit import gettext

    return [{"key": "volunteer.order", "title": gettext("点单服务"), "url": url_for("volunteer_resident.order"),
             "order": 300}]


@hookimpl
def person_sections(tenant, person, user):
    from plugins.volunteer.people import person_section

    return person_section(person)


@hookimpl
def grid_sections(tenant, grid, user):
    from plugins.volunteer.stats import grid_section

    return grid_section(grid)


@hookimpl
def person_data_export(tenant, person):
    from plugins.volunteer.people import export_person

    return export_person(person)


@hookimpl
def person_anonymised(tenant, person):
    from plugins.volunteer.people import anonymise_person

    anonymise_person(person)


@hookimpl
def grids_merged(tenant, source, target):
    from plugins.volunteer.people import move_grid

    move_grid(source, target)


@hookimpl
def demo_data(tenant):
    from plugins.volunteer.demo import fill_demo

    fill_demo(tenant)


@hookimpl
def demo_data_at_scale(tenant, scale):
    from plugins.volunteer.scale import fill_at_scale

    return fill_at_scale(tenant, scale)


@hookimpl
def tenant_archive_contents(tenant):
    from core.toolkit import archive_contents

    return archive_contents("volunteer", tenant)
