"""Core grid's answers to hooks: the console menu entry, and the PIPL hooks for the duties that
name a resident (网格职责 keep a copy of the holder's name and phone)."""
from __future__ import annotations

from core.plugins import hookimpl
from core.specs import NavItem


@hookimpl
def nav_items(tenant, user):
    return [NavItem("网格", "Grids", "grid.tree", permission="grids.read", order=20)]


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
