"""Printing household cards (打印户码卡): what each card shows, and its QR code as inline SVG.

QR codes are drawn here with the ``qrcode`` package (no image requests, nothing from outside),
so a sheet of a whole grid's cards is one self-contained HTML page that prints on A4.
"""
from __future__ import annotations

import re
from typing import Any

import qrcode
import qrcode.image.svg
from flask import g, url_for
from markupsafe import Markup
from sqlalchemy import select

from core.db import db
from core.grid.models import Grid
from core.people.models import Household
from core.residents.models import HouseholdCard

_SIZE = re.compile(r'^(<svg[^>]*?) width="[^"]*" height="[^"]*"')


def card_url(card: HouseholdCard) -> str:
    """The absolute URL in the card's QR code (``/r/<tenant>/card/<token>``)."""
    return url_for("residents.card_link", tenant=g.tenant.slug, token=card.token, _external=True)


def qr_svg(url: str) -> Markup:
    """``url`` as an inline SVG QR code (size set by the sheet's CSS)."""
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2,
                      error_correction=qrcode.constants.ERROR_CORRECT_M)
    svg = img.to_string(encoding="unicode")
    svg = svg[svg.index("<svg"):]  # drop any XML declaration
    return Markup(_SIZE.sub(r"\1", svg))


def _first_level(grid: Grid, cache: dict[int, Grid]) -> Grid:
    root_id = int(grid.path.strip("/").split("/")[0])
    if root_id not in cache:
        cache[root_id] = db.session.get(Grid, root_id)
    return cache[root_id] or grid


def card_faces(pairs: list[tuple[HouseholdCard, str | None]]) -> list[dict[str, Any]]:
    """What each card shows: township, village (first-level grid), grid, household number and
    address, card number, PIN (None on a reprint: it is not kept) and the QR code."""
    ids = [card.household_id for card, _pin in pairs]
    households = {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(ids)))}
    roots: dict[int, Grid] = {}
    faces = []
    for card, pin in pairs:
        household = households[card.household_id]
        grid = household.grid
        village = _first_level(grid, roots)
        url = card_url(card)
        faces.append({"township": g.tenant.name, "url": url, "village": village.name,
                      "grid": grid.name if grid.id != village.id else "", "number": household.number or "",
                      "address": household.address, "card_number": card.number_display, "pin": pin,
                      "qr": qr_svg(url), "issued_at": card.issued_at})
    return faces
