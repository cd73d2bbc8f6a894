"""Hook implementations of the incidents module; each calls into the module's services."""
from __future__ import annotations

import datetime as dt

from core.toolkit import N_, local_period, NavItem, Widget, hookimpl, utcnow
from core.toolkit import gettext as _


@hookimpl
def register_routes():
    from plugins.incidents.open311 import bp as open311_bp
    from plugins.incidents.pages import bp as pages_bp
    from plugins.incidents.public import bp as public_bp
    from plugins.incidents.tracking import bp as resident_bp
    from plugins.incidents.views import bp

    return [bp, pages_bp, public_bp, open311_bp, resident_bp]


@hookimpl
def register_permissions():
    from plugins.incidents.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def register_roles():
    from plugins.incidents.permissions import ROLES

    return list(ROLES)


@hookimpl
def register_cli_commands(cli):
    import click

    @cli.group("incidents", help=N_("事件"))
    def incidents_group():
        """Incidents (事件)."""

    @incidents_group.command("escalate-overdue",
                             help=N_("立即把自动升级类别中的超期事件上升一级（队列每五分钟也会执行：定时任务 incidents.escalate_overdue）。"))
    @click.option("--tenant", "slug", default=None, help=N_("一个乡镇（默认：启用了该模块的全部乡镇）"))
    def escalate_overdue_cmd(slug):
        """Escalate overdue incidents of auto-escalating categories one level now (the queue also
        does it every five minutes: schedule incidents.escalate_overdue)."""
        from plugins.incidents.deadlines import escalate_all

        for town, status, moved in escalate_all(slug):
            click.echo(f"{town}: " + (_("已流转 %(n)s 件", n=len(moved)) if status == "succeeded"
                                      else _("失败：%(reason)s", reason=moved)))


@hookimpl
def register_schedules():
    from core.toolkit import Schedule
    from plugins.incidents.deadlines import escalate_overdue

    return [Schedule("incidents.escalate_overdue", "*/5 * * * *", escalate_overdue,
                     _("超过办理时限的事件自动流转"))]


@hookimpl
def register_template_kinds():
    from plugins.incidents.categories import TEMPLATE_KIND

    return [TEMPLATE_KIND]


@hookimpl
def setup_tenant(tenant, settings):
    from plugins.incidents.categories import seed_defaults

    seed_defaults(tenant)


@hookimpl
def nav_items(tenant, user):
    return [NavItem("事件办理", "Incidents", "incidents_pages.index", permission="incidents.report", order=200),
            NavItem("事件统计", "Incident numbers", "incidents_pages.numbers", permission="incidents.report", order=210)]


@hookimpl
def dashboard_widgets(tenant, user):
    from flask import g

    from plugins.incidents import stats
    from plugins.incidents.permissions import REPORT

    access = g.get("access")
    if access is None or not access.can(REPORT):
        return []
    roots = access.grids_for(REPORT) if not access.can("incidents.manage") else None
    n = stats.subtree_numbers(roots, utcnow() - dt.timedelta(days=30), breakdown=False)
    return [
        Widget("incidents.reported", "近30天上报事件", "Incidents reported (30 days)", value=n["reported"], order=200,
               link_endpoint="incidents_pages.index"),
        Widget("incidents.closure_rate", "近30天办结率(%)", "Closure rate, 30 days (%)",
               value=round(n["closure_rate"] * 100, 1) if n["closure_rate"] is not None else None,
               detail=f"{n['closed']}/{n['reported'] - n['rejected']}" if n["reported"] - n["rejected"] else None,
               order=201),
        Widget("incidents.overdue", "超期事件", "Overdue incidents", value=stats.overdue_count(roots), order=202,
               link_endpoint="incidents_pages.overdue"),
        Widget("incidents.closed_per_week", "每周结案", "Closed per week", kind="bar",
               series=stats.closed_per_week(roots), order=203),
    ]


@hookimpl
def tenant_numbers(tenant):
    from plugins.incidents import stats

    year_start, _ = local_period("year")
    n = stats.subtree_numbers(None, year_start, breakdown=False)  # this local year so far
    return {"incidents.reported": n["reported"], "incidents.closed": n["closed"],
            "incidents.closure_rate": n["closure_rate"], "incidents.overdue": stats.overdue_count(None),
            "incidents.settled_in_grid": n["settled_in_grid"],
            "incidents.satisfaction_rate": n["satisfaction_rate"]}  # a rate of nothing is None: "—", not 0.0%


@hookimpl
def person_sections(tenant, person, user):
    from plugins.incidents.people import person_section

    return person_section(person)


@hookimpl
def person_data_export(tenant, person):
    from plugins.incidents.people import export_person

    return export_person(person)


@hookimpl
def person_anonymised(tenant, person):
    from plugins.incidents.people import anonymise_person

    anonymise_person(person)


@hookimpl
def grids_merged(tenant, source, target):
    from plugins.incidents.people import move_grid

    move_grid(source, target)


