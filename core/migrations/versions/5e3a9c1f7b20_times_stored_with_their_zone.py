"""Times stored in UTC with their zone (timestamp with time zone on PostgreSQL)

Every datetime column was ``timestamp without time zone`` holding UTC by convention; now the
zone is part of the value, so no reader can take it for Beijing time. SQLite has no zoned type:
its columns keep the UTC wall time and the app puts the zone back on read, so nothing changes
there.

Revision ID: 5e3a9c1f7b20
Revises: 79c09b304487
Create Date: 2026-12-01 10:05:00
"""
from alembic import op
import sqlalchemy as sa

revision = '5e3a9c1f7b20'
down_revision = '79c09b304487'
branch_labels = None
depends_on = None

COLUMNS = {
    "core_tenant": ["created_at"],
    "core_user": ["last_login_at", "created_at"],
    "core_api_token": ["expires_at", "revoked_at", "last_used_at", "created_at"],
    "core_audit_entry": ["created_at"],
    "core_grid": ["archived_at", "created_at"],
    "core_role_assignment": ["created_at"],
    "core_tag": ["created_at"],
    "core_tenant_module": ["changed_at"],
    "core_grid_duty": ["created_at"],
    "core_household": ["created_at"],
    "core_party_org": ["created_at"],
    "core_person": ["anonymised_at", "updated_at", "created_at"],
    "core_party_center": ["created_at"],
}


def _retype(zoned: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            using = f"{column} AT TIME ZONE 'UTC'"
            op.alter_column(table, column, type_=sa.DateTime(timezone=zoned), postgresql_using=using)


def upgrade() -> None:
    _retype(True)


def downgrade() -> None:
    _retype(False)
