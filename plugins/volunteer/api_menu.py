"""The service menu, orders and hours in the API (点单式服务与服务时长), under
``/api/v1/t/<tenant>/volunteer``."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from core.toolkit import ApiError, db, doc, iso_local, load, page, requires, utcnow, visible
from plugins.volunteer import localtime, menu, records, shapes
from plugins.volunteer.models import Order
from plugins.volunteer.permissions import MANAGE, REGISTER, VIEW, can_manage, require_grid
from plugins.volunteer.schemas import (CancelIn, ClaimIn, OrderConfirmIn, DoneIn, MenuItemIn, MenuItemOut, MenuItemPatch, OrderIn,
                                       OrderOut)
from plugins.volunteer.web import grid_by_id, payload, volunteer_by_id
from core.toolkit import gettext as _

bp = Blueprint("volunteer_menu", __name__, url_prefix="/api/v1/t/<tenant>/volunteer")
TAGS = ["volunteer"]


def _commit(schema, obj, status: int = 200):
    body = schema().dump(obj)
    db.session.commit()
    return jsonify(body), status


@bp.get("/menu")
@requires(VIEW)
@doc("The service menu; ?all=1 with retired items", response_schema=MenuItemOut, items=True, tags=TAGS,
     query={"all": "flag"})
def list_menu():
    return jsonify({"items": MenuItemOut(many=True).dump(menu.menu(active_only=request.args.get("all") != "1"))})


@bp.post("/menu")
@requires(MANAGE)
@doc("Add an item to the menu (recorded)", request_schema=MenuItemIn, response_schema=MenuItemOut, tags=TAGS, status=201)
def add_item():
    return _commit(MenuItemOut, menu.add_item(g.tenant, load(MenuItemIn, payload())), 201)


@bp.patch("/menu/<int:item_id>")
@requires(MANAGE)
@doc("Change, retire (active=false) or restore an item (recorded)", request_schema=MenuItemPatch, response_schema=MenuItemOut,
     tags=TAGS)
def change_item(item_id: int):
    item = menu.get_item(item_id)
    return _commit(MenuItemOut, menu.change_item(g.tenant, item, load(MenuItemPatch, payload())))


@bp.get("/menu/history")
@requires(VIEW)
@doc("Menu changes and the item count now and a year ago", tags=TAGS, response_schema=shapes.MENU_HISTORY)
def menu_history():
    now = utcnow()
    rows = [{"item_id": c.item_id, "change": c.change, "detail": c.detail, "at": iso_local(c.at)}
            for c in menu.history()]
    return jsonify({"items_now": menu.items_on(now), "items_year_ago": menu.items_on(now - dt.timedelta(days=365)),
                    "changes": rows})


def _order_in_reach(order_id: int) -> Order:
    order = menu.get_order(order_id)
    require_grid(grid_by_id(order.grid_id))
    return order


@bp.get("/orders")
@requires(REGISTER)
@doc("Service orders, newest first; ?status=", response_schema=OrderOut, paged=True, tags=TAGS,
     query={"status": "string"})
def list_orders():
    stmt = select(Order)
    if not can_manage():
        stmt = stmt.where(visible(Order.grid_id, REGISTER))
    if request.args.get("status"):
        stmt = stmt.where(Order.status == request.args["status"])
    return page(OrderOut, stmt, order_by=Order.id.desc())


@bp.post("/orders")
@requires(REGISTER)
@doc("Order a service for a resident", request_schema=OrderIn, response_schema=OrderOut, tags=TAGS,
     status=201)
def place_order():
    data = load(OrderIn, payload())
    try:
        item = menu.get_item(data.pop("item_id"))
    except ApiError:
        raise ApiError(422, "validation_error", _("服务项目不存在"), {"item_id": [_("不存在")]})
    if data.get("grid_id") is not None:
        require_grid(grid_by_id(data["grid_id"]))
    order = menu.place_order(g.tenant, item, data)
    require_grid(grid_by_id(order.grid_id))
    return _commit(OrderOut, order, 201)


@bp.get("/orders/<int:order_id>")
@requires(REGISTER)
@doc("A service order", response_schema=OrderOut, tags=TAGS)
def show_order(order_id: int):
    return jsonify(OrderOut().dump(_order_in_reach(order_id)))


@bp.post("/orders/<int:order_id>/claim")
@requires(REGISTER)
@doc("Claim an order for a volunteer; claimed already → 409", request_schema=ClaimIn, response_schema=OrderOut,
     tags=TAGS)
def claim(order_id: int):
    order = _order_in_reach(order_id)
    volunteer = volunteer_by_id(load(ClaimIn, payload())["volunteer_id"])
    return _commit(OrderOut, menu.claim(g.tenant, order, volunteer))


@bp.post("/orders/<int:order_id>/done")
@requires(REGISTER)
@doc("Report a claimed order done for its volunteer, with hours", request_schema=DoneIn, response_schema=OrderOut,
     tags=TAGS)
def done(order_id: int):
    order = _order_in_reach(order_id)
    data = load(DoneIn, payload())
    return _commit(OrderOut, menu.mark_done(g.tenant, order, None, data["hours"], data["note"]))


@bp.post("/orders/<int:order_id>/confirm")
@requires(REGISTER)
@doc("Confirm a done order and rate it 1..5; the hours count", request_schema=OrderConfirmIn,
     response_schema=OrderOut, tags=TAGS)
def confirm(order_id: int):
    order = _order_in_reach(order_id)
    data = load(OrderConfirmIn, payload())
    return _commit(OrderOut, menu.confirm(g.tenant, order, data["rating"], data["note"]))


@bp.post("/orders/<int:order_id>/cancel")
@requires(REGISTER)
@doc("Cancel an open or claimed order", request_schema=CancelIn, response_schema=OrderOut, tags=TAGS)
def cancel(order_id: int):
    order = _order_in_reach(order_id)
    return _commit(OrderOut, menu.cancel(g.tenant, order, load(CancelIn, payload())["reason"]))


def period_args() -> tuple[dt.datetime | None, dt.datetime | None]:
    """``from``/``to`` (inclusive Beijing dates, YYYY-MM-DD) as UTC bounds; 422 naming the field."""
    out, problems = [], {}
    for name, shift in (("from", 0), ("to", 1)):
        raw = request.args.get(name)
        if not raw:
            out.append(None)
            continue
        try:
            out.append(localtime.local_day_start(dt.date.fromisoformat(raw) + dt.timedelta(days=shift)))
        except ValueError:
            problems[name] = [_("日期格式须为 YYYY-MM-DD")]
    if problems:
        raise ApiError(422, "validation_error", _("日期有误"), problems)
    return out[0], out[1]


@bp.get("/hours")
@requires(VIEW)
@doc("Hours per volunteer in a period, most first; ?from=&to= Beijing dates", tags=TAGS, response_schema=shapes.HOURS,
     query={"from": "date", "to": "date"})
def hours():
    start, end = period_args()
    rows = records.totals(start, end)
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return jsonify({"items": rows, "total_hours": round(sum(r["hours"] for r in rows), 2)})
