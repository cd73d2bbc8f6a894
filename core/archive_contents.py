"""The usual answer to ``tenant_archive_contents``: a component's tenant-owned tables are those
named with its prefix (``points_bank_...``), its uploads the folder ``<name>/<tenant id>`` under
``UPLOAD_DIR``. A component with other names lists them itself."""
from __future__ import annotations

from core.db import db


def archive_contents(name: str, tenant, uploads: tuple[str, ...] | None = None) -> dict[str, list[str]]:
    """``{"tables": [...], "uploads": [...]}`` for component ``name`` (see the hook's docstring)."""
    tables = sorted(t.name for t in db.metadata.tables.values()
                    if t.name.startswith(name + "_") and "tenant_id" in t.c)
    folders = [f"{name}/{tenant.id}"] if uploads is None else [f"{u}/{tenant.id}" for u in uploads]
    return {"tables": tables, "uploads": folders}
