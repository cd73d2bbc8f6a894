"""household stars per year with pass scores, county withdrawal, reminders delivered to an inbox

Household stars get a ``year`` (existing ones: this year), a full and a pass score and a
retirement time, unique per (tenant, year, code); their points categories take the stars' names,
as points_bank's default scheme names its categories. A confirmed rating keeps whether it earned
the star (existing confirmed ones did: every confirmed rating counted until now). Awards record
which level withdrew them. Reminders get their message, delivery time, recipients and outcome;
those queued before this revision are delivered by the next run of ``five_star.send_reminders``
(or skipped when the branch has filed since). The inbox table ``five_star_notice`` is new.

Revision ID: 3dd3b5cd7648
Revises: 210d512b957c
Create Date: 2026-12-01 12:37:46.775957
"""
import datetime as dt
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = '3dd3b5cd7648'
down_revision = '210d512b957c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('five_star_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'reminder_id'], ['five_star_reminder.tenant_id', 'five_star_reminder.id'], name=op.f('fk_five_star_notice_tenant_id_reminder_id_five_star_reminder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['core_tenant.id'], name=op.f('fk_five_star_notice_tenant_id_core_tenant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_five_star_notice_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_five_star_notice')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_five_star_notice_tenant_id_id'))
    )
    with op.batch_alter_table('five_star_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_five_star_notice_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_five_star_notice_tenant_user', ['tenant_id', 'user_id', 'read_at'], unique=False)

    with op.batch_alter_table('five_star_award', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_level', sa.String(length=16), nullable=True))
    op.execute("UPDATE five_star_award SET withdrawn_level = 'township' WHERE withdrawn_at IS NOT NULL")

    with op.batch_alter_table('five_star_household_rating', schema=None) as batch_op:
        batch_op.add_column(sa.Column('earned', sa.Boolean(), nullable=True))
    op.execute("UPDATE five_star_household_rating SET earned = confirmed WHERE confirmed = true")

    year = dt.datetime.now(ZoneInfo("Asia/Shanghai")).year
    with op.batch_alter_table('five_star_household_star', schema=None) as batch_op:
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=False, server_default=str(year)))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('max_score', sa.Float(), nullable=False, server_default='100'))
        batch_op.add_column(sa.Column('pass_score', sa.Float(), nullable=False, server_default='80'))
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_five_star_household_star_tenant_id_code'), type_='unique')
        batch_op.create_index('ix_five_star_household_star_tenant_year', ['tenant_id', 'year', 'sort'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_five_star_household_star_tenant_id_year_code'), ['tenant_id', 'year', 'code'])
    op.execute("UPDATE five_star_household_star SET category = name WHERE category <> '' AND category || '星' = name")
    with op.batch_alter_table('five_star_household_star', schema=None) as batch_op:
        for column in ('year', 'description', 'max_score', 'pass_score'):
            batch_op.alter_column(column, server_default=None)

    with op.batch_alter_table('five_star_reminder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recipients', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_five_star_reminder_tenant_sent', ['tenant_id', 'sent_at'], unique=False)
    with op.batch_alter_table('five_star_reminder', schema=None) as batch_op:
        for column in ('message', 'recipients'):
            batch_op.alter_column(column, server_default=None)


def downgrade():
    with op.batch_alter_table('five_star_reminder', schema=None) as batch_op:
        batch_op.drop_index('ix_five_star_reminder_tenant_sent')
        batch_op.drop_column('outcome')
        batch_op.drop_column('recipients')
        batch_op.drop_column('sent_at')
        batch_op.drop_column('message')

    # a code used in several years keeps its newest year's row only, so (tenant, code) is unique again
    op.execute("DELETE FROM five_star_household_rating WHERE star_id IN (SELECT s.id FROM five_star_household_star s "
               "WHERE EXISTS (SELECT 1 FROM five_star_household_star n WHERE n.tenant_id = s.tenant_id "
               "AND n.code = s.code AND n.year > s.year))")
    op.execute("DELETE FROM five_star_household_star WHERE EXISTS (SELECT 1 FROM five_star_household_star n "
               "WHERE n.tenant_id = five_star_household_star.tenant_id AND n.code = five_star_household_star.code "
               "AND n.year > five_star_household_star.year)")
    with op.batch_alter_table('five_star_household_star', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_five_star_household_star_tenant_id_year_code'), type_='unique')
        batch_op.drop_index('ix_five_star_household_star_tenant_year')
        batch_op.create_unique_constraint(batch_op.f('uq_five_star_household_star_tenant_id_code'), ['tenant_id', 'code'])
        batch_op.drop_column('retired_at')
        batch_op.drop_column('pass_score')
        batch_op.drop_column('max_score')
        batch_op.drop_column('description')
        batch_op.drop_column('year')

    with op.batch_alter_table('five_star_household_rating', schema=None) as batch_op:
        batch_op.drop_column('earned')

    with op.batch_alter_table('five_star_award', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_level')

    with op.batch_alter_table('five_star_notice', schema=None) as batch_op:
        batch_op.drop_index('ix_five_star_notice_tenant_user')
        batch_op.drop_index(batch_op.f('ix_five_star_notice_tenant_id'))

    op.drop_table('five_star_notice')
