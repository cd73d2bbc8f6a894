"""Accounts, sign-in, roles and permissions (账号与权限)."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from core.auth.decorators import authenticated, public, requires, resident, rule_of
from core.auth.guard import current_access

login_manager = LoginManager()
csrf = CSRFProtect()

__all__ = ["authenticated", "public", "requires", "resident", "rule_of", "current_access", "login_manager", "csrf", "init_app"]


def init_app(app: Flask) -> None:
    from core.auth import guard, throttle, views
    from core.db import db
    from core.models import User

    # "remember me" lasts two weeks, not flask-login's default year
    app.config.setdefault("REMEMBER_COOKIE_DURATION", dt.timedelta(days=14))
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "web.login"

    @login_manager.user_loader
    def _load_user(user_id: str):
        try:
            uid, version = (int(x) for x in user_id.split(":"))
        except ValueError:
            return None
        user = db.session.get(User, uid)
        if user is None or not user.active or user.session_version != version:
            return None
        return user

    csrf.init_app(app)
    throttle.init_app(app)
    guard.init_app(app)
    views.init_app(app)
