"""The residents' portal pages (群众端), ``/r/<tenant>/...``: phone-first, large type, no script.

* ``card/<token>``: where a household card's QR code leads; asks the PIN once per phone;
* ``signin``: the same with the card number typed in;
* the home page (``@resident``): the household, its grid and grid worker, the modules' sections;
* ``signout``: forget this phone.

Handlers load → check → act; the checks and writes are in :mod:`core.residents.signin`.
"""
from __future__ import annotations

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.auth.decorators import public, resident
from core.db import db
from core.residents import cards, signin, summary

bp = Blueprint("residents", __name__, url_prefix="/r/<tenant>")


def _next_url() -> str:
    """Where to go after signing in: a portal page of this township, else its home."""
    target = request.values.get("next") or ""
    prefix = f"/r/{g.tenant.slug}/"
    if target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target
    return url_for("residents.home")


def _page(template: str, status: int = 200, **context):
    resp = make_response(render_template(template, **context), status)
    resp.headers["Cache-Control"] = "no-store"
    if status == 429 and context.get("retry_after"):
        resp.headers["Retry-After"] = str(context["retry_after"])
    return resp


def _sign_in(found, via: str, template: str, **context):
    """Check the posted PIN for card ``found``; signed in → the home page with the device cookie."""
    from core.auth import csrf

    csrf.protect()
    try:
        card = signin.check_pin(found, request.form.get("pin", ""), via)
    except signin.SignInRefused as exc:
        return _page(template, exc.status, error=exc.message, retry_after=exc.retry_after, **context)
    resp = redirect(_next_url(), 303)
    signin.sign_in_device(g.tenant, card, via, resp)
    db.session.commit()
    return resp


@bp.route("/card/<token>", methods=["GET", "POST"])
@public
def card_link(token: str):
    """The QR code of a household card: the PIN once, then the portal (already signed in: straight
    there). An unknown or revoked card, or one of another township, shows the card-number form."""
    card = cards.card_by_token(token)
    if card is None:
        return _page("residents/sign_in.html", 404, error=_("此二维码无效或已停用，请输入卡号和密码，或联系网格员。"),
                     number="")
    found = signin.resident_session(g.tenant)
    if found is not None and found[0].id == card.id:
        return redirect(url_for("residents.home"), 303)
    if request.method == "GET":
        return _page("residents/pin.html", card=card)
    return _sign_in(card, "qr", "residents/pin.html", card=card)


@bp.route("/signin", methods=["GET", "POST"])
@public
def sign_in():
    """Card number and PIN typed in (no QR code at hand)."""
    if request.method == "GET":
        if signin.resident_session(g.tenant) is not None:
            return redirect(_next_url(), 303)
        return _page("residents/sign_in.html", number="")
    number = request.form.get("number", "")
    clean = cards.clean_number(number)
    if clean is None:
        from core.auth import csrf

        csrf.protect()
        return _page("residents/sign_in.html", 422, number=number,
                     error=_("卡号应为 8 位数字，请对照卡片重新输入。"))
    return _sign_in(cards.card_by_number(clean), "number", "residents/sign_in.html", number=number)


@bp.get("/")
@resident
def home():
    """The household's page: members, grid and who to call, then every enabled module's section."""
    household, card = g.household, g.resident_card
    sections, actions = summary.module_parts(g.tenant, household, card)
    grid = household.grid
    return _page("residents/home.html", household=household, card=card, members=summary.members(household),
                 path=summary.grid_path(grid), contacts=summary.contacts(grid), sections=sections, actions=actions)


@bp.post("/signout")
@resident
def sign_out():
    resp = redirect(url_for("residents.sign_in"), 303)
    signin.sign_out_device(g.tenant, resp)
    db.session.commit()
    return resp
