"""grid path index usable for prefix search on PostgreSQL (varchar_pattern_ops)

Under a non-C collation (e.g. C.UTF-8, en_US.UTF-8) PostgreSQL cannot answer
``path LIKE '/12/%'`` from a plain b-tree index; with varchar_pattern_ops it can, so subtree
queries stay index-backed. SQLite needs nothing.

Revision ID: ac9002c8cffe
Revises: d368f46f3594
Create Date: 2026-11-23 19:40:00
"""
from alembic import op


revision = 'ac9002c8cffe'
down_revision = 'd368f46f3594'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_core_grid_tenant_path", table_name="core_grid")
    op.create_index("ix_core_grid_tenant_path", "core_grid", ["tenant_id", "path"],
                    postgresql_ops={"path": "varchar_pattern_ops"})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_core_grid_tenant_path", table_name="core_grid")
    op.create_index("ix_core_grid_tenant_path", "core_grid", ["tenant_id", "path"])
