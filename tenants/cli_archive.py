"""``gridgov tenants export|import|delete``: a township moves to another installation, or leaves,
with all its data (:mod:`tenants.archive`)."""
from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _

from core.cli import fail_on_api_error, tenant_arg
from core.i18n import N_


def register_archive_commands(tenants_group: click.Group) -> None:
    @tenants_group.command("export", help=N_("把一个乡镇的全部数据和上传文件写入一个归档（.tar.gz）。"))
    @click.argument("slug")
    @click.argument("output", type=click.Path(dir_okay=False))
    @fail_on_api_error
    def tenants_export(slug, output):
        """Write every row and upload of one township into one archive (.tar.gz)."""
        from tenants.archive import export_township

        manifest = export_township(tenant_arg(slug, township=True), output)
        click.echo(_("已导出 %(slug)s：%(tables)s 张表 %(rows)s 行，%(users)s 个账号，%(files)s 个文件 → %(output)s",
                     slug=slug, tables=len(manifest["tables"]), rows=sum(manifest["tables"].values()),
                     users=manifest["users"], files=len(manifest["files"]) - len(manifest["tables"]) - 2,
                     output=output))

    @tenants_group.command("import", help=N_("从导出的乡镇归档新建乡镇（包括全部数据和文件）。"))
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False))
    @click.option("--county", "county_slug", required=True, help=N_("归入本系统的哪个县"))
    @click.option("--slug", default=None, help=N_("新的标识（默认：沿用归档中的）"))
    @fail_on_api_error
    def tenants_import(archive, county_slug, slug):
        """Create a township from an archive of `gridgov tenants export`, every row and file included."""
        from tenants.archive import import_township

        report = import_township(archive, tenant_arg(county_slug), slug=slug)
        click.echo(_("已导入 %(slug)s（%(name)s）：%(rows)s 行，%(files)s 个文件", slug=report.tenant.slug,
                     name=report.tenant.name, rows=report.rows, files=report.files))
        for line in report.nulled:
            click.echo("  " + _("本系统没有的外部引用已置空：%(what)s", what=line))

    @tenants_group.command("delete", help=N_("先把乡镇导出到 --archive，再删除它的全部数据和上传文件（记入审计）。"))
    @click.argument("slug")
    @click.option("--archive", "archive", required=True, type=click.Path(dir_okay=False),
                  help=N_("先把乡镇归档写到哪里"))
    @click.option("--yes", is_flag=True, help=N_("不再确认"))
    @fail_on_api_error
    def tenants_delete(slug, archive, yes):
        """Export a township to --archive, then remove all its rows and uploads (audited)."""
        from tenants.archive import delete_township, export_township

        tenant = tenant_arg(slug, township=True)
        if Path(archive).exists():
            raise click.ClickException(_("%(path)s 已存在：请指定新的文件名", path=archive))
        manifest = export_township(tenant, archive)
        click.echo(_("已导出到 %(path)s（%(rows)s 行）", path=archive, rows=sum(manifest["tables"].values())))
        if not yes:
            click.confirm(_("将永久删除乡镇 %(name)s（%(slug)s）的全部数据和上传文件，继续？", name=tenant.name, slug=slug),
                          abort=True)
        removed = delete_township(tenant, archive)
        click.echo(_("已删除 %(slug)s：%(rows)s 行", slug=slug, rows=sum(removed.values())))
