"""Hooks the incidents module announces (事件钩子), for other modules to answer.

Implementations in another plugin mark themselves ``@hookimpl(optionalhook=True)`` so they still
load when incidents is not installed. All run inside the transaction of their cause: raising
rolls the report, escalation or resolution back and the caller gets the error.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from core.toolkit import Tenant

hookspec = pluggy.HookspecMarker("gridgov")


# --- Incidents -----------------------------------------------------------------------------


@hookspec
def incident_reported(tenant: Tenant, incident: Any) -> None:
    """Announce that an incident has been reported (上报): by a grid worker, a resident's QR
    report or an Open311 client. ``incident`` is flushed (it has an id) and in state
    ``reported``; ``incident.source`` says where it came from. A module may set
    ``incident.linked_module`` / ``incident.linked_ref`` to link a record of its own (e.g. a
    mediation case opened for a dispute).

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """


@hookspec
def incident_escalated(tenant: Tenant, incident: Any, step: Any) -> None:
    """Announce that an incident went up a level (流转): to a higher grid, the township office or
    a department, by a handler or by the deadline. ``step`` is the recorded timeline step
    (``from_where``, ``to_where``, ``note``); ``incident.level`` and ``incident.reach`` are
    already updated.

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """


@hookspec
def incident_resolved(tenant: Tenant, incident: Any) -> None:
    """Announce that an incident has been resolved (办结待核) at its current level, e.g. to
    award points to the resident whose report was confirmed. An incident settled on the spot
    (小事马上办) is announced once, already closed, in the same transaction as its report.

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """
