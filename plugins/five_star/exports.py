"""Spreadsheets (.xlsx) of plans and results, through core's safe export helper (formula-like
text stays text, control characters dropped, bold frozen Chinese headers)."""
from __future__ import annotations

from sqlalchemy import select

from core.toolkit import XlsxBook, db, gettext as _, xlsx_response
from plugins.five_star import stats
from plugins.five_star.branches import all_branches
from plugins.five_star.models import Plan, Task
from plugins.five_star.standards import standard_of


def workbook(title: str, header: list[str], rows: list[list]) -> bytes:
    book = XlsxBook()
    sheet = book.sheet(title[:31], header)
    for row in rows:
        sheet.append(row)
    return book.to_bytes()


def response(body: bytes, name: str):
    return xlsx_response(body, name)


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
