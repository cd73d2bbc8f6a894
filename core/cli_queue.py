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


def register_queue_commands(cli: click.Group) -> None:
    @cli.command("run", context_settings={"ignore_unknown_options": True})
    @click.option("--bind", default="127.0.0.1:8000", show_default=True)
    @click.option("--workers", default=None, type=int, help="default: 2 x cores + 1, at most 8")
    @click.option("--queue-workers", default=2, show_default=True, help="threads of the task queue's consumer")
    @click.option("--no-consumer", is_flag=True, help="serve only (consumers run elsewhere: gridgov worker)")
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

    @cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="threads running tasks")
    @click.option("--no-periodic", is_flag=True, help="do not run schedules from this consumer")
    def worker(workers, no_periodic):
        """Run the task queue's consumer: background jobs and schedules (stop with Ctrl-C / SIGINT
        to let running jobs finish; SIGTERM stops at once, and their jobs read as failed)."""
        from core.queue import make_consumer

        logging.getLogger("huey").setLevel(logging.INFO)
        consumer = make_consumer(current_app._get_current_object(), workers=workers, periodic=not no_periodic)
        click.echo(_("gridgov 任务队列消费者：%(workers)s 个线程，定时任务%(state)s", workers=workers,
                     state=_("关闭") if no_periodic else _("开启")))
        consumer.run()

    @cli.group("schedules")
    def schedules_group():
        """Schedules (定时任务): periodic work of core and the modules."""

    @schedules_group.command("list")
    def schedules_list():
        """List the declared schedules: name, cron (Beijing time), module, description."""
        from core.schedules import declared

        for name, entry in sorted(declared().items()):
            module = entry.module or _("（全部乡镇）")
            click.echo(f"{name:36} {entry.schedule.cron:16} {module:18} "
                       f"{entry.schedule.description}")

    @schedules_group.command("run")
    @click.argument("name")
    @click.option("--tenant", "slug", default=None, help="one township (default: every township it applies to)")
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
