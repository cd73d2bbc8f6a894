"""Reading resident spreadsheets (表格读取): .xlsx and .csv, Chinese headers, cell values.

Headers are matched to fields by the names township offices use (姓名, 身份证号, 手机号, 网格 ...);
a caller may pass its own ``{header: field}`` mapping on top.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import IO, Any, Iterator

from core.errors import ApiError
from core.exports import unescape_text
from flask_babel import gettext as _

from core.inputs import drop_controls

FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "居民姓名", "name"),
    "gender": ("性别", "gender", "sex"),
    "birth_date": ("出生日期", "出生年月", "出生年月日", "生日", "birth_date"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "id_number"),
    "mobile": ("手机号", "手机号码", "联系电话", "电话", "手机", "mobile", "phone"),
    "grid": ("网格", "所属网格", "网格名称", "网格编码", "grid"),
    "address": ("住址", "地址", "家庭住址", "现住址", "居住地址", "address"),
    "household_number": ("户号", "户编号", "household_number"),
    "head_name": ("户主", "户主姓名", "head_name"),
    "relation": ("与户主关系", "关系", "relation"),
    "tags": ("标签", "人员类别", "重点人群", "特殊人群", "tags"),
    "is_party_member": ("是否党员", "党员", "政治面貌", "is_party_member"),
    "party_branch": ("所在支部", "党支部", "支部", "所在党组织", "party_branch"),
    "party_joined_on": ("入党时间", "入党日期", "party_joined_on"),
    "party_away": ("流动党员", "在外党员", "是否流动党员", "是否在外", "party_away"),
    "status": ("状态", "居住状态", "人员状态", "status"),
    "notes": ("备注", "notes"),
}
LABELS = {field: names[0] for field, names in FIELDS.items()}
REQUIRED = ("name", "id_number", "grid")
_BY_HEADER = {re.sub(r"\s+", "", n).lower(): field for field, names in FIELDS.items() for n in names}


def _bad_file(message: str) -> ApiError:
    return ApiError(422, "invalid_file", message, {"file": [message]})


def check_mapping(mapping: dict[str, str] | None) -> None:
    """422 naming ``mapping`` when a ``{header: field}`` mapping names fields that do not exist
    (checkable before the file is read)."""
    unknown = sorted({v for v in (mapping or {}).values() if v not in FIELDS and v not in ("", None, "ignore")})
    if unknown:
        raise ApiError(422, "invalid_mapping", _("列映射有误"),
                       {"mapping": [_("未知字段：%(unknown)s；可用：%(fields)s", unknown=_("、").join(unknown), fields=_("、").join(FIELDS))]})


def map_headers(headers: list[Any], mapping: dict[str, str] | None = None) -> tuple[dict[int, str], list[str]]:
    """Column index → field, and the headers left unmapped. 422 when a required field is missing."""
    check_mapping(mapping)
    mapping = {re.sub(r"\s+", "", str(k)).lower(): v for k, v in (mapping or {}).items()}
    columns: dict[int, str] = {}
    unmapped: list[str] = []
    for index, header in enumerate(headers):
        key = re.sub(r"\s+", "", str(header or "")).lower()
        field = mapping.get(key, _BY_HEADER.get(key))
        if field in FIELDS and field not in columns.values():
            columns[index] = field
        elif key:
            unmapped.append(str(header))
    missing = [f for f in REQUIRED if f not in columns.values()]
    if missing:
        names = "、".join(LABELS[f] for f in missing)
        raise ApiError(422, "invalid_file", _("缺少必需的列: %(names)s", names=names),
                       {"file": [_("缺少必需的列: %(names)s", names=names)]})
    return columns, unmapped


def read_table(filename: str, stream: IO[bytes]) -> tuple[list[Any], Iterator[tuple[int, tuple]], int | None]:
    """(headers, iterator of (row number, values), approximate row count) of the first sheet."""
    lower = (filename or "").lower()
    if lower.endswith(".xlsx"):
        return _read_xlsx(stream)
    if lower.endswith(".csv"):
        return _read_csv(stream)
    raise _bad_file(_("仅支持 .xlsx 或 .csv 文件"))


def _read_xlsx(stream):
    from core.people import xlsx

    data = stream.read()
    try:
        rows, total = xlsx.read_rows(io.BytesIO(data), ("居民", "人员", "people"))
        rows = iter(list(_take_header(rows)))  # parse up front: a strange file falls back below
    except Exception:
        return _read_xlsx_openpyxl(io.BytesIO(data))
    headers = next(rows)[1]
    return headers, rows, (total - 1) if total else None


def _take_header(rows):
    started = False
    for number, values in rows:
        if not any(v not in (None, "") for v in values):
            continue
        started = True
        yield number, values
    if not started:
        raise _bad_file(_("文件是空的"))


def _read_xlsx_openpyxl(stream):
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or mislabelled file is bad input, not a crash
        raise _bad_file(_("无法读取该 Excel 文件（%(reason)s）", reason=type(exc).__name__)) from exc
    sheet = book.worksheets[0]
    for name in ("居民", "人员", "people"):
        if name in book.sheetnames:
            sheet = book[name]
            break
    rows = sheet.iter_rows(values_only=True)
    number = 0
    for values in rows:
        number += 1
        if any(v not in (None, "") for v in values):
            headers = list(values)
            break
    else:
        raise _bad_file(_("文件是空的"))
    total = (sheet.max_row - number) if sheet.max_row else None

    def body():
        n = number
        for values in rows:
            n += 1
            if any(v not in (None, "") for v in values):
                yield n, values
        book.close()

    return headers, body(), total


def _read_csv(stream):
    raw = stream.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _bad_file(_("无法识别文件编码，请另存为 UTF-8"))
    lines = list(csv.reader(io.StringIO(text)))
    start = next((i for i, row in enumerate(lines) if any(c.strip() for c in row)), None)
    if start is None:
        raise _bad_file(_("文件是空的"))
    body = ((i + 1, tuple(row)) for i, row in enumerate(lines) if i > start and any(c.strip() for c in row))
    return lines[start], body, len(lines) - start - 1


# --- cell values ---------------------------------------------------------------------------

YES = {"是", "y", "yes", "true", "1", "党员", "中共党员", "中共预备党员", "预备党员", "√"}
NO = {"否", "n", "no", "false", "0", "群众", "团员", "共青团员", "非党员", "无", "×"}
GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female", "m": "male", "f": "female"}
STATUSES = {"在住": "living", "常住": "living", "living": "living", "迁出": "moved_out", "已迁出": "moved_out",
            "moved_out": "moved_out", "死亡": "deceased", "已故": "deceased", "deceased": "deceased"}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unescape_text(drop_controls(str(value)).strip())  # our own exports prefix formula-like text with '


def parse_date(value: Any) -> dt.date:
    """A date from a date cell or text like 1980-05-03, 1980/5/3, 19800503, 1980年5月3日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    if re.fullmatch(r"\d{8}", raw):
        return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    match = _DATE.match(raw)
    if not match:
        raise ValueError(raw)
    return dt.date(*(int(x) for x in match.groups()))


def parse_flag(value: Any) -> bool:
    raw = text(value).lower()
    if raw in YES:
        return True
    if raw in NO or raw == "":
        return False
    raise ValueError(raw)


def split_tags(value: Any) -> list[str]:
    return [t for t in re.split(r"[,，、;；/\s]+", text(value)) if t]
