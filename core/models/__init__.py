"""Core models. Every table here is prefixed ``core_``; plugin tables carry their own prefix."""
from core.models.tenant import Tenant, TenantKind, TenantModule, TenantStatus, platform_tenant
from core.models.audit import AuditEntry
from core.models.idempotency import IdempotencyKey
from core.models.user import ApiToken, RoleAssignment, RolePermission, User
from core.models.schedule import ScheduleRun
from core.grid.models import Grid, GridStatus
from core.people.models import Household, Person, PersonTag, Tag  # noqa: F401  (metadata knows them)
from core.county_templates.models import CountyTemplate, TemplateAdoption, TemplateVersion  # noqa: F401
from core.residents.models import HouseholdCard, ResidentDevice  # noqa: F401,E402

__all__ = [
    "IdempotencyKey", "Tenant", "TenantKind", "TenantStatus", "TenantModule", "AuditEntry",
    "User", "RoleAssignment", "RolePermission", "ApiToken", "Grid", "GridStatus", "ScheduleRun", "platform_tenant",
]
