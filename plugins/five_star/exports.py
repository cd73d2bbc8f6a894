"""Spreadsheets (.xlsx) of plans and results. Cells go through :func:`workbook`, the one place
that writes them (text that starts like a formula stays text); when core's export helper lands in
the toolkit, this function becomes a call to it."""
from __future__ import annotations

import io

from flask import Response
from sqlalchemy import select

from core.toolkit import db, gettext as _
from plugins.five_star import stats
from plugins.five_star.branches import all_branches
from plugins.five_star.models import Plan, Task
from plugins.five_star.standards import standard_of

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def workbook(title: str, header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for row in rows:
        ws.append([("'" + v) if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, text in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, min(40, len(text) * 2 + 4))
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def response(body: bytes, name: str) -> Response:
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def plans_xlsx(year: int) -> bytes:
    """One row per action of every plan (创建计划表), and a row for each branch that has none."""
    standard = standard_of(year)
    stars = {s.code: s.name for s in standard.stars} if standard else {}
    tasks = {t.id: t.title for t in db.session.scalars(select(Task))}
    plans = {p.org_id: p for p in db.session.scalars(select(Plan).where(Plan.year == year))}
    rows = []
    for b in all_branches():
        plan = plans.get(b.id)
        if plan is None:
            rows.append([b.grid.name, b.name, "", _("未报送"), "", "", "", "", ""])
            continue
        aims = "、".join(stars.get(c, c) for c in plan.star_codes)
        for a in plan.actions or [None]:
            rows.append([b.grid.name, b.name, aims, plan.state, tasks.get(a.task_id, "") if a else "", a.action if a else "",
                         a.owner if a else "", a.start_on.isoformat() if a and a.start_on else "",
                         a.due_on.isoformat() if a and a.due_on else ""])
    header = [_("村"), _("支部"), _("争创星级"), _("计划状态"), _("重点任务"), _("措施"), _("责任人"), _("开始"), _("完成时限")]
    return workbook(_("%(year)s年创建计划", year=year), header, rows)


def results_xlsx(year: int) -> bytes:
    """Villages × stars with each cell's state, and the number of stars held."""
    table = stats.star_table(year)
    words = {"held": _("已获星"), "lost": _("已摘星"), "aiming": _("争创中"), "none": ""}
    header = [_("村"), _("支部")] + [s["name"] for s in table["stars"]] + [_("星数")]
    rows = [[r["grid_name"], r["name"]] + [words[r["cells"][s["code"]]] for s in table["stars"]] + [r["stars"]]
            for r in table["rows"]]
    return workbook(_("%(year)s年评星结果", year=year), header, rows)
