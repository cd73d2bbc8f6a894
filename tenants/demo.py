"""Demo data (演示数据): counties, townships, grids, accounts; modules fill in the rest through
the ``demo_data`` hook. Idempotent: what exists is left alone.

Demo accounts all use the password ``Demo-grid-2026``.
"""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import select

from core.auth.service import assign_role, create_user
from core.county_templates.service import adopt_template, kinds_for, seed_county_templates
from core.db import db
from core.grid.demo import GAOHE, HUYANG, SHIPAI, TAIBAI, staff_grids
from core.models import Tenant, User, platform_tenant
from core.modules import hooks
from core.tenancy import tenant_context
from tenants.onboarding import create_county, onboard_township
from flask_babel import gettext as _

DEMO_PASSWORD = "Demo-grid-2026"

# (slug, name, region code, [(township slug, name, region code, level names, grid tree)])
COUNTIES = [
    ("huaining", "怀宁县", "340822", [
        ("gaohe", "高河镇", "340822101", ["村/社区", "网格", "微网格"], GAOHE),
        ("shipai", "石牌镇", "340822102", ["村/社区", "网格", "微网格"], SHIPAI),
    ]),
    ("dangtu", "当涂县", "340521", [
        ("gushu", "姑孰镇", "340521100", ["社区", "网格", "小区", "楼栋", "单元"], [HUYANG, TAIBAI]),
    ]),
]


def _grid_staff(tenant, slug: str) -> list[str]:
    """Demo accounts for grid staff: the 网格长 of the township's first village (``<slug>_leader``)
    and the 网格员 of its first second-level grid (``<slug>_worker``). Each account takes over the
    duty :func:`core.grid.demo.staff_grids` appointed there by name only, so signing in as one
    shows that grid's duty, people and cases as its holder's."""
    from core.grid.models import Grid, GridDuty

    out = []
    for duty, level, username, line in (
            ("grid_leader", 1, f"{slug}_leader", _("网格长：%(username)s / %(password)s（%(grid)s）")),
            ("grid_worker", 2, f"{slug}_worker", _("网格员：%(username)s / %(password)s（%(grid)s）"))):
        grid = db.session.scalars(select(Grid).where(Grid.level == level).order_by(Grid.code)).first()
        if grid is None or db.session.scalar(select(User).where(User.username == username)) is not None:
            continue
        held = db.session.scalars(select(GridDuty).where(GridDuty.grid_id == grid.id, GridDuty.duty == duty,
                                                         GridDuty.user_id.is_(None)).order_by(GridDuty.id)).first()
        user = create_user(username, DEMO_PASSWORD, display_name=held.name if held else grid.name)
        role = assign_role(user, tenant, duty, grid.id)
        if held is not None:
            held.user_id, held.role_assignment_id = user.id, role.id
        else:
            from core.grid.duties import add_duty

            add_duty(tenant, grid, duty, user_id=user.id, phone="13800000000")
        db.session.flush()
        out.append(line % {"username": username, "password": DEMO_PASSWORD, "grid": grid.name})
    return out


def load_demo() -> Iterator[str]:
    platform_tenant()
    db.session.commit()
    if db.session.scalar(select(User).where(User.username == "admin")) is None:
        create_user("admin", DEMO_PASSWORD, display_name="平台管理员", platform_admin=True)
        db.session.commit()
        yield _("平台管理员：%(username)s / %(password)s", username="admin", password=DEMO_PASSWORD)
    modules = list(__import__("flask").current_app.extensions["gridgov.plugins"].modules)
    for county_slug, county_name, county_code, townships in COUNTIES:
        county = db.session.scalar(select(Tenant).where(Tenant.slug == county_slug))
        if county is None:
            county = create_county(county_slug, county_name, county_code)
            yield _("县 %(slug)s %(name)s", slug=county_slug, name=county_name)
        seed_county_templates(county)  # a county from before templates existed gets its defaults too
        db.session.commit()
        admin_name = f"{county_slug}_admin"
        if db.session.scalar(select(User).where(User.username == admin_name)) is None:
            user = create_user(admin_name, DEMO_PASSWORD, display_name=f"{county_name}管理员")
            assign_role(user, county, "county_admin")
            db.session.commit()
            yield _("县管理员：%(username)s / %(password)s", username=admin_name, password=DEMO_PASSWORD)
        for slug, name, code, levels, grids in townships:
            if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
                continue
            result = onboard_township({
                "name": name, "slug": slug, "county": county_slug, "region_code": code,
                "grid_level_names": levels, "grids": grids,
                "admin": {"username": f"{slug}_admin", "display_name": f"{name}网格办", "password": DEMO_PASSWORD},
                "modules": {m: {} for m in modules},
            })
            tenant = result.tenant
            with tenant_context(tenant):
                staffed = staff_grids(tenant)
                staff = _grid_staff(tenant, slug)
                for kind in kinds_for(tenant):  # the demo townships follow their county's lists
                    adopt_template(tenant, kind.name, "demo")
                hooks(tenant).demo_data(tenant=tenant)
            db.session.commit()
            yield _("乡镇 %(slug)s %(name)s：%(grids)s 个网格，%(orgs)s 个党组织，%(duties)s 项网格职责，"
                    "管理员 %(username)s / %(password)s", slug=slug, name=name, grids=result.grids,
                    orgs=staffed["party_orgs"], duties=staffed["duties"], username=f"{slug}_admin", password=DEMO_PASSWORD)
            yield from staff
