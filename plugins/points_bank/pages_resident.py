"""Residents' points pages (群众端), ``/r/<tenant>/points_bank/...`` (blueprint
``points_bank_resident``): the household objects to one of its own entries in 公示. The
household comes from the card's session (``g.household``); another household's entry answers
404 as if it did not exist, a late objection says why, and nothing changes."""
from __future__ import annotations

from flask import Blueprint, g, make_response, render_template, request

from core.toolkit import ApiError, db, gettext as _, resident
from plugins.points_bank.residents import resident_object

bp = Blueprint("points_bank_resident", __name__, url_prefix="/r/<tenant>/points_bank", template_folder="templates")


def _answer(message: str, status: int):
    resp = make_response(render_template("points_bank/resident_done.html", message=message, ok=status < 400), status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/objections")
@resident
def object_to():
    from flask_wtf.csrf import validate_csrf
    from wtforms import ValidationError as CSRFError

    try:
        validate_csrf(request.form.get("csrf_token"))
        raw = request.form.get("txn_id", "")
        if not raw.isdigit():
            raise ApiError(422, "validation_error", _("请选择要提出异议的积分"))
        resident_object(g.tenant, g.household.id, int(raw), "", request.form.get("reason", ""))
        db.session.commit()
    except CSRFError:
        return _answer(_("页面已过期，请刷新后再提交。"), 400)
    except ApiError as exc:
        db.session.rollback()
        return _answer(exc.message, exc.status)
    return _answer(_("已收到您的异议，村里会在公示期内核实答复。"), 201)
