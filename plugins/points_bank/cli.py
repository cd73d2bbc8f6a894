"""``gridgov points ...``: the ledger check (对账) and the period deadlines (run from cron).

Each township runs in its own tenant context and its own write transaction
(``immediate_transaction``), so one township's failure does not undo another's.
"""
from __future__ import annotations

import click
from sqlalchemy import select

from core.toolkit import Tenant, TenantKind, db, enabled_modules, immediate_transaction, tenant_context


def townships(slug: str | None):
    """Townships with the points bank on (or the one named ``slug``)."""
    stmt = select(Tenant).where(Tenant.kind == TenantKind.township)
    if slug:
        stmt = stmt.where(Tenant.slug == slug)
    rows = db.session.scalars(stmt).all()
    if slug and not rows:
        raise click.ClickException(f"no township with slug {slug!r}")
    return [t for t in rows if "points_bank" in enabled_modules(t)]


def register(cli) -> None:
    @cli.group("points")
    def points_group():
        """Points bank (积分)."""

    @points_group.command("check")
    @click.option("--tenant", "slug", default=None, help="one township (default: all with the module on)")
    def check_cmd(slug):
        """Recompute every balance from the ledger and report differences (exit 1 if any)."""
        from plugins.points_bank.ledger import check

        bad = 0
        for town in townships(slug):
            with tenant_context(town):
                problems = check()
                db.session.rollback()
            bad += len(problems)
            click.echo(f"{town.slug}: {'ok' if not problems else f'{len(problems)} problems'}")
            for line in problems:
                click.echo(f"  {line}")
        if bad:
            raise SystemExit(1)

    @points_group.command("deadlines")
    @click.option("--tenant", "slug", default=None, help="one township (default: all with the module on)")
    def deadlines_cmd(slug):
        """Publish reviewed months and close finished publications (公示期满自动归档)."""
        from plugins.points_bank.periods import run_deadlines

        for town in townships(slug):
            with tenant_context(town), immediate_transaction():
                done = run_deadlines(town)
            click.echo(f"{town.slug}: published {','.join(done['published']) or '-'}; "
                       f"closed {','.join(done['closed']) or '-'}")
