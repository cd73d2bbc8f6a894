"""Schedules for the platform admin (定时任务): ``/api/v1/platform/schedules`` (declared, with each
one's latest run) and ``/api/v1/platform/schedules/runs`` (recent runs of every township)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from core.api import doc, load
from core.auth import requires
from core.models.schedule import FAILED, SUCCEEDED
from core.schedules import declared, recent_runs

bp = Blueprint("core_schedules_api", __name__, url_prefix="/api/v1/platform/schedules")


class RunFilterSchema(Schema):
    schedule = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default=None, validate=validate.OneOf([SUCCEEDED, FAILED]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


def schedule_list() -> list[dict]:
    latest = {}
    for run in recent_runs(limit=500):
        latest.setdefault(run["schedule"], run)
    return [{"name": name, "cron": entry.schedule.cron, "module": entry.module, "description": entry.schedule.description,
             "latest_run": latest.get(name)} for name, entry in sorted(declared().items())]


@bp.get("")
@requires("platform.manage")
@doc("Declared schedules: name, cron (Beijing time), module (null: every township), description and the "
     "latest recorded run", tags=["schedules"])
def schedules():
    return jsonify(schedule_list())


@bp.get("/runs")
@requires("platform.manage")
@doc("Recent schedule runs of every township, newest first: schedule, tenant, trigger (schedule|manual), "
     "status (succeeded|failed), started_at, finished_at, error; filters schedule, status, limit (≤ 500)",
     tags=["schedules"])
def runs():
    args = load(RunFilterSchema, request.args.to_dict())
    return jsonify(recent_runs(args["limit"], args["schedule"], args["status"]))
