"""Household cards for township staff (户码卡管理): issue, reissue, revoke and print, from the
household page and per grid (``/t/<tenant>/people/...``, permission ``people.cards`` over the
household's grid).

Issuing answers with the printable card at once, PIN included: the PIN is shown this one time and
never kept, so the sheet is sent with ``Cache-Control: no-store``. A reprint shows the QR code and
number without the PIN; a household that lost its PIN gets a new card (reissue).
"""
from __future__ import annotations

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core import audit
from core.auth.decorators import requires
from core.db import db
from core.errors import ApiError
from core.grid.models import Grid, GridStatus
from core.grid.queries import load_grid
from core.grid.scope import subtree_condition, visible
from core.people import access
from core.people.models import Household
from core.residents import cards, printing
from core.residents.models import HouseholdCard

bp = Blueprint("cards", __name__, url_prefix="/t/<tenant>/people")
PERMISSION = "people.cards"
BATCH_LIMIT = 500  # households per sheet; a larger grid prints per sub-grid


def _household(household_id: int) -> Household:
    household = access.household_or_404(household_id)
    access.require_reach(household.grid_id, PERMISSION)
    return household


def _sheet(pairs, title: str, status: int = 200):
    resp = make_response(render_template("residents/card_sheet.html", faces=printing.card_faces(pairs), title=title),
                         status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/households/<int:household_id>/card")
@requires(PERMISSION)
def issue(household_id: int):
    """Issue a card, or reissue one (the old card and its phones stop working); the printable card."""
    household = _household(household_id)
    card, pin = cards.issue_card(g.tenant, household, current_user.id)
    resp = _sheet([(card, pin)], _("户码卡 %(address)s", address=household.address))
    db.session.commit()
    return resp


@bp.post("/households/<int:household_id>/card/revoke")
@requires(PERMISSION)
def revoke(household_id: int):
    household = _household(household_id)
    card = cards.active_card(household.id)
    if card is None:
        raise ApiError(409, "no_active_card", _("本户没有有效的户码卡"))
    cards.revoke_card(g.tenant, card, current_user.id)
    db.session.commit()
    return redirect(url_for("people.household_page", household_id=household.id) + "#card", 303)


@bp.get("/households/<int:household_id>/card/print")
@requires(PERMISSION)
def reprint(household_id: int):
    """The active card again, without its PIN (not kept)."""
    household = _household(household_id)
    card = cards.active_card(household.id)
    if card is None:
        raise ApiError(404, "not_found", _("本户没有有效的户码卡"))
    resp = _sheet([(card, None)], _("户码卡 %(address)s", address=household.address))
    audit.record("residents.card.print", card, after={"pin": False})
    db.session.commit()
    return resp


@bp.get("/cards")
@requires(PERMISSION)
def batch_form():
    """Choose a grid to print its households' cards."""
    grids = db.session.execute(select(Grid.id, Grid.name, Grid.level).where(
        visible(Grid.id, PERMISSION), Grid.status == GridStatus.active).order_by(Grid.path)).all()
    return render_template("residents/cards_batch.html", grids=grids)


@bp.post("/cards/print")
@requires(PERMISSION)
def batch_print():
    """Cards of every household in a grid's subtree, on one A4 sheet: ``mode=missing`` issues cards
    to households without one (PINs printed), ``mode=all`` reissues every card (new PINs), and
    ``mode=reprint`` prints the active cards again without PINs."""
    raw, mode = request.form.get("grid_id", ""), request.form.get("mode", "missing")
    grid = load_grid(int(raw) if raw.isdigit() else None, PERMISSION, field="grid_id")
    if mode not in ("missing", "all", "reprint"):
        raise ApiError(422, "validation_error", _("打印方式有误"), {"mode": [_("须为 missing、all 或 reprint")]})
    households = db.session.scalars(select(Household).where(subtree_condition(Household.grid_id, [grid.id]))
                                    .order_by(Household.grid_id, Household.number, Household.id)).all()
    if len(households) > BATCH_LIMIT:
        raise ApiError(422, "validation_error", _("该网格住户超过 %(n)s 户，请按下级网格分批打印", n=BATCH_LIMIT),
                       {"grid_id": [_("住户过多")]})
    active = {c.household_id: c for c in db.session.scalars(select(HouseholdCard).where(
        HouseholdCard.household_id.in_([h.id for h in households]), HouseholdCard.status == "active"))}
    pairs = []
    for household in households:
        card = active.get(household.id)
        if mode == "reprint":
            if card is not None:
                pairs.append((card, None))
                audit.record("residents.card.print", card, after={"pin": False})
        elif mode == "all" or card is None:
            pairs.append(cards.issue_card(g.tenant, household, current_user.id))
    resp = _sheet(pairs, _("%(grid)s 户码卡", grid=grid.name))
    db.session.commit()
    return resp
