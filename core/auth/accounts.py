"""A township's accounts and roles (用户与角色管理): the writes behind the users and roles pages.

Every function runs in the tenant's context, flushes and audits; views commit. A user "of a
tenant" is one holding at least one role there; anyone else is answered 404, as outsiders are.
"""
from __future__ import annotations

from sqlalchemy import func, select

from core import audit
from core.auth.access import Access, effective_role_permissions
from core.auth.roles import catalogue
from core.auth.passwords import generate_password
from core.auth.service import assign_role, create_user, reset_password
from core.db import db
from core.errors import ApiError
from core.grid.models import Grid, GridStatus
from core.models import RoleAssignment, RolePermission, Tenant, TenantKind, User
from core.specs import Role
from core.tenancy import cross_tenant, tenant_context
from flask_babel import gettext as _

# permissions only the platform or a county holds; a township cannot hand them out
NOT_GRANTABLE = {TenantKind.township: {"platform.manage", "tenants.onboard", "tenants.suspend"},
                 TenantKind.county: {"platform.manage"}}
# a township admin must keep these, or the township locks itself out
PROTECTED = {("township_admin", "users.manage"), ("township_admin", "roles.manage")}


def _invalid(field: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, "validation_error" if status == 422 else "conflict", message, {field: [message]})


def assignable_roles(tenant: Tenant) -> dict[str, Role]:
    """Roles that can be held in ``tenant``: township and grid roles in a township, county roles
    in a county."""
    scopes = {"county"} if tenant.kind == TenantKind.county else {"tenant", "grid"}
    return {n: r for n, r in catalogue()[1].items() if r.scope in scopes}


def tenant_users(tenant: Tenant, q: str = "", page: int = 1, per_page: int | None = None
                 ) -> tuple[list[tuple[User, list[RoleAssignment]]], int]:
    """The users holding a role in ``tenant``, with their roles there, by username, and how many
    there are. ``q`` matches username, name or mobile (contains); ``per_page=None``: all."""
    with tenant_context(tenant):
        holders = select(RoleAssignment.user_id)
        stmt = select(User).where(User.id.in_(holders))
        if q:
            q = q.strip()
            stmt = stmt.where(User.username.icontains(q, autoescape=True) | User.display_name.icontains(q, autoescape=True)
                              | User.mobile.icontains(q, autoescape=True))
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        stmt = stmt.order_by(User.username)
        if per_page is not None:
            stmt = stmt.limit(per_page).offset((page - 1) * per_page)
        users = list(db.session.scalars(stmt))
        rows = list(db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id.in_([u.id for u in users]))
                                       .order_by(RoleAssignment.id))) if users else []
    by_user: dict[int, list[RoleAssignment]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    return [(u, by_user.get(u.id, [])) for u in users], int(total or 0)


def user_of_tenant(tenant: Tenant, user_id: int) -> User:
    """The user ``user_id`` if they hold a role in ``tenant``; 404 otherwise."""
    with tenant_context(tenant):
        held = db.session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == user_id).limit(1))
    user = db.session.get(User, user_id) if held else None
    if user is None:
        raise ApiError(404, "not_found", _("本单位没有该用户"))
    return user


def grant_role(tenant: Tenant, user: User, role: str, grid_id: int | None = None) -> RoleAssignment:
    """Give ``user`` ``role`` in ``tenant``; grid roles need a grid of this tenant (422), tenant
    roles take none; 409 if the user holds it already."""
    definition = assignable_roles(tenant).get(role)
    if definition is None:
        raise _invalid("role", _("本单位不能授予角色 %(role)s", role=role))
    if definition.scope == "grid":
        with tenant_context(tenant):
            grid = db.session.get(Grid, grid_id) if grid_id is not None else None
        if grid is None or grid.tenant_id != tenant.id or grid.status != GridStatus.active:
            raise _invalid("grid_id", _("网格角色须指定本乡镇一个在用的网格"))
    elif grid_id is not None:
        raise _invalid("grid_id", _("%(label_zh)s不按网格授予", label_zh=definition.label_zh))
    with tenant_context(tenant):
        exists = db.session.scalar(select(RoleAssignment.id).where(
            RoleAssignment.user_id == user.id, RoleAssignment.role == role,
            RoleAssignment.grid_id.is_(None) if grid_id is None else RoleAssignment.grid_id == grid_id))
    if exists:
        raise _invalid("role", _("该用户已有此角色"), 409)
    return assign_role(user, tenant, role, grid_id)


def revoke_role(tenant: Tenant, user: User, assignment_id: int) -> RoleAssignment:
    """Take one role assignment away; 404 if it is not this user's here; 409 for the last
    township admin."""
    with tenant_context(tenant):
        row = db.session.get(RoleAssignment, assignment_id)
        if row is None or row.user_id != user.id or row.tenant_id != tenant.id:
            raise ApiError(404, "not_found", _("没有该角色授予记录"))
        if row.role == "township_admin":
            admins = db.session.scalar(select(func.count(func.distinct(RoleAssignment.user_id))).where(
                RoleAssignment.role == "township_admin"))
            if admins <= 1:
                raise _invalid("role", _("不能撤销最后一位乡镇管理员"), 409)
        before = {"user_id": user.id, "role": row.role, "grid_id": row.grid_id}
        audit.record("role.revoke", row, before=before)
        db.session.delete(row)
        db.session.flush()
    return row


