"""``gridgov people ...``: import residents from a spreadsheet and export the register."""
from __future__ import annotations

import json
import os
import sys

import click
from flask_babel import gettext as _

from core.cli import problem_lines
from core.db import db
from core.i18n import N_, localise_message


@click.group("people", help=N_("住户和居民"))
def people_group():
    """Households and residents (居民)."""


def _tenant(slug: str):
    from core.cli import tenant_arg

    return tenant_arg(slug, township=True)


@people_group.command("import",
                      help=N_("从文件 FILE（.xlsx 或 .csv）导入住户和居民。不加 --good-rows 时全部导入或全不导入；身份证号相同的居民更新而不重复。"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--tenant", "slug", required=True, help=N_("乡镇标识"))
@click.option("--dry-run", is_flag=True, help=N_("检查每一行，不写入"))
@click.option("--good-rows", is_flag=True, help=N_("即使有错误行也导入正确的行"))
@click.option("--mapping", default=None, help=N_("JSON 对象 {\"表头\": \"字段\"}，用于不常见的表头"))
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
        raise click.BadParameter(_("不是有效的 JSON：%(reason)s", reason=exc), param_hint="--mapping")
    mode = "dry_run" if dry_run else ("good" if good_rows else "all")
    bars: dict[str, click.progressbar] = {}

    def progress(phase, done, total):
        bar = bars.get(phase)
        if bar is None:
            label = _("检查") if phase == "check" else _("写入")
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
        raise click.ClickException("\n".join([localise_message(exc.message), *problem_lines(exc.fields)])) from exc
    click.echo("")
    for error in report.errors[:200]:
        click.echo(_("第 %(row)s 行 [%(column)s] %(reason)s", row=error["row"], column=error["column"],
                     reason=localise_message(error["reason"])))
    if len(report.errors) > 200:
        click.echo(_("... 另有 %(n)s 处问题", n=len(report.errors) - 200))
    click.echo(_("共 %(total)s 行，正确 %(good)s 行，有误 %(bad)s 行", total=report.total, good=report.good, bad=report.bad))
    if report.imported:
        click.echo(_("已导入：新增 %(created)s 人，更新 %(updated)s 人，新建住户 %(households)s 户", created=report.created,
                     updated=report.updated, households=report.households_created))
    elif mode == "all" and report.errors:
        raise click.ClickException(_("有错误行，未导入任何数据；修正后重试或使用 --good-rows"))
    elif mode == "dry_run":
        click.echo(_("仅检查：未写入任何数据"))


@people_group.command("export", help=N_("把网格、住户和居民导出为 .xlsx 文件（身份证号和手机号不遮挡）。"))
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--tenant", "slug", required=True)
def export_command(out, slug):
    """Export grids, households and residents to an .xlsx file (ID numbers and phones unmasked)."""
    from core.people.export import write_workbook
    from core.tenancy import tenant_context

    tenant = _tenant(slug)
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise click.BadParameter(_("文件夹 %(folder)s 不存在，请先创建", folder=folder), param_hint="OUT")
    try:
        stream = open(out, "wb")
    except OSError as exc:
        raise click.BadParameter(_("无法写入 %(path)s：%(reason)s", path=out, reason=exc.strerror or exc),
                                 param_hint="OUT") from exc
    with tenant_context(tenant), stream:
        counts = write_workbook(stream, masked=False)
    click.echo(_("已导出 %(grids)s 个网格、%(households)s 户、%(people)s 人到 %(path)s", grids=counts["grids"],
                 households=counts["households"], people=counts["people"], path=out))
