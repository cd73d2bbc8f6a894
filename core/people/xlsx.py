"""A fast, streaming reader for the first sheet of an .xlsx file (快速读取).

openpyxl builds an object per cell, which is most of the time of a 100,000-row import. This
reader walks the sheet XML with ``iterparse`` and yields plain values per row: shared and inline
strings, numbers, booleans, and dates (numbers whose cell style is a date format). Anything it
does not understand raises, and the caller falls back to openpyxl.
"""
from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from typing import IO, Any, Iterator
from xml.etree.ElementTree import iterparse

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
EPOCH = dt.datetime(1899, 12, 30)
_COL = re.compile(r"^([A-Z]+)")


def _col(ref: str) -> int:
    n = 0
    for ch in _COL.match(ref).group(1):
        n = n * 26 + ord(ch) - 64
    return n - 1


def _text(el) -> str:
    return "".join(t.text or "" for t in el.iter(f"{NS}t"))


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    out = []
    with book.open("xl/sharedStrings.xml") as f:
        for _, el in iterparse(f):
            if el.tag == f"{NS}si":
                out.append(_text(el))
                el.clear()
    return out


def _date_styles(book: zipfile.ZipFile) -> set[int]:
    if "xl/styles.xml" not in book.namelist():
        return set()
    from xml.etree.ElementTree import fromstring

    root = fromstring(book.read("xl/styles.xml"))
    custom = set()
    for fmt in root.iter(f"{NS}numFmt"):
        code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt.get("formatCode", "")).lower()
        if any(c in code for c in "ymd") and "general" not in code:
            custom.add(int(fmt.get("numFmtId")))
    xfs = root.find(f"{NS}cellXfs")
    if xfs is None:
        return set()
    return {i for i, xf in enumerate(xfs.findall(f"{NS}xf"))
            if int(xf.get("numFmtId", 0)) in DATE_IDS or int(xf.get("numFmtId", 0)) in custom}


def _sheet_path(book: zipfile.ZipFile, prefer: tuple[str, ...]) -> str:
    from xml.etree.ElementTree import fromstring

    workbook = fromstring(book.read("xl/workbook.xml"))
    rels = {r.get("Id"): r.get("Target") for r in fromstring(book.read("xl/_rels/workbook.xml.rels")).iter(PKG_REL)}
    sheets = [(s.get("name"), rels[s.get(REL)]) for s in workbook.iter(f"{NS}sheet")]
    name, target = next((s for s in sheets if s[0] in prefer), sheets[0])
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def read_rows(stream: IO[bytes], prefer: tuple[str, ...] = ()) -> tuple[Iterator[tuple[int, list[Any]]], int | None]:
    """(iterator of (row number, values), row count from the sheet's dimension or None)."""
    book = zipfile.ZipFile(stream)
    strings, dates, path = _shared_strings(book), _date_styles(book), _sheet_path(book, prefer)
    with book.open(path) as f:
        head = f.read(4096).decode("utf-8", "ignore")
    match = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
    total = int(match.group(1)) if match else None

    def rows():
        with book.open(path) as f:
            number = 0
            for _, el in iterparse(f):
                if el.tag != f"{NS}row":
                    continue
                number = int(el.get("r") or number + 1)
                values: list[Any] = []
                for c in el.iter(f"{NS}c"):
                    index = _col(c.get("r")) if c.get("r") else len(values)
                    values.extend([None] * (index - len(values) + 1))
                    kind, v = c.get("t", "n"), c.find(f"{NS}v")
                    raw = v.text if v is not None else None
                    if kind == "s":
                        value = strings[int(raw)] if raw is not None else None
                    elif kind == "inlineStr":
                        value = _text(c)
                    elif kind in ("str", "e"):
                        value = raw
                    elif kind == "b":
                        value = raw == "1"
                    elif kind == "d":
                        value = dt.datetime.fromisoformat(raw) if raw else None
                    elif raw is None:
                        value = None
                    else:
                        value = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
                        if int(c.get("s", 0)) in dates:
                            value = EPOCH + dt.timedelta(days=value)
                    values[index] = value
                el.clear()
                yield number, values
        book.close()

    return rows(), total
