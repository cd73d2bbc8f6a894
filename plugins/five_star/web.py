"""Request helpers shared by the API and the pages: who acts, payloads, the year asked for."""
from __future__ import annotations

from flask import has_request_context, request

from core.toolkit import ApiError, json_body
from plugins.five_star.clock import this_year
from core.toolkit import gettext as _


def actor() -> tuple[int | None, str]:
    """(user id, display name) of the signed-in user; (None, "系统") outside a request."""
    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            return current_user.id, (current_user.display_name or current_user.username)[:64]
    return None, "系统"


def actor_name() -> str:
    return actor()[1]


def payload() -> dict:
    """Form fields of a form post, else the JSON body."""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return {k: v for k, v in request.form.items() if v != "" and k != "csrf_token"}
    return json_body()


def year_arg(name: str = "year") -> int:
    """``?year=`` (default: this year in Beijing time), 2000..2100."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return this_year()
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise ApiError(422, "validation_error", _("年度须为 2000 到 2100 的整数"), {name: [_("须为年份")]})
    return int(raw)