@hookimpl
def grid_sections(tenant, grid, user):
    """Open incidents under the grid, its list, and the printable 随手拍 QR code."""
    from flask import url_for
    from flask_babel import gettext as _

    from core.toolkit import grid_in_reach
    from plugins.incidents.permissions import REPORT
    from plugins.incidents.stats import open_in_subtree

    if not grid_in_reach(grid, REPORT):
        return []
    links = [(_("本网格事件"), url_for("incidents_pages.index", grid_id=grid.id)),
             (_("群众随手拍海报（可打印）"), url_for("incidents_pages.qr_page", token=grid.public_token))]
    return [{"title": _("事件流转"), "rows": [(_("未办结事件"), open_in_subtree(grid))], "links": links}]


@hookimpl
def grid_usage(tenant, grid):
    from plugins.incidents.stats import open_in_subtree

    return {"未办结事件": open_in_subtree(grid)}


@hookimpl
def demo_data(tenant):
    from plugins.incidents.demo import fill_demo

    fill_demo(tenant)


@hookimpl
def demo_data_at_scale(tenant, scale):
    from plugins.incidents.scale import fill_at_scale

    return fill_at_scale(tenant, scale)


@hookimpl(optionalhook=True)
def star_evidence(tenant, grid_id, start, end):
    """five_star's evidence: closure rate and the share settled inside the grid (自办自结) in the
    village's subtree, from this module's own numbers; nothing when nothing was reported there
    (a rate of nothing is no evidence: the criterion falls back to manual scoring)."""
    from plugins.incidents import stats

    n = stats.subtree_numbers([grid_id], start, end, breakdown=False)
    base = n["reported"] - n["rejected"]
    if base <= 0:
        return []
    return [{"key": "incidents.closure_rate", "value": n["closure_rate"], "label_zh": "事件办结率",
             "label_en": "Incident closure rate", "unit": "%"},
            {"key": "incidents.self_settled_share", "value": round(n["settled_in_grid"] / base, 4) if base > 0 else 0.0,
             "label_zh": "网格内自办自结占比", "label_en": "Share settled inside the grid", "unit": "%"}]


@hookimpl
def resident_sections(tenant, household, card):
    """The household's 随手拍 reports (sent from its card's session) with their status."""
    from core.toolkit import gettext, render_section
    from plugins.incidents.receipts import household_reports

    return [{"key": "incidents.reports", "title": gettext("我的随手拍"), "order": 100,
             "html": render_section("incidents/resident_reports.html", reports=household_reports(household.id))}]


@hookimpl
def resident_actions(tenant, household, card):
    from flask import url_for

    from core.toolkit import gettext

    return [{"key": "incidents.report", "title": gettext("随手拍"), "url": url_for("incidents_resident.report"),
             "order": 100}]


# --- answers to the mediation module's hooks (contract in the BRIEF; written by mediation) ----

MEDIATION_OUTCOMES = {"agreement": "达成协议", "partial": "部分达成", "failed": "调解不成", "referred": "已移交"}


def _mediated_incident(case):
    from core.toolkit import db
    from plugins.incidents.models import Incident

    return db.session.get(Incident, case["incident_id"]) if case.get("incident_id") else None


@hookimpl(optionalhook=True)
def mediation_case_concluded(tenant, case):
    """A timeline note on the incident the case came from: the mediation's outcome."""
    from plugins.incidents.services import _step

    incident = _mediated_incident(case)
    if incident is not None:
        outcome = MEDIATION_OUTCOMES.get(case["outcome"], case["outcome"])
        _step(incident, "mediation", incident.state, incident.where, f"调解结果：{outcome}（调解案件 #{case['case_id']}）")


@hookimpl(optionalhook=True)
def mediation_agreement_failed(tenant, case):
    """The agreement did not hold at a follow-up: the incident goes up again (reopened first if
    closed; to the township office from a grid, a timeline note where it already is above)."""
    from plugins.incidents import services

    incident = _mediated_incident(case)
    if incident is None:
        return
    note = f"调解协议未履行（调解案件 #{case['case_id']}），再次流转"
    if incident.state == "closed":
        services.reopen(tenant, incident, note)
    if incident.state in services.MOVABLE and incident.level == "grid":
        services.escalate(tenant, incident, "office", note, auto=True)
    else:
        services._step(incident, "mediation", incident.state, incident.where, note)


@hookimpl(optionalhook=True)
def incident_from_mediation_topic(tenant, topic):
    """A villagers' meeting topic reported as an incident in its grid (category ``other`` unless
    the topic names one); returns the incident's id."""
    from flask_login import current_user
    from sqlalchemy import select

    from core.toolkit import ApiError, Grid, db
    from plugins.incidents.models import Category
    from plugins.incidents.services import report_incident

    code = topic.get("category_code") or "other"
    category = db.session.scalar(select(Category).where(Category.code == code, Category.active.is_(True)))
    if category is None:
        raise ApiError(422, "validation_error", _("事件类别不存在"), {"category_code": [_("类别编码不存在")]})
    user = current_user if getattr(current_user, "is_authenticated", False) else None
    incident = report_incident(tenant, grid=db.session.get(Grid, topic["grid_id"]), category=category,
                               description=f"村民说事议题：{topic['title']}", reporter_user_id=user.id if user else None,
                               reporter_name=(user.display_name or user.username) if user else None)
    if incident.linked_module is None:
        incident.linked_module, incident.linked_ref = "mediation", f"topic:{topic['topic_id']}"
    return incident.id


@hookimpl
def tenant_archive_contents(tenant):
    from core.toolkit import archive_contents

    return archive_contents("incidents", tenant)
