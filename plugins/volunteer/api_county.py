"""The county's units in the API (双报到单位), under ``/api/v1/t/<county>/volunteer/units``.

Only on a county tenant (a township answers 404). The report reads the townships through
:func:`plugins.volunteer.units.unit_report`, the module's one path across townships.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from core.toolkit import ApiError, TenantKind, db, doc, load, requires
from plugins.volunteer import localtime, units
from plugins.volunteer.models import Unit
from plugins.volunteer.permissions import UNITS
from plugins.volunteer.schemas import UnitIn, UnitOut, UnitPatch
from plugins.volunteer.web import payload
from core.toolkit import gettext as _

bp = Blueprint("volunteer_county", __name__, url_prefix="/api/v1/t/<tenant>/volunteer/units")
TAGS = ["volunteer"]


def county():
    if g.tenant.kind != TenantKind.county:
        raise ApiError(404)
    return g.tenant


def year_quarter() -> tuple[int, int | None]:
    """``year`` (default this year) and optional ``quarter`` 1..4 from the query; 422 naming the field."""
    now = localtime.local_now()
    problems = {}
    year, quarter = now.year, None
    raw = request.args.get("year")
    if raw:
        if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
            problems["year"] = [_("年份有误")]
        else:
            year = int(raw)
    raw = request.args.get("quarter")
    if raw:
        if raw not in ("1", "2", "3", "4"):
            problems["quarter"] = ["季度为 1-4 (1 to 4)"]
        else:
            quarter = int(raw)
    if problems:
        raise ApiError(422, "validation_error", _("参数有误"), problems)
    return year, quarter


def bounds(year: int, quarter: int | None):
    return localtime.quarter_bounds(year, quarter) if quarter else localtime.year_bounds(year)


@bp.get("")
@requires(UNITS)
@doc("The county's units", response_schema=UnitOut, items=True, tags=TAGS)
def list_units():
    county()
    return jsonify({"items": UnitOut(many=True).dump(db.session.scalars(select(Unit).order_by(Unit.name)))})


@bp.post("")
@requires(UNITS)
@doc("Add a unit with its annual target hours", request_schema=UnitIn, response_schema=UnitOut, tags=TAGS, status=201)
def add_unit():
    unit = units.create_unit(county(), load(UnitIn, payload()))
    body = UnitOut().dump(unit)
    db.session.commit()
    return jsonify(body), 201


@bp.patch("/<int:unit_id>")
@requires(UNITS)
@doc("Change a unit or its target", request_schema=UnitPatch, response_schema=UnitOut, tags=TAGS)
def change_unit(unit_id: int):
    county()
    unit = units.update_unit(units.get_unit(unit_id), load(UnitPatch, payload()))
    body = UnitOut().dump(unit)
    db.session.commit()
    return jsonify(body)


@bp.get("/<int:unit_id>/report")
@requires(UNITS)
@doc("Who of the unit registered where and their hours against the target; ?year=&quarter=", tags=TAGS)
def report(unit_id: int):
    c = county()
    unit = units.get_unit(unit_id)
    year, quarter = year_quarter()
    rows = units.unit_report(c, unit, *bounds(year, quarter), year=bounds(year, None))
    return jsonify({"unit": UnitOut().dump(unit), "year": year, "quarter": quarter, "members": rows,
                    "registered_where": [{"town": t, "count": n} for t, n in units.registered_where(rows)],
                    "total_hours": round(sum(r["hours"] for r in rows), 2)})
