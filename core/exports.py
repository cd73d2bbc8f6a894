"""Safe spreadsheets (安全导出): the one helper every .xlsx and .csv export goes through.

What every cell gets, so that no export has to remember it:

* **Formula injection** (OWASP "CSV injection"): a text starting with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return is prefixed with ``'``, so Excel, WPS and LibreOffice show it as
  text and never evaluate it (``=HYPERLINK(...)`` in a resident's report stays a string), in
  .xlsx and in .csv alike. Numbers are numbers and are left alone (``-2`` the number is fine).
  :func:`unescape_text` undoes the prefix for importers reading an export back.
* **Control characters** that XML (hence .xlsx) cannot hold (``\\x00``-``\\x08``, ``\\x0b``,
  ``\\x0c``, ``\\x0e``-``\\x1f``) are dropped; openpyxl would otherwise refuse the whole file.
* **Times**: datetimes are stored in UTC (aware, or naive meaning UTC) and written as wall time
  in the township's zone (``core.localtime.tenant_zone()``: Beijing time unless the tenant says
  otherwise; pass ``zone=`` for another), formatted ``yyyy-mm-dd hh:mm``; dates stay dates.
* **Layout**: Chinese headers in bold, column widths from the header (or given per column),
  the header row frozen.
* **Size**: sheets are written with openpyxl's ``write_only`` mode, row by row, so a 100,000-row
  export never holds a cell object per value.

Use::

    book = XlsxBook()
    sheet = book.sheet("事件台账", ["编号", Column("问题描述", width=40), ...])
    for row in rows:
        sheet.append(row)
    return xlsx_response(book.to_bytes(), "ledger.xlsx")
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import IO, Any, Iterable, Sequence

from flask import send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.localtime import tenant_zone

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
_UTC = dt.timezone.utc


@dataclass(frozen=True)
class Column:
    """A column: its (Chinese) header and, optionally, its width in characters."""

    header: str
    width: float | None = None

    def effective_width(self) -> float:
        if self.width is not None:
            return self.width
        # CJK characters are about two Latin characters wide
        size = sum(2 if ord(ch) > 0x2e80 else 1 for ch in self.header)
        return max(10, min(50, size + 4))


def safe_text(value: str) -> str:
    """``value`` without XML-illegal control characters and with formula starts neutralised."""
    value = _ILLEGAL.sub("", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unescape_text(value: str) -> str:
    """The text :func:`safe_text` was given (for importers reading an export back)."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def local_time(value: dt.datetime, zone: dt.tzinfo | None = None) -> dt.datetime:
    """A stored datetime (naive means UTC) as naive wall time in ``zone`` (default: the tenant's);
    spreadsheets have no zones."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=_UTC)
    return aware.astimezone(zone or tenant_zone()).replace(tzinfo=None)


def safe_value(value: Any, zone: dt.tzinfo | None = None) -> Any:
    """A cell value ready for a spreadsheet: safe text, local datetimes, plain numbers."""
    if value is None:
        return None
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    if isinstance(value, dt.datetime):
        return local_time(value, zone)
    if isinstance(value, dt.date):
        return value
    return safe_text(str(value))


def _columns(columns: Sequence[str | Column]) -> list[Column]:
    return [c if isinstance(c, Column) else Column(c) for c in columns]


class XlsxSheet:
    """One sheet of an :class:`XlsxBook`; :meth:`append` writes a row (streamed)."""

    def __init__(self, book: XlsxBook, title: str, columns: Sequence[str | Column]):
        self._book = book
        self._ws = book.workbook.create_sheet(safe_text(title)[:31])
        self.columns = _columns(columns)
        for i, column in enumerate(self.columns, start=1):
            self._ws.column_dimensions[get_column_letter(i)].width = column.effective_width()
        self._ws.freeze_panes = "A2"
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(self._ws, value=safe_text(column.header))
            cell.font = Font(bold=True)
            header.append(cell)
        self._ws.append(header)
        self.rows = 0

    def append(self, values: Iterable[Any]) -> None:
        row = []
        for value in values:
            value = safe_value(value, self._book.zone)
            if isinstance(value, (dt.date, dt.datetime)):
                cell = WriteOnlyCell(self._ws, value=value)
                cell.number_format = DATETIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
                row.append(cell)
            elif isinstance(value, str):
                cell = WriteOnlyCell(self._ws, value=value)
                cell.data_type = "s"  # text, even if it still looked like a formula
                row.append(cell)
            else:
                row.append(value)
        self._ws.append(row)
        self.rows += 1


class XlsxBook:
    """A streaming .xlsx workbook whose every sheet and cell goes through the rules above."""

    def __init__(self, zone: dt.tzinfo | None = None):
        self.workbook = Workbook(write_only=True)
        self.zone = zone or tenant_zone()

    def sheet(self, title: str, columns: Sequence[str | Column]) -> XlsxSheet:
        return XlsxSheet(self, title, columns)

    def save(self, stream: IO[bytes]) -> None:
        if not self.workbook.worksheets:
            self.sheet("Sheet1", [])
        self.workbook.save(stream)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.save(buf)
        return buf.getvalue()


def write_xlsx(stream: IO[bytes], title: str, columns: Sequence[str | Column], rows: Iterable[Iterable[Any]],
               zone: dt.tzinfo | None = None) -> int:
    """One-sheet shortcut: write ``rows`` under ``columns`` to ``stream``; returns the row count."""
    book = XlsxBook(zone)
    sheet = book.sheet(title, columns)
    for row in rows:
        sheet.append(row)
    book.save(stream)
    return sheet.rows


def write_csv(stream: IO[str], columns: Sequence[str | Column], rows: Iterable[Iterable[Any]],
              zone: dt.tzinfo | None = None) -> int:
    """The same rules for .csv (text stream; open it with ``newline=""``); returns the row count."""
    zone = zone or tenant_zone()
    writer = csv.writer(stream)
    writer.writerow([safe_text(c.header) for c in _columns(columns)])
    count = 0
    for row in rows:
        out = []
        for value in row:
            value = safe_value(value, zone)
            if isinstance(value, dt.datetime):
                value = value.strftime("%Y-%m-%d %H:%M")
            out.append("" if value is None else value)
        writer.writerow(out)
        count += 1
    return count


def xlsx_response(data: bytes | IO[bytes], filename: str):
    """A download response for a finished workbook (bytes or a binary file object)."""
    body = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    return send_file(body, as_attachment=True, download_name=filename, mimetype=XLSX_MIMETYPE)


def csv_response(columns: Sequence[str | Column], rows: Iterable[Iterable[Any]], filename: str,
                 zone: dt.tzinfo | None = None):
    """A .csv download (UTF-8 with BOM, which Excel needs to read Chinese)."""
    text = io.StringIO(newline="")
    text.write("\ufeff")
    write_csv(text, columns, rows, zone)
    return send_file(io.BytesIO(text.getvalue().encode("utf-8")), as_attachment=True, download_name=filename,
                     mimetype="text/csv")
