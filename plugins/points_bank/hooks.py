"""Hook implementations of the points bank; each calls into the module's services."""
from __future__ import annotations

from core.toolkit import NavItem, hookimpl, period_bounds, bucket_key
from core.toolkit import gettext as _


@hookimpl
def register_routes():
    from plugins.points_bank.api import bp
    from plugins.points_bank.api_ledger import bp as ledger_bp
    from plugins.points_bank.api_shop import bp as shop_bp
    from plugins.points_bank.exports import bp as export_bp
    from plugins.points_bank.pages import bp as pages_bp
    from plugins.points_bank.pages_review import bp as review_bp
    from plugins.points_bank.pages_resident import bp as resident_bp
    from plugins.points_bank.pages_shop import bp as counter_bp

    return [bp, ledger_bp, shop_bp, export_bp, pages_bp, review_bp, counter_bp, resident_bp]


@hookimpl
def register_permissions():
    from plugins.points_bank.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def register_roles():
    from plugins.points_bank.permissions import ROLES

    return list(ROLES)


@hookimpl
def register_cli_commands(cli):
    from plugins.points_bank.cli import register

    register(cli)


@hookimpl
def register_template_kinds():
    from core.toolkit import TemplateKind
    from plugins.points_bank.county import template_kinds

    return template_kinds(TemplateKind)


@hookimpl
def register_schedules():
    from core.toolkit import Schedule
    from plugins.points_bank.periods import run_deadlines

    return [Schedule("points_bank.period_deadlines", "10 * * * *", run_deadlines,
                     _("公示：审核完的月份自动公示，公示期满且无异议自动归档"))]


@hookimpl
def nav_items(tenant, user):
    return [NavItem("积分超市", "Points supermarket", "points_bank_pages.index", permission="points_bank.view", order=300),
            NavItem("兑换柜台", "Supermarket counter", "points_bank_counter.counter", permission="points_bank.redeem",
                    order=310)]


@hookimpl
def setup_tenant(tenant, settings):
    from plugins.points_bank.schemes import seed_defaults

    seed_defaults(tenant)


# --- answers to other modules' announcements (BRIEF contracts) -------------------------------


@hookimpl(optionalhook=True)
def incident_resolved(tenant, incident):
    """A resident's report confirmed (随手拍经核实) earns the mapped rule for the reporter."""
    from plugins.points_bank.feed import award

    if incident.person_id:
        award(tenant, "incidents.report_resolved", f"incident:{incident.id}", [incident.person_id], incident.grid_id,
              None, f"随手拍上报经核实 #{incident.id}")


@hookimpl(optionalhook=True)
def volunteer_service_completed(tenant, service):
    from plugins.points_bank.feed import award

    if service.get("person_id"):
        award(tenant, "volunteer.service_completed", f"{service['kind']}:{service['ref']}", [service["person_id"]],
              service.get("grid_id"), service.get("occurred_at"),
              f"志愿服务 {service.get('title', '')} {service.get('hours', '')}小时".strip())


@hookimpl(optionalhook=True)
def mediation_case_concluded(tenant, case):
    """A mediation that ends in agreement (调解成功) earns the mapped rule for its mediators."""
    from plugins.points_bank.feed import award

    if case.get("outcome") == "agreement":
        award(tenant, "mediation.agreement", f"case:{case['case_id']}", case.get("mediator_person_ids") or [],
              case.get("grid_id"), case.get("concluded_at"), f"调解成功 案件 #{case['case_id']}")


@hookimpl(optionalhook=True)
def mediation_agreement_failed(tenant, case):
    """An agreement found not holding (回访未履行): the points it earned are reversed."""
    from plugins.points_bank.feed import take_back

    take_back(tenant, "mediation.agreement", f"case:{case['case_id']}", f"调解协议未履行 案件 #{case['case_id']}")


@hookimpl(optionalhook=True)
def household_category_points(tenant, household_ids, start, end):
    from plugins.points_bank.stats import household_category_points as points

    return points(list(household_ids), start, end)


@hookimpl(optionalhook=True)
def star_evidence(tenant, grid_id, start, end):
    from plugins.points_bank.stats import STAR_THRESHOLD, household_share_over_threshold

    return [{"key": "points_bank.household_share_over_threshold",
             "value": household_share_over_threshold(grid_id, start, end),
             "label_zh": f"积分达 {STAR_THRESHOLD} 分的农户占比", "label_en": f"Households with {STAR_THRESHOLD}+ points",
             "unit": "ratio"}]


@hookimpl(optionalhook=True)
def resident_sections(tenant, household, card):
    """The household's balance, passbook lines, entries in 公示 and the supermarket (居民端)."""
    from plugins.points_bank.residents import render_section

    return render_section(tenant, household)


# --- numbers, people, grids ------------------------------------------------------------------


@hookimpl
def tenant_numbers(tenant):
    from plugins.points_bank import stats
    from core.toolkit import utcnow

    start, _ = period_bounds(bucket_key("year", utcnow()) + "-01")
    end = utcnow()
    points, items, count = stats.redeemed(start, end)
    return {"points_bank.issued": stats.issued(start, end), "points_bank.redeemed": points,
            "points_bank.items_redeemed": items, "points_bank.redemptions": count,
            "points_bank.household_share_over_threshold": stats.household_share_over_threshold(None, start, end)}


@hookimpl
def dashboard_widgets(tenant, user):
    from flask import g

    from core.toolkit import Widget
    from plugins.points_bank import stats
    from plugins.points_bank.permissions import VIEW, township_wide

    access = g.get("access")
    if access is None or not access.can(VIEW) or not township_wide(VIEW):
        return []
    months = stats.per_month(6)
    top = stats.top_members(5)
    return [
        Widget("points_bank.issued", "每月发放积分", "Points issued per month", kind="bar",
               series=[(m, i) for m, i, _ in months], order=300),
        Widget("points_bank.redeemed", "每月兑换积分", "Points redeemed per month", kind="bar",
               series=[(m, r) for m, _, r in months], order=301),
        Widget("points_bank.top", "年度积分前五", "Top members this year", kind="text",
               value="、".join(f"{n} {p}" for n, p in top) or "—", order=302),
    ]


@hookimpl
def person_data_export(tenant, person):
    from plugins.points_bank.people import export_person

    return export_person(person)


@hookimpl
def person_anonymised(tenant, person):
    from plugins.points_bank.people import anonymise_person

    anonymise_person(person)


@hookimpl
def grids_merged(tenant, source, target):
    from plugins.points_bank.people import move_grid

    move_grid(source, target)


@hookimpl
def demo_data(tenant):
    from plugins.points_bank.demo import fill_demo

    fill_demo(tenant)


@hookimpl
def demo_data_at_scale(tenant, scale):
    from plugins.points_bank.scale import fill_at_scale

    return fill_at_scale(tenant, scale)


@hookimpl
def tenant_archive_contents(tenant):
    from core.toolkit import archive_contents

    return archive_contents("points_bank", tenant)
