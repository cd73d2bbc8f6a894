"""The command line in one language (issue 17, item 9): Chinese by default, English with
``--lang en``; module commands refuse a county as ``people export`` does; a missing export folder
is a clear error; a manifest's problems come all at once; JSON only when ``--json`` is asked."""
from __future__ import annotations

import json
import textwrap

from sqlalchemy import select

from core.db import db
from core.models import Tenant, TenantModule
from core.tenancy import tenant_context
from tests.conftest import CHINESE, unique
from tests.core.test_one_language import english_runs


def _no_english(output: str, data=()) -> None:
    assert not english_runs(output, data), output
    assert "{" not in output and "Traceback" not in output, output


def test_module_commands_refuse_a_county_like_people_export(app, create_county):
    county = create_county()
    runner = app.test_cli_runner()
    for args in (["modules", "enable", "hello", "--tenant", county.slug],
                 ["modules", "disable", "hello", "--tenant", county.slug],
                 ["modules", "list", "--tenant", county.slug],
                 ["people", "export", "out.xlsx", "--tenant", county.slug]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert f"{county.slug} 不是乡镇：此命令只用于乡镇" in result.output, (args, result.output)
    with tenant_context(county):
        assert db.session.scalars(select(TenantModule)).all() == []
    english = runner.invoke(args=["--lang", "en", "modules", "enable", "hello", "--tenant", county.slug])
    assert "is not a township: this command is for townships only" in english.output
    assert not CHINESE.search(english.output.replace(county.slug, ""))


def test_export_to_a_missing_folder_is_a_clear_error(app, create_tenant, tmp_path):
    town = create_tenant()
    out = tmp_path / "no-such-folder" / "people.xlsx"
    result = app.test_cli_runner().invoke(args=["people", "export", str(out), "--tenant", town.slug])
    assert result.exit_code == 2  # a usage error naming OUT, not a crash
    assert f"文件夹 {out.parent} 不存在，请先创建" in result.output and "Traceback" not in result.output
    assert not out.parent.exists()
    done = app.test_cli_runner().invoke(args=["people", "export", str(tmp_path / "people.xlsx"), "--tenant", town.slug])
    assert done.exit_code == 0 and done.output.startswith("已导出 ") and (tmp_path / "people.xlsx").exists()


def test_every_manifest_problem_at_once_in_chinese(app, create_county, create_user):
    county = create_county()
    taken = create_user(unique("taken"))
    manifest = textwrap.dedent(f"""\
        name: 月山镇
        slug: Bad_Slug
        county: {county.slug}
        region_code: "12"
        grid_level_names: [村, 组]
        grids:
          - name: 月山村
          - name: 月山村
        admin: {{username: {taken.username}}}
        modules: [no_such_module]
    """)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "onboard", "-"], input=manifest)
    assert result.exit_code != 0
    lines = result.output.splitlines()
    assert lines[0] == "错误：开通清单有误", result.output
    problems = dict(line.strip().split(": ", 1) for line in lines[1:])
    # the schema's problems (slug, region code) and the database's (grids, admin, module), together
    assert set(problems) == {"slug", "region_code", "grids", "admin.username", "modules.no_such_module"}, problems
    assert problems["region_code"] == "须为 6 到 12 位数字" and problems["admin.username"] == "用户名已存在"
    assert problems["modules.no_such_module"] == "未安装该模块" and "月山村" in problems["grids"]
    _no_english(result.output, [taken.username, county.slug, "Bad_Slug", "no_such_module", "region_code",
                                "admin.username", "modules.no_such_module"])
    assert db.session.scalar(select(Tenant.id).where(Tenant.name == "月山镇")) is None
    english = runner.invoke(args=["--lang", "en", "tenants", "onboard", "-"], input=manifest)
    assert english.output.splitlines()[0] == "Error: the manifest has errors" and "username taken" in english.output
    assert not CHINESE.search(english.output.replace("月山村", "")), english.output


def test_output_is_one_language_and_json_only_when_asked(app, create_tenant):
    town = create_tenant(modules=["hello"])
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["modules", "list", "--tenant", town.slug])
    assert listing.exit_code == 0
    assert any(line.startswith("hello") and "已启用" in line for line in listing.output.splitlines())
    from core.modules import registry

    _no_english(listing.output, sorted(registry().modules))  # the module names are identifiers
    as_json = [json.loads(line) for line in runner.invoke(args=["modules", "list", "--tenant", town.slug, "--json"])
               .output.splitlines()]
    assert {"name": "hello", "enabled": True} == {k: v for k, v in as_json[[m["name"] for m in as_json].index("hello")]
                                                 .items() if k in ("name", "enabled")}
    english = runner.invoke(args=["--lang", "en", "modules", "list", "--tenant", town.slug]).output
    assert not CHINESE.search(english), english
    bad = runner.invoke(args=["modules", "enable", "hello", "--tenant", town.slug, "--settings", '{"repeat": 0}'])
    assert bad.exit_code != 0 and "{" not in bad.output.splitlines()[-1] and "repeat:" in bad.output
    tenants = runner.invoke(args=["tenants", "list"]).output
    assert "乡镇" in tenants and "township" not in tenants
