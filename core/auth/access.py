"""What a user may do in a tenant (权限): roles → permissions, with grid-subtree reach.

:func:`access_for` is computed once per request for the tenant in the URL and kept on
``g.access``. Only that tenant's role assignments are read (they are tenant-owned), so a role
held in another township never counts here. A county admin reaches the county's townships; a
platform admin reaches everything.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from core.auth.roles import catalogue
from core.cache import ProcessCache
from core.db import db
from core.models import RoleAssignment, RolePermission, Tenant, TenantKind, TenantModule
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


_cache = ProcessCache()
_role_rows = ProcessCache(4096)  # a user's role assignments in a township, by version_key + user
# what bumps a township's version (core_tenant.permissions_version) when a flush or an ORM bulk
# statement changes it: who holds which role, what a role may do, which modules are on and their
# settings. Each process may keep what it read of these under the version; the tenant row, read
# on every request, says whether that copy is still current, in this process or any other.
VERSIONED = (RolePermission, RoleAssignment, TenantModule)


def version_key(tenant: Tenant) -> tuple | None:
    """``(tenant id, created_at, version)``: the key under which values derived from a township's
    roles and modules may be kept across requests (None: do not keep them; a tenant not yet
    flushed, or one whose roles or modules this transaction changed and has not committed)."""
    if tenant.id is None or tenant.permissions_version is None or _changed_here(tenant):
        return None
    return tenant.id, str(tenant.created_at), tenant.permissions_version


def _cache_key(tenant: Tenant, roles: dict) -> tuple | None:
    if tenant.id is None or tenant.permissions_version is None:
        return None
    return tenant.id, str(tenant.created_at), tenant.permissions_version, id(roles)


def effective_role_permissions(tenant: Tenant) -> dict[str, frozenset[str]]:
    """Each role's permissions in ``tenant``: defaults plus the tenant's grants and revocations
    (cached per process under the tenant's permissions version)."""
    _, roles = catalogue()
    key = _cache_key(tenant, roles)
    cached = _cache.get(key) if key is not None else None
    if cached is not None and cached[0] is roles:
        return dict(cached[1])
    effective = _effective(tenant, roles)
    if key is not None and not _changed_here(tenant):
        _cache.put(key, (roles, effective))
    return effective


def _changed_here(tenant: Tenant) -> bool:
    """This transaction changed the tenant's role permissions and has not committed yet."""
    return tenant.id in db.session.info.get(CHANGED, ())


def _effective(tenant: Tenant, roles: dict) -> dict[str, frozenset[str]]:
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
    rows = _roles_of(user, tenant)
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


def _roles_of(user, tenant: Tenant) -> list[tuple[str, int | None]]:
    """``[(role, grid id)]`` the user holds in ``tenant``, kept per process under the township's
    version (every change of a role assignment bumps it): one query fewer on every request."""
    key = version_key(tenant)
    if key is not None:
        key = (*key, user.id, user.username)
        cached = _role_rows.get(key)
        if cached is not None:
            return list(cached)
    with tenant_context(tenant):
        rows = [(role, grid_id) for role, grid_id in db.session.execute(
            select(RoleAssignment.role, RoleAssignment.grid_id).where(RoleAssignment.user_id == user.id)).all()]
    if key is not None:
        _role_rows.put(key, tuple(rows))
    return rows


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


CHANGED = "gridgov.permissions_changed"


@event.listens_for(Session, "before_flush")
def _bump_versions(session: Session, flush_context, instances) -> None:
    """A flush that adds, changes or deletes role permissions, role assignments or modules
    (:data:`VERSIONED`) bumps their townships' versions."""
    tenants = {obj.tenant_id for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, VERSIONED) and obj.tenant_id is not None}
    _bump(session, tenants)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk(state) -> None:
    """An ORM bulk statement on :data:`VERSIONED` rows bumps the version of the tenant in context."""
    from core.tenancy import current_tenant_id

    if (state.is_insert or state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in VERSIONED and current_tenant_id() is not None:
        _bump(state.session, {current_tenant_id()})


def _bump(session: Session, tenants: set[int]) -> None:
    if not tenants:
        return
    table = Tenant.__table__
    for tenant_id in sorted(tenants):
        session.execute(update(table).where(table.c.id == tenant_id)
                        .values(permissions_version=table.c.permissions_version + 1))
    session.info.setdefault(CHANGED, set()).update(tenants)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Tenant) and obj.id in tenants:
            session.expire(obj, ["permissions_version"])


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(CHANGED, None)
