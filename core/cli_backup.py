"""``gridgov backup`` and ``gridgov restore`` (备份与恢复): the whole installation, database and
uploads, in one archive (:mod:`core.backup`)."""
from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext as _

from core.i18n import N_


def register_backup_commands(cli: click.Group) -> None:
    @cli.command("backup", help=N_("把数据库和所有上传文件备份为一个 .tar.gz 归档（不停机）。"))
    @click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
                  help=N_("存放带时间戳归档的文件夹（默认：<instance>/backups）"))
    @click.option("--output", type=click.Path(dir_okay=False), default=None, help=N_("归档的确切路径"))
    @click.option("--keep", type=click.IntRange(min=1), default=None,
                  help=N_("随后文件夹中只保留最新的 N 个归档"))
    def backup(directory, output, keep):
        """Back up the database and every uploaded file into one .tar.gz archive (online)."""
        from core.backup import BackupError, make_backup, prune

        if output and (directory or keep):
            raise click.UsageError(_("--output 不能与 --dir/--keep 同用"))
        try:
            path = make_backup(current_app, directory=directory, output=output)
        except BackupError as exc:
            raise click.ClickException(_("备份失败：%(reason)s", reason=exc)) from exc
        click.echo(_("已备份：%(path)s", path=path))
        if keep:
            for old in prune(path.parent, keep):
                click.echo(_("已删除旧备份：%(path)s", path=old))

    @cli.command("restore", help=N_("用备份替换数据库和上传文件（请先停止应用和消费者）。"))
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False))
    @click.option("--yes", is_flag=True, help=N_("不再确认"))
    def restore(archive, yes):
        """Replace the database and the uploads with a backup's (stop the app and workers first)."""
        from core.backup import BackupError, read_manifest, restore_backup

        try:
            manifest = read_manifest(archive)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        rows = sum(manifest.get("tables", {}).values())
        click.echo(_("备份时间 %(time)s，%(tables)s 张表、%(rows)s 行，%(files)s 个上传文件",
                     time=manifest.get("created_at"), tables=len(manifest.get("tables", {})), rows=rows,
                     files=len(manifest.get("files", {})) - 1))
        if not yes:
            click.confirm(_("恢复将覆盖当前数据库和上传文件（请先停止网站和后台任务），继续？"), abort=True)
        try:
            restore_backup(current_app, archive)
        except BackupError as exc:
            raise click.ClickException(_("恢复失败，未做任何改动：%(reason)s", reason=exc)) from exc
        click.echo(_("已恢复。如备份来自较早版本，请运行 %(command)s。", command="gridgov db upgrade"))
