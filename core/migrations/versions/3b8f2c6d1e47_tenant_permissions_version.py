"""tenant permissions version: the key under which each process caches a township's role permissions

Every change to ``core_role_permission`` bumps it in the same transaction (core.auth.access), so
a cached copy is never used after a grant or a revocation. Added in place, default 1.

Revision ID: 3b8f2c6d1e47
Revises: e5e5f7bf50c4
Create Date: 2026-12-01 13:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '3b8f2c6d1e47'
down_revision = 'e5e5f7bf50c4'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("core_tenant", sa.Column("permissions_version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    # in place on SQLite 3.35+ too (a rebuild of core_tenant would meet every foreign key to it)
    op.execute("ALTER TABLE core_tenant DROP COLUMN permissions_version")
