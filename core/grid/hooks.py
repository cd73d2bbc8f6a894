"""Core grid's answers to hooks: the console menu entry, and the PIPL hooks for the duties that
name a resident (网格职责 keep a copy of the holder's name and phone)."""
from __future__ import annotations

from core.plugins import hookimpl
from core.specs import NavItem, Widget


@hookimpl
def nav_items(tenant, user):
    return [NavItem("网格", "Grids", "grid.tree", permission="grids.read", order=20)]


@hookimpl
def register_cli_commands(cli):
    from core.grid.cli import grids_group

    cli.add_command(grids_group)


@hookimpl
def dashboard_widgets(tenant, user):
    """Grids per level (e.g. 12 村/社区 · 38 网格 · 113 微网格) and party organisations."""
    from sqlalchemy import func, select

    from core.db import db
    from core.grid.models import Grid, GridStatus, PartyOrg
    from core.grid.service import level_name

    stmt = select(Grid.level, func.count()).where(Grid.status == GridStatus.active).group_by(Grid.level)
    per_level = {level: count for level, count in db.session.execute(stmt).all()}
    orgs = db.session.scalar(select(func.count()).select_from(PartyOrg)) or 0
    return [
        Widget("grid.grids", "网格", "Grids", "number", sum(per_level.values()), order=5, link_endpoint="grid.tree"),
        Widget("grid.levels", "各级网格", "Grids per level", "bar",
               series=[(level_name(tenant, lv), n) for lv, n in sorted(per_level.items())], order=6,
               link_endpoint="grid.tree"),
        Widget("grid.party_orgs", "网格党组织", "Party organisations", "number", orgs, order=7, link_endpoint="grid.tree"),
    ]


@hookimpl
def person_data_export(tenant, person):
    """The grid duties ``person`` holds (their name and phone as kept on each)."""
    from core.grid.duties import duties_of_person

    rows = duties_of_person(person.id)
    return {"grid_duties": [{"grid": d.grid.name, "grid_code": d.grid.code, "duty": d.duty_label,
                             "name": d.name, "phone": d.phone} for d in rows]} if rows else {}


@hookimpl
def person_anonymised(tenant, person):
    """Erase the name and phone kept on the duties ``person`` holds; the duties stay, unnamed."""
    from core.grid.duties import anonymise_person_duties

    anonymise_person_duties(tenant, person.id)
