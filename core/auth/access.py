"""What a user may do in a tenant (权限): roles → permissions, with grid-subtree reach.

:func:`access_for` is computed once per request for the tenant in the URL and kept on
``g.access``. Only that tenant's role assignments are read (they are tenant-owned), so a role
held in another township never counts here. A county admin reaches the county's townships; a
platform admin reaches everything.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from core.auth.roles import catalogue
from core.db import db
from core.models import RoleAssignment, RolePermission, Tenant, TenantKind
from core.tenancy import tenant_context


@dataclass
class Access:
    """The permissions of one user in one tenant.

    ``grants`` maps a permission to ``None`` (anywhere in the tenant) or to the set of grid ids
    whose subtrees it reaches.
    """

    tenant: Tenant | None
    roles: list[tuple[str, int | None]] = field(default_factory=list)
    grants: dict[str, set[int] | None] = field(default_factory=dict)
    everything: bool = False
    via_county: bool = False

    @property
    def is_member(self) -> bool:
        return self.everything or bool(self.roles)

    def can(self, permission: str) -> bool:
        return self.everything or permission in self.grants

    def grids_for(self, permission: str) -> set[int] | None:
        """``None``: the whole tenant; a set: only those grids' subtrees; empty: nowhere."""
        if self.everything:
            return None
        if permission not in self.grants:
            return set()
        return self.grants[permission]

    @property
    def permissions(self) -> set[str]:
        if self.everything:
            return set(catalogue()[0])
        return set(self.grants)


def effective_role_permissions(tenant: Tenant) -> dict[str, frozenset[str]]:
    """Each role's permissions in ``tenant``: defaults plus the tenant's grants and revocations."""
    _, roles = catalogue()
    perms = {name: set(r.permissions) for name, r in roles.items()}
    with tenant_context(tenant):
        for row in db.session.scalars(select(RolePermission)):
            bucket = perms.setdefault(row.role, set())
            (bucket.add if row.granted else bucket.discard)(row.permission)
    return {k: frozenset(v) for k, v in perms.items()}


def access_for(user, tenant: Tenant | None) -> Access:
    access = Access(tenant=tenant)
    if user is None or not getattr(user, "is_authenticated", False):
        return access
    if user.is_platform_admin:
        access.everything = True
        access.roles.append(("platform_admin", None))
        return access
    if tenant is None:
        return access
    _, role_defs = catalogue()
    with tenant_context(tenant):
        rows = db.session.execute(
            select(RoleAssignment.role, RoleAssignment.grid_id).where(RoleAssignment.user_id == user.id)
        ).all()
    role_perms = effective_role_permissions(tenant) if rows else {}
    for role, grid_id in rows:
        access.roles.append((role, grid_id))
        definition = role_defs.get(role)
        grid_scoped = definition is not None and definition.scope == "grid" and grid_id is not None
        for perm in role_perms.get(role, ()):
            _grant(access, perm, grid_id if grid_scoped else None)
    if not rows and tenant.kind == TenantKind.township and tenant.parent_id is not None:
        parent = db.session.get(Tenant, tenant.parent_id)
        if parent is not None:
            with tenant_context(parent):
                is_county_admin = db.session.scalar(
                    select(RoleAssignment.id).where(
                        RoleAssignment.user_id == user.id, RoleAssignment.role == "county_admin"
                    ).limit(1)
                )
            if is_county_admin:
                access.via_county = True
                access.roles.append(("county_admin", None))
                for perm in role_defs["county_admin"].permissions:
                    _grant(access, perm, None)
    return access


def _grant(access: Access, perm: str, grid_id: int | None) -> None:
    if grid_id is None:
        access.grants[perm] = None
        return
    current = access.grants.get(perm, set())
    if current is None:
        return
    current.add(grid_id)
    access.grants[perm] = current


def grid_users(tenant: Tenant, grid, permission: str) -> list:
    """The active accounts holding ``permission`` in ``tenant`` through a grid role on ``grid``
    or one of its ancestors: the people attached to that grid (a village's 村书记 as its grid
    leader), for a module that addresses them (a reminder). Tenant-wide holders are not included.
    """
    from core.models import User

    _, role_defs = catalogue()
    roles = [name for name, perms in effective_role_permissions(tenant).items()
             if permission in perms and name in role_defs and role_defs[name].scope == "grid"]
    line = [int(part) for part in (grid.path or "").strip("/").split("/") if part.isdigit()] or [grid.id]
    if not roles:
        return []
    with tenant_context(tenant):
        return list(db.session.scalars(
            select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role.in_(roles), RoleAssignment.grid_id.in_(line), User.active.is_(True))
            .distinct().order_by(User.id)))
