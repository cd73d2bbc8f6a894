"""Incident times stored in UTC with their zone (timestamp with time zone on PostgreSQL)

SQLite keeps the UTC wall time (the app puts the zone back on read): nothing changes there.

Revision ID: 0c4d2b7e9a13
Revises: f629c458139d
Create Date: 2026-12-01 10:05:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0c4d2b7e9a13'
down_revision = 'f629c458139d'
branch_labels = None
depends_on = None

COLUMNS = {
    "incidents_category": ["created_at"],
    "incidents_incident": ["reported_at", "due_at", "open_due_at", "resolved_at", "closed_at", "created_at"],
    "incidents_step": ["at"],
    "incidents_photo": ["created_at"],
}


def _retype(zoned: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=sa.DateTime(timezone=zoned),
                            postgresql_using=f"{column} AT TIME ZONE 'UTC'")


def upgrade() -> None:
    _retype(True)


def downgrade() -> None:
    _retype(False)
