"""Core's own answers to its hooks: it is registered as the plugin ``core``, always on."""
from __future__ import annotations

from core.auth.roles import CORE_PERMISSIONS, CORE_ROLES
from core.plugins import hookimpl


@hookimpl
def register_permissions():
    return list(CORE_PERMISSIONS)


@hookimpl
def register_roles():
    return list(CORE_ROLES)


@hookimpl
def tenant_archive_contents(tenant):
    from core.archive_contents import archive_contents

    return archive_contents("core", tenant, uploads=("people-imports",))
