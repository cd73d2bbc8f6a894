"""Account pages (账号页面): change password, my API tokens, the audit log.

Forms post back here with the CSRF token (checked by the guard); a refused change flashes the
reason and sends the user back to the page.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from marshmallow import ValidationError
from sqlalchemy import select

from core.api import load
from core.auth.audit_log import action_label, audit_query
from core.auth.decorators import authenticated, requires
from core.auth.schemas import AuditFilterSchema, TokenCreateSchema
from core.auth.service import change_password as change_own_password
from core.auth.token_views import visible_token
from core.auth.tokens import create_token, revoke_token
from core.db import db
from core.errors import ApiError
from core.models import ApiToken
from flask_babel import gettext as _
from core.console.forms import keep_refused, refusal_message

bp = Blueprint("auth_pages", __name__)


def flash_problem(exc: Exception) -> None:
    """Flash an ApiError or ValidationError with the fields it names."""
    flash(refusal_message(exc), "error")
    keep_refused(exc)  # the form it came from shows what was typed, each problem beside its field


@bp.route("/account/password", methods=["GET", "POST"])
@authenticated
def change_password():
    """修改密码: also the only page a user whose password was reset can open."""
    errors: dict = {}
    if request.method == "POST":
        user = current_user._get_current_object()
        try:
            change_own_password(user, request.form.get("current_password", ""), request.form.get("new_password", ""))
        except ApiError as exc:
            db.session.rollback()
            errors = exc.fields or {"_": [exc.message]}
        else:
            db.session.commit()
            login_user(user)
            flash(_("密码已修改"), "success")
            return redirect(url_for("web.index"))
    return render_template("auth/change_password.html", errors=errors), (422 if errors else 200)


@bp.get("/t/<tenant>/account/tokens")
@authenticated
def tokens():
    """我的API令牌."""
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.created_at.desc()))
    return render_template("auth/tokens.html", tokens=list(rows), new_token=None)


@bp.post("/t/<tenant>/account/tokens")
@authenticated
def create_token_page():
    try:
        data = load(TokenCreateSchema, {"name": request.form.get("name", ""),
                                        "expires_in_days": int(request.form.get("expires_in_days") or 90)})
    except (ValidationError, ValueError) as exc:
        flash_problem(exc if isinstance(exc, ValidationError) else ValidationError({"expires_in_days": [_("须为整数")]}))
        return redirect(url_for("auth_pages.tokens"))
    row, plain = create_token(current_user, g.tenant, data["name"].strip() or "token", data["expires_in_days"])
    db.session.commit()
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.created_at.desc()))
    return render_template("auth/tokens.html", tokens=list(rows), new_token=plain), 201


@bp.post("/t/<tenant>/account/tokens/<int:token_id>/revoke")
@authenticated
def revoke_token_page(token_id: int):
    revoke_token(visible_token(token_id))
    db.session.commit()
    flash(_("令牌已撤销"), "success")
    return redirect(url_for("auth_pages.tokens"))


@bp.get("/t/<tenant>/audit")
@requires("audit.read")
def audit_log():
    """审计日志: filter by user, action, object type and dates; export what is shown."""
    from core.api import page_args

    args = {k: v for k, v in request.args.items() if k in ("user", "action", "object_type", "from", "to") and v}
    try:
        filters = load(AuditFilterSchema, args)
        number, per_page = page_args()
    except (ValidationError, ApiError) as exc:
        flash_problem(exc)
        filters, number, per_page = {}, 1, 50
    result = db.paginate(audit_query(filters), page=number, per_page=per_page, error_out=False)
    return render_template("auth/audit.html", result=result, args=args, action_label=action_label)
