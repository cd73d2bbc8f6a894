"""The five-star inbox API (站内提醒接口): the signed-in user's own notices only."""
from __future__ import annotations

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from core.toolkit import db, doc, load, requires
from plugins.five_star import reminders, shapes
from plugins.five_star.permissions import READ

bp = Blueprint("five_star_inbox", __name__, url_prefix="/api/v1/t/<tenant>/five_star/inbox")


class ReadIn(Schema):
    notice_ids = fields.List(fields.Integer(strict=True), load_default=None, validate=validate.Length(min=1, max=500))


@bp.get("")
@requires(READ)
@doc("My five-star notices, unread first", tags=["five_star"], response_schema=shapes.INBOX)
def list_notices():
    n, _newest = reminders.unread()
    return jsonify({"unread": n, "items": [reminders.notice_dict(x) for x in reminders.inbox()]})


@bp.post("/read")
@requires(READ)
@doc("Mark my notices read (all, or those of notice_ids)", request_schema=ReadIn, tags=["five_star"])
def mark_read():
    n = reminders.mark_read(load(ReadIn)["notice_ids"])
    db.session.commit()
    return jsonify({"marked": n})
