"""Demo and benchmark residents (演示居民): Chinese names, valid-looking ID numbers with the
township's region prefix and correct check digits, households, party members, special groups.

:func:`generate` is deterministic for a seed and fast (bulk inserts), so the benchmark uses it
for 100,000 residents too.
"""
from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import func, select

from core.db import db
from core.grid.models import Grid, GridStatus
from core.people import bulk
from core.people.identity import make_id_number
from core.people.models import PersonStatus, Tag

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
MALE = "伟强磊军洋勇杰涛明超辉刚平华建国志文斌鹏飞俊峰浩宇博亮东海林波健康永成德胜春生金宝庆福"
FEMALE = "芳娜敏静丽艳娟霞秀英华慧巧美兰凤琴云莲真环雪荣爱妹霞香月莺媛玲芬燕彩春菊梅红萍"
STREETS = ("幸福路", "建设路", "人民路", "和平街", "新华街", "解放路", "长江路", "团结路", "文化路", "胜利街")
BRANCH_SUFFIX = "党支部"


def _name(rng: random.Random, gender: str, surname: str | None = None) -> str:
    chars = MALE if gender == "male" else FEMALE
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return (surname or rng.choice(SURNAMES)) + given


def _birth(rng: random.Random, age_from: int, age_to: int, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=rng.randint(age_from * 365, age_to * 365 + 364))


class IdNumbers:
    """Distinct valid-looking ID numbers for one region: a sequence per birth date and gender."""

    def __init__(self, region: str, rng: random.Random):
        self.region, self.rng, self.used = region, rng, {}

    def __call__(self, born: dt.date, gender: str) -> str:
        key = (born, gender)
        seq = self.used[key] = self.used.get(key, self.rng.randint(0, 200)) + 1
        return make_id_number(self.region, born, seq, gender)


def _mobile(rng: random.Random) -> str:
    return rng.choice(("13", "15", "17", "18", "19")) + str(rng.randint(0, 9)) + f"{rng.randint(0, 99_999_999):08d}"


