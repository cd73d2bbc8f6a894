"""The incident ledger (事件台账) as .xlsx: one row per incident, the way township offices file it.
Written through the toolkit's safe spreadsheet helper (formula text neutralised, times in the
township's zone)."""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from core.toolkit import Column, Grid, XlsxBook, db, grid_place, subtree_condition, xlsx_response
from plugins.incidents.models import REACH_LABELS, Category, Incident
from plugins.incidents.reporter import LedgerReporters
from plugins.incidents.services import LABELS

COLUMNS = ["编号", "上报时间", "网格", "事项类别", Column("问题描述", width=50), Column("地点", width=24), "来源",
           "紧急程度", "状态", "当前层级", "最高流转层级", "办理期限", "是否超期", "结案时间", "用时(小时)", "满意度",
           Column("不予受理原因", width=30),
           "上报人", "联系电话"]  # masked without people.read_sensitive (plugins/incidents/reporter.py)
SOURCES = {"worker": "网格员", "resident": "群众随手拍", "open311": "12345/Open311"}
URGENCY = {"urgent": "特急", "pressing": "紧急", "normal": "一般"}
SATISFACTION = {"satisfied": "满意", "basically": "基本满意", "dissatisfied": "不满意"}


def build_ledger(roots, start=None, end=None) -> bytes:
    book = XlsxBook()
    sheet = book.sheet("事件台账", COLUMNS)
    grids = {gid: grid_place(SimpleNamespace(name=name, path=path))
             for gid, name, path in db.session.execute(select(Grid.id, Grid.name, Grid.path))}  # 村 › 组
    cats = dict(db.session.execute(select(Category.id, Category.name)).all())
    stmt = select(Incident).where(subtree_condition(Incident.grid_id, roots)).order_by(Incident.id)
    if start is not None:
        stmt = stmt.where(Incident.reported_at >= start)
    if end is not None:
        stmt = stmt.where(Incident.reported_at < end)
    reporters = LedgerReporters()
    for r in db.session.scalars(stmt.execution_options(yield_per=1000)):
        where = {"office": "乡镇网格办", "department": r.department or "部门"}.get(r.level, grids.get(r.handling_grid_id, ""))
        sheet.append([r.id, r.reported_at, grids.get(r.grid_id, ""), cats.get(r.category_id, ""), r.description, r.place,
                      SOURCES.get(r.source, r.source), URGENCY.get(r.urgency, r.urgency), LABELS.get(r.state, r.state),
                      where, REACH_LABELS.get(r.reach, ""), r.due_at, "是" if r.overdue else "否", r.closed_at,
                      r.close_hours, SATISFACTION.get(r.satisfaction or "", ""), r.reject_reason or "", *reporters.row(r)])
    reporters.finish()
    return book.to_bytes()


def ledger_response(tenant, roots, start=None, end=None):
    return xlsx_response(build_ledger(roots, start, end), f"incidents-ledger-{tenant.slug}.xlsx")
