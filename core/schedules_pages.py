"""The platform admin's schedules page (定时任务): declared schedules and recent runs."""
from __future__ import annotations

from flask import Blueprint, render_template

from core.auth import requires
from core.schedules import recent_runs
from core.schedules_api import schedule_list

bp = Blueprint("core_schedules", __name__)


@bp.get("/admin/schedules")
@requires("platform.manage")
def schedules_page():
    runs = [{**run, "started_local": run["started_at"][:19].replace("T", " ")} for run in recent_runs(100)]
    return render_template("core/schedules.html", schedules=schedule_list(), runs=runs)


def init_app(app) -> None:
    from core.schedules_api import bp as api_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(bp)
