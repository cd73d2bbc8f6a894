"""Hook implementations of the mediation module; each calls into the module's services."""
from __future__ import annotations

from core.toolkit import N_, NavItem, Widget, hookimpl
from core.toolkit import gettext as _


@hookimpl
def register_routes():
    from plugins.mediation.api import bp
    from plugins.mediation.api_register import bp as register_bp
    from plugins.mediation.pages import assets
    from plugins.mediation.pages import bp as pages_bp
    from plugins.mediation.pages_register import bp as pages_register_bp

    return [bp, register_bp, pages_bp, pages_register_bp, assets]


@hookimpl
def register_permissions():
    from plugins.mediation.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def register_roles():
    from plugins.mediation.permissions import ROLES

    return list(ROLES)


@hookimpl
def register_cli_commands(cli):
    import click

    @cli.group("mediation", help=N_("调解"))
    def mediation_group():
        """Mediation (调解)."""

    @mediation_group.command("followups-due", help=N_("按乡镇列出今天及以前到期的回访（供定时运行）。"))
    @click.option("--tenant", "slug", default=None, help=N_("一个乡镇（默认：启用了该模块的全部乡镇）"))
    def followups_due_cmd(slug):
        """List follow-up visits (回访) due today or earlier, per township (run from cron)."""
        from plugins.mediation.cli import followups_due

        for town, rows in followups_due(slug):
            click.echo(f"{town}: " + _("%(n)s 件待回访", n=len(rows)))
            for case_id, due_on in rows:
                click.echo("  " + _("案件 %(id)s 应于 %(date)s 回访", id=case_id, date=due_on.isoformat()))


@hookimpl
def register_schedules():
    from core.toolkit import Schedule
    from plugins.mediation.followups import remind_due

    return [Schedule("mediation.followups_due", "0 8 * * *", remind_due,
                     _("每天8点列出到期的协议回访"))]


@hookimpl
def setup_tenant(tenant, settings):
    from plugins.mediation.demo import ensure_default_room

    ensure_default_room(tenant)


@hookimpl
def nav_items(tenant, user):
    return [NavItem("调解案件", "Mediation cases", "mediation_pages.index", permission="mediation.mediate", order=300),
            NavItem("登记纠纷", "Take in a dispute", "mediation_pages.new", permission="mediation.intake", order=301),
            NavItem("村民说事", "Villagers' meetings", "mediation_register_pages.meetings",
                    permission="mediation.meetings", order=305),
            NavItem("调解室与调解员", "Rooms and mediators", "mediation_register_pages.rooms",
                    permission="mediation.manage", order=306)]


@hookimpl
def dashboard_widgets(tenant, user):
    from flask import g

    from core.toolkit import local_period
    from plugins.mediation import numbers

    access = g.get("access")
    if access is None or not access.can("mediation.mediate"):
        return []
    n = numbers.summary(numbers.case_rows(*local_period("year")))
    rate = round(n["success_rate"] * 100, 1) if n["success_rate"] is not None else None
    return [Widget("mediation.taken_in", "今年受理纠纷", "Disputes taken in this year", value=n["taken_in"], order=300,
                   link_endpoint="mediation_pages.index"),
            Widget("mediation.success_rate", "今年调解成功率(%)", "Mediation success rate this year (%)", value=rate,
                   detail=f"{n['agreements']}/{n['concluded']}" if n["concluded"] else None,
                   order=301, link_endpoint="mediation_pages.numbers_page")]


@hookimpl
def tenant_numbers(tenant):
    from core.toolkit import local_period
    from plugins.mediation import numbers

    n = numbers.summary(numbers.case_rows(*local_period("year"), reach=False))  # this year, Beijing time
    # keys the county's comparison has words for (core.console.compare.METRIC_WORDS)
    return {"mediation.cases": n["taken_in"], "mediation.success_rate": n["success_rate"] or 0.0}


@hookimpl
def person_sections(tenant, person, user):
    from plugins.mediation.people import person_section

    return person_section(person)


@hookimpl
def grid_sections(tenant, grid, user):
    from plugins.mediation.people import grid_section

    return grid_section(grid)


@hookimpl
def resident_sections(tenant, household, card):
    """The household's cases (progress only), when the township's ``portal_shows_cases`` allows."""
    from core.toolkit import gettext, render_section
    from plugins.mediation.handover import resident_summary

    cases = resident_summary(tenant, household.id)
    if not cases:
        return []
    return [{"key": "mediation.cases", "title": gettext("本户调解案件"), "order": 300,
             "html": render_section("mediation/resident_cases.html", cases=cases)}]


@hookimpl
def person_data_export(tenant, person):
    from plugins.mediation.people import export_person

    return export_person(person)


@hookimpl
def person_anonymised(tenant, person):
    from plugins.mediation.people import anonymise_person

    anonymise_person(person)


@hookimpl
def grids_merged(tenant, source, target):
    from plugins.mediation.people import move_grid

    move_grid(source, target)


@hookimpl
def grid_usage(tenant, grid):
    from plugins.mediation.people import open_cases_under

    return {"未办结调解案件": open_cases_under(grid)}


@hookimpl
def demo_data(tenant):
    from plugins.mediation.demo import fill_demo

    fill_demo(tenant)


@hookimpl
def demo_data_at_scale(tenant, scale):
    from plugins.mediation.scale import fill_at_scale

    return fill_at_scale(tenant, scale)


# --- answers to other modules' hooks ---------------------------------------------------------


@hookimpl(optionalhook=True)
def incident_reported(tenant, incident):
    """incidents: a dispute incident opens a case when the township's settings say so."""
    from plugins.mediation.handover import case_from_incident

    case_from_incident(tenant, incident)


@hookimpl(optionalhook=True)
def incident_resolved(tenant, incident):
    """incidents: a villagers' meeting topic that became this incident counts as solved."""
    from plugins.mediation.meetings import incident_resolved as topic_solved

    topic_solved(incident.id)


@hookimpl(optionalhook=True)
def star_evidence(tenant, grid_id, start, end):
    """five_star: ``mediation.success_rate`` for the 平安法治 star."""
    from plugins.mediation.handover import star_evidence as evidence

    return evidence(grid_id, start, end)


@hookimpl
def tenant_archive_contents(tenant):
    from core.toolkit import archive_contents

    return archive_contents("mediation", tenant)
