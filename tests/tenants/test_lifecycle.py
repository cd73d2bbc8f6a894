"""Suspending and resuming townships (API and CLI), and onboarding from the command line."""
from __future__ import annotations

import textwrap

from sqlalchemy import func, select

from core.db import db
from core.grid.models import Grid
from core.models import Tenant, TenantStatus
from core.tenancy import tenant_context
from tests.conftest import unique


def test_suspend_locks_users_out_and_resume_restores(create_county, create_tenant, create_grid, create_user, api_as):
    county = create_county()
    town = create_tenant(county=county, modules=["hello"])
    create_grid(town, "保留网格")
    county_admin = api_as(create_user(roles=[(county, "county_admin")]))
    town_admin = api_as(create_user(roles=[(town, "township_admin")]))
    assert town_admin.get(f"/api/v1/t/{town.slug}/hello").status_code == 200

    resp = county_admin.post(f"/api/v1/t/{county.slug}/townships/{town.slug}/suspend")
    assert resp.status_code == 200 and resp.get_json()["status"] == "suspended"
    resp = town_admin.get(f"/api/v1/t/{town.slug}/hello")
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "tenant_suspended"
    assert "暂停" in resp.get_json()["error"]["message"]
    # every row is kept
    with tenant_context(town):
        assert db.session.scalar(select(func.count()).select_from(Grid)) == 1

    assert county_admin.post(f"/api/v1/t/{county.slug}/townships/{town.slug}/resume").get_json()["status"] == "active"
    assert town_admin.get(f"/api/v1/t/{town.slug}/hello").status_code == 200


def test_only_the_county_of_a_township_can_suspend_it(create_county, create_tenant, create_user, api_as):
    county, other = create_county(), create_county()
    town = create_tenant(county=county)
    other_admin = api_as(create_user(roles=[(other, "county_admin")]))
    # the township is not in the other county: 404
    assert other_admin.post(f"/api/v1/t/{other.slug}/townships/{town.slug}/suspend").status_code == 404
    town_admin = api_as(create_user(roles=[(town, "township_admin")]))
    assert town_admin.post(f"/api/v1/t/{county.slug}/townships/{town.slug}/suspend").status_code == 404
    db.session.expire_all()
    assert db.session.get(Tenant, town.id).status == TenantStatus.active


def test_county_lists_its_townships_only(create_county, create_tenant, create_user, api_as):
    county, other = create_county(), create_county()
    mine = create_tenant(county=county)
    create_tenant(county=other)
    client = api_as(create_user(roles=[(county, "county_admin")]))
    assert [t["slug"] for t in client.get(f"/api/v1/t/{county.slug}/townships").get_json()] == [mine.slug]


def test_cli_onboard_list_suspend_resume(app, create_county, tmp_path):
    county = create_county()
    slug, admin = unique("cli"), unique("cliadmin")
    manifest = tmp_path / "town.yaml"
    manifest.write_text(textwrap.dedent(f"""\
        name: 月山镇
        slug: {slug}
        county: {county.slug}
        grid_level_names: [村, 组]
        grids:
          - name: 月山村
            children: [{{name: 一组}}, {{name: 二组}}]
        admin: {{username: {admin}}}
        modules: [hello]
    """), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["--lang", "en", "tenants", "onboard", str(manifest)])
    assert result.exit_code == 0, result.output
    assert f"onboarded {slug}" in result.output and "3 grids" in result.output
    assert "password (shown once)" in result.output
    assert slug in runner.invoke(args=["--lang", "en", "tenants", "list"]).output
    assert runner.invoke(args=["--lang", "en", "tenants", "suspend", slug]).exit_code == 0
    assert f"{slug}" in runner.invoke(args=["--lang", "en", "tenants", "list"]).output
    db.session.expire_all()
    assert db.session.scalar(select(Tenant.status).where(Tenant.slug == slug)) == TenantStatus.suspended
    assert runner.invoke(args=["--lang", "en", "tenants", "resume", slug]).exit_code == 0
    # the same manifest again: refused, nothing changes
    again = runner.invoke(args=["--lang", "en", "tenants", "onboard", str(manifest)])
    assert again.exit_code != 0 and "slug" in again.output


def test_cli_onboard_reports_every_problem(app, tmp_path):
    manifest = tmp_path / "bad.yaml"
    manifest.write_text("name: ''\nslug: BAD\ncounty: nowhere-county\nmodules: [nope]\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["--lang", "en", "tenants", "onboard", str(manifest)])
    assert result.exit_code != 0
    assert "name" in result.output and "slug" in result.output
    manifest.write_text("name: [unclosed\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["--lang", "en", "tenants", "onboard", str(manifest)])
    assert result.exit_code != 0 and "YAML" in result.output


def test_township_admin_changes_level_names(create_tenant, create_user, api_as):
    town, other = create_tenant(), create_tenant()
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    resp = admin.patch(f"/api/v1/t/{town.slug}", json={"grid_level_names": ["社区", "网格", "小区", "楼栋", "单元"]})
    assert resp.status_code == 200
    assert resp.get_json()["settings"]["grid_level_names"][-1] == "单元"
    resp = admin.patch(f"/api/v1/t/{town.slug}", json={"grid_level_names": ["1", "2", "3", "4", "5", "6", "7"]})
    assert resp.status_code == 422 and "grid_level_names" in resp.get_json()["error"]["fields"]
    assert admin.patch(f"/api/v1/t/{other.slug}", json={"name": "越界"}).status_code == 404
    worker = api_as(create_user(roles=[(town, "grid_worker")]))
    assert worker.patch(f"/api/v1/t/{town.slug}", json={"name": "改名"}).status_code == 403


def test_documented_example_manifest_onboards(app, create_county, tmp_path):
    """docs/examples/township.yaml is a working manifest (with this test's own county and names)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "examples" / "township.yaml").read_text(encoding="utf-8")
    county = create_county()
    slug, admin = unique("ys"), unique("ysadmin")
    text = (text.replace("slug: yueshan ", f"slug: {slug} ").replace("county: huaining", f"county: {county.slug}")
            .replace("username: yueshan_admin", f"username: {admin}").replace('mobile: "13912345678"', "mobile: null"))
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["--lang", "en", "tenants", "onboard", str(path)])
    assert result.exit_code == 0, result.output
    assert "5 grids" in result.output and "modules: incidents" in result.output
