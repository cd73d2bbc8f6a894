"""Township admin pages (用户与角色): users with their roles, new accounts, role grants,
password resets and the permission matrix. Writes go through :mod:`core.auth.accounts`."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.api import load, page_args
from core.auth import accounts
from core.auth.decorators import requires
from core.auth.guard import current_access
from core.auth.pages import flash_problem
from core.auth.roles import catalogue
from core.auth.schemas import RoleGrantSchema, UserCreateSchema
from core.db import db
from core.errors import ApiError
from core.grid.models import Grid

bp = Blueprint("auth_admin_pages", __name__, url_prefix="/t/<tenant>")


def _grant_form() -> dict:
    return {"role": request.form.get("role", ""), "grid_id": request.form.get("grid_id") or None}


def _back():
    return redirect(url_for("auth_admin_pages.users"))


@bp.get("/users")
@requires("users.read")
def users():
    """用户与角色."""
    grids = db.session.scalars(select(Grid).order_by(Grid.path)).all()
    number, per_page = page_args()
    q = request.args.get("q", "").strip()
    users, total = accounts.tenant_users(g.tenant, q, number, per_page)
    pages = max(1, -(-total // per_page))
    return render_template("auth/users.html", users=users, total=total, q=q, page=number, pages=pages,
                           roles=accounts.assignable_roles(g.tenant), all_roles=catalogue()[1],
                           grids=grids, grid_names={gr.id: gr.name for gr in grids},
                           can_manage=current_access().can("users.manage"))


@bp.post("/users")
@requires("users.manage")
def create_user():
    try:
        data = load(UserCreateSchema, {"username": request.form.get("username", "").strip(),
                                       "display_name": request.form.get("display_name", "").strip(),
                                       "mobile": request.form.get("mobile", "").strip() or None,
                                       "roles": [_grant_form()]})
        user, password = accounts.create_tenant_user(g.tenant, data["username"], display_name=data["display_name"],
                                                     mobile=data["mobile"], roles=data["roles"])
    except (ApiError, ValidationError) as exc:
        db.session.rollback()
        flash_problem(exc)
        return _back()
    db.session.commit()
    return render_template("auth/one_time_password.html", user=user, password=password, created=True), 201


@bp.post("/users/<int:user_id>/roles")
@requires("users.manage")
def grant_role(user_id: int):
    user = accounts.user_of_tenant(g.tenant, user_id)
    try:
        data = load(RoleGrantSchema, _grant_form())
        accounts.grant_role(g.tenant, user, data["role"], data["grid_id"])
    except (ApiError, ValidationError) as exc:
        db.session.rollback()
        flash_problem(exc)
        return _back()
    db.session.commit()
    flash(_("已授予 %(username)s 角色", username=user.username), "success")
    return _back()


@bp.post("/users/<int:user_id>/roles/<int:assignment_id>/revoke")
@requires("users.manage")
def revoke_role(user_id: int, assignment_id: int):
    user = accounts.user_of_tenant(g.tenant, user_id)
    try:
        accounts.revoke_role(g.tenant, user, assignment_id)
    except ApiError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        flash_problem(exc)
        return _back()
    db.session.commit()
    flash(_("已撤销 %(username)s 的角色", username=user.username), "success")
    return _back()


@bp.post("/users/<int:user_id>/reset-password")
@requires("users.manage")
def reset_password(user_id: int):
    user = accounts.user_of_tenant(g.tenant, user_id)
    password = accounts.reset_tenant_user_password(g.tenant, current_access(), user)
    db.session.commit()
    return render_template("auth/one_time_password.html", user=user, password=password, created=False)


@bp.post("/users/<int:user_id>/active")
@requires("users.manage")
def set_active(user_id: int):
    """停用 / 启用 an account (``active=0`` or ``1``)."""
    from flask_login import current_user

    user = accounts.user_of_tenant(g.tenant, user_id)
    active = request.form.get("active") == "1"
    try:
        accounts.set_user_active(g.tenant, current_access(), user, active, current_user)
    except ApiError as exc:
        db.session.rollback()
        flash_problem(exc)
        return _back()
    db.session.commit()
    flash(_("已启用 %(name)s", name=user.username) if active else _("已停用 %(name)s", name=user.username), "success")
    return _back()


@bp.get("/roles")
@requires("users.read")
def roles():
    """权限矩阵: roles × permissions; ticks differing from the default are marked."""
    return render_template("auth/roles.html", matrix=accounts.permission_matrix(g.tenant),
                           can_change=current_access().can("roles.manage"))


@bp.post("/roles/<role>/<permission>")
@requires("roles.manage")
def change_role_permission(role: str, permission: str):
    granted = request.form.get("granted") == "1"
    try:
        accounts.set_role_permission(g.tenant, role, permission, granted)
    except ApiError as exc:
        if exc.status == 404:
            raise
        db.session.rollback()
        flash_problem(exc)
    else:
        db.session.commit()
        flash((_("%(role)s：已授予 %(permission)s") if granted else _("%(role)s：已撤销 %(permission)s"))
              % {"role": role, "permission": permission}, "success")
    return redirect(url_for("auth_admin_pages.roles"))
