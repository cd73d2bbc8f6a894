"""The service menu (点单式服务): items residents order, orders volunteers claim and do.

Every change of the menu is a :class:`MenuChange`, and an item's ``added_at``/``retired_at`` say
when it was on the menu, so :func:`items_on` gives "25 items last year, 29 now". An order moves
open → claimed → done → confirmed (rated 1..5), or is cancelled while open or claimed. Claiming
is the guarded ``UPDATE ... SET status='claimed' WHERE id = :id AND status = 'open'`` with a
row-count check: the second of two claims gets 409 ``already_claimed``. Confirming records the
service (hours) and announces it.
"""
from __future__ import annotations

import datetime as dt

from flask_login import current_user
from sqlalchemy import func, or_, select, update

from core.toolkit import ApiError, Household, audit, db, utcnow
from plugins.volunteer import records
from plugins.volunteer.models import MenuChange, Order, ServiceItem, Volunteer
from plugins.volunteer.web import settings
from core.toolkit import gettext as _


def _uid():
    return current_user.id if current_user and current_user.is_authenticated else None


def get_item(item_id) -> ServiceItem:
    row = db.session.get(ServiceItem, item_id) if isinstance(item_id, int) else None
    if row is None:
        raise ApiError(404, "not_found", _("服务项目不存在"))
    return row


def get_order(order_id) -> Order:
    row = db.session.get(Order, order_id) if isinstance(order_id, int) else None
    if row is None:
        raise ApiError(404, "not_found", _("点单不存在"))
    return row


def _log(item: ServiceItem, change: str, detail: str = "") -> None:
    db.session.add(MenuChange(item_id=item.id, change=change, detail=detail[:300], user_id=_uid()))
    db.session.flush()


def add_item(tenant, data: dict, at: dt.datetime | None = None) -> ServiceItem:
    if db.session.scalar(select(ServiceItem.id).where(ServiceItem.name == data["name"],
                                                      ServiceItem.retired_at.is_(None))) is not None:
        raise ApiError(409, "duplicate", _("清单中已有该项目"), {"name": [_("已有")]})
    item = ServiceItem(added_at=at or utcnow(), **data)
    db.session.add(item)
    db.session.flush()
    _log(item, "added", item.name)
    audit("volunteer.menu_add", item, after={"name": item.name})
    return item


def change_item(tenant, item: ServiceItem, data: dict) -> ServiceItem:
    before = {k: getattr(item, k) for k in data if k != "active"}
    active = data.pop("active", None)
    for key, value in data.items():
        setattr(item, key, value)
    if data:
        _log(item, "changed", "; ".join(f"{k}: {before[k]} → {v}" for k, v in data.items()))
    if active is False and item.retired_at is None:
        item.retired_at = utcnow()
        _log(item, "retired", item.name)
    elif active is True and item.retired_at is not None:
        item.retired_at = None
        _log(item, "restored", item.name)
    db.session.flush()
    audit("volunteer.menu_change", item, before=before, after={**data, "active": item.retired_at is None})
    return item


def menu(active_only: bool = True) -> list[ServiceItem]:
    stmt = select(ServiceItem).order_by(ServiceItem.retired_at.is_not(None), ServiceItem.id)
    if active_only:
        stmt = stmt.where(ServiceItem.retired_at.is_(None))
    return list(db.session.scalars(stmt))


def items_on(moment: dt.datetime) -> int:
    """How many items were on the menu at ``moment`` (UTC)."""
    return db.session.scalar(select(func.count(ServiceItem.id)).where(
        ServiceItem.added_at <= moment, or_(ServiceItem.retired_at.is_(None), ServiceItem.retired_at > moment))) or 0


def history(limit: int = 200) -> list[MenuChange]:
    return list(db.session.scalars(select(MenuChange).order_by(MenuChange.at.desc(), MenuChange.id.desc()).limit(limit)))


def place_order(tenant, item: ServiceItem, data: dict, *, source: str = "worker") -> Order:
    """Order a menu item for a resident (a grid worker on their behalf, or the portal)."""
    if item.retired_at is not None:
        raise ApiError(409, "item_retired", _("该服务已下架"))
    household = None
    if data.get("household_id") is not None:
        household = db.session.get(Household, data["household_id"])
        if household is None:
            raise ApiError(422, "validation_error", _("户不存在"), {"household_id": [_("户不存在")]})
        data.setdefault("address", household.address)
        data.setdefault("grid_id", household.grid_id)
        data.setdefault("requester_name", household.head_name or "")
        data.setdefault("phone", household.phone)
    if not data.get("grid_id"):
        raise ApiError(422, "validation_error", _("请选择网格或户"), {"grid_id": [_("必填")]})
    if not data.get("requester_name"):
        raise ApiError(422, "validation_error", _("请填写点单人"), {"requester_name": [_("必填")]})
    order = Order(item_id=item.id, source=source, ordered_by_user_id=_uid(), status="open", **data)
    db.session.add(order)
    db.session.flush()
    audit("volunteer.order_place", order, after={"item": item.name, "grid_id": order.grid_id})
    return order


def claim(tenant, order: Order, volunteer: Volunteer) -> Order:
    if volunteer.status != "confirmed":
        raise ApiError(409, "not_confirmed", _("报到尚未确认"))
    result = db.session.execute(update(Order).where(Order.id == order.id, Order.status == "open")
                                .values(status="claimed", volunteer_id=volunteer.id, claimed_at=utcnow())
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ApiError(409, "already_claimed", _("该点单已被认领或已结束"))
    db.session.refresh(order)
    audit("volunteer.order_claim", order, after={"volunteer_id": volunteer.id})
    return order


def mark_done(tenant, order: Order, volunteer: Volunteer | None, hours: float, note: str = "") -> Order:
    """The claiming volunteer (or the office for them) reports the service done, with its hours."""
    if order.status != "claimed":
        raise ApiError(409, "not_claimed", _("点单不在服务中"))
    if volunteer is not None and order.volunteer_id != volunteer.id:
        raise ApiError(403, "not_yours", _("只有认领人可以完成"))
    cap = settings(tenant)["order_max_hours"]
    if hours <= 0 or hours > cap:
        problem = _("服务时长须在 0 到 %(cap)s 小时之间", cap=f"{cap:g}")
        raise ApiError(422, "validation_error", problem, {"hours": [problem]})
    order.status, order.done_at, order.hours, order.done_note = "done", utcnow(), round(hours, 2), note
    db.session.flush()
    audit("volunteer.order_done", order, after={"hours": order.hours})
    return order


def confirm(tenant, order: Order, rating: int, note: str = "") -> Order:
    """The resident or a grid worker confirms the service and rates it (1..5); hours count."""
    result = db.session.execute(update(Order).where(Order.id == order.id, Order.status == "done")
                                .values(status="confirmed", confirmed_at=utcnow(), confirmed_by_user_id=_uid(),
                                        rating=rating, rating_note=note)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ApiError(409, "not_done", _("服务尚未完成或已确认"))
    db.session.refresh(order)
    records.record_order(tenant, order)
    audit("volunteer.order_confirm", order, after={"rating": rating})
    return order


def cancel(tenant, order: Order, reason: str) -> Order:
    result = db.session.execute(update(Order).where(Order.id == order.id, Order.status.in_(("open", "claimed")))
                                .values(status="cancelled", rating_note=reason[:300])
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ApiError(409, "not_open", _("点单已完成，不能取消"))
    db.session.refresh(order)
    audit("volunteer.order_cancel", order, after={"reason": reason})
    return order
