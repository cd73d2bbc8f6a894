"""tenant_id in the link tables' primary keys, for Citus

``volunteer_team_member`` and ``volunteer_volunteer_post`` had primary keys without
``tenant_id`` (tests/core/test_citus_rules.py); nothing points at them, so ``tenant_id`` now
leads their primary keys. In place on PostgreSQL; SQLite rebuilds the tables (batch mode).

Revision ID: e3b9d5a1c726
Revises: d7481cefda7f
Create Date: 2026-12-01 16:00:00
"""
import warnings

from alembic import op


revision = 'e3b9d5a1c726'
down_revision = 'd7481cefda7f'
branch_labels = None
depends_on = None

KEYS = {"volunteer_team_member": ("team_id", "volunteer_id"), "volunteer_volunteer_post": ("volunteer_id", "post_id")}


def _primary_key(table: str, columns: list[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # the rebuilt table takes the new key in place of the reflected one (which SQLAlchemy
        # notes in a warning: that replacement is the point here)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*not matching locally specified columns")
            with op.batch_alter_table(table, recreate="always") as batch_op:
                batch_op.create_primary_key(f"pk_{table}", columns)
    else:
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.create_primary_key(f"pk_{table}", table, columns)


def upgrade():
    for table, columns in KEYS.items():
        _primary_key(table, ["tenant_id", *columns])


def downgrade():
    for table, columns in KEYS.items():
        _primary_key(table, list(columns))
