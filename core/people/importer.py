"""Importing households and residents from spreadsheets (居民导入).

:func:`run_import` reads a .xlsx/.csv file, checks every row, and reports each bad row with its
row number, column and reason. Modes: ``dry_run`` (check only), ``all`` (all-or-nothing: any bad
row and nothing is written) and ``good`` (import the good rows, report the rest). Rows are matched
on the ID number: importing the same file again updates instead of duplicating. Writes are bulk
inserts and updates in the caller's transaction (the caller commits).

Matching holds the masking (``core.people.access``): a row is matched only to a resident whose ID
number the importing user may see unmasked (``people.read_sensitive`` on the resident's grid).
Any other registered number is no oracle: the check (dry run, free and repeatable) treats the row
as new, and only a real import refuses it, with the same words as a single write's clash
("身份证号已登记", naming no one), one ``people.id_clash`` audit entry per import, and the clashes
counted against the user's clash budget (429 for the whole import once it is spent;
``core.people.services.clashes_allowed``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import IO, Any, Callable

from sqlalchemy import select

from core import audit
from core.db import db
from core.grid.models import Grid, GridStatus
from core.people import bulk
from core.people.identity import id_birth_date, id_gender, id_problem, mobile_problem, normalise_id
from core.people.models import Household, Person, PersonStatus, Tag
from core.people.sheets import (GENDERS, LABELS, STATUSES, map_headers, parse_date, parse_flag, read_table,
                                split_tags, text)
from flask_babel import gettext as _

MODES = ("dry_run", "all", "good")
Progress = Callable[[str, int, int | None], None]
LIMITS = {"name": 50, "relation": 20, "party_branch": 100, "address": 200, "household_number": 32, "head_name": 50,
          "notes": 2000}


@dataclass
class ImportReport:
    mode: str
    total: int = 0
    good: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    imported: bool = False
    created: int = 0
    updated: int = 0
    households_created: int = 0
    tags_added: int = 0

    @property
    def bad(self) -> int:
        return len({e["row"] for e in self.errors})

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "bad": self.bad}


class _Lookups:
    """Grids (by code, name or 甲/乙 path), tags and already registered ID numbers."""

    def __init__(self, reach: set[int] | None, sensitive: set[int] | None):
        grids = db.session.execute(select(Grid.id, Grid.parent_id, Grid.name, Grid.code)
                                   .where(Grid.status == GridStatus.active)).all()
        by_id = {g.id: g for g in grids}
        self.by_code = {g.code: g.id for g in grids}
        self.by_name: dict[str, list[int]] = {}
        for g in grids:
            self.by_name.setdefault(g.name, []).append(g.id)
            names, node = [], g
            while node is not None:  # the path of names, e.g. 查冲村/第一网格
                names.insert(0, node.name)
                node = by_id.get(node.parent_id)
            self.by_name.setdefault("/".join(names), []).append(g.id)
        self.reach, self.sensitive = reach, sensitive
        self.tags = {t.name: t.id for t in db.session.scalars(select(Tag))}
        self.people = {n: (pid, gid) for n, pid, gid in db.session.execute(
            select(Person.id_number, Person.id, Person.grid_id).where(Person.id_number.is_not(None)))}

    def known(self, id_number: str) -> tuple[int, int] | None:
        """The (person id, grid id) registered under ``id_number``, only when the user may see
        that resident's number unmasked; None otherwise (not registered, or not theirs to know)."""
        known = self.people.get(id_number)
        if known is None or (self.sensitive is not None and known[1] not in self.sensitive):
            return None
        return known

    def hidden(self, id_number: str | None) -> int | None:
        """The id of the resident registered under ``id_number`` whom the user may not know of."""
        known = self.people.get(id_number) if id_number else None
        return known[0] if known is not None and self.known(id_number) is None else None

    def grid(self, value: str) -> tuple[int | None, str | None]:
        value = value.replace("＞", "/").replace(">", "/").replace("／", "/").strip()
        if value in self.by_code:
            grid_id = self.by_code[value]
        else:
            found = self.by_name.get(value) or []
            if not found:
                return None, _("没有名称或编码为 %(value)s 的网格", value=value)
            if len(set(found)) > 1:
                return None, _("网格名称 %(value)s 不唯一，请填写网格编码或 上级/网格 路径", value=value)
            grid_id = found[0]
        if self.reach is not None and grid_id not in self.reach:
            return None, _("网格不在您的管辖范围内")
        return grid_id, None


