"""Which tenants a user can open (for the tenant chooser and the console header)."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.models import RoleAssignment, Tenant, TenantKind
from core.tenancy import cross_tenant


def my_tenants(user) -> list[Tenant]:
    """Tenants where ``user`` holds a role, plus the townships of counties they administer."""
    if user.is_platform_admin:
        return list(db.session.scalars(select(Tenant).where(Tenant.kind != TenantKind.platform).order_by(Tenant.kind, Tenant.name)))
    with cross_tenant("list the tenants a user belongs to"):
        rows = db.session.execute(select(RoleAssignment.tenant_id, RoleAssignment.role).where(RoleAssignment.user_id == user.id)).all()
    ids = {tid for tid, _ in rows}
    counties = {tid for tid, role in rows if role == "county_admin"}
    if not ids:
        return []
    stmt = select(Tenant).where((Tenant.id.in_(ids)) | (Tenant.parent_id.in_(counties))).order_by(Tenant.kind, Tenant.name)
    return list(db.session.scalars(stmt))
