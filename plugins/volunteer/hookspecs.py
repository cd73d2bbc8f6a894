"""Hooks the volunteer module announces (志愿服务钩子), for other modules to answer.

Implementations in another plugin mark themselves ``@hookimpl(optionalhook=True)`` so they still
load when volunteer is not installed. They run inside the transaction of their cause: raising
rolls the check-out, closing or confirmation back and the caller gets the error.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from core.toolkit import hookspec

if TYPE_CHECKING:
    from core.toolkit import Tenant


# --- Volunteer -----------------------------------------------------------------------------


@hookspec
def volunteer_service_completed(tenant: Tenant, service: dict) -> None:
    """Announce that a volunteer's service counts (服务完成): an attendance was closed (scanned
    out, closed by the leader or by the missing-check-out run) or a service order was confirmed
    by the resident or a grid worker. Announced once per service.

    :param service: a plain dict: ``kind`` ("activity" | "order"), ``ref`` (str, unique per
        kind: "attendance:17", "order:5"), ``person_id`` (int | None: the volunteer as a resident
        of this township), ``volunteer_id``, ``hours`` (float), ``grid_id`` (int | None),
        ``occurred_at`` (datetime, UTC) and ``title`` (str).

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """
