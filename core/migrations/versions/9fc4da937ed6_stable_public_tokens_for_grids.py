"""stable public tokens for grids (printed QR codes), merges remembered

Every grid gets a random ``public_token`` that printed 随手拍 QR codes and Open311's default
grid name from now on; its current ``code`` is kept as ``legacy_code``, the only code an old
printed QR can carry, so those keep reaching the same grid after it moves. Incidents'
``open311_default_grid`` setting, a code until now, becomes that grid's token (a code naming no
grid becomes empty: it never worked). ``core_grid_merge`` records which grid went into which.

Columns are added in place (no table rebuild: on SQLite a rebuild of ``core_grid`` would run
into the foreign keys of every table that points at it) and the uniques are unique indexes.

Revision ID: 9fc4da937ed6
Revises: 4d9e285c61ce
Create Date: 2026-12-01 10:12:58
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '9fc4da937ed6'
down_revision = '4d9e285c61ce'
branch_labels = None
depends_on = None

grid = sa.table("core_grid", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                sa.column("code", sa.String), sa.column("public_token", sa.String), sa.column("legacy_code", sa.String))
tenant_module = sa.table("core_tenant_module", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                         sa.column("module", sa.String), sa.column("settings", sa.JSON))


def upgrade():
    bind = op.get_bind()
    op.add_column('core_grid', sa.Column('public_token', sa.String(length=24), nullable=False, server_default=''))
    op.add_column('core_grid', sa.Column('legacy_code', sa.String(length=64), nullable=True))
    tokens = {}
    for row in bind.execute(sa.select(grid.c.id, grid.c.tenant_id, grid.c.code)).all():
        token = secrets.token_urlsafe(12)
        tokens[(row.tenant_id, row.code)] = token
        bind.execute(grid.update().where(grid.c.id == row.id).values(public_token=token, legacy_code=row.code))
    if bind.dialect.name == "postgresql":  # SQLite cannot drop a default in place; the app always sets one
        op.alter_column('core_grid', 'public_token', server_default=None)
    op.create_index('uq_core_grid_tenant_public_token', 'core_grid', ['tenant_id', 'public_token'], unique=True)
    op.create_index('uq_core_grid_tenant_legacy_code', 'core_grid', ['tenant_id', 'legacy_code'], unique=True)

    for row in bind.execute(sa.select(tenant_module.c.id, tenant_module.c.tenant_id, tenant_module.c.settings)
                            .where(tenant_module.c.module == "incidents")).all():
        settings = dict(row.settings or {})
        code = settings.get("open311_default_grid")
        if code:
            settings["open311_default_grid"] = tokens.get((row.tenant_id, code), "")
            bind.execute(tenant_module.update().where(tenant_module.c.id == row.id).values(settings=settings))

    op.create_table('core_grid_merge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'source_id'], ['core_grid.tenant_id', 'core_grid.id'], name=op.f('fk_core_grid_merge_tenant_id_source_id_core_grid')),
    sa.ForeignKeyConstraint(['tenant_id', 'target_id'], ['core_grid.tenant_id', 'core_grid.id'], name=op.f('fk_core_grid_merge_tenant_id_target_id_core_grid')),
    sa.ForeignKeyConstraint(['tenant_id'], ['core_tenant.id'], name=op.f('fk_core_grid_merge_tenant_id_core_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_grid_merge')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_core_grid_merge_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'source_id', name=op.f('uq_core_grid_merge_tenant_id_source_id'))
    )
    op.create_index(op.f('ix_core_grid_merge_tenant_id'), 'core_grid_merge', ['tenant_id'], unique=False)


def downgrade():
    bind = op.get_bind()
    op.drop_index(op.f('ix_core_grid_merge_tenant_id'), table_name='core_grid_merge')
    op.drop_table('core_grid_merge')
    codes = {}
    for row in bind.execute(sa.select(grid.c.tenant_id, grid.c.code, grid.c.public_token)).all():
        codes[(row.tenant_id, row.public_token)] = row.code
    for row in bind.execute(sa.select(tenant_module.c.id, tenant_module.c.tenant_id, tenant_module.c.settings)
                            .where(tenant_module.c.module == "incidents")).all():
        settings = dict(row.settings or {})
        token = settings.get("open311_default_grid")
        if token:
            settings["open311_default_grid"] = codes.get((row.tenant_id, token), "")
            bind.execute(tenant_module.update().where(tenant_module.c.id == row.id).values(settings=settings))
    op.drop_index('uq_core_grid_tenant_legacy_code', table_name='core_grid')
    op.drop_index('uq_core_grid_tenant_public_token', table_name='core_grid')
    # SQLite 3.35+ drops columns in place (no rebuild, see upgrade)
    op.execute("ALTER TABLE core_grid DROP COLUMN legacy_code")
    op.execute("ALTER TABLE core_grid DROP COLUMN public_token")
