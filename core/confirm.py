"""Confirmation before a destructive action (操作确认): merging grids, archiving one, removing a
party organisation, anything that cannot simply be undone.

A page view calls :func:`confirm_first` before acting. The first post (without ``confirmed=1``)
stops there: nothing is done, and the user sees a page naming what will happen, with the same
form fields carried along and two buttons, the dangerous one labelled with the action. Posting
that page repeats the request with ``confirmed=1`` and the view goes on. No script is needed, so
it works on any phone and with JavaScript off.
"""
from __future__ import annotations

from flask import Flask, render_template, request


class ConfirmationNeeded(Exception):
    def __init__(self, title: str, consequences: list[str], action: str, cancel_url: str | None):
        super().__init__(title)
        self.title, self.consequences, self.action, self.cancel_url = title, consequences, action, cancel_url


def confirm_first(title: str, consequences: list[str], action: str, cancel_url: str | None = None) -> None:
    """Return when the user has confirmed; otherwise stop the request with the confirmation page.

    :param title: the question, e.g. 「确认将「一组」合并到「二组」？」
    :param consequences: what will happen, one sentence each
    :param action: the label of the confirming button (e.g. 确认合并)
    """
    if request.form.get("confirmed") == "1":
        return
    raise ConfirmationNeeded(title, consequences, action, cancel_url or request.referrer)


def init_app(app: Flask) -> None:
    @app.errorhandler(ConfirmationNeeded)
    def _ask(exc: ConfirmationNeeded):
        from core.db import db

        db.session.rollback()  # nothing of the unconfirmed request is kept
        carried = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
        return render_template("core/confirm.html", title=exc.title, consequences=exc.consequences,
                               action=exc.action, cancel_url=exc.cancel_url, carried=carried, target=request.path), 200
