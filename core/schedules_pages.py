"""The platform admin's schedules page (定时任务): declared schedules and recent runs."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template

from core.auth import requires
from core.schedules import recent_runs
from core.schedules_api import schedule_list
from core.specs import SCHEDULE_ZONE

bp = Blueprint("core_schedules", __name__)


@bp.get("/admin/schedules")
@requires("platform.manage")
def schedules_page():
    runs = [{**run, "started_local": _beijing(run["started_at"])} for run in recent_runs(100)]
    return render_template("core/schedules.html", schedules=schedule_list(), runs=runs)


def _beijing(stamp: str) -> str:
    """A stored UTC time as Beijing time (until core's local-time helpers land: one place)."""
    return dt.datetime.fromisoformat(stamp).astimezone(SCHEDULE_ZONE).strftime("%Y-%m-%d %H:%M:%S")


def init_app(app) -> None:
    from core.schedules_api import bp as api_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(bp)
