"""Who reported an incident (上报人), shown to staff so they can reply and call back (满意度回访).

The reporter's name and phone are personal data (PIPL): they are shown in full only to a viewer
holding ``people.read_sensitive`` on the incident's grid (the same permission and reach that
unmask a resident's phone in the people register), and every such read is audited
(``incidents.read_reporter``, one entry per incident; one ``incidents.export_reporters`` entry
with the count for a ledger export). Others see them masked: the surname and ``*`` for the rest,
``138****5678`` for the phone. A grid worker's own report names a colleague, not a resident: that
name is shown as it is (a phone they entered for a resident stays personal data).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.toolkit import Grid, audit, current_access, db, grid_in_reach, mask_mobile, subtree_condition

SENSITIVE = "people.read_sensitive"


def mask_name(name: str | None) -> str | None:
    """``张三丰`` → ``张**``; a one-character name stays as it is (nothing to hide behind)."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def may_reveal(incident) -> bool:
    return incident.grid is not None and grid_in_reach(incident.grid, SENSITIVE)


def reporter_of(incident) -> dict[str, Any]:
    """The reporter as the current viewer may see them: ``{"name", "phone", "masked"}``.

    Revealing a name or phone writes an audit entry; a report with neither writes none."""
    name, phone = incident.reporter_name, incident.reporter_phone
    staff = incident.source == "worker" and incident.reporter_user_id is not None  # a colleague, not a resident
    if may_reveal(incident):
        if phone or (name and not staff):
            audit("incidents.read_reporter", incident)
        return {"name": name, "phone": phone, "masked": False}
    return {"name": name if staff else mask_name(name), "phone": mask_mobile(phone), "masked": bool(phone or not staff)}


def revealed_grid_ids() -> set[int] | None:
    """Grid ids whose incidents' reporters the viewer may see unmasked (None: every grid)."""
    access = current_access()
    roots = access.grids_for(SENSITIVE) if access is not None else set()
    if roots is None:
        return None
    if not roots:
        return set()
    return set(db.session.scalars(select(Grid.id).where(subtree_condition(Grid.id, roots))))


class LedgerReporters:
    """The ledger's reporter columns: unmasked for grids in ``people.read_sensitive`` reach,
    counted, and audited once when the export is done (:meth:`finish`)."""

    def __init__(self) -> None:
        self.grids = revealed_grid_ids()
        self.revealed = 0

    def row(self, incident) -> tuple[str, str]:
        name, phone = incident.reporter_name, incident.reporter_phone
        staff = incident.source == "worker" and incident.reporter_user_id is not None
        if self.grids is None or incident.grid_id in self.grids:
            if phone or (name and not staff):
                self.revealed += 1
            return name or "", phone or ""
        return (name if staff else mask_name(name)) or "", mask_mobile(phone) or ""

    def finish(self) -> None:
        if self.revealed:
            audit("incidents.export_reporters", object_type="incidents_incident", after={"reporters": self.revealed})
