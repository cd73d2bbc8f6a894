"""Spreadsheet import (dry run, all-or-nothing, good rows, re-import) and .xlsx export."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.db import db
from core.people.models import Household, Person, PersonTag
from core.tenancy import tenant_context

from .conftest import grid_of, new_id

HEADERS = ["姓名", "性别", "出生日期", "身份证号", "手机号", "网格", "住址", "户主", "与户主关系", "标签", "是否党员", "备注列"]


def xlsx(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_rows():
    a, b = new_id(dt.date(1950, 1, 2), "male"), new_id(dt.date(1952, 3, 4), "female")
    c = new_id(dt.date(1985, 6, 7), "male")
    return [
        ["张三", "男", "1950-01-02", a, "13812345678", "东村/东一网格", "幸福路1号", "张三", "户主", "独居老人", "是", "x"],
        ["李梅", "女", dt.datetime(1952, 3, 4), b, "", "东一网格", "幸福路1号", "", "配偶", "", "否", ""],
        ["王五", "", "", c, 13900001111, "西一网格", "", "", "", "残疾人、困难群众", "中共党员", ""],
    ]


def upload(api, town, data, mode, name="people.xlsx", **form):
    return api.post(f"/api/v1/t/{town.slug}/people/import",
                    data={"file": (io.BytesIO(data), name), "mode": mode, **form},
                    content_type="multipart/form-data")


def count(town, model=Person):
    with tenant_context(town):
        return db.session.scalar(select(func.count()).select_from(model))


def test_import_xlsx_creates_households_people_and_tags_and_reimport_updates(town, admin, api_as):
    api = api_as(admin)
    data = xlsx(good_rows())
    dry = upload(api, town, data, "dry_run")
    assert dry.status_code == 200, dry.get_json()
    report = dry.get_json()
    assert (report["total"], report["good"], report["bad"], report["imported"]) == (3, 3, 0, False)
    assert report["unmapped"] == ["备注列"] and count(town) == 0
    done = upload(api, town, data, "all").get_json()
    assert done["imported"] and (done["created"], done["updated"], done["households_created"]) == (3, 0, 1)
    with tenant_context(town):
        people = {p.name: p for p in db.session.scalars(select(Person))}
        assert people["张三"].household_id == people["李梅"].household_id is not None
        assert people["王五"].household_id is None and people["王五"].is_party_member
        assert people["王五"].mobile == "13900001111" and people["张三"].name_initials == "zs"
        assert db.session.get(Household, people["张三"].household_id).head_name == "张三"
        assert {t.name for t in people["王五"].tags} == {"残疾人", "困难群众"}
        first_id = people["张三"].id_number
    again = upload(api, town, data, "all")
    assert again.status_code == 200 and again.get_json()["updated"] == 3 and again.get_json()["created"] == 0
    renamed = good_rows()[0]
    renamed[0], renamed[3] = "张三丰", first_id
    second = upload(api, town, xlsx([renamed]), "all").get_json()
    assert second["updated"] == 1 and second["created"] == 0
    assert count(town) == 3 and count(town, Household) == 1 and count(town, PersonTag) == 3
    assert api.get(f"/api/v1/t/{town.slug}/people?q=zsf").get_json()["total"] == 1


def test_bad_rows_are_listed_with_row_and_reason_and_all_or_nothing(town, admin, api_as):
    api = api_as(admin)
    rows = good_rows()
    dup = rows[0][3]
    bad = [
        ["赵六", "男", "", "110105194912310021", "", "东一网格", "", "", "", "", "", ""],    # row 5: check digit
        ["钱七", "男", "", new_id(), "12345", "不存在网格", "", "", "", "未知组", "也许", ""],  # row 6: 4 problems
        ["孙八", "女", "", new_id(gender="male"), "", "东一网格", "", "", "", "", "", ""],  # row 7: gender
        ["", "男", "1990-02-30", dup, "", "", "", "", "", "", "", ""],                   # row 8
    ]
    data = xlsx(rows + bad)
    report = upload(api, town, data, "dry_run").get_json()
    assert report["bad"] == 4 and report["good"] == 3
    problems = {(e["row"], e["field"]) for e in report["errors"]}
    assert {(5, "id_number"), (6, "mobile"), (6, "grid"), (6, "tags"), (6, "is_party_member"), (7, "gender"),
            (8, "name"), (8, "birth_date"), (8, "grid"), (8, "id_number")} <= problems
    assert any("重复" in e["reason"] and e["row"] == 8 for e in report["errors"])
    rejected = upload(api, town, data, "all")
    assert rejected.status_code == 422
    body = rejected.get_json()
    assert body["error"]["code"] == "import_rejected" and body["error"]["fields"]["rows"]
    assert count(town) == 0
    partial = upload(api, town, data, "good").get_json()
    assert partial["imported"] and partial["created"] == 3 and count(town) == 3


def test_csv_with_gbk_and_custom_mapping(town, admin, api_as):
    number = new_id()
    text = f"名字,证件,所属网格,联系电话\n周九,{number},东二网格,13700000000\n"
    resp = upload(api_as(admin), town, text.encode("gb18030"), "all", name="x.csv",
                  mapping='{"名字": "name", "证件": "id_number"}')
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["created"] == 1


def test_file_level_problems_are_422(town, admin, api_as):
    api = api_as(admin)
    missing = upload(api, town, xlsx([["张三"]], headers=["姓名"]), "dry_run")
    assert missing.status_code == 422 and "身份证号" in missing.get_json()["error"]["fields"]["file"][0]
    assert upload(api, town, b"not a zip", "dry_run").status_code == 422
    assert upload(api, town, b"x", "dry_run", name="a.pdf").status_code == 422
    assert upload(api, town, xlsx([]), "bogus").get_json()["error"]["fields"]["mode"]
    assert upload(api, town, xlsx([]), "dry_run", mapping="[1]").status_code == 422
    assert upload(api, town, xlsx([]), "dry_run", mapping='{"姓名": "nosuchfield"}').status_code == 422
    assert api.post(f"/api/v1/t/{town.slug}/people/import", data={}).status_code == 422


def test_grid_worker_imports_only_into_their_subtree(town, api_as, create_user):
    worker = create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))])
    # grid roles carry no people.import by default; grant it to the role for this township
    from core.models import RolePermission
    with tenant_context(town):
        db.session.add(RolePermission(role="grid_worker", permission="people.import", granted=True))
        db.session.commit()
    report = upload(api_as(worker), town, xlsx(good_rows()), "dry_run").get_json()
    assert report["bad"] == 1 and report["errors"][0]["field"] == "grid" and report["errors"][0]["row"] == 4
    assert upload(api_as(worker), town, xlsx(good_rows()[:2]), "all").get_json()["created"] == 2


def test_cli_import_with_progress_dry_run_and_good_rows(town, app, tmp_path):
    path = tmp_path / "people.xlsx"
    rows = good_rows() + [["坏", "男", "", "123", "", "东一网格", "", "", "", "", "", ""]]
    path.write_bytes(xlsx(rows))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["people", "import", str(path), "--tenant", town.slug, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "第 5 行 [身份证号]" in dry.output and "仅检查：未写入任何数据" in dry.output
    strict = runner.invoke(args=["--lang", "en", "people", "import", str(path), "--tenant", town.slug])
    assert strict.exit_code != 0 and count(town) == 0
    good = runner.invoke(args=["--lang", "en", "people", "import", str(path), "--tenant", town.slug, "--good-rows"])
    assert good.exit_code == 0, good.output
    assert "3 created" in good.output and count(town) == 3
    assert runner.invoke(args=["--lang", "en", "people", "import", str(path), "--tenant", "nope"]).exit_code != 0


def test_export_xlsx_masks_without_read_sensitive_and_reimports(town, admin, api_as, create_user, app, tmp_path):
    api = api_as(admin)
    upload(api, town, xlsx(good_rows()), "all")
    resp = api.get(f"/api/v1/t/{town.slug}/people/export.xlsx")
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["网格", "住户", "居民"]
    people = list(book["居民"].iter_rows(values_only=True))
    assert people[0][:5] == ("姓名", "性别", "出生日期", "身份证号", "手机号") and len(people) == 4
    assert "*" not in people[1][3]
    staff = create_user(roles=[(town, "township_staff")])
    masked = load_workbook(io.BytesIO(api_as(staff).get(f"/api/v1/t/{town.slug}/people/export.xlsx").data))
    assert all("*" in row[3] for row in list(masked["居民"].iter_rows(values_only=True))[1:])
    # the export reads back in as an update of the same people
    again = upload(api, town, resp.data, "all").get_json()
    assert again["updated"] == 3 and again["created"] == 0 and count(town) == 3
    out = tmp_path / "out.xlsx"
    cli = app.test_cli_runner().invoke(args=["--lang", "en", "people", "export", str(out), "--tenant", town.slug])
    assert cli.exit_code == 0 and "3 people" in cli.output and out.exists()


def test_large_import_spans_several_bulk_chunks_and_reimports(town, admin, api_as):
    lines = ["姓名,身份证号,网格,住址,标签"]
    for i in range(4100):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=i)
        lines.append(f"张{i},{new_id(born)},东一网格,幸福路{i // 2}号,{'残疾人' if i % 100 == 0 else ''}")
    data = "\n".join(lines).encode()
    api = api_as(admin)
    first = upload(api, town, data, "all", name="big.csv").get_json()
    assert (first["created"], first["households_created"], first["tags_added"]) == (4100, 2050, 41)
    again = upload(api, town, data, "all", name="big.csv").get_json()
    assert (again["created"], again["updated"], again["households_created"], again["tags_added"]) == (0, 4100, 0, 0)
    assert count(town) == 4100 and count(town, Household) == 2050
    with tenant_context(town):
        first_house = db.session.scalar(select(Person.household_id).where(Person.name == "张0"))
        assert db.session.scalar(select(Person.household_id).where(Person.name == "张1")) == first_house
        assert db.session.scalar(select(Person.household_id).where(Person.name == "张4099")) != first_house
