"""``gridgov points check``: the ledger check (对账), per township, read-only.

The period deadlines are a schedule (``points_bank.period_deadlines``; ``gridgov schedules run``).
"""
from __future__ import annotations

import click
from sqlalchemy import select

from core.toolkit import N_, Tenant, TenantKind, db, enabled_modules, gettext as _, tenant_context


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
    @cli.group("points", help=N_("积分银行"))
    def points_group():
        """Points bank (积分)."""

    @points_group.command("check", help=N_("按流水重算每个余额并报告差异（有差异时退出码为 1）。"))
    @click.option("--tenant", "slug", default=None, help=N_("一个乡镇（默认：启用了该模块的全部乡镇）"))
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
