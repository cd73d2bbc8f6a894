"""The five-star inbox page (站内提醒): the signed-in user's reminders, marked read by hand."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core.toolkit import db, gettext as _, requires
from plugins.five_star import reminders
from plugins.five_star.permissions import READ

bp = Blueprint("five_star_inbox_pages", __name__, url_prefix="/t/<tenant>/five_star/inbox", template_folder="templates")


@bp.get("/")
@requires(READ)
def inbox():
    notices = reminders.inbox()
    return render_template("five_star/inbox.html", notices=notices, texts=reminders.shown(notices), year=None)


@bp.post("/read")
@requires(READ)
def mark_read():
    ids = [int(x) for x in request.form.getlist("notice_ids") if x.isdigit()]
    n = reminders.mark_read(None if request.form.get("all") == "1" else ids)
    db.session.commit()
    flash(_("已标为已读 %(n)s 条", n=n), "ok")
    return redirect(url_for(".inbox"))
