"""County templates' wiring (a core hook module, always on): routes, permissions, roles, the
township's menu entry, the ``gridgov templates`` commands."""
from __future__ import annotations

import click
from flask_babel import gettext as _

from core.i18n import N_
from core.models import TenantKind
from core.plugins import hookimpl
from core.specs import NavItem, Permission, Role


@hookimpl
def register_routes():
    from core.county_templates.api import bp
    from core.county_templates.pages import bp as pages_bp

    return [bp, pages_bp]


@hookimpl
def register_permissions():
    return [Permission("templates.read", "查看县级模板", "View county templates"),
            Permission("templates.manage", "编辑并发布县级模板", "Edit and publish county templates"),
            Permission("templates.adopt", "采用县级模板并本地调整", "Adopt county templates and adjust them")]


@hookimpl
def register_roles():
    return [Role("county_admin", "县级管理员", "County admin", "county", frozenset({"templates.read", "templates.manage"})),
            Role("township_admin", "乡镇管理员", "Township admin", "tenant", frozenset({"templates.read", "templates.adopt"})),
            Role("township_staff", "乡镇工作人员", "Township staff", "tenant", frozenset({"templates.read"}))]


@hookimpl
def nav_items(tenant, user):
    if tenant.kind != TenantKind.township:
        return []
    return [NavItem("县级模板", "County templates", "county_templates_pages.index", permission="templates.read", order=790)]


@hookimpl
def register_cli_commands(cli):
    @cli.group("templates", help=N_("县级模板"))
    def templates_group():
        """County templates (县级模板)."""

    @templates_group.command("list", help=N_("列出县的模板及其版本，或乡镇采用模板的情况。"))
    @click.option("--tenant", "slug", required=True, help=N_("县（列出它的模板）或乡镇（列出它的采用情况）"))
    def templates_list(slug):
        """List a county's templates with their versions, or a township's standing with them."""
        from core.cli import tenant_arg
        from core.county_templates import service
        from core.db import db
        from core.models import TenantKind
        from core.tenancy import tenant_context

        tenant = tenant_arg(slug)
        with tenant_context(tenant):
            for kind in service.kinds_for(tenant):
                if tenant.kind == TenantKind.county:
                    row = service.template_of(tenant, kind, "cli")
                    click.echo(f"{kind.name:28} v{row.version:<4} " + _("%(n)s 项，锁定：%(locked)s", n=len(row.draft),
                               locked=", ".join(row.draft_locked) or "-") + f"  {row.title}")
                else:
                    s = service.county_template(tenant, kind.name)
                    county = f"v{s['county']['version']}" if s["county"] else "-"
                    mine = f"v{s['adoption']['version']}" if s["adoption"] else _("未采用")
                    note = "  " + _("（县里已发布新版本）") if s["update_available"] else ""
                    click.echo(f"{kind.name:28} " + _("县 %(county)s，采用 %(mine)s", county=county, mine=mine) + note)
        db.session.commit()
