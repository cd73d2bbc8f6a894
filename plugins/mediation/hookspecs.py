"""Hooks the mediation module declares (调解钩子), for other modules to answer.

Payloads are plain dicts (no model crosses to another plugin). Implementations in another plugin
mark themselves ``@hookimpl(optionalhook=True)``. All run inside the transaction of their cause:
raising rolls the outcome or the follow-up back and the caller gets the error.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from core.toolkit import Tenant

hookspec = pluggy.HookspecMarker("gridgov")


# --- Mediation -----------------------------------------------------------------------------


@hookspec
def mediation_case_concluded(tenant: Tenant, case: dict[str, Any]) -> None:
    """Announce that a case reached an outcome: ``case`` has ``case_id``, ``outcome``
    ("agreement" | "partial" | "failed" | "referred"), ``dispute_type``, ``grid_id``,
    ``mediator_person_ids``, ``party_person_ids``, ``incident_id`` (the incident it came from, or
    None) and ``concluded_at`` (UTC). Announced again when a reopened case concludes anew.

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """


@hookspec
def mediation_agreement_failed(tenant: Tenant, case: dict[str, Any]) -> None:
    """Announce that a follow-up visit (回访) found an agreement not holding; the keys are those of
    :func:`mediation_case_concluded`, describing the agreement that failed (``outcome`` is
    "agreement" or "partial"). The case is reopened or referred on in the same transaction.

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """


@hookspec(firstresult=True)
def incident_from_mediation_topic(tenant: Tenant, topic: dict[str, Any]) -> int | None:
    """Report an incident for a topic raised at a villagers' meeting (村民说事) and return its id.
    ``topic`` has ``topic_id``, ``meeting_id``, ``grid_id``, ``title``, ``decision`` and
    ``category_code`` (an incidents category code, or None for the module's default). The
    incidents module answers it; with no answer the topic cannot become an incident.

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """
