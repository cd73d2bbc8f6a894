"""A module made for the console tests (演示图表): widgets of every kind, comparison numbers, a
menu item behind its own permission, and a requirement on ``hello``. Registered by the
``sample_module`` fixture for one test at a time."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.plugins import hookimpl
from core.specs import ModuleManifest, NavItem, Widget


class Settings(Schema):
    weeks = fields.Integer(load_default=4, validate=validate.Range(min=1, max=12), metadata={"label_zh": "周数", "label_en": "Weeks"})


manifest = ModuleManifest(name="chart_demo", title_zh="演示图表", title_en="Chart demo",
                          description="测试用模块", requires=("hello",), settings_schema=Settings)


class Hooks:
    @hookimpl
    def dashboard_widgets(self, tenant, user):
        return [
            Widget("chart_demo.people", "各网格人数", "People per grid", kind="bar", series=[("东门社区", 120), ("西门村", 80)], order=1),
            Widget("chart_demo.groups", "特殊人群", "Special groups", kind="pie", series=[("独居老人", 3), ("留守儿童", 1)], order=2),
            Widget("chart_demo.closed", "每周办结", "Closed per week", kind="line", series=[("第1周", 2), ("第2周", 5), ("第3周", 4)], order=3),
        ]

    @hookimpl
    def nav_items(self, tenant, user):
        return [NavItem("演示", "Demo", "web.tenant_home", permission="chart_demo.read", order=50),
                NavItem("不存在的页面", "Missing", "chart_demo.nowhere", order=60)]

    @hookimpl
    def tenant_numbers(self, tenant):
        return {"chart_demo.closure_rate": 0.5 if tenant.name.startswith("甲") else 0.9, "chart_demo.flag": True}
