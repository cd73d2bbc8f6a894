"""Commands for background work (后台任务): ``gridgov run`` (gunicorn and a consumer),
``gridgov worker`` (a consumer alone) and ``gridgov schedules list|run``."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask_babel import gettext as _

from core.i18n import N_


def register_queue_commands(cli: click.Group) -> None:
    @cli.command("run", context_settings={"ignore_unknown_options": True},
                 help=N_("用 gunicorn 提供控制台和 API，并在旁边运行任务队列的消费者。"))
    @click.option("--bind", default="127.0.0.1:8000", show_default=True)
    @click.option("--workers", default=None, type=int, help=N_("默认：2 × 核数 + 1，最多 8"))
    @click.option("--queue-workers", default=2, show_default=True, help=N_("任务队列消费者的线程数"))
    @click.option("--no-consumer", is_flag=True, help=N_("只提供服务（消费者在别处运行：gridgov worker）"))
    @click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
    def run(bind, workers, queue_workers, no_consumer, gunicorn_args):
        """Serve the console and API with gunicorn, and run the task queue's consumer beside it."""
        workers = workers or min(2 * (os.cpu_count() or 1) + 1, 8)
        args = [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(workers),
                "--access-logfile", "-", *gunicorn_args, "core.wsgi:app"]
        click.echo(_("gridgov 在 http://%(bind)s 运行，%(workers)s 个工作进程", bind=bind, workers=workers)
                   + ("" if no_consumer else _("，另有一个任务队列消费者")))
        if no_consumer:
            os.execv(sys.executable, args)
        consumer = subprocess.Popen([sys.executable, "-m", "core.cli_main", "worker", "--workers", str(queue_workers)])
        sys.exit(_supervise(subprocess.Popen(args), consumer))

    @cli.command("worker",
                 help=N_("运行任务队列的消费者：后台任务和定时任务（Ctrl-C 或 SIGINT 停止时等运行中的任务做完；SIGTERM 立即停止，其任务记为失败）。"))
    @click.option("--workers", default=2, show_default=True, help=N_("执行任务的线程数"))
    @click.option("--no-periodic", is_flag=True, help=N_("此消费者不运行定时任务"))
    def worker(workers, no_periodic):
        """Run the task queue's consumer: background jobs and schedules (stop with Ctrl-C / SIGINT
        to let running jobs finish; SIGTERM stops at once, and their jobs read as failed)."""
        from core.queue import make_consumer

        logging.getLogger("huey").setLevel(logging.INFO)
        consumer = make_consumer(current_app._get_current_object(), workers=workers, periodic=not no_periodic)
        click.echo(_("gridgov 任务队列消费者：%(workers)s 个线程，定时任务%(state)s", workers=workers,
                     state=_("关闭") if no_periodic else _("开启")))
        consumer.run()

    @cli.group("schedules", help=N_("定时任务：核心和各模块的周期性工作"))
    def schedules_group():
        """Schedules (定时任务): periodic work of core and the modules."""

    @schedules_group.command("list", help=N_("列出已声明的定时任务：名称、cron 表达式（北京时间）、模块、说明。"))
    def schedules_list():
        """List the declared schedules: name, cron (Beijing time), module, description."""
        from core.schedules import declared

        for name, entry in sorted(declared().items()):
            module = entry.module or _("（全部乡镇）")
            click.echo(f"{name:36} {entry.schedule.cron:16} {module:18} "
                       f"{entry.schedule.description}")

    @schedules_group.command("run", help=N_("立即在本机运行一个定时任务（不经队列），并记录运行情况。"))
    @click.argument("name")
    @click.option("--tenant", "slug", default=None, help=N_("一个乡镇（默认：适用的每个乡镇）"))
    def schedules_run(name, slug):
        """Run a schedule now, here (not through the queue), and record the runs."""
        from core.schedules import run_now

        try:
            outcomes = run_now(name, slug)
        except KeyError:
            raise click.ClickException(_("没有名为 %(name)s 的定时任务（见 %(command)s）", name=name,
                                         command="gridgov schedules list"))
        except ValueError as exc:
            raise click.ClickException(str(exc))
        failed = 0
        for outcome in outcomes:
            detail = outcome.error if outcome.status == "failed" else _summary(outcome.result)
            status = _("成功") if outcome.status == "succeeded" else _("失败") if outcome.status == "failed" else outcome.status
            click.echo(f"{outcome.tenant_slug}: {status}{': ' + detail if detail else ''}")
            failed += outcome.status == "failed"
        if not outcomes:
            click.echo(_("没有可运行的乡镇"))
        if failed:
            sys.exit(1)


def _summary(result) -> str:
    if result is None:
        return ""
    if isinstance(result, (list, tuple, set)):
        return _("完成 %(n)s 项", n=len(result))
    return str(result)[:200]


def _supervise(server: subprocess.Popen, consumer: subprocess.Popen) -> int:
    """Wait for either process; stop the other when one ends or when we are asked to stop
    (SIGINT to the consumer: it finishes running jobs; SIGTERM to gunicorn: graceful)."""

    signalled = set()

    def stop(signum=None, frame=None):
        # once each: a second SIGTERM kills gunicorn while it is stopping gracefully
        for proc, sig in ((server, signal.SIGTERM), (consumer, signal.SIGINT)):
            if proc.pid not in signalled and proc.poll() is None:
                signalled.add(proc.pid)
                proc.send_signal(sig)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while server.poll() is None and consumer.poll() is None:
        time.sleep(0.5)
    stop()
    code = server.wait()
    consumer.wait()
    return code if code >= 0 else 128 - code  # killed by a signal: the shell's convention
