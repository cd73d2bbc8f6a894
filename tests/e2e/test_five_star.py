"""The five-star main line on a 390 px phone: the village secretary files the creation plan (a
refused form keeps what was typed and names the reason beside the field), township staff approve
it, the secretary self-assesses, the township reviews and sends it to the county. No horizontal
scroll on any of these pages."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, sign_in


def _seed(app) -> dict:
    from core.auth.service import assign_role, create_user
    from core.db import db
    from core.grid.party import create_party_org
    from core.models import Tenant
    from tenants.modules import enable_module
    from core.tenancy import tenant_context
    from sqlalchemy import select
    from tenants.onboarding import onboard_township

    with app.app_context():
        county = db.session.scalar(select(Tenant).where(Tenant.slug == "e2e-county"))
        existing = db.session.scalar(select(Tenant).where(Tenant.slug == "fs-town"))
        if existing is None:
            town = onboard_township({"name": "五星镇", "slug": "fs-town", "county": county.slug,
                                     "grid_level_names": ["村", "网格"], "modules": {"five_star": {}},
                                     "grids": [{"name": "查冲村", "children": [{"name": "一组"}]}, {"name": "新安村"}]},
                                    county=county).tenant
            enable_module(county, "five_star")
            with tenant_context(town):
                from core.grid.models import Grid

                village = db.session.scalar(select(Grid).where(Grid.name == "查冲村"))
                org = create_party_org(town, village, {"kind": "branch", "name": "查冲村党支部"})
                create_party_org(town, db.session.scalar(select(Grid).where(Grid.name == "新安村")),
                                 {"kind": "branch", "name": "新安村党支部"})
                village_id, org_id = village.id, org.id
            secretary = create_user("fs_secretary", PASSWORD, display_name="查冲村书记")
            assign_role(secretary, town, "grid_leader", village_id)
            staff = create_user("fs_staff", PASSWORD, display_name="党建办小王")
            assign_role(staff, town, "township_staff")
            db.session.commit()
        else:
            with tenant_context(existing):
                from core.grid.models import PartyOrg

                org_id = db.session.scalar(select(PartyOrg.id).where(PartyOrg.name == "查冲村党支部"))
    return {"town": "fs-town", "org_id": org_id}


def _no_horizontal_scroll(pg) -> None:
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"{pg.url} is {width}px wide on a 390px screen"


def test_plan_self_assessment_and_township_review_on_a_phone(browser, live_server, shots):
    seeded = _seed(live_server.app)
    t = f"/t/{seeded['town']}/five_star"

    def phone():
        context = browser.new_context(viewport={"width": 390, "height": 780}, is_mobile=True, has_touch=True,
                                      locale="zh-CN", base_url=live_server.url)
        context.set_default_timeout(15000)
        return context, context.new_page()

    sec_ctx, sec = phone()
    sign_in(sec, "fs_secretary")
    sec.goto(f"{t}/branches/{seeded['org_id']}")
    expect(sec.locator("h1")).to_contain_text("查冲村党支部")
    _no_horizontal_scroll(sec)
    # a refused plan: an action without a key task; what was typed stays
    sec.get_by_role("checkbox", name="平安法治星").check()
    sec.fill("input[name='actions.0.action']", "每月开展矛盾纠纷排查")
    sec.fill("input[name='actions.0.owner']", "张书记")
    sec.get_by_role("button", name="保存并报送").click()
    expect(sec.locator(".form-errors")).to_be_visible()
    expect(sec.locator("input[name='actions.0.action']")).to_have_value("每月开展矛盾纠纷排查")
    expect(sec.get_by_role("checkbox", name="平安法治星")).to_be_checked()
    shots(sec, "five_star-plan-error")
    sec.select_option("select[name='actions.0.task_id']", label="平安法治星 · 矛盾纠纷化解")
    sec.get_by_role("button", name="保存并报送").click()
    expect(sec.locator(".flash")).to_contain_text("计划已报送")

    staff_ctx, staff = phone()
    sign_in(staff, "fs_staff")
    staff.goto(f"{t}/filing")
    expect(staff.locator("body")).to_contain_text("已报送 1 个，未报送 1 个")
    _no_horizontal_scroll(staff)
    staff.goto(f"{t}/branches/{seeded['org_id']}")
    staff.get_by_role("button", name="审核通过").click()
    expect(staff.locator(".flash")).to_contain_text("计划已审核通过")

    sec.goto(f"{t}/branches/{seeded['org_id']}")
    sec.get_by_role("button", name="开始自评").click()
    expect(sec).to_have_url(re.compile(r"/assessments/\d+$"))
    _no_horizontal_scroll(sec)
    inputs = sec.locator("input.score-input")
    for i in range(inputs.count()):
        inputs.nth(i).fill("25" if i == 0 else "")
    sec.get_by_role("button", name="提交自评").click()
    expect(sec.locator(".form-errors")).to_be_visible()  # 25 is above that criterion's 20, others empty
    expect(sec.locator("input.score-input").first).to_have_value("25")
    shots(sec, "five_star-score-error")
    cells = sec.locator("td[data-label='分值']")
    for i in range(inputs.count()):
        inputs.nth(i).fill(cells.nth(i).inner_text().strip())
    sec.get_by_role("button", name="提交自评").click()
    expect(sec.locator(".flash")).to_contain_text("已提交")
    url = sec.url

    staff.goto(url)
    expect(staff.locator(".steps li.current")).to_have_text(re.compile("乡镇审核"))
    staff.fill("textarea[name=comment]", "实地核查属实")
    staff.get_by_role("button", name="提交县级评定").click()
    expect(staff.locator(".steps li.current")).to_have_text(re.compile("县级评定"))
    expect(staff.locator(".timeline")).to_contain_text("实地核查属实")
    _no_horizontal_scroll(staff)
    shots(staff, "five_star-township-review")
    staff.goto(f"{t}/")
    expect(staff.locator(".star-table")).to_contain_text("查冲村党支部")
    _no_horizontal_scroll(staff)
    shots(staff, "five_star-overview")
    sec_ctx.close()
    staff_ctx.close()
