"""``gridgov grids ...``: print a township's grid tree, and create many grids from a spreadsheet
or text file (each row the names from the top level down; existing grids are reused)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import click
from flask_babel import gettext as _

from core.db import db
from core.i18n import N_, localise_message


@click.group("grids", help=N_("网格树"))
def grids_group():
    """The grid tree (网格)."""


def _tenant(slug: str):
    from core.cli import tenant_arg

    return tenant_arg(slug, township=True)


def read_rows(path: Path) -> list[list[str]]:
    """Rows of names from .xlsx (first sheet), .csv or text (tab, / or > between levels)."""
    from core.grid.bulk import parse_lines

    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    elif path.suffix.lower() == ".csv":
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))]
    else:
        return parse_lines(path.read_text(encoding="utf-8-sig"))
    for row in rows:
        while row and not row[-1]:
            row.pop()
    return rows


@grids_group.command("import", help=N_("按文件 FILE（.xlsx、.csv 或文本）新建网格：全部新建或全不新建。"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", "slug", required=True, help=N_("乡镇标识"))
@click.option("--under", default=None, help=N_("新网格的上级网格的统一网格编码"))
@click.option("--skip-header", is_flag=True, help=N_("第一行是列标题"))
def import_command(file, slug, under, skip_header):
    """Create the grids named in FILE (.xlsx, .csv or text), all or nothing."""
    from sqlalchemy import select

    from core.errors import ApiError
    from core.grid.bulk import create_paths
    from core.grid.models import Grid
    from core.tenancy import tenant_context

    tenant = _tenant(slug)
    rows = read_rows(file)[1 if skip_header else 0:]
    with tenant_context(tenant):
        parent = None
        if under:
            parent = db.session.scalar(select(Grid).where(Grid.code == under))
            if parent is None:
                raise click.ClickException(_("%(slug)s 没有编码为 %(code)s 的网格", slug=slug, code=under))
        try:
            result = create_paths(tenant, rows, parent)
            db.session.commit()
        except ApiError as exc:
            db.session.rollback()
            problems = [localise_message(m) for v in (exc.fields or {}).values() for m in (v if isinstance(v, list) else [v])]
            raise click.ClickException("\n".join([localise_message(exc.message), *problems])) from exc
    click.echo(_("已新建 %(created)s 个网格；%(existing)s 行已存在", created=result["created"], existing=result["existing"]))


@grids_group.command("tree", help=N_("打印在用的网格树及统一网格编码。"))
@click.option("--tenant", "slug", required=True, help=N_("乡镇标识"))
def tree_command(slug):
    """Print the active grid tree with unified codes."""
    from sqlalchemy import select

    from core.grid.models import Grid, GridStatus
    from core.grid.service import level_name
    from core.tenancy import tenant_context

    tenant = _tenant(slug)
    with tenant_context(tenant):
        for grid in db.session.scalars(select(Grid).where(Grid.status == GridStatus.active).order_by(Grid.code)):
            click.echo(f"{'  ' * (grid.level - 1)}{grid.name}  [{level_name(tenant, grid.level)} {grid.code}]")
