"""Files around a residents import (导入模板与错误行): the template with the expected headers, and
the rows a check refused, each with its reasons, to fix and upload again.

The bad rows come from the uploaded file itself (kept for the job's lifetime, see
:mod:`core.people.import_jobs`), with the file's own headers and values, so the corrected file
imports like the original; the reasons go in a last column, 错误原因, that the importer ignores
(an unrecognised header).
"""
from __future__ import annotations

from typing import Any

from core.storage import storage
from core.exports import Column, XlsxBook
from core.people.sheets import LABELS, REQUIRED, read_table

REASON = "错误原因"
# what each column expects, for the template's second sheet (说明)
HINTS = {
    "name": "必填", "gender": "男 / 女", "birth_date": "如 1980-05-01", "id_number": "必填，18 位",
    "mobile": "11 位手机号", "grid": "必填，网格名称或编码；重名时写 村/组", "address": "住户地址",
    "household_number": "户号（同户相同）", "head_name": "户主姓名", "relation": "如 户主、配偶、子女",
    "tags": "如 独居老人、留守儿童，多个用顿号分隔", "is_party_member": "是 / 否", "party_branch": "所在党支部",
    "party_joined_on": "如 2001-07-01", "party_away": "是 / 否", "status": "在住 / 迁出 / 死亡", "notes": "",
}


def template_xlsx() -> bytes:
    """An empty residents sheet with every header the importer knows (required ones first)."""
    fields = list(REQUIRED) + [f for f in LABELS if f not in REQUIRED]
    book = XlsxBook()
    book.sheet("居民", [Column(LABELS[f], width=22 if f in ("id_number", "address", "tags") else 12) for f in fields])
    notes = book.sheet("说明", ["列名", "填写说明"])
    for f in fields:
        notes.append([LABELS[f], HINTS.get(f, "")])
    return book.to_bytes()


def bad_rows_xlsx(filename: str, key: str, errors: list[dict[str, Any]]) -> bytes:
    """The refused rows of the uploaded file stored under ``key``, with their reasons in 错误原因."""
    reasons: dict[int, list[str]] = {}
    for e in errors:
        reasons.setdefault(e["row"], []).append(f"{e.get('column') or ''}：{e['reason']}")
    with storage().open(key) as fh:
        headers, rows, _ = read_table(filename, fh)
        header_names = [("" if h is None else str(h)) for h in headers]
        book = XlsxBook()
        sheet = book.sheet("居民", [*header_names, Column(REASON, width=50)])
        for number, values in rows:
            if number in reasons:
                cells = list(values) + [None] * (len(header_names) - len(values))
                sheet.append([*cells[:len(header_names)], "；".join(reasons[number])])
        return book.to_bytes()
