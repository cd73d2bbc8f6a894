"""evidence photos (points_bank_photo), rules asking for one (photo_required), and an index
for the monthly cap's aggregate (tenant, account, period)

Revision ID: 68dbbc9b81a8
Revises: 6629b292b51a
Create Date: 2026-12-01 12:40:14.191338
"""
from alembic import op
import sqlalchemy as sa


revision = '68dbbc9b81a8'
down_revision = '6629b292b51a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('points_bank_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('txn_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'txn_id'], ['points_bank_txn.tenant_id', 'points_bank_txn.id'], name=op.f('fk_points_bank_photo_tenant_id_txn_id_points_bank_txn')),
    sa.ForeignKeyConstraint(['tenant_id'], ['core_tenant.id'], name=op.f('fk_points_bank_photo_tenant_id_core_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_bank_photo')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_points_bank_photo_tenant_id_id'))
    )
    with op.batch_alter_table('points_bank_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_bank_photo_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_points_bank_photo_tenant_txn', ['tenant_id', 'txn_id'], unique=False)

    with op.batch_alter_table('points_bank_rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_required', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('points_bank_txn', schema=None) as batch_op:
        batch_op.create_index('ix_points_bank_txn_tenant_account_period', ['tenant_id', 'account_id', 'period_id'], unique=False)



def downgrade():
    with op.batch_alter_table('points_bank_txn', schema=None) as batch_op:
        batch_op.drop_index('ix_points_bank_txn_tenant_account_period')

    with op.batch_alter_table('points_bank_rule', schema=None) as batch_op:
        batch_op.drop_column('photo_required')

    with op.batch_alter_table('points_bank_photo', schema=None) as batch_op:
        batch_op.drop_index('ix_points_bank_photo_tenant_txn')
        batch_op.drop_index(batch_op.f('ix_points_bank_photo_tenant_id'))

    op.drop_table('points_bank_photo')
