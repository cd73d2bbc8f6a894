"""Spreadsheets (.xlsx) of the volunteer module: volunteers, activities, attendance, hours, and
the unit's feedback report. All written by core's safe export helper (``write_xlsx`` from the
toolkit: formula-like text neutralised, control characters dropped, times in the township's
zone, bold frozen headers), headers in the reader's language."""
from __future__ import annotations

import io

from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import db, write_xlsx
from plugins.volunteer import records
from plugins.volunteer.models import Activity, Attendance, Volunteer

KINDS = ("volunteers", "activities", "attendance", "hours")


def workbook(title: str, header: list[str], rows) -> bytes:
    buf = io.BytesIO()
    write_xlsx(buf, title[:31], header, rows)
    return buf.getvalue()


def export(kind: str, start=None, end=None) -> bytes:
    """One of :data:`KINDS` for the current township, headers in the reader's language."""
    if kind == "volunteers":
        from plugins.volunteer.registration import shown_mobile

        rows = db.session.scalars(select(Volunteer).order_by(Volunteer.id))
        return workbook(_("志愿者"), [_("编号"), _("姓名"), _("手机"), _("党员"), _("报到单位"), _("党支部"), _("技能"),
                                    _("可服务时间"), _("状态"), _("报到时间")],
                        ([v.id, v.name, shown_mobile(v), _("是") if v.is_party_member else _("否"), v.unit_name or "",
                          v.party_branch or "", "、".join(v.skills or []), v.availability, v.status,
                          v.registered_at] for v in rows))
    if kind == "activities":
        rows = db.session.scalars(select(Activity).order_by(Activity.starts_at))
        return workbook(_("活动"), [_("编号"), _("活动"), _("岗位"), _("网格"), _("地点"), _("开始"), _("结束"), _("名额"),
                                  _("已报名"), _("状态")],
                        ([a.id, a.title, a.post.name, a.grid.name, a.place, a.starts_at,
                          a.ends_at, a.slots, a.taken, a.status] for a in rows))
    if kind == "attendance":
        rows = db.session.scalars(select(Attendance).order_by(Attendance.activity_id, Attendance.id))
        return workbook(_("签到记录"), [_("活动"), _("志愿者"), _("签到"), _("签退"), _("时长(小时)"), _("补签退"),
                                    _("已更正")],
                        ([r.activity.title, r.volunteer.name, r.checked_in_at,
                          r.checked_out_at, r.hours, _("是") if r.missing_checkout else "",
                          _("是") if r.corrected else ""] for r in rows))
    if kind == "hours":
        return workbook(_("服务时长"), [_("排名"), _("志愿者"), _("报到单位"), _("服务次数"), _("时长(小时)")],
                        ([i, r["name"], r["unit_name"], r["services"], r["hours"]]
                         for i, r in enumerate(records.totals(start, end), 1)))
    raise KeyError(kind)


def unit_report_xlsx(unit, rows: list[dict], period_label: str) -> bytes:
    return workbook(_("双报到反馈"), [_("乡镇"), _("姓名"), _("党支部"), _("服务次数"), _("时长(小时)"),
                                   _("全年累计(小时)"), _("年度目标(小时)"), _("期间")],
                    ([r["town"], r["name"], r["party_branch"], r["services"], r["hours"], r["year_hours"], r["target"],
                      period_label] for r in rows))