def _check_row(values: tuple, columns: dict[int, str], look: _Lookups) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    raw = {f: values[i] if i < len(values) else None for i, f in columns.items()}
    row: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, limit in LIMITS.items():
        if key in raw:
            value = text(raw[key])
            if len(value) > limit:
                problems.append((key, _("超过 %(limit)s 个字符", limit=limit)))
            row[key] = value or None
    if not row.get("name"):
        problems.append(("name", _("姓名不能为空")))
    cell = raw.get("id_number")
    id_number = normalise_id(text(cell))
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) and id_problem(id_number):
        problems.append(("id_number", _("身份证号被保存为数字而失真，请将该列设为文本")))
    elif not id_number:
        problems.append(("id_number", _("身份证号不能为空")))
    elif problem := id_problem(id_number):
        problems.append(("id_number", problem))
    else:
        row["id_number"], row["birth_date"], row["gender"] = id_number, id_birth_date(id_number), id_gender(id_number)
        known = look.known(id_number)  # a resident the user may see unmasked, so may be told of
        if known and look.reach is not None and known[1] not in look.reach:
            problems.append(("id_number", _("身份证号已登记，请联系乡镇办")))
    if text(raw.get("gender")):
        gender = GENDERS.get(text(raw["gender"]).lower())
        if gender is None:
            problems.append(("gender", _("性别须为 男 或 女")))
        elif row.get("gender") not in (None, gender):
            problems.append(("gender", _("性别与身份证号不符")))
    for key in ("birth_date", "party_joined_on"):
        if text(raw.get(key)):
            try:
                value = parse_date(raw[key])
            except ValueError:
                problems.append((key, _("日期无法识别，请用 1980-05-03 格式")))
                continue
            if key == "birth_date" and row.get("birth_date") not in (None, value):
                problems.append((key, _("出生日期与身份证号不符")))
            row[key] = value
    if text(raw.get("mobile")):
        mobile = text(raw["mobile"]).replace(" ", "").replace("-", "")
        if problem := mobile_problem(mobile):
            problems.append(("mobile", problem))
        row["mobile"] = mobile
    if "grid" in raw:
        grid_id, problem = look.grid(text(raw["grid"])) if text(raw["grid"]) else (None, _("网格不能为空"))
        if problem:
            problems.append(("grid", problem))
        row["grid_id"] = grid_id
    for key in ("is_party_member", "party_away"):
        if key in raw:
            try:
                row[key] = parse_flag(raw[key])
            except ValueError:
                problems.append((key, _("须为 是 或 否")))
    if text(raw.get("status")):
        status = STATUSES.get(text(raw["status"]).lower())
        if status is None:
            problems.append(("status", _("状态须为 在住、迁出 或 死亡")))
        else:
            row["status"] = PersonStatus(status)
    if "tags" in raw:
        names = split_tags(raw["tags"])
        unknown = [n for n in names if n not in look.tags]
        if unknown:
            problems.append(("tags", _("未知标签: %(tags)s; 可用: %(known)s", tags='、'.join(unknown), known='、'.join(look.tags))))
        row["tags"] = [look.tags[n] for n in names if n in look.tags]
    return row, problems


