"""Rooms and mediators (调解室与调解员): the township's register of who mediates where."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.toolkit import ApiError, Grid, GridStatus, Person, User, audit, db
from plugins.mediation.models import Mediator, MediatorRoom, Room, RoomGrid
from core.toolkit import gettext as _


def _bad(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_error", message, {field: [message]})


def _grids(ids: list[int]) -> list[int]:
    found = set(db.session.scalars(select(Grid.id).where(Grid.id.in_(ids), Grid.status == GridStatus.active))) if ids else set()
    missing = [i for i in ids if i not in found]
    if missing:
        raise _bad("grid_ids", _("网格不存在: %(missing)s", missing=missing))
    return list(dict.fromkeys(ids))


def _rooms(ids: list[int]) -> list[int]:
    found = set(db.session.scalars(select(Room.id).where(Room.id.in_(ids)))) if ids else set()
    missing = [i for i in ids if i not in found]
    if missing:
        raise _bad("room_ids", _("调解室不存在: %(missing)s", missing=missing))
    return list(dict.fromkeys(ids))


def _unique_name(name: str, room: Room | None = None) -> None:
    other = db.session.scalar(select(Room.id).where(Room.name == name))
    if other is not None and (room is None or other != room.id):
        raise ApiError(409, "duplicate", _("已有同名调解室"), {"name": [_("重名")]})


def save_room(tenant, data: dict[str, Any], room: Room | None = None) -> Room:
    """Create a room or change one; ``grid_ids`` replaces the grids it serves."""
    creating = room is None
    if "name" in data:
        _unique_name(data["name"], room)
    room = room or Room()
    for key in ("name", "address", "hours", "phone", "active"):
        if key in data:
            setattr(room, key, data[key])
    if "grid_ids" in data:
        wanted = _grids(data["grid_ids"])
        room.grids = [g for g in room.grids if g.grid_id in wanted] + [
            RoomGrid(grid_id=i) for i in wanted if i not in {g.grid_id for g in room.grids}]
    if creating:
        db.session.add(room)
    db.session.flush()
    audit("mediation.room_saved", room, after={k: v for k, v in data.items()})
    return room


def _user_id(username: str | None) -> int | None:
    if not username:
        return None
    uid = db.session.scalar(select(User.id).where(User.username == username))
    if uid is None:
        raise _bad("username", _("没有这个账号"))
    return uid


def save_mediator(tenant, data: dict[str, Any], mediator: Mediator | None = None) -> Mediator:
    """Register or change a mediator: a resident (``person_id``, name taken from the register) or an
    outsider (``name`` and ``phone``)."""
    creating = mediator is None
    mediator = mediator or Mediator()
    if "person_id" in data:
        person = db.session.get(Person, data["person_id"]) if data["person_id"] is not None else None
        if data["person_id"] is not None and person is None:
            raise _bad("person_id", _("本乡镇没有这位居民"))
        mediator.person_id = person.id if person else None
        if person is not None:
            mediator.name = person.name
    if data.get("name") and mediator.person_id is None:
        mediator.name = data["name"]
    if not mediator.name:
        raise _bad("name", _("外聘调解员须填写姓名"))
    for key in ("phone", "background", "specialities", "active"):
        if key in data:
            setattr(mediator, key, data[key])
    if "username" in data:
        mediator.user_id = _user_id(data["username"])
        taken = db.session.scalar(select(Mediator.id).where(Mediator.user_id == mediator.user_id)) if mediator.user_id else None
        if taken is not None and taken != mediator.id:
            raise ApiError(409, "duplicate", _("该账号已关联其他调解员"), {"username": [_("已关联")]})
    if "room_ids" in data:
        wanted = _rooms(data["room_ids"])
        mediator.rooms = [r for r in mediator.rooms if r.room_id in wanted] + [
            MediatorRoom(room_id=i) for i in wanted if i not in {r.room_id for r in mediator.rooms}]
    if creating:
        db.session.add(mediator)
    db.session.flush()
    audit("mediation.mediator_saved", mediator, after={k: v for k, v in data.items() if k != "phone"})
    return mediator


def room_for_grid(grid: Grid) -> Room | None:
    """The active room serving the nearest grid above (or at) ``grid``; the only room when the
    township has just one."""
    rows = db.session.execute(select(Room, Grid.path).join(RoomGrid, RoomGrid.room_id == Room.id)
                              .join(Grid, Grid.id == RoomGrid.grid_id).where(Room.active.is_(True))).all()
    serving = [(len(path), room) for room, path in rows if grid.path.startswith(path)]
    if serving:
        return max(serving, key=lambda x: x[0])[1]
    rooms = db.session.scalars(select(Room).where(Room.active.is_(True)).limit(2)).all()
    return rooms[0] if len(rooms) == 1 else None


def all_rooms(active_only: bool = False) -> list[Room]:
    stmt = select(Room).order_by(Room.id)
    if active_only:
        stmt = stmt.where(Room.active.is_(True))
    return list(db.session.scalars(stmt))


def all_mediators(room_id: int | None = None) -> list[Mediator]:
    stmt = select(Mediator).order_by(Mediator.id)
    if room_id is not None:
        stmt = stmt.where(Mediator.id.in_(select(MediatorRoom.mediator_id).where(MediatorRoom.room_id == room_id)))
    return list(db.session.scalars(stmt))
