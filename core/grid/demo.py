"""Demo grids (演示网格) shaped like real townships (see the domain notes): a town of villages split
into grids and villager-group micro-grids (一组一网格), and a city community over five levels
(社区 → 网格 → 小区 → 楼栋 → 单元, split 1 / 7 / 8 / 72 / 82). Plus, on them, the party tree
(镇党委 → 村党委/党总支 → 网格党支部 → 楼栋党小组) and the people who look after each grid.
Deterministic: the same township always gets the same names.
"""
from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select

from core.db import db
from core.grid.duties import add_duty
from core.grid.models import Grid, GridStatus, PartyOrgKind
from core.grid.party import create_party_org

NUMERALS = "一二三四五六七八九十"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程汪"
GIVEN = "国建华明志强伟军平红英兰秀芳玉文德春海林永胜金荣云霞丽敏桂珍宏成"


def numeral(n: int) -> str:
    """1..99 in Chinese numerals (一, 十二, 二十三)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return NUMERALS[ones - 1]
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[ones - 1] if ones else "")


def village_town(villages: list[str], seed: str, grids: tuple[int, int] = (2, 4),
                 groups: tuple[int, int] = (2, 4)) -> list[dict[str, Any]]:
    """Villages → 第N网格 → N组 (one villager group, one micro-grid)."""
    rng = random.Random(seed)
    tree = []
    for village in villages:
        children, group = [], 0
        for i in range(rng.randint(*grids)):
            micro = []
            for _ in range(rng.randint(*groups)):
                group += 1
                micro.append({"name": f"{numeral(group)}组"})
            children.append({"name": f"第{numeral(i + 1)}网格", "children": micro})
        tree.append({"name": village, "children": children})
    return tree


def city_community(name: str, grids: list[tuple[str, list[tuple[str, int, int]]]]) -> dict[str, Any]:
    """社区 → 网格 → 小区 → 楼栋 → 单元. ``grids``: (grid, [(compound, buildings, two_unit_buildings)])."""
    children = []
    for grid_name, compounds in grids:
        nodes = []
        for compound, buildings, doubles in compounds:
            nodes.append({"name": compound, "children": [
                {"name": f"{b}栋", "children": [{"name": f"{u}单元"} for u in range(1, (3 if b <= doubles else 2))]}
                for b in range(1, buildings + 1)]})
        children.append({"name": grid_name, "children": nodes})
    return {"name": name, "children": children}


HUYANG = city_community("湖阳社区", [
    ("滨湖网格", [("滨湖花园", 9, 2)]), ("学府网格", [("学府名苑", 9, 1)]), ("锦绣网格", [("锦绣家园", 9, 2)]),
    ("青山网格", [("青山小区", 9, 1)]), ("翠湖网格", [("翠湖苑", 9, 1)]), ("金色网格", [("金色家园", 9, 2)]),
    ("阳光网格", [("阳光城", 9, 1), ("阳光南苑", 9, 0)]),
])  # 1 / 7 / 8 / 72 / 82
TAIBAI = city_community("太白社区", [("太白一网格", [("太白新村", 4, 0)]), ("太白二网格", [("李白苑", 4, 1)]),
                                   ("太白三网格", [("采石小区", 3, 0)])])

GAOHE = village_town(["查冲村", "高河社区", "新安村", "龙池村", "三桥村", "檀岭村", "茶岭村", "五里村",
                      "新山社区", "广福村", "联合村", "合旺村"], "gaohe")
SHIPAI = village_town(["石牌社区", "丁家村", "马庙村", "平山村", "兴福村", "双龙村", "大同村", "金山村"],
                      "shipai", grids=(2, 3), groups=(2, 3))


def _person(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    phone = rng.choice(("139", "138", "137", "158", "186", "189")) + f"{rng.randint(0, 99_999_999):08d}"
    return name, phone


def staff_grids(tenant) -> dict[str, int]:
    """Build the party tree and appoint grid staff on a demo township's grids; returns counts."""
    rng = random.Random(f"staff-{tenant.slug}")
    grids = list(db.session.scalars(select(Grid).where(Grid.status == GridStatus.active).order_by(Grid.code)))
    if not grids:
        return {"party_orgs": 0, "duties": 0}
    orgs = duties = 0
    secretary, phone = _person(rng)
    create_party_org(tenant, None, {"kind": PartyOrgKind.committee.value, "name": f"{tenant.name}党委",
                                    "secretary_name": secretary, "secretary_phone": phone})
    orgs += 1
    deepest = max(x.level for x in grids)
    names = {x.id: x.name for x in grids}
    for grid in grids:
        name, phone = _person(rng)
        if grid.level == 1:
            big = grid.name.endswith("社区") or rng.random() < 0.4
            kind = PartyOrgKind.committee if big else PartyOrgKind.general_branch
            create_party_org(tenant, grid, {"kind": kind.value, "name": grid.name + ("党委" if big else "党总支"),
                                            "secretary_name": name, "secretary_phone": phone})
            # the village secretary is usually the grid leader (网格长)
            add_duty(tenant, grid, "grid_leader", name=name, phone=phone)
            for duty in ("grid_instructor", "grid_police"):
                add_duty(tenant, grid, duty, name=_person(rng)[0], phone=_person(rng)[1])
            orgs += 1
            duties += 3
        elif grid.level == 2:
            create_party_org(tenant, grid, {"kind": PartyOrgKind.branch.value, "name": grid.name + "党支部",
                                            "secretary_name": name, "secretary_phone": phone})
            add_duty(tenant, grid, "grid_worker", name=_person(rng)[0], phone=_person(rng)[1])
            add_duty(tenant, grid, "info_officer", name=_person(rng)[0], phone=_person(rng)[1])
            orgs += 1
            duties += 2
        elif deepest >= 5:
            # compounds: 小区长, 楼长 (and a party group in some buildings), 单元长
            duty = {3: "compound_head", 4: "building_head", 5: "unit_head"}.get(grid.level)
            if duty:
                add_duty(tenant, grid, duty, name=name, phone=phone)
                duties += 1
            if grid.level == 4 and rng.random() < 0.3:
                create_party_org(tenant, grid, {"kind": PartyOrgKind.group.value,
                                                "name": names.get(grid.parent_id, "") + grid.name + "党小组",
                                                "secretary_name": _person(rng)[0]})
                orgs += 1
    return {"party_orgs": orgs, "duties": duties}
