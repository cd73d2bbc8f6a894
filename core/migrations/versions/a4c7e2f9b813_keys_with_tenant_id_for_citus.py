"""keys with tenant_id for Citus: API tokens unique per tenant, tenant_id in the remaining keys

The last breaches of the rules Citus needs to distribute by ``tenant_id`` (core/distribution.py,
tests/core/test_citus_rules.py):

* ``core_api_token``: the digest is unique within its tenant, ``(tenant_id, digest)``; a token
  carries its tenant since (``ggv_<tenant id>.<secret>``, core.auth.tokens), so it is found on one
  node. Tokens made before keep working: they are looked up in the tenant of the URL as before.
* ``core_idempotency_key``: a unique ``(tenant_id, id)`` beside the primary key, as every
  tenant-owned table has (the plan swaps the primary key for it); the primary key stays ``id`` so
  that SQLite keeps numbering the rows.
* ``core_person_tag``, ``core_party_center_link``: ``tenant_id`` leads the primary key (nothing
  points at them).

In place on PostgreSQL; SQLite rebuilds the tables (batch mode).

Revision ID: a4c7e2f9b813
Revises: a19e7c3d5b21
Create Date: 2026-12-01 16:00:00
"""
import warnings

from alembic import op


revision = 'a4c7e2f9b813'
down_revision = 'a19e7c3d5b21'
branch_labels = None
depends_on = None

KEYS = {"core_person_tag": ("person_id", "tag_id"), "core_party_center_link": ("center_id", "household_id")}


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
    with op.batch_alter_table("core_api_token") as batch_op:
        batch_op.drop_constraint("uq_core_api_token_digest", type_="unique")
        batch_op.create_unique_constraint("uq_core_api_token_tenant_id_digest", ["tenant_id", "digest"])
    with op.batch_alter_table("core_idempotency_key") as batch_op:
        batch_op.create_unique_constraint("uq_core_idempotency_key_tenant_id_id", ["tenant_id", "id"])
    for table, columns in KEYS.items():
        _primary_key(table, ["tenant_id", *columns])


def downgrade():
    for table, columns in KEYS.items():
        _primary_key(table, list(columns))
    with op.batch_alter_table("core_idempotency_key") as batch_op:
        batch_op.drop_constraint("uq_core_idempotency_key_tenant_id_id", type_="unique")
    with op.batch_alter_table("core_api_token") as batch_op:
        batch_op.drop_constraint("uq_core_api_token_tenant_id_digest", type_="unique")
        batch_op.create_unique_constraint("uq_core_api_token_digest", ["digest"])
