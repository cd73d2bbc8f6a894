"""The residents' part (群众端): what a household sees of the service menu and its own orders,
ordering a service, and confirming and rating one that was done.

Residents have no account; the residents' portal (issue 15, built in core) opens with the
household card and puts the household in ``g.household``. Until its ``resident_sections`` /
``resident_actions`` hooks and ``@resident`` pages land on main, these are plain services taking
the household, tested directly; the pages and hooks will call them unchanged. Every function
reads or changes only the given household's orders (another household's order is not found).
"""
from __future__ import annotations

from sqlalchemy import select

from core.toolkit import ApiError, db
from plugins.volunteer import menu
from plugins.volunteer.models import Order
from core.toolkit import gettext as _


def resident_summary(household) -> dict:
    """The menu on offer and the household's orders, newest first (plain values for a template)."""
    orders = db.session.scalars(select(Order).where(Order.household_id == household.id)
                                .order_by(Order.id.desc()).limit(50)).all()
    return {"menu": [{"id": i.id, "name": i.name, "description": i.description} for i in menu.menu()],
            "orders": [{"id": o.id, "item": o.item.name, "status": o.status, "volunteer": o.volunteer.name
                        if o.volunteer else None, "hours": o.hours, "rating": o.rating, "created_at": o.created_at}
                       for o in orders]}


def resident_order(tenant, household, item_id: int, note: str = "", phone: str | None = None) -> Order:
    """The household orders a menu item for itself (source ``resident``)."""
    item = menu.get_item(item_id)
    return menu.place_order(tenant, item, {"household_id": household.id, "note": note[:500],
                                           **({"phone": phone} if phone else {})}, source="resident")


def _own_order(household, order_id: int) -> Order:
    order = db.session.get(Order, order_id) if isinstance(order_id, int) else None
    if order is None or order.household_id != household.id:
        raise ApiError(404, "not_found", _("点单不存在"))
    return order


def resident_confirm(tenant, household, order_id: int, rating: int, note: str = "") -> Order:
    """The household confirms its own done order and rates it 1..5 (the hours then count)."""
    if not 1 <= rating <= 5:
        raise ApiError(422, "validation_error", _("评价为 1-5 星"), {"rating": ["1-5"]})
    return menu.confirm(tenant, _own_order(household, order_id), rating, note[:300])


def resident_cancel(tenant, household, order_id: int) -> Order:
    return menu.cancel(tenant, _own_order(household, order_id), "群众取消")