def create_tenant_user(tenant: Tenant, username: str, *, display_name: str = "", mobile: str | None = None,
                       roles: list[dict] = ()) -> tuple[User, str]:
    """Create an account holding ``roles`` in ``tenant`` (at least one); returns it with a
    generated password, shown once, that must be changed at first sign-in."""
    if not roles:
        raise _invalid("roles", _("至少授予一个角色"))
    password = generate_password()
    user = create_user(username, password, display_name=display_name, mobile=mobile, must_change_password=True)
    for spec in roles:
        grant_role(tenant, user, spec["role"], spec.get("grid_id"))
    with tenant_context(tenant):
        audit.record("user.create", user, after={"username": user.username, "display_name": user.display_name,
                                                  "mobile": user.mobile, "roles": list(roles)})
    return user, password


def _require_wholly_here(tenant: Tenant, access: Access, user: User) -> None:
    """A township admin acts on a whole account (password, active) only when it lives wholly in
    this township (not a platform admin, no roles elsewhere): 403 otherwise."""
    if access.everything:
        return
    with cross_tenant("check that an account is wholly inside one township before changing it"):
        elsewhere = db.session.scalar(select(RoleAssignment.id).where(
            RoleAssignment.user_id == user.id, RoleAssignment.tenant_id != tenant.id).limit(1))
    if user.is_platform_admin or elsewhere:
        raise ApiError(403, "forbidden", _("该账号在其他单位也有角色，请联系平台管理员办理"))


def reset_tenant_user_password(tenant: Tenant, access: Access, user: User) -> str:
    """Reset ``user``'s password from ``tenant`` (see :func:`_require_wholly_here`)."""
    _require_wholly_here(tenant, access, user)
    return reset_password(user, tenant)


def set_user_active(tenant: Tenant, access: Access, user: User, active: bool, actor: User | None = None) -> User:
    """Deactivate (停用) or reactivate an account from ``tenant``. A deactivated account cannot
    sign in, its sessions end and its API tokens are revoked; its rows and history stay. Nobody
    deactivates themselves, nor the last active township admin (409)."""
    from core.auth.service import revoke_all_tokens

    _require_wholly_here(tenant, access, user)
    if user.active == active:
        return user
    if not active:
        if actor is not None and actor.id == user.id:
            raise _invalid("active", _("不能停用自己的账号"), 409)
        with tenant_context(tenant):
            admins = set(db.session.scalars(select(RoleAssignment.user_id).where(RoleAssignment.role == "township_admin")))
        if user.id in admins and not db.session.scalar(select(func.count()).select_from(User).where(
                User.id.in_(admins - {user.id}), User.active.is_(True))):
            raise _invalid("active", _("不能停用最后一位乡镇管理员"), 409)
        user.session_version += 1
        revoked = revoke_all_tokens(user)
    else:
        revoked = 0
    user.active = active
    audit.record("user.activate" if active else "user.deactivate", user, tenant_id=tenant.id,
                 after={"active": active, "tokens_revoked": revoked})
    db.session.flush()
    return user


def permission_matrix(tenant: Tenant) -> dict:
    """Roles × permissions for ``tenant``: labels, defaults and this tenant's changes."""
    perms, _ = catalogue()
    roles = assignable_roles(tenant)
    effective = effective_role_permissions(tenant)
    blocked = NOT_GRANTABLE.get(tenant.kind, set())
    return {
        "permissions": [{"name": p.name, "label_zh": p.label_zh, "label_en": p.label_en}
                        for p in perms.values() if p.name not in blocked],
        "roles": [{"name": r.name, "label_zh": r.label_zh, "label_en": r.label_en, "scope": r.scope,
                   "permissions": sorted(effective.get(r.name, frozenset()) - blocked),
                   "defaults": sorted(r.permissions - blocked)} for r in roles.values()],
    }


def set_role_permission(tenant: Tenant, role: str, permission: str, granted: bool) -> bool:
    """Grant or revoke ``permission`` for ``role`` in ``tenant`` only (a ``RolePermission`` row;
    none when it equals the default). Returns the effective state."""
    definition = assignable_roles(tenant).get(role)
    if definition is None:
        raise ApiError(404, "not_found", _("本单位没有角色 %(role)s", role=role))
    if permission not in catalogue()[0] or permission in NOT_GRANTABLE.get(tenant.kind, set()):
        raise _invalid("permission", _("权限 %(permission)s 不存在或不能在本单位调整", permission=permission))
    if not granted and (role, permission) in PROTECTED:
        raise _invalid("permission", _("乡镇管理员必须保留此权限，否则将无人能管理"), 409)
    with tenant_context(tenant):
        before = permission in effective_role_permissions(tenant).get(role, frozenset())
        row = db.session.scalar(select(RolePermission).where(RolePermission.role == role,
                                                             RolePermission.permission == permission))
        if granted == (permission in definition.permissions):
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(RolePermission(role=role, permission=permission, granted=granted))
        else:
            row.granted = granted
        if before != granted:
            audit.record("role.permission." + ("grant" if granted else "revoke"), object_type="role",
                         object_id=role, before={"permission": permission, "granted": before},
                         after={"permission": permission, "granted": granted})
        db.session.flush()
    return granted
