"""Township users and roles API (用户与角色): ``/api/v1/t/<tenant>/users``, ``/roles``,
``/me/access``. Views load → call :mod:`core.auth.accounts` → commit."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from core.api import doc, load, page_args
from core.auth import accounts, shapes
from core.auth.decorators import authenticated, requires
from core.auth.guard import current_access
from core.auth.roles import catalogue
from core.auth.schemas import (PermissionChangeSchema, RoleAssignmentSchema, RoleGrantSchema, TenantUserSchema,
                               UserCreateSchema, UserSchema)
from core.db import db
from core.errors import ApiError
from core.grid.models import Grid
from core.grid.scope import visible
from flask_babel import gettext as _

bp = Blueprint("auth_admin_api", __name__, url_prefix="/api/v1/t/<tenant>")


def _user_json(user, assignments) -> dict:
    return {**UserSchema().dump(user), "active": user.active,
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
            "roles": RoleAssignmentSchema(many=True).dump(assignments)}


@bp.get("/me/access")
@authenticated
@doc("My roles in this tenant, my permissions, and the grids I reach (?permission=, default grids.read)",
     tags=["auth"], response_schema=shapes.MY_ACCESS,
     query={"permission": "string"})
def my_access():
    permission = request.args.get("permission", "grids.read")
    if permission not in catalogue()[0]:
        raise ApiError(422, "validation_error", _("没有该权限"), {"permission": [_("没有该权限")]})
    access = current_access()
    _names, roles = catalogue()
    grids = db.session.scalars(select(Grid).where(visible(Grid.id, permission)).order_by(Grid.path))
    return jsonify({
        "tenant": g.tenant.slug,
        "roles": [{"role": name, "label_zh": roles[name].label_zh if name in roles else name, "grid_id": grid_id}
                  for name, grid_id in access.roles],
        "permissions": sorted(access.permissions),
        "permission": permission,
        "grids": [{"id": gr.id, "name": gr.name, "code": gr.code, "level": gr.level} for gr in grids],
    })


@bp.get("/users")
@requires("users.read")
@doc("Users holding a role in this township, with their roles; ?q= searches username, name and mobile; "
     "paginated (page, per_page)", tags=["users"],
     query={"q": "string"}, paged=True, response_schema=TenantUserSchema)
def list_users():
    number, per_page = page_args()
    users, total = accounts.tenant_users(g.tenant, request.args.get("q", ""), number, per_page)
    return jsonify({"items": [_user_json(u, rows) for u, rows in users], "page": number, "per_page": per_page,
                    "total": total})


@bp.post("/users")
@requires("users.manage")
@doc("Create an account with roles here; answers its one-time password", request_schema=UserCreateSchema,
     tags=["users"], status=201)
def create_user():
    data = load(UserCreateSchema)
    user, password = accounts.create_tenant_user(g.tenant, data["username"], display_name=data["display_name"],
                                                 mobile=data["mobile"] or None, roles=data["roles"])
    db.session.commit()
    return jsonify({**UserSchema().dump(user), "password": password}), 201


@bp.post("/users/<int:user_id>/roles")
@requires("users.manage")
@doc("Grant a role (grid roles need grid_id of this township)", request_schema=RoleGrantSchema,
     response_schema=RoleAssignmentSchema, tags=["users"], status=201)
def grant_role(user_id: int):
    data = load(RoleGrantSchema)
    user = accounts.user_of_tenant(g.tenant, user_id)
    row = accounts.grant_role(g.tenant, user, data["role"], data["grid_id"])
    db.session.commit()
    return jsonify(RoleAssignmentSchema().dump(row)), 201


@bp.delete("/users/<int:user_id>/roles/<int:assignment_id>")
@requires("users.manage")
@doc("Revoke one role assignment", tags=["users"])
def revoke_role(user_id: int, assignment_id: int):
    user = accounts.user_of_tenant(g.tenant, user_id)
    accounts.revoke_role(g.tenant, user, assignment_id)
    db.session.commit()
    return jsonify({"ok": True})


@bp.post("/users/<int:user_id>/reset-password")
@requires("users.manage")
@doc("Reset a password; answers a one-time password the user must change at next sign-in", tags=["users"])
def reset_password(user_id: int):
    user = accounts.user_of_tenant(g.tenant, user_id)
    password = accounts.reset_tenant_user_password(g.tenant, current_access(), user)
    db.session.commit()
    return jsonify({"id": user.id, "username": user.username, "password": password, "must_change_password": True})


@bp.post("/users/<int:user_id>/deactivate")
@requires("users.manage")
@doc("Deactivate an account: no sign-in, sessions end, API tokens revoked; rows and history stay",
     tags=["users"])
def deactivate_user(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/activate")
@requires("users.manage")
@doc("Reactivate a deactivated account", tags=["users"])
def activate_user(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    from flask_login import current_user

    user = accounts.user_of_tenant(g.tenant, user_id)
    accounts.set_user_active(g.tenant, current_access(), user, active, current_user)
    db.session.commit()
    return jsonify({**UserSchema().dump(user), "active": user.active})


@bp.get("/roles")
@requires("users.read")
@doc("The permission matrix: roles × permissions with Chinese and English labels", tags=["users"],
     response_schema=shapes.PERMISSION_MATRIX)
def role_matrix():
    return jsonify(accounts.permission_matrix(g.tenant))


@bp.put("/roles/<role>/permissions/<permission>")
@requires("roles.manage")
@doc("Grant or revoke a permission for a role in this township", request_schema=PermissionChangeSchema,
     tags=["users"])
def change_role_permission(role: str, permission: str):
    data = load(PermissionChangeSchema)
    granted = accounts.set_role_permission(g.tenant, role, permission, data["granted"])
    db.session.commit()
    return jsonify({"role": role, "permission": permission, "granted": granted})
