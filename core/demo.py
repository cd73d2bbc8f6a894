"""Demo data (演示数据): counties, townships, grids, accounts; modules fill in the rest through
the ``demo_data`` hook. Idempotent: what exists is left alone.

Demo accounts all use the password ``Demo12345``.
"""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import select

from core.auth.service import assign_role, create_user
from core.db import db
from core.models import Tenant, User
from core.modules import hooks
from core.tenancy import tenant_context

DEMO_PASSWORD = "Demo12345"

COUNTIES = [
    ("huaining", "怀宁县", "340822", [
        ("gaohe", "高河镇", "340822101", ["村/社区", "网格", "微网格"],
         [("查冲村", ["第一网格", "第二网格", "第三网格"]), ("高河社区", ["东区网格", "西区网格"]),
          ("新安村", ["一组网格", "二组网格", "三组网格", "四组网格"])]),
        ("shipai", "石牌镇", "340822102", ["村/社区", "网格", "微网格"],
         [("石牌社区", ["老街网格", "新街网格"]), ("丁家村", ["上丁网格", "下丁网格"])]),
    ]),
    ("dangtu", "当涂县", "340521", [
        ("gushu", "姑孰镇", "340521100", ["社区", "网格", "小区", "楼栋", "单元"],
         [("湖阳社区", ["滨湖网格", "学府网格"]), ("太白社区", ["太白一网格", "太白二网格", "太白三网格"])]),
    ]),
]


def _tree(spec):
    return [{"name": name, "children": [{"name": c} for c in children]} for name, children in spec]


def load_demo() -> Iterator[str]:
    from tenants.onboarding import create_county, onboard_township, platform_tenant

    platform_tenant()
    db.session.commit()
    if db.session.scalar(select(User).where(User.username == "admin")) is None:
        create_user("admin", DEMO_PASSWORD, display_name="平台管理员", platform_admin=True)
        db.session.commit()
        yield f"platform admin: admin / {DEMO_PASSWORD}"
    modules = list(__import__("flask").current_app.extensions["gridgov.plugins"].modules)
    for county_slug, county_name, county_code, townships in COUNTIES:
        county = db.session.scalar(select(Tenant).where(Tenant.slug == county_slug))
        if county is None:
            county = create_county(county_slug, county_name, county_code)
            yield f"county {county_slug} {county_name}"
        admin_name = f"{county_slug}_admin"
        if db.session.scalar(select(User).where(User.username == admin_name)) is None:
            user = create_user(admin_name, DEMO_PASSWORD, display_name=f"{county_name}管理员")
            assign_role(user, county, "county_admin")
            db.session.commit()
            yield f"county admin: {admin_name} / {DEMO_PASSWORD}"
        for slug, name, code, levels, grids in townships:
            if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
                continue
            result = onboard_township({
                "name": name, "slug": slug, "county": county_slug, "region_code": code,
                "grid_level_names": levels, "grids": _tree(grids),
                "admin": {"username": f"{slug}_admin", "display_name": f"{name}网格办", "password": DEMO_PASSWORD},
                "modules": {m: {} for m in modules},
            })
            tenant = result.tenant
            with tenant_context(tenant):
                hooks(tenant).demo_data(tenant=tenant)
            db.session.commit()
            yield f"township {slug} {name}: {result.grids} grids, admin {slug}_admin / {DEMO_PASSWORD}"
