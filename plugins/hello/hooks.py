"""Hook implementations of the hello module."""
from __future__ import annotations

from core.plugins import hookimpl
from core.specs import NavItem, Permission, Widget


@hookimpl
def register_routes():
    from plugins.hello.views import bp

    return [bp]


@hookimpl
def register_permissions():
    return [Permission("hello.read", "查看问候", "Read the greeting")]


@hookimpl
def register_roles():
    from core.specs import Role

    return [Role("township_staff", "", "", permissions=frozenset({"hello.read"})),
            Role("township_admin", "", "", permissions=frozenset({"hello.read"}))]


@hookimpl
def dashboard_widgets(tenant, user):
    from plugins.hello.services import greeting

    return [Widget(key="hello.greeting", title_zh="问候", title_en="Greeting", kind="text", value=greeting(tenant))]


@hookimpl
def nav_items(tenant, user):
    return [NavItem("问候", "Hello", "hello.page", permission="hello.read", order=900)]
