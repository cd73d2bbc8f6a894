"""Hooks the five-star module declares (五星钩子), for other modules to answer.

Answers in another plugin mark themselves ``@hookimpl(optionalhook=True)`` so they still load
when five_star is not installed. A module that is not enabled for the township is not asked, and
a criterion whose number nobody answers falls back to manual evidence.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from core.toolkit import hookspec

if TYPE_CHECKING:
    from core.toolkit import Tenant


@hookspec
def star_evidence(tenant: Tenant, grid_id: int, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Numbers a module offers as evidence for a village's stars (佐证数据), for the subtree of
    ``grid_id`` (a village's first-level grid) between ``start`` and ``end`` (naive UTC).

    Each answer is a list of ``{"key": "<module>.<metric>", "value": float, "label_zh": str,
    "label_en": str, "unit": str}``; rates are best given as fractions (0..1) with ``unit`` ``"%"``
    (a ``"ratio"`` unit, or a ``"%"`` value above 1 read as a percentage, are accepted too). Keys in use:
    ``incidents.closure_rate``, ``incidents.self_settled_share``, ``mediation.success_rate``,
    ``points_bank.household_share_over_threshold``, ``volunteer.hours``,
    ``volunteer.registered_party_members``. The numbers are snapshotted into the assessment step
    when it is submitted.

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """


@hookspec(firstresult=True)
def household_category_points(tenant: Tenant, household_ids: list[int], start: dt.datetime,
                              end: dt.datetime) -> dict[int, dict[str, int]] | None:
    """Points each household earned per scoring category between ``start`` and ``end`` (UTC):
    ``{household_id: {category: points}}``, for deriving star households from points. The first
    answer wins (points_bank answers it); ``None`` when no module keeps points.

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """


@hookspec
def five_star_reminder_sent(tenant: Tenant, org: Any, year: int, text: str, recipients: list[dict[str, Any]]) -> None:
    """Announce that a reminder to file the creation plan (催报) went out to a village branch
    ``org`` (a party organisation: ``name``, ``secretary_name``, ``secretary_phone``, ``grid``)
    for ``year``: ``text`` is the message, ``recipients`` the accounts whose inbox got it
    (``[{"user_id", "name"}]``, possibly empty when nobody on the grid has an account). A module
    that reaches people elsewhere (SMS, WeChat) answers it to carry the message on. Runs inside
    the delivering schedule's transaction: raising rolls the delivery back, and it is tried
    again at the next run.

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """
