"""The safe spreadsheet helper of the toolkit, on its own: .xlsx and .csv get the same rules."""
from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from core.toolkit import Column, XlsxBook, write_csv, write_xlsx

ROW = ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "a\x01b\x1fc", -2, 3.5, None,
       dt.datetime(2026, 12, 31, 16, 30), dt.date(2026, 1, 1)]
SAFE = ["'=1+1", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "abc", -2, 3.5]


def test_xlsx_cells_headers_widths_and_time():
    buf = io.BytesIO()
    assert write_xlsx(buf, "表", [f"列{i}" for i in range(11)] + [Column("日期", width=33)], [ROW]) == 1
    ws = load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws.title == "表" and ws.freeze_panes == "A2"
    assert ws["A1"].value == "列0" and ws["A1"].font.b
    assert ws.column_dimensions["L"].width == 33 and ws.column_dimensions["A"].width >= 10
    values = [c.value for c in ws[2]]
    # XML reads a carriage return back as a line feed; the prefix is what matters
    assert values[:5] + values[6:9] == SAFE[:5] + SAFE[6:] and values[5] == "'\nx" and values[9] is None
    assert values[10] == dt.datetime(2027, 1, 1, 0, 30)  # 16:30 UTC is past midnight in Beijing
    assert values[11] == dt.datetime(2026, 1, 1)
    assert ws["K2"].number_format == "yyyy-mm-dd hh:mm"


def test_csv_has_the_same_rules():
    text = io.StringIO(newline="")
    write_csv(text, ["=注入表头", "b"], [ROW])
    rows = list(csv.reader(io.StringIO(text.getvalue(), newline="")))
    assert rows[0][:2] == ["'=注入表头", "b"]
    assert rows[1][:9] == SAFE[:7] + ["-2", "3.5"]
    assert rows[1][9] == "" and rows[1][10] == "2027-01-01 00:30" and rows[1][11] == "2026-01-01"


def test_large_sheets_stream():
    book = XlsxBook()
    sheet = book.sheet("大表", ["编号", "说明"])
    for i in range(20_000):
        sheet.append([i, f"=第{i}行"])
    ws = load_workbook(io.BytesIO(book.to_bytes()), read_only=True).active
    rows = list(ws.iter_rows(min_row=20_001, values_only=True))
    assert rows == [(19_999, "'=第19999行")]
