"""Hooks the points bank announces (积分钩子), for five_star and other modules to answer.

Both run inside the transaction that posted the points: raising rolls the award or the
redemption back. Payloads are plain dicts (datetimes in UTC), so no module imports our models.
Implementations in another plugin mark themselves ``@hookimpl(optionalhook=True)``.
"""
from __future__ import annotations

from typing import Any

from core.toolkit import hookspec

# --- Points bank -----------------------------------------------------------------------------


@hookspec
def points_awarded(tenant: Any, award: dict) -> None:
    """Announce that points were posted to a member (an approved award, deduction, base score,
    or the reversal of one, with negative ``points``). Keys: ``transaction_id``, ``account_id``,
    ``scheme_id``, ``scheme_kind`` ("household" | "grid_worker" | "party_org" | "party_member"),
    ``household_id``, ``person_id``, ``rule_id``, ``category``, ``points`` (int), ``source``
    (e.g. "manual", "volunteer.service_completed", "reversal"), ``occurred_at``.

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """


@hookspec
def points_redeemed(tenant: Any, redemption: dict) -> None:
    """Announce a redemption at the supermarket. Keys: ``transaction_id``, ``account_id``,
    ``household_id``, ``person_id``, ``item_id``, ``quantity``, ``points``, ``occurred_at``.

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """
