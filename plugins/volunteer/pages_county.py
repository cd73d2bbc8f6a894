"""The county's pages (县级): its units (机关事业单位), each unit's members by township with their
hours against the annual target, and the quarterly feedback report (双报到反馈) as a printable
page and .xlsx. A township answers 404."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.toolkit import ApiError, db, requires, xlsx_response
from plugins.volunteer import exports, units
from plugins.volunteer.api_county import bounds, county, year_quarter
from plugins.volunteer.models import Unit
from plugins.volunteer.pages import UNIT_KINDS, form_errors, values_of
from plugins.volunteer.permissions import UNITS
from plugins.volunteer.schemas import UnitIn

bp = Blueprint("volunteer_county_pages", __name__, url_prefix="/t/<tenant>/volunteer/county", template_folder="templates")


@bp.route("/units", methods=["GET", "POST"], endpoint="units")
@requires(UNITS)
def units_page():
    c = county()
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = values_of(request.form)
        try:
            units.create_unit(c, UnitIn().load(values))
            db.session.commit()
            flash(_("已添加单位"), "success")
            return redirect(url_for(".units"))
        except (ValidationError, ApiError) as exc:
            db.session.rollback()
            errors, status = form_errors(exc), 422
    rows = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    return render_template("volunteer/county_units.html", rows=rows, errors=errors, values=values,
                           kinds=UNIT_KINDS), status



def _period_label(year: int, quarter: int | None) -> str:
    return _("%(year)s 年第 %(q)s 季度", year=year, q=quarter) if quarter else _("%(year)s 年", year=year)


@bp.get("/units/<int:unit_id>")
@requires(UNITS)
def unit(unit_id: int):
    """Who registered where, hours each served in the period against the annual target; printable."""
    c = county()
    row = units.get_unit(unit_id)
    year, quarter = year_quarter()
    members = units.unit_report(c, row, *bounds(year, quarter), year=bounds(year, None))
    return render_template("volunteer/county_unit.html", unit=row, members=members, year=year, quarter=quarter,
                           where=units.registered_where(members), period=_period_label(year, quarter),
                           total=round(sum(m["hours"] for m in members), 2))


@bp.get("/units/<int:unit_id>/report.xlsx")
@requires(UNITS)
def unit_xlsx(unit_id: int):
    c = county()
    row = units.get_unit(unit_id)
    year, quarter = year_quarter()
    members = units.unit_report(c, row, *bounds(year, quarter), year=bounds(year, None))
    body = exports.unit_report_xlsx(row, members, _period_label(year, quarter))
    name = f"unit-{row.id}-{year}" + (f"-q{quarter}" if quarter else "")
    return xlsx_response(body, f"{name}.xlsx")
