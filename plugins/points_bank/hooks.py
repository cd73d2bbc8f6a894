"""Hook implementations of the points bank; each calls into the module's services."""
from __future__ import annotations

from core.toolkit import NavItem, hookimpl


@hookimpl
def register_routes():
    from plugins.points_bank.api import bp
    from plugins.points_bank.api_ledger import bp as ledger_bp
    from plugins.points_bank.api_shop import bp as shop_bp

    return [bp, ledger_bp, shop_bp]


@hookimpl
def register_permissions():
    from plugins.points_bank.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def register_roles():
    from plugins.points_bank.permissions import ROLES

    return list(ROLES)


@hookimpl
def register_cli_commands(cli):
    from plugins.points_bank.cli import register

    register(cli)


@hookimpl
def setup_tenant(tenant, settings):
    from plugins.points_bank.schemes import seed_defaults

    seed_defaults(tenant)
