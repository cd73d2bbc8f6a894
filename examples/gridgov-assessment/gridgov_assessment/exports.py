"""Spreadsheets (.xlsx, through the toolkit's export helper): a quarter's checklist, its scores
(every grid's lost points rule by rule, with the inspections behind them) and its ranking."""
from __future__ import annotations

from core.toolkit import Column, XlsxBook

from gridgov_assessment.models import Quarter
from gridgov_assessment.scores import rules_of


def checklist_book(quarter: Quarter) -> XlsxBook:
    book = XlsxBook()
    sheet = book.sheet(f"{quarter.period}考核细则", ["编码", Column("考核项目", width=14), Column("考核细则", width=40),
                                                  "分值", Column("评分方法", width=50), "指标", "满分目标", "启用"])
    for rule in rules_of(quarter, active_only=False):
        sheet.append([rule.code, rule.item, rule.title, rule.max_points, rule.method, rule.metric_key or "",
                      rule.target, "是" if rule.active else "否"])
    return book


def scores_book(quarter: Quarter, rows: list[dict]) -> XlsxBook:
    book = XlsxBook()
    lines = book.sheet(f"{quarter.period}得分明细", [Column("网格", width=16), "考核项目", Column("考核细则", width=36), "分值",
                                                 "督查扣分", "指标扣分", Column("指标(来源)", width=30), "得分"])
    found = book.sheet(f"{quarter.period}督查记录", [Column("网格", width=16), Column("考核细则", width=36), "扣分",
                                                 Column("原因", width=40), Column("佐证", width=30), "督查日期", "督查人",
                                                 "录入时间"])
    for row in rows:
        for line in row["lines"]:
            n = line["number"]
            shown = f"{n['label_zh']} {n['value']:g} ({n['source']})" if n else ("无数据" if line["metric_key"] else "")
            lines.append([row["grid_label"], line["item"], line["title"], line["max_points"], line["lost_inspected"],
                          line["lost_number"], shown, line["score"]])
            for d in line["deductions"]:
                found.append([row["grid_label"], line["title"], d["points"], d["reason"], d["evidence"], d["inspected_on"],
                              d["inspector"], d["recorded_at"]])
    return book


def ranking_book(quarter: Quarter, rows: list[dict]) -> XlsxBook:
    book = XlsxBook()
    sheet = book.sheet(f"{quarter.period}季排队", ["名次", Column("网格", width=16), "得分", "满分", "得分率(%)", "星级",
                                                "比上一名少", Column("主要失分", width=60)])
    for row in rows:
        lost = "；".join(f"{line['title']} -{line['lost']:g}" for line in row["lines"] if line["lost"] > 0)
        sheet.append([row["rank"], row["grid_label"], row["total"], row["full"], row["percent"], row["stars"],
                      row["above"]["behind"] if row["above"] else None, lost])
    return book
