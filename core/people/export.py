"""Exporting the register to .xlsx (导出): sheets 网格, 住户 and 居民, headers the importer reads
back. ID numbers and phones are masked unless the caller may read them, and with a masked ID
number its birth date and gender too (``core.people.access.identity_masked``); an unmasked export
is audited as one ``people.export_sensitive`` entry with the number of people in it.
"""
from __future__ import annotations

from typing import IO

from sqlalchemy import select

from core import audit
from core.db import db
from core.exports import Column, XlsxBook
from core.grid.models import Grid
from core.grid.scope import subtree_condition
from core.people.access import MASKED_LABEL, identity_masked
from core.people.identity import mask_id, mask_mobile
from core.people.models import GENDER_LABELS, STATUS_LABELS, Household, Person, PersonTag, Tag

PEOPLE_HEADERS = ["姓名", "性别", "出生日期", Column("身份证号", width=22), Column("手机号", width=15), "网格编码",
                  "网格名称", Column("住址", width=30), "户号", "与户主关系", "状态", "是否党员", "所在支部", "入党时间",
                  "流动党员", "标签", Column("备注", width=30)]


def write_workbook(stream: IO[bytes], *, masked: bool, roots: set[int] | None = None) -> dict[str, int]:
    """Write the township's (or ``roots`` subtrees') grids, households and people to ``stream``."""
    book = XlsxBook()
    grids = db.session.execute(select(Grid.id, Grid.name, Grid.code, Grid.level, Grid.parent_id, Grid.status)
                               .where(subtree_condition(Grid.id, roots)).order_by(Grid.path)).all()
    names = {g.id: g for g in grids}
    sheet = book.sheet("网格", ["网格编码", Column("网格名称", width=24), "层级", "上级网格编码", "状态"])
    for g in grids:
        parent = names.get(g.parent_id)
        sheet.append([g.code, g.name, g.level, parent.code if parent else "", "正常" if g.status.value == "active" else "已归档"])

    households = db.session.execute(select(Household).where(subtree_condition(Household.grid_id, roots))
                                    .order_by(Household.id)).scalars().all()
    by_household = {h.id: h for h in households}
    sheet = book.sheet("住户", ["户号", "网格", "网格编码", Column("住址", width=30), "户主", Column("联系电话", width=15)])
    for h in households:
        grid = names.get(h.grid_id)
        sheet.append([h.number or "", grid.name if grid else "", grid.code if grid else "", h.address, h.head_name or "",
                      (h.phone if not masked else mask_mobile(h.phone)) or ""])

    tag_names = dict(db.session.execute(select(Tag.id, Tag.name)).all())
    tags: dict[int, list[str]] = {}
    for person_id, tag_id in db.session.execute(select(PersonTag.person_id, PersonTag.tag_id)
                                                .join(Person, Person.id == PersonTag.person_id)
                                                .where(subtree_condition(Person.grid_id, roots))):
        tags.setdefault(person_id, []).append(tag_names.get(tag_id, ""))
    sheet = book.sheet("居民", PEOPLE_HEADERS)
    count = 0
    stmt = select(Person).where(subtree_condition(Person.grid_id, roots)).order_by(Person.id) \
        .execution_options(yield_per=2000)
    for p in db.session.scalars(stmt):
        grid = names.get(p.grid_id)
        house = by_household.get(p.household_id)
        hidden = identity_masked(p, not masked)
        sheet.append([
            p.name, MASKED_LABEL if hidden else GENDER_LABELS.get(p.gender, ""), None if hidden else p.birth_date,
            p.id_number if not masked else mask_id(p.id_number),
            (p.mobile if not masked else mask_mobile(p.mobile)) or "", grid.code if grid else "",
            grid.name if grid else "", house.address if house else "", (house.number or "") if house else "",
            p.relation or "", STATUS_LABELS[p.status], "是" if p.is_party_member else "否", p.party_branch or "",
            p.party_joined_on, "是" if p.party_away else "否", "、".join(tags.get(p.id, [])), p.notes or "",
        ])
        count += 1
    if not masked:
        audit.record("people.export_sensitive", object_type="core_person", after={"people": count})
    book.save(stream)
    return {"grids": len(grids), "households": len(households), "people": count}
