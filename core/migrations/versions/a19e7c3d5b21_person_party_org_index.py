"""index of residents by party organisation: the grid tree page counts each organisation's members

``party_tree`` (core.grid.party) counts party members per organisation on every view of the grid
tree; without an index that was a scan of the township's register (15 ms for 107,000 residents).

Revision ID: a19e7c3d5b21
Revises: 3b8f2c6d1e47
Create Date: 2026-12-01 16:00:00
"""
from alembic import op


revision = 'a19e7c3d5b21'
down_revision = '3b8f2c6d1e47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_core_person_tenant_party_org", "core_person", ["tenant_id", "party_org_id"])


def downgrade():
    op.drop_index("ix_core_person_tenant_party_org", table_name="core_person")