def generate(tenant, *, households_per_grid: tuple[int, int] = (25, 60), seed: Any = None,
             grid_ids: list[int] | None = None, progress=None) -> dict[str, int]:
    """Households of 1 to 6 people in every leaf grid (or ``grid_ids``); returns counts.

    Runs in ``tenant``'s context; writes with bulk inserts and does not commit.
    """
    rng = random.Random(seed if seed is not None else tenant.slug)
    today = dt.date.today()
    region = (tenant.region_code or "340000")[:6]
    if grid_ids is None:
        rows = db.session.execute(select(Grid.id, Grid.parent_id, Grid.name).where(Grid.status == GridStatus.active)).all()
        parents = {r.parent_id for r in rows}
        leaves = [r for r in rows if r.id not in parents]
    else:
        leaves = db.session.execute(select(Grid.id, Grid.parent_id, Grid.name).where(Grid.id.in_(grid_ids))).all()
    names = {r.id: r.name for r in db.session.execute(select(Grid.id, Grid.name))}
    branches = _branches()
    tags = {t.code: t.id for t in db.session.scalars(select(Tag)) if t.code}
    households: list[dict[str, Any]] = []
    members: list[list[dict[str, Any]]] = []
    id_numbers = IdNumbers(region, rng)
    for leaf in leaves:
        top = names.get(leaf.parent_id, leaf.name)
        for number in range(rng.randint(*households_per_grid)):
            surname = rng.choice(SURNAMES)
            address = f"{top}{leaf.name}{rng.choice(STREETS)}{number + 1}号"
            size = rng.choices((1, 2, 3, 4, 5, 6), weights=(12, 25, 25, 22, 11, 5))[0]
            people = []
            for i in range(size):
                if i == 0:
                    gender, born, relation = rng.choice(("male", "male", "female")), _birth(rng, 30, 85, today), "户主"
                elif i == 1:
                    gender, born, relation = "female" if people[0]["gender"] == "male" else "male", _birth(rng, 28, 85, today), "配偶"
                else:
                    gender, born, relation = rng.choice(("male", "female")), _birth(rng, 0, 40, today), ("子" if rng.random() < .5 else "女")
                    gender = "male" if relation == "子" else "female"
                people.append({"name": _name(rng, gender, surname if i != 1 else None), "gender": gender,
                               "birth_date": born, "id_number": id_numbers(born, gender),
                               "mobile": _mobile(rng) if 16 <= (today - born).days // 365 <= 75 else None,
                               "grid_id": leaf.id, "relation": relation, "status": PersonStatus.living})
            households.append({"grid_id": leaf.id, "address": address, "head_name": people[0]["name"],
                               "phone": people[0]["mobile"], "number": f"{leaf.id:04d}{number + 1:03d}"})
            members.append(people)
    bulk.prepare_connection()
    ids = bulk.insert_households(households)
    flat: list[dict[str, Any]] = []
    for hid, people in zip(ids, members):
        for person in people:
            person["household_id"] = hid
            age = (today - person["birth_date"]).days // 365
            if 18 < age < 90 and rng.random() < 0.07:
                person["is_party_member"] = True
                org = branches.get(person["grid_id"])
                person["party_org_id"], person["party_branch"] = org if org else (None, names.get(person["grid_id"], "") + BRANCH_SUFFIX)
                person["party_joined_on"] = person["birth_date"] + dt.timedelta(days=365 * rng.randint(19, 40))
                if person["party_joined_on"] > today:
                    person["party_joined_on"] = today - dt.timedelta(days=rng.randint(30, 900))
                person["party_away"] = rng.random() < 0.3
            if rng.random() < 0.01:
                person["status"] = rng.choice((PersonStatus.moved_out, PersonStatus.deceased))
            flat.append(person)
    person_ids = bulk.insert_people(flat, progress)
    pairs = []
    for pid, person, size in zip(person_ids, flat, (len(m) for m in members for _ in m)):
        age = (today - person["birth_date"]).days // 365
        if age >= 70 and size == 1 and "elderly_alone" in tags:
            pairs.append((pid, tags["elderly_alone"]))
        if age < 16 and rng.random() < 0.15 and "left_behind_child" in tags:
            pairs.append((pid, tags["left_behind_child"]))
        for code, share in (("disabled", 0.02), ("in_difficulty", 0.03), ("veteran", 0.01), ("returnee", 0.02)):
            if code in tags and rng.random() < share:
                pairs.append((pid, tags[code]))
    bulk.add_tags(pairs)
    return {"households": len(ids), "people": len(person_ids), "tags": len(pairs)}


def _branches() -> dict[int, tuple[int, str]]:
    """Each grid's nearest party organisation on itself or an ancestor (支部建在网格上)."""
    from core.grid.models import PartyOrg

    orgs = {grid_id: (org_id, name) for org_id, grid_id, name in
            db.session.execute(select(PartyOrg.id, PartyOrg.grid_id, PartyOrg.name).where(PartyOrg.grid_id.is_not(None)))}
    out = {}
    for grid_id, path in db.session.execute(select(Grid.id, Grid.path)):
        for ancestor in reversed([int(x) for x in path.strip("/").split("/") if x]):
            if ancestor in orgs:
                out[grid_id] = orgs[ancestor]
                break
    return out


def populate(tenant) -> dict[str, int]:
    """The ``demo_data`` answer: seed tags if needed, then about 1,000 households (a few thousand
    residents) spread over the leaf grids, so ``gridgov demo`` stays quick."""
    from core.people.services import ensure_default_tags

    ensure_default_tags(tenant)
    leaves = db.session.scalar(select(func.count()).select_from(Grid).where(
        Grid.status == GridStatus.active, ~Grid.id.in_(select(Grid.parent_id).where(Grid.parent_id.is_not(None))))) or 1
    per_grid = max(3, min(40, 1000 // leaves))
    return generate(tenant, households_per_grid=(per_grid * 2 // 3, per_grid * 4 // 3))
