"""The household's volunteer pages in the residents' portal (群众端), ``/r/<tenant>/volunteer/...``
(blueprint ``volunteer_resident``, ``@resident``: a phone signed in with the household card,
the household in ``g.household``): order a service from the menu, confirm and rate a service
that was done, withdraw one not done yet. Only the household's own orders are reachable (another's is not found)."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from core.toolkit import ApiError, db, gettext as _, resident
from plugins.volunteer import menu, portal

bp = Blueprint("volunteer_resident", __name__, url_prefix="/r/<tenant>/volunteer", template_folder="templates")


def _csrf() -> None:
    from flask_wtf.csrf import validate_csrf
    from wtforms import ValidationError as CSRFError

    try:
        validate_csrf(request.form.get("csrf_token"))
    except CSRFError:
        raise ApiError(400, "csrf", _("页面已过期，请刷新后再提交。"))


@bp.route("/order", methods=["GET", "POST"])
@resident
def order():
    error, status = None, 200
    if request.method == "POST":
        _csrf()
        try:
            raw = request.form.get("item_id", "")
            portal.resident_order(g.tenant, g.household, int(raw) if raw.isdigit() else -1,
                                  note=request.form.get("note", ""))
            db.session.commit()
        except ApiError as exc:
            db.session.rollback()
            error, status = (_("请选择服务项目") if exc.status == 404 else exc.message), exc.status if exc.status != 404 else 422
        else:
            return redirect(url_for("residents.home"), 303)
    return render_template("volunteer/resident_order.html", items=menu.menu(), error=error,
                           values=request.form), status


@bp.post("/orders/<int:order_id>/confirm")
@resident
def confirm(order_id: int):
    _csrf()
    raw = request.form.get("rating", "")
    try:
        portal.resident_confirm(g.tenant, g.household, order_id, int(raw) if raw.isdigit() else 0,
                                request.form.get("note", ""))
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        return render_template("volunteer/resident_done.html", message=exc.message, ok=False), exc.status
    return render_template("volunteer/resident_done.html", message=_("谢谢您的评价，志愿服务时长已记录。"), ok=True)


@bp.post("/orders/<int:order_id>/cancel")
@resident
def cancel(order_id: int):
    """The household withdraws an order nobody has done yet (open or claimed)."""
    _csrf()
    try:
        portal.resident_cancel(g.tenant, g.household, order_id)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        return render_template("volunteer/resident_done.html", message=exc.message, ok=False), exc.status
    return render_template("volunteer/resident_done.html", message=_("已取消这次点单。"), ok=True)
