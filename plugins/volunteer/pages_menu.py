"""Console pages for the service menu, orders, hours and certificates, posts and teams, and the
.xlsx exports (点单式服务、服务时长、导出)."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.toolkit import ApiError, audit, confirm_first, db, refusal_message, requires, utcnow, visible, xlsx_response
from plugins.volunteer import exports as xlsx
from plugins.volunteer import localtime, menu, posts, records, registration
from plugins.volunteer.models import Order, Volunteer
from plugins.volunteer.pages import active_grids, bp, form_errors, refused_form, values_of
from plugins.volunteer.permissions import MANAGE, REGISTER, VIEW, can_manage, require_grid
from plugins.volunteer.schemas import OrderConfirmIn, MenuItemIn, OrderIn, PostIn, TeamIn
from plugins.volunteer.web import grid_by_id

@bp.route("/menu", methods=["GET", "POST"], endpoint="menu")
@requires(VIEW)
def menu_page():
    if request.method == "POST":
        if not can_manage():
            abort(403)
        try:
            menu.add_item(g.tenant, MenuItemIn().load(values_of(request.form)))
            db.session.commit()
            flash(_("已加入服务清单"), "success")
        except (ValidationError, ApiError) as exc:
            if isinstance(exc, ApiError) and exc.status in (403, 404):
                raise
            return _menu_page(refused_form("item", exc), 422)
        return redirect(url_for(".menu"))
    return _menu_page()


def _menu_page(kept: dict | None = None, status: int = 200):
    now = utcnow()
    return render_template("volunteer/menu.html", items=menu.menu(active_only=False), history=menu.history(50),
                           now_count=menu.items_on(now), year_ago=menu.items_on(now - dt.timedelta(days=365)),
                           posts=posts.posts(active_only=True), can_manage=can_manage(), kept=kept or {}), status



@bp.post("/menu/<int:item_id>/toggle")
@requires(MANAGE)
def toggle_item(item_id: int):
    item = menu.get_item(item_id)
    menu.change_item(g.tenant, item, {"active": item.retired_at is not None})
    db.session.commit()
    return redirect(url_for(".menu"))


@bp.route("/orders", methods=["GET", "POST"])
@requires(REGISTER)
def orders():
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = values_of(request.form)
        try:
            data = OrderIn().load(values)
            item = menu.get_item(data.pop("item_id"))
            if data.get("grid_id") is not None:
                require_grid(grid_by_id(data["grid_id"]))
            order = menu.place_order(g.tenant, item, data)
            require_grid(grid_by_id(order.grid_id))
            db.session.commit()
        except (ValidationError, ApiError) as exc:
            db.session.rollback()
            errors, status = form_errors(exc), getattr(exc, "status", 422)
        else:
            flash(_("已代群众点单"), "success")
            return redirect(url_for(".orders"))
    return _orders_page(errors, values, status=status)


def _orders_page(errors: dict | None = None, values: dict | None = None, kept: dict | None = None, status: int = 200):
    """The orders page; after a refused order (``errors``/``values``) or a refused "done" of an
    order (``kept["done<id>"]``) that form again with what was typed and each problem beside it."""
    stmt = select(Order).order_by(Order.id.desc()).limit(200)
    if not can_manage():
        stmt = stmt.where(visible(Order.grid_id, REGISTER))
    confirmed = db.session.scalars(select(Volunteer).where(Volunteer.status == "confirmed").order_by(Volunteer.name)
                                   .limit(500)).all()
    return render_template("volunteer/orders.html", rows=db.session.scalars(stmt).all(), items=menu.menu(),
                           grids=active_grids(), errors=errors or {}, values=values or {}, volunteers=confirmed,
                           kept=kept or {}), status


@bp.post("/orders/<int:order_id>/<any(claim,done,confirm,cancel):action>")
@requires(REGISTER)
def order_action(order_id: int, action: str):
    order = menu.get_order(order_id)
    require_grid(grid_by_id(order.grid_id))
    try:
        if action == "claim":
            vid = request.form.get("volunteer_id", "")
            volunteer = db.session.get(Volunteer, int(vid)) if vid.isdigit() else None
            if volunteer is None:
                raise ApiError(422, "validation_error", _("请选择志愿者"), {"volunteer_id": [_("请选择志愿者")]})
            menu.claim(g.tenant, order, volunteer)
        elif action == "done":
            try:
                hours = float(request.form.get("hours", ""))
            except ValueError:
                raise ApiError(422, "validation_error", _("请填写服务时长（小时）"), {"hours": [_("请填写服务时长（小时）")]})
            menu.mark_done(g.tenant, order, None, hours, request.form.get("note", ""))
        elif action == "confirm":
            data = OrderConfirmIn().load(values_of(request.form))
            menu.confirm(g.tenant, order, data["rating"], data["note"])
        else:
            confirm_first(_("确认取消这张点单？"), [_("点单：%(item)s · %(who)s", item=order.item.name, who=order.requester_name),
                                                 _("已认领的志愿者不再上门")], _("确认取消"))
            menu.cancel(g.tenant, order, request.form.get("reason", ""))
        db.session.commit()
        flash(_("已处理"), "success")
    except (ValidationError, ApiError) as exc:
        if action == "done" and not (isinstance(exc, ApiError) and exc.status in (403, 404)):
            # the hours typed, shown again beside their problem (the other buttons type nothing)
            return _orders_page(kept=refused_form(f"done{order.id}", exc), status=getattr(exc, "status", 422))
        db.session.rollback()
        flash(refusal_message(exc), "error")  # a button with a word or two: the reason, no field names
    return redirect(url_for(".orders"))


def _year() -> int:
    raw = request.args.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else localtime.local_now().year


@bp.get("/hours")
@requires(VIEW)
def hours():
    year = _year()
    start, end = localtime.year_bounds(year)
    return render_template("volunteer/hours.html", rows=records.totals(start, end), year=year)


@bp.get("/volunteers/<int:volunteer_id>/certificate")
@requires(VIEW)
def certificate(volunteer_id: int):
    """A printable certificate (志愿服务证明) of the hours served in a year."""
    volunteer = registration.get_volunteer(volunteer_id)
    year = _year()
    start, end = localtime.year_bounds(year)
    services = records.records_of(volunteer.id, start, end)
    return render_template("volunteer/certificate.html", v=volunteer, year=year, services=services,
                           hours=round(sum(s.hours for s in services), 2), today=localtime.local_now().date())


@bp.route("/posts", methods=["GET", "POST"], endpoint="posts")
@requires(VIEW)
def posts_page():
    if request.method == "POST":
        if not can_manage():
            abort(403)
        kind = request.form.get("kind")
        try:
            if kind == "team":
                data = values_of(request.form, lists=("member_ids",))
                data.pop("kind", None)
                raw_id = data.pop("team_id", "")
                team = posts.get_team(int(raw_id)) if raw_id.isdigit() else None
                if team is not None:
                    data.setdefault("member_ids", [])  # every member unticked: the team has none
                posts.save_team(team, TeamIn().load(data))
            else:
                data = values_of(request.form)
                data.pop("kind", None)
                posts.save_post(None, PostIn().load(data))
            db.session.commit()
            flash(_("已保存"), "success")
        except (ValidationError, ApiError) as exc:
            if isinstance(exc, ApiError) and exc.status in (403, 404):
                raise
            key = "post" if kind != "team" else f"team{request.form.get('team_id') or ''}"
            return _posts_page(refused_form(key, exc), 422)
        return redirect(url_for(".posts"))
    return _posts_page()


def _posts_page(kept: dict | None = None, status: int = 200):
    """The posts and teams page; after a refused form (``kept["post"]``, ``kept["team"]`` for a
    new team, ``kept["team<id>"]``) that form again with what was typed and each problem beside it."""
    names = dict(db.session.execute(select(Volunteer.id, Volunteer.name)).all())
    confirmed = db.session.execute(select(Volunteer.id, Volunteer.name).where(Volunteer.status == "confirmed")
                                   .order_by(Volunteer.name)).all()
    return render_template("volunteer/posts.html", posts=posts.posts(), teams=posts.teams(), names=names,
                           confirmed=confirmed, members=posts.members_of, can_manage=can_manage(), kept=kept or {}), status



@bp.get("/exports")
@requires(MANAGE)
def exports():
    return render_template("volunteer/exports.html", kinds=xlsx.KINDS, year=localtime.local_now().year)


@bp.get("/exports/<any(volunteers,activities,attendance,hours):kind>.xlsx")
@requires(MANAGE)
def export(kind: str):
    year = _year()
    start, end = localtime.year_bounds(year) if kind == "hours" else (None, None)
    body = xlsx.export(kind, start, end)
    audit("volunteer.export", None, object_type="volunteer_export", object_id=kind)
    db.session.commit()
    return xlsx_response(body, f"{g.tenant.slug}-volunteer-{kind}.xlsx")

