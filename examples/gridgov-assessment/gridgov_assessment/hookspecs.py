"""Hooks the assessment module declares (考核钩子), for other modules to answer.

A module answering one marks it ``@hookimpl(optionalhook=True)`` so it still loads where this
plugin is not installed. The assessment answers ``assessment_numbers`` itself with the numbers the
installed modules already offer five_star (``star_evidence``), so incidents, mediation, volunteer
and points_bank count without knowing this plugin exists; a direct answer with the same key wins.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from core.toolkit import hookspec

if TYPE_CHECKING:
    from core.toolkit import Tenant


# --- Assessment ----------------------------------------------------------------------------


@hookspec
def assessment_numbers(tenant: Tenant, grid_id: int, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Numbers a module offers for scoring grid ``grid_id`` (its subtree) between ``start`` and
    ``end`` (naive UTC, the quarter's bounds in Beijing time).

    :returns: a list of ``{"key": "<module>.<metric>", "value": float, "label_zh": str,
        "label_en": str, "unit": str}``; rates as fractions (0..1) with ``unit`` ``"%"``. The
        module is the key's first part and is shown as the number's source. A checklist rule
        with ``metric_key`` equal to the key is scored from it; a quarter that closes keeps the
        numbers as they were.

    Tenant scope: ``tenant`` is in context; only the tenant's enabled modules are called.
    """
