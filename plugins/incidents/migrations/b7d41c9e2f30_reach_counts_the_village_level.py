"""reach 1 means the village level (a first-level grid)

Revision ID: b7d41c9e2f30
Revises: 4e01349fc47a
Create Date: 2026-12-01 13:10:00

Until now any move to a higher grid set ``reach`` to 1, so an incident passed from a third-level
grid to the second level was counted as "escalated to the village". The village level is a
first-level grid (#17 item 19): incidents with ``reach = 1`` that never reached one go back to 0.
Whether one was reached is read from the grids the incident was handled at: its handling grid
now, the grid that closed it, and the grids its escalation steps led to (steps record the
grid's name, matched among the incident's own ancestors).
"""
from alembic import op
import sqlalchemy as sa

revision = 'b7d41c9e2f30'
down_revision = '4e01349fc47a'
branch_labels = None
depends_on = None

incident = sa.table("incidents_incident", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                    sa.column("grid_id", sa.Integer), sa.column("handling_grid_id", sa.Integer),
                    sa.column("closed_grid_id", sa.Integer), sa.column("reach", sa.Integer))
step = sa.table("incidents_step", sa.column("incident_id", sa.Integer), sa.column("tenant_id", sa.Integer),
                sa.column("action", sa.String), sa.column("to_where", sa.String))
grid = sa.table("core_grid", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                sa.column("parent_id", sa.Integer), sa.column("name", sa.String), sa.column("path", sa.String))


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.select(incident.c.id, incident.c.tenant_id, incident.c.grid_id, incident.c.handling_grid_id,
                                  incident.c.closed_grid_id).where(incident.c.reach == 1)).all()
    grids: dict[tuple[int, int], tuple[int | None, str, str]] = {}
    for tenant_id in {r.tenant_id for r in rows}:
        for g in conn.execute(sa.select(grid.c.id, grid.c.parent_id, grid.c.name, grid.c.path)
                              .where(grid.c.tenant_id == tenant_id)):
            grids[(tenant_id, g.id)] = (g.parent_id, g.name, g.path)
    back_to_grid = []
    for r in rows:
        own = grids.get((r.tenant_id, r.grid_id))
        if own is None:
            continue
        ancestors = [int(x) for x in own[2].strip("/").split("/") if x]
        root = grids.get((r.tenant_id, ancestors[0])) if ancestors else None
        if root is None or ancestors[0] == r.grid_id:
            continue  # a report in a first-level grid cannot have gone up to another grid: leave it
        handled = {r.handling_grid_id, r.closed_grid_id}
        if ancestors[0] in handled:
            continue
        names = set(conn.execute(sa.select(step.c.to_where).where(
            step.c.tenant_id == r.tenant_id, step.c.incident_id == r.id, step.c.action == "escalate")).scalars())
        if root[1] in names:
            continue
        back_to_grid.append(r.id)
    for start in range(0, len(back_to_grid), 500):
        conn.execute(incident.update().where(incident.c.id.in_(back_to_grid[start:start + 500])).values(reach=0))


def downgrade():
    # the old meaning (any higher grid) is not recoverable for the rows moved back: leave them
    pass
