"""Request helpers shared by the API and the pages: payloads, members, accounts in reach."""
from __future__ import annotations

from flask import request
from sqlalchemy import select

from core.toolkit import ApiError, Grid, Household, Person, db, json_body, visible
from plugins.points_bank.models import Account
from plugins.points_bank.permissions import require_account
from core.toolkit import gettext as _


def payload() -> dict:
    """Form fields of a form post (without the CSRF token and empty fields), else the JSON body."""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return {k: v for k, v in request.form.items() if v != "" and k not in ("csrf_token", "submit")}
    return json_body()


INT_FIELDS = ("scheme_id", "rule_id", "household_id", "person_id", "grid_id")


def entry_payload() -> dict:
    """An entry's fields: the JSON body, or a multipart form (with photos) whose ids are read as
    integers (a non-number stays text, and the schema names the field)."""
    data = payload()
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data = {k: int(v) if k in INT_FIELDS and v.strip().isdigit() else v for k, v in data.items()}
    return data


def member_of(data: dict, permission: str) -> dict:
    """The member named by ``household_id`` / ``person_id`` / ``grid_id`` in ``data``, within the
    user's grids: 422 naming the field when it is not (also another township's ids)."""
    for field, model, grid_col in (("household_id", Household, Household.grid_id), ("person_id", Person, Person.grid_id),
                                   ("grid_id", Grid, Grid.id)):
        value = data.get(field)
        if value is None:
            continue
        row = db.session.scalar(select(model).where(model.id == value, visible(grid_col, permission)))
        if row is None:
            raise ApiError(422, "validation_error", _("找不到该成员，或不在您负责的网格内"),
                           {field: [_("不存在或不在您的网格内")]})
        return {field.removesuffix("_id"): row}
    return {}


def account_in_reach(account_id: int, permission: str) -> Account:
    row = db.session.get(Account, account_id)
    if row is None:
        raise ApiError(404, "not_found", _("账户不存在"))
    require_account(row, permission)
    return row
