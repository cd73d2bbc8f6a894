"""``gridgov points check``: the ledger check (对账), per township, read-only.

The period deadlines are a schedule (``points_bank.period_deadlines``; ``gridgov schedules run``).
"""
from __future__ import annotations

import click
from sqlalchemy import select

from core.toolkit import Tenant, TenantKind, db, enabled_modules, gettext as _, tenant_context


def townships(slug: str | None):
    """Townships with the points bank on (or the one named ``slug``)."""
    stmt = select(Tenant).where(Tenant.kind == TenantKind.township)
    if slug:
        stmt = stmt.where(Tenant.slug == slug)
    rows = db.session.scalars(stmt).all()
    if slug and not rows:
        raise click.ClickException(_("没有标识为 %(slug)s 的乡镇", slug=slug))
    return [t for t in rows if "points_bank" in enabled_modules(t)]


def register(cli) -> None:
    @cli.group("points")
    def points_group():
        """Points bank (积分)."""

    @points_group.command("check")
    @click.option("--tenant", "slug", default=None, help="one township (default: all with the module on)")
    def check_cmd(slug):
        """Recompute every balance from the ledger and report differences (exit 1 if any)."""
        from plugins.points_bank.reconcile import check

        bad = 0
        for town in townships(slug):
            with tenant_context(town):
                problems = check()
                db.session.rollback()
            bad += len(problems)
            click.echo(f"{town.slug}: " + (_("账目一致") if not problems else _("%(n)s 处不一致", n=len(problems))))
            for line in problems:
                click.echo(f"  {line}")
        if bad:
            raise SystemExit(1)