def run_import(filename: str, stream: IO[bytes], *, mode: str = "dry_run", mapping: dict[str, str] | None = None,
               reach: set[int] | None = None, sensitive: set[int] | None = None,
               progress: Progress | None = None) -> ImportReport:
    """Check (and in modes ``all``/``good`` write) a residents file in the current tenant's context.

    :param reach: grid ids the importing user may import into (``None``: the whole township).
    :param sensitive: grid ids whose residents' ID numbers the user may see unmasked (``None``: all);
        only those residents are matched and named (see the module's docstring).
    :param progress: called as ``progress(phase, rows_done, rows_total)``; phases ``check`` and ``write``.
    """
    if mode not in MODES:
        from core.errors import ApiError

        raise ApiError(422, "validation_error", _("导入方式有误"), {"mode": [_("须为 %(modes)s 之一", modes=_("、").join(MODES))]})
    headers, rows, total = read_table(filename, stream)
    columns, unmapped = map_headers(headers, mapping)
    report = ImportReport(mode=mode, columns={str(headers[i]): f for i, f in columns.items()}, unmapped=unmapped)
    look = _Lookups(reach, sensitive)
    good: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    clashes: list[int] = []
    for number, values in rows:
        report.total += 1
        row, problems = _check_row(values, columns, look)
        if row.get("id_number") in seen:
            problems.append(("id_number", _("与第 %(row)s 行身份证号重复", row=seen[row['id_number']])))
        elif row.get("id_number"):
            seen[row["id_number"]] = number
            if mode != "dry_run" and (clash := look.hidden(row["id_number"])) is not None:
                problems.append(("id_number", _("身份证号已登记")))
                clashes.append(clash)
        if problems:
            report.errors.extend({"row": number, "field": f, "column": LABELS.get(f, f), "reason": r} for f, r in problems)
        else:
            good.append(row)
        if progress and report.total % 1000 == 0:
            progress("check", report.total, total)
    report.good = len(good)
    if progress:
        progress("check", report.total, report.total)
    if clashes:
        _refuse_clashes(filename, clashes)
    if mode == "dry_run" or (mode == "all" and report.errors) or not good:
        return report
    _write(good, look, report, progress)
    report.imported = True
    audit.record("people.import", object_type="core_person", after={
        "file": filename, "mode": mode, "rows": report.total, "created": report.created, "updated": report.updated,
        "households_created": report.households_created, "bad_rows": report.bad})
    return report


def _refuse_clashes(filename: str, clashes: list[int]) -> None:
    """Audit the rows refused for a number registered to a resident the user may not know of
    (aside: an all-or-nothing import rolls back), and count them as clashes: 429 once too many."""
    from core.people.services import clashes_allowed, too_many_clashes

    audit.record("people.id_clash", object_type="core_person", aside=True,
                 after={"file": filename, "rows": len(clashes), "people": clashes})
    if not clashes_allowed(len(clashes)):
        raise too_many_clashes()


def _household_key(row: dict[str, Any]):
    if row.get("household_number"):
        return ("n", row["household_number"])
    if row.get("address"):
        return ("a", row["grid_id"], row["address"])
    return None


def _write(rows: list[dict[str, Any]], look: _Lookups, report: ImportReport, progress: Progress | None) -> None:
    bulk.prepare_connection()
    existing: dict[Any, int] = {}
    for hid, number, grid_id, address in db.session.execute(
            select(Household.id, Household.number, Household.grid_id, Household.address)):
        if number:
            existing.setdefault(("n", number), hid)
        existing.setdefault(("a", grid_id, address), hid)
    new_households: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = _household_key(row)
        if key is None or key in existing:
            continue
        house = new_households.setdefault(key, {"grid_id": row["grid_id"], "address": row.get("address") or "",
                                               "number": row.get("household_number"), "head_name": None})
        head = row.get("head_name") or (row["name"] if row.get("relation") == "户主" else None)
        if head and not house["head_name"]:
            house["head_name"] = head
    keys = list(new_households)
    for key, hid in zip(keys, bulk.insert_households([new_households[k] for k in keys])):
        existing[key] = hid
    report.households_created = len(keys)
    inserts, updates, tag_rows = [], [], []
    for row in rows:
        tags = row.pop("tags", None)
        key = _household_key(row)
        for extra in ("household_number", "address", "head_name"):
            row.pop(extra, None)
        if key is not None:
            row["household_id"] = existing[key]
        known = look.known(row["id_number"])
        if known:
            updates.append({"id": known[0], **row})
        else:
            inserts.append(row)
        tag_rows.append((known[0] if known else None, len(inserts) - 1 if not known else None, tags or []))
    done = [0]

    def step(n):
        done[0] += n
        if progress:
            progress("write", done[0], len(rows))

    ids = bulk.insert_people(inserts, step)
    bulk.update_people(updates, step)
    pairs = [((pid if pid is not None else ids[index]), tag) for pid, index, tags in tag_rows for tag in tags]
    report.tags_added = bulk.add_tags(pairs)
    report.created, report.updated = len(inserts), len(updates)
