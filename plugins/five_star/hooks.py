"""Hook implementations of the five-star module; each calls into the module's services."""
from __future__ import annotations

from core.toolkit import NavItem, TenantKind, Widget, hookimpl
from core.toolkit import gettext as _


@hookimpl
def register_routes():
    from plugins.five_star.api import bp
    from plugins.five_star.api_households import bp as households_bp
    from plugins.five_star.county_api import bp as county_bp
    from plugins.five_star.pages import bp as pages_bp
    from plugins.five_star.pages_assess import bp as assess_bp
    from plugins.five_star.pages_county import bp as county_pages_bp
    from plugins.five_star.pages_households import bp as households_pages_bp
    from plugins.five_star.api_inbox import bp as inbox_bp
    from plugins.five_star.pages_inbox import bp as inbox_pages_bp
    from plugins.five_star.pages_household_stars import bp as hh_stars_pages_bp

    return [bp, households_bp, county_bp, inbox_bp, pages_bp, assess_bp, households_pages_bp, hh_stars_pages_bp,
            county_pages_bp, inbox_pages_bp]


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


@hookimpl
def nav_items(tenant, user):
    return [NavItem("五星支部", "Five-star branches", "five_star_pages.index", permission="five_star.read", order=300),
            NavItem("星级农户", "Star households", "five_star_households_pages.index", permission="five_star.read",
                    order=310),
            NavItem("五星支部星级图", "Five-star map", "five_star_county_pages.wall_map", permission="five_star.read",
                    order=300, tenant_kinds=("county",)),
            NavItem("待县级评星", "Stars to confirm", "five_star_county_pages.waiting", permission="five_star.confirm",
                    order=310, tenant_kinds=("county",)),
            NavItem("县级摘星", "Withdraw stars", "five_star_county_pages.awards", permission="five_star.confirm",
                    order=320, tenant_kinds=("county",))]


@hookimpl
def dashboard_widgets(tenant, user):
    from flask import g

    from plugins.five_star.clock import this_year
    from plugins.five_star.stats import summary

    access = g.get("access")
    if tenant.kind != TenantKind.township or access is None or not access.can("five_star.read"):
        return []
    s = summary(this_year())
    return _inbox_widget() + [Widget("five_star.per_star", "各星获星支部数", "Branches holding each star", kind="bar",
                   series=[(s["names"][c], n) for c, n in s["per_star"].items()], order=300,
                   link_endpoint="five_star_pages.index"),
            Widget("five_star.by_count", "支部星数分布", "Branches by number of stars", kind="bar",
                   series=[(f"{n}★", c) for n, c in s["by_count"].items()], order=301),
            Widget("five_star.five_star", "五星支部", "Five-star branches", value=s["five_star"], order=302)]


def _inbox_widget() -> list:
    """The user's unread five-star reminders (站内提醒), first on the start page; none: no widget."""
    from plugins.five_star.clock import fmt
    from plugins.five_star.reminders import shown, unread

    n, newest = unread()
    if not n:
        return []
    return [Widget("five_star.inbox", "五星创建提醒（未读）", "Five-star reminders (unread)", value=n, order=1,
                   link_endpoint="five_star_inbox_pages.inbox", detail=f"{fmt(newest.sent_at)} {shown([newest])[newest.id]}")]


@hookimpl
def demo_data(tenant):
    if tenant.kind != TenantKind.township:
        return
    from plugins.five_star.demo import fill_demo

    fill_demo(tenant)


@hookimpl
def register_schedules():
    from core.toolkit import Schedule
    from plugins.five_star.households import derive_last_month

    from plugins.five_star.reminders import send_pending

    return [Schedule("five_star.derive_household_stars", "0 2 1 * *", derive_last_month,
                     _("每月1日按积分为上月星级农户评分，待评星组确认")),
            Schedule("five_star.send_reminders", "*/5 * * * *", send_pending,
                     _("每5分钟发送乡镇的催报提醒到村级支部人员的站内提醒"))]


@hookimpl(optionalhook=True)
def register_template_kinds():
    """The key tasks as a county template (core's county templates call this once they exist)."""
    from core.toolkit import TemplateKind
    from plugins.five_star import county_template as ct

    return [TemplateKind(ct.KIND, "五星支部重点任务", "Five-star key tasks", ct.TaskItem, "code", ct.apply_items,
                         ct.read_items, lockable=("title", "criteria", "active"), defaults=ct.default_items)]


@hookimpl
def resident_sections(tenant, household, card):
    """The household's stars in the residents' portal: its confirmed stars per month (评星组
    confirmed only); only ``household``'s own rows are read."""
    from core.toolkit import gettext as _, render_section
    from plugins.five_star.households import resident_summary

    return [{"key": "five_star.stars", "title": _("我家的星"), "order": 300,
             "html": render_section("five_star/resident_stars.html", months=resident_summary(household.id))}]


@hookimpl
def resident_actions(tenant, household, card):
    """The village's public honour roll (光荣榜), surnames only."""
    from flask import url_for

    from core.toolkit import gettext as _

    return [{"key": "five_star.honour_roll", "title": _("十星农户光荣榜"), "order": 300,
             "url": url_for("five_star_households_pages.public_roll")}]


@hookimpl
def tenant_archive_contents(tenant):
    from core.toolkit import archive_contents

    return archive_contents("five_star", tenant)
