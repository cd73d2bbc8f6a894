"""API tokens (API令牌): ``/api/v1/t/<tenant>/tokens``. A token is made for the URL's tenant and
works there only; its owner or a tenant admin holding ``tokens.manage`` revokes it."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from core.api import doc, load
from core.auth.access import access_for
from core.auth.decorators import authenticated, public
from core.auth.service import authenticate
from core.auth.guard import current_access
from core.auth.schemas import TokenCreateSchema, TokenIssueSchema, TokenSchema
from core.auth.tokens import create_token, revoke_token
from core.db import db
from core.errors import ApiError
from core.models import ApiToken
from flask_babel import gettext as _

bp = Blueprint("auth_token_api", __name__, url_prefix="/api/v1/t/<tenant>/tokens")


def visible_token(token_id: int) -> ApiToken:
    """The token ``token_id`` of this tenant if it is the caller's or they hold ``tokens.manage``."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.tenant_id != g.tenant.id or (
            row.user_id != current_user.id and not current_access().can("tokens.manage")):
        raise ApiError(404, "not_found", _("没有该令牌"))
    return row


@bp.get("")
@authenticated
@doc("My tokens in this tenant; ?all=1 lists everyone's (needs tokens.manage)", response_schema=TokenSchema,
     items=True, tags=["tokens"],
     query={"all": "flag"})
def list_tokens():
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if request.args.get("all") in ("1", "true"):
        if not current_access().can("tokens.manage"):
            raise ApiError(403, "forbidden", _("缺少权限 tokens.manage"))
    else:
        stmt = stmt.where(ApiToken.user_id == current_user.id)
    return jsonify({"items": TokenSchema(many=True).dump(db.session.scalars(stmt))})


@bp.post("")
@authenticated
@doc("Create a token for this tenant; the plain token is in the answer once and never again",
     request_schema=TokenCreateSchema, response_schema=TokenSchema, tags=["tokens"], status=201)
def create():
    if g.get("via_token"):
        raise ApiError(403, "forbidden", _("请登录后创建令牌，不能用令牌创建令牌"))
    data = load(TokenCreateSchema)
    row, plain = create_token(current_user, g.tenant, data["name"].strip() or "token", data["expires_in_days"])
    db.session.commit()
    return jsonify({**TokenSchema().dump(row), "token": plain}), 201


@bp.post("/issue")
@public
@doc("Sign in with username (or mobile) and password and get a token for this tenant in one request, "
     "for API-only clients with no cookies; throttled like every sign-in. The plain token is in the answer once",
     request_schema=TokenIssueSchema, response_schema=TokenSchema, tags=["tokens"], status=201)
def issue():
    data = load(TokenIssueSchema)
    user = authenticate(data["login"], data["password"])
    if user.must_change_password:
        raise ApiError(403, "password_change_required", _("请先在网页上修改密码"))
    if not access_for(user, g.tenant).is_member:
        raise ApiError(404, "not_found", _("您不是该乡镇的成员"))
    row, plain = create_token(user, g.tenant, data["name"].strip() or "script", data["expires_in_days"])
    db.session.commit()
    return jsonify({**TokenSchema().dump(row), "token": plain}), 201


@bp.delete("/<int:token_id>")
@authenticated
@doc("Revoke a token (its owner, or anyone holding tokens.manage)", response_schema=TokenSchema, tags=["tokens"])
def revoke(token_id: int):
    row = visible_token(token_id)
    revoke_token(row)
    db.session.commit()
    return jsonify(TokenSchema().dump(row))
