"""``gridgov people ...``: import residents from a spreadsheet and export the register."""
from __future__ import annotations

import json
import sys

import click

from core.db import db


@click.group("people")
def people_group():
    """Households and residents (居民)."""


def _tenant(slug: str):
    from core.cli import tenant_arg

    return tenant_arg(slug, township=True)


@people_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--tenant", "slug", required=True, help="township slug")
@click.option("--dry-run", is_flag=True, help="check every row, write nothing")
@click.option("--good-rows", is_flag=True, help="import the good rows even if some are bad")
@click.option("--mapping", default=None, help='JSON object {"header": "field"} for unusual headers')
def import_command(file, slug, dry_run, good_rows, mapping):
    """Import households and residents from FILE (.xlsx or .csv). Without --good-rows the import
    is all-or-nothing; matching ID numbers are updated, not duplicated."""
    from core.errors import ApiError
    from core.people.importer import run_import
    from core.tenancy import tenant_context

    tenant = _tenant(slug)
    try:
        columns = json.loads(mapping) if mapping else None
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--mapping")
    mode = "dry_run" if dry_run else ("good" if good_rows else "all")
    bars: dict[str, click.progressbar] = {}

    def progress(phase, done, total):
        bar = bars.get(phase)
        if bar is None:
            label = "检查 (checking)" if phase == "check" else "写入 (writing)"
            bar = bars[phase] = click.progressbar(length=max(total or done, 1), label=label, file=sys.stderr)
            bar.__enter__()
            bar.done = 0
        bar.update(done - bar.done)
        bar.done = done
        if done >= (total or 0):
            bar.render_finish()

    try:
        with tenant_context(tenant), open(file, "rb") as stream:
            report = run_import(file, stream, mode=mode, mapping=columns, progress=progress)
            if report.imported:
                db.session.commit()
            else:
                db.session.rollback()
    except ApiError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.message} {json.dumps(exc.fields or {}, ensure_ascii=False)}")
    click.echo("")
    for error in report.errors[:200]:
        click.echo(f"第 {error['row']} 行 [{error['column']}] {error['reason']}")
    if len(report.errors) > 200:
        click.echo(f"... 另有 {len(report.errors) - 200} 处问题 (more problems)")
    click.echo(f"rows {report.total}, good {report.good}, bad {report.bad}")
    if report.imported:
        click.echo(f"imported: {report.created} created, {report.updated} updated, "
                   f"{report.households_created} households created")
    elif mode == "all" and report.errors:
        raise click.ClickException("有错误行，未导入任何数据；修正后重试或使用 --good-rows (nothing imported)")
    elif mode == "dry_run":
        click.echo("dry run: nothing written")


@people_group.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--tenant", "slug", required=True)
def export_command(out, slug):
    """Export grids, households and residents to an .xlsx file (ID numbers and phones unmasked)."""
    from core.people.export import write_workbook
    from core.tenancy import tenant_context

    tenant = _tenant(slug)
    with tenant_context(tenant), open(out, "wb") as stream:
        counts = write_workbook(stream, masked=False)
    click.echo(f"exported {counts['grids']} grids, {counts['households']} households, {counts['people']} people to {out}")
