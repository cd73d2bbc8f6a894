"""The residents' side (群众端): household cards (一户一码) and the residents' portal.

Residents have no account. The township prints a card per household (QR code, card number, PIN);
a phone that scanned it and entered the PIN once stays signed in to ``/r/<tenant>/``, where the
household sees its members, its grid and grid worker, and the sections enabled modules add
through ``resident_sections`` / ``resident_actions``. Modules' own portal pages live under
``/r/<tenant>/<module>/...`` (blueprint ``<module>_resident``), declared ``@resident``.

:mod:`.models` tables, :mod:`.cards` issuing, :mod:`.signin` PINs and phones, :mod:`.staff` the
staff pages, :mod:`.portal` the residents' pages, :mod:`.summary` what the portal shows.
"""
from __future__ import annotations

from core.residents.models import HouseholdCard, ResidentDevice

__all__ = ["HouseholdCard", "ResidentDevice", "init_app"]


def init_app(app) -> None:
    """Register the staff card pages and the residents' portal (once, from ``create_app``)."""
    from core.residents import portal, staff

    app.register_blueprint(staff.bp)
    app.register_blueprint(portal.bp)
