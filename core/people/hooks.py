"""Core's answers to hooks about households and residents (registered as ``core.people.hooks``)."""
from __future__ import annotations

from core.plugins import hookimpl
from core.specs import NavItem, Widget


@hookimpl
def tenant_onboarded(tenant):
    from core.people.services import ensure_default_tags

    ensure_default_tags(tenant)


@hookimpl
def register_cli_commands(cli):
    from core.people.cli import people_group

    cli.add_command(people_group)


@hookimpl
def nav_items(tenant, user):
    return [
        NavItem("居民", "Residents", "people.people_list", permission="people.read", order=20),
        NavItem("导入居民", "Import residents", "people.import_page", permission="people.import", order=21),
        NavItem("打印户码卡", "Household cards", "cards.batch_form", permission="people.cards", order=22),
    ]


@hookimpl
def dashboard_widgets(tenant, user):
    from core.people.stats import stats_by_first_level, subtree_stats

    totals = subtree_stats(tenant)
    per_grid = stats_by_first_level(tenant)
    return [
        Widget("people.residents", "居民", "Residents", "number", totals["residents"], order=10,
               link_endpoint="people.people_list"),
        Widget("people.households", "住户", "Households", "number", totals["households"], order=11),
        Widget("people.party_members", "党员", "Party members", "number", totals["party_members"], order=12),
        Widget("people.by_grid", "各网格居民", "Residents per grid", "bar",
               series=[(row["name"], row["residents"]) for row in per_grid], order=30),
        Widget("people.special_groups", "重点人群", "Special groups", "pie",
               series=[(name, n) for name, n in totals["tags"].items() if n], order=31),
    ]


@hookimpl
def tenant_numbers(tenant):
    from core.people.stats import subtree_stats

    totals = subtree_stats(tenant)
    return {
        "people.residents": totals["residents"],
        "people.households": totals["households"],
        "people.party_members": totals["party_members"],
        "people.special_groups": sum(totals["tags"].values()),
    }


@hookimpl
def person_data_export(tenant, person):
    from core.people.privacy import own_data

    return own_data(person)


@hookimpl
def grid_usage(tenant, grid):
    from sqlalchemy import func, select

    from core.db import db
    from core.grid.scope import subtree_condition
    from core.people.models import Household, Person, PersonStatus

    residents = db.session.scalar(select(func.count()).select_from(Person).where(
        Person.status == PersonStatus.living, subtree_condition(Person.grid_id, [grid.id])))
    households = db.session.scalar(select(func.count()).select_from(Household).where(
        subtree_condition(Household.grid_id, [grid.id])))
    return {"居民": int(residents or 0), "住户": int(households or 0)}


@hookimpl
def grids_merged(tenant, source, target):
    from core.people.services import move_grid_rows

    move_grid_rows(source, target)


@hookimpl(trylast=True)  # after the grid's party organisations exist
def demo_data(tenant):
    from core.people.demo import populate

    populate(tenant)
