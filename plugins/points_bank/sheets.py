"""Spreadsheets of the points bank (.xlsx): the ledger, rankings and redemptions exports, and a
scheme's rules out and in (导入导出积分细则) with row errors.

:func:`workbook` writes through core's export helper (formula-like text kept as text, control
characters dropped, times in the township's zone).
A scheme sheet is read by its header names in any order (类别, 细则, 分值 required; 每月封顶,
需审核, 佐证材料, 须照片, 编码 optional; a sheet without 须照片 leaves that setting as it is), so a township's own layout loads as long as it names them.
"""
from __future__ import annotations

import re

from openpyxl import load_workbook

from core.toolkit import ApiError, XlsxBook, xlsx_response
from core.toolkit import gettext as _

RULE_COLUMNS = ["编码", "类别", "细则", "分值", "每月封顶", "需审核", "佐证材料", "须照片", "版本"]
HEADERS = {"编码": "key", "类别": "category", "细则": "name", "分值": "points", "每月封顶": "cap_per_period",
           "需审核": "needs_review", "佐证材料": "evidence", "须照片": "photo_required"}
YES = {"是", "需要", "y", "yes", "true", "1", "√"}
NO = {"否", "不需要", "n", "no", "false", "0", ""}


def workbook(filename: str, sheets: list[tuple[str, list[str], object]]):
    """A download of ``sheets`` (title, header, rows) as one .xlsx, through core's safe helper."""
    book = XlsxBook()
    for title, header, rows in sheets:
        sheet = book.sheet(title, header)
        for row in rows:
            sheet.append(row)
    return xlsx_response(book.to_bytes(), filename)


def read_rules(stream) -> list[dict]:
    """Rules from an uploaded sheet; 422 listing every bad row (``第3行``) when any is wrong."""
    try:
        ws = load_workbook(stream, read_only=True, data_only=True).worksheets[0]
    except Exception:
        raise ApiError(422, "validation_error", _("无法读取文件，请上传 .xlsx"), {"file": [".xlsx"]})
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise ApiError(422, "validation_error", _("表格为空"), {"file": [_("空表")]})
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    cols = {HEADERS[h]: i for i, h in enumerate(header) if h in HEADERS}
    missing = [h for h, k in HEADERS.items() if k in ("category", "name", "points") and k not in cols]
    if missing:
        raise ApiError(422, "validation_error", _("缺少列: %(columns)s", columns='、'.join(missing)), {"file": missing})
    out, errors = [], {}
    for number, raw in enumerate(rows[1:], start=2):
        if raw is None or all(v in (None, "") for v in raw):
            continue
        get = lambda k: raw[cols[k]] if k in cols and cols[k] < len(raw) else None  # noqa: E731
        problems, rule = [], {}
        for k in ("category", "name"):
            text = str(get(k) or "").strip()
            if not text:
                problems.append(_("%(k)s 必填", k=k))
            rule[k] = text
        try:
            points = int(get("points"))
            if points == 0 or not -1000 <= points <= 1000:
                raise ValueError
            rule["points"] = points
        except (TypeError, ValueError):
            problems.append(_("分值须为 -1000 到 1000 的非零整数"))
        cap = get("cap_per_period")
        if cap not in (None, ""):
            try:
                rule["cap_per_period"] = int(cap)
                if rule["cap_per_period"] < 1:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(_("每月封顶须为正整数"))
        review = str(get("needs_review") if get("needs_review") is not None else "是").strip().lower()
        if review not in YES | NO:
            problems.append(_("需审核填 是/否"))
        rule["needs_review"] = review in YES
        rule["evidence"] = str(get("evidence") or "").strip()[:200]
        if "photo_required" in cols:
            photo = str(get("photo_required") if get("photo_required") is not None else "").strip().lower()
            if photo not in YES | NO:
                problems.append(_("须照片填 是/否"))
            rule["photo_required"] = photo in YES
        key = str(get("key") or "").strip()
        if key:
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", key):
                problems.append(_("编码须为小写字母开头"))
            rule["key"] = key
        if problems:
            errors[f"第{number}行"] = problems
        else:
            out.append(rule)
    if errors:
        raise ApiError(422, "validation_error", _("%(rows)s 行有误，未导入", rows=len(errors)), errors)
    return out
