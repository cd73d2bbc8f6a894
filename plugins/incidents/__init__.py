"""incidents (随手拍 / 事件流转): report, handle in the grid, escalate up the tree, close, rate, count.

"人在网中走，事在格中办". Grid workers report problems from the console or the API, residents
report by scanning a grid's QR code, and Open311 clients (12345 hotlines) post into a township.
Each incident is settled in its grid (自办自结) or escalated (流转) to the parent grid, the
township office or a named department, can be sent back down with instructions, and every step
is kept as a timeline. Deadlines follow the category's time limit and urgency tiers; overdue
incidents can escalate themselves. Numbers per grid subtree and period, a ledger (台账) .xlsx,
and announcements ``incident_reported`` / ``incident_escalated`` / ``incident_resolved`` for
other modules.
"""
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from core.toolkit import ModuleManifest, current_tenant_id
from core.toolkit import gettext as _
from core.toolkit import N_

DEFAULT_DEPARTMENTS = ["派出所", "司法所", "综合执法队", "应急管理办", "民政办", "自然资源所", "生态环境分局", "卫生院"]


class IncidentSettings(Schema):
    urgent_hours = fields.Integer(load_default=2, validate=validate.Range(min=1, max=72),
                                  metadata={"label_zh": "特急时限(小时)", "label_en": "Urgent limit (hours)"})
    pressing_hours = fields.Integer(load_default=24, validate=validate.Range(min=1, max=240),
                                    metadata={"label_zh": "紧急时限(小时)", "label_en": "Pressing limit (hours)"})
    normal_hours = fields.Integer(load_default=72, validate=validate.Range(min=1, max=2400),
                                  metadata={"label_zh": "一般时限(小时)", "label_en": "Normal limit (hours)"})
    departments = fields.List(fields.String(validate=validate.Length(min=1, max=50)),
                              load_default=lambda: list(DEFAULT_DEPARTMENTS), validate=validate.Length(max=50),
                              metadata={"label_zh": "可流转的部门", "label_en": "Departments to escalate to"})
    duplicate_window_hours = fields.Integer(load_default=72, validate=validate.Range(min=1, max=720),
                                            metadata={"label_zh": "疑似重复时间窗(小时)", "label_en": "Duplicate window (hours)"})
    max_photo_kb = fields.Integer(load_default=5120, validate=validate.Range(min=50, max=20480),
                                  metadata={"label_zh": "照片大小上限(KB)", "label_en": "Photo size limit (KB)"})
    public_reports_per_hour = fields.Integer(load_default=5, validate=validate.Range(min=1, max=100),
                                             metadata={"label_zh": "每个地址每小时随手拍上限", "label_en": "Resident reports per address per hour"})
    resident_reopen_days = fields.Integer(load_default=7, validate=validate.Range(min=0, max=90),
                                          metadata={"label_zh": "群众可申请重新办理的天数", "label_en": "Days residents may ask to reopen"})
    open311_anonymous_post = fields.Boolean(load_default=False,
                                            metadata={"label_zh": "允许Open311匿名提交", "label_en": "Allow anonymous Open311 posts"})
    @validates_schema
    def _consistent(self, data, **kwargs):
        """Settings that contradict each other are refused, each naming its field."""
        problems = {}
        urgent, pressing, normal = (data.get(k) for k in ("urgent_hours", "pressing_hours", "normal_hours"))
        if None not in (urgent, pressing) and urgent > pressing:
            problems["urgent_hours"] = [f"特急时限不能长于紧急时限（{pressing} 小时）"]
        if None not in (pressing, normal) and pressing > normal:
            problems["pressing_hours"] = [f"紧急时限不能长于一般时限（{normal} 小时）"]
        departments = [d.strip() for d in data.get("departments") or []]
        repeated = sorted({d for d in departments if departments.count(d) > 1})
        if repeated:
            problems["departments"] = ["部门重复：" + "、".join(repeated)]
        if problems:
            raise ValidationError(problems)

    open311_default_grid = fields.String(load_default="", validate=validate.Length(max=64),
                                         metadata={"label_zh": "Open311默认网格（二维码标识或网格编码）",
                                                   "label_en": "Open311 default grid (QR token or grid code)"})

    @post_load
    def _default_grid_as_token(self, data, **kwargs):
        """Kept as the grid's public token, which survives moves and merges (a code typed in is
        turned into its grid's token; an unknown one is refused)."""
        data["open311_default_grid"] = default_grid_token(data.get("open311_default_grid", ""))
        return data


def default_grid_token(value: str) -> str:
    """The public token of the grid ``value`` names (a token, kept even for an archived grid, or
    an active grid's code), in the tenant in context; outside one the value is kept as it is."""
    from sqlalchemy import select

    from core.toolkit import Grid, GridStatus, db

    value = (value or "").strip()
    if not value or current_tenant_id() is None:
        return value
    if db.session.scalar(select(Grid.id).where(Grid.public_token == value)) is not None:
        return value
    token = db.session.scalar(select(Grid.public_token).where(Grid.code == value, Grid.status == GridStatus.active))
    if token is None:
        raise ValidationError({"open311_default_grid": [_("没有该网格")]})
    return token


manifest = ModuleManifest(
    name="incidents",
    title_zh="随手拍与事件流转",
    title_en="Incidents",
    description=N_("网格员与群众上报问题，网格内自办自结或逐级流转，限时办结、满意度回访与统计台账"),
    version="0.1.0",
    settings_schema=IncidentSettings,
)
