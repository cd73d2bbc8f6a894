"""Sign-in API: ``/api/v1/auth/login``, ``logout``, ``me`` and ``password``."""
from __future__ import annotations

from flask import Blueprint, Flask, g, jsonify
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from core.api import doc, load
from core.auth.decorators import authenticated, public
from core.auth.schemas import LoginSchema, PasswordChangeSchema, UserSchema
from core.auth.service import authenticate, change_password as change_own_password, sign_out_everywhere
from core.db import db

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth")


@bp.post("/login")
@public
@doc("Sign in with username or mobile and password; sets the session cookie",
     request_schema=LoginSchema, response_schema=UserSchema, tags=["auth"])
def login():
    data = load(LoginSchema)
    user = authenticate(data["login"], data["password"])
    login_user(user, remember=data["remember"])
    db.session.commit()
    return jsonify({**UserSchema().dump(user), "csrf_token": generate_csrf()})


@bp.post("/logout")
@authenticated
@doc("Sign out", tags=["auth"])
def logout():
    if not g.get("via_token"):
        sign_out_everywhere(current_user._get_current_object())
        db.session.commit()
    logout_user()
    return jsonify({"ok": True})


@bp.get("/me")
@authenticated
@doc("The signed-in user", response_schema=UserSchema, tags=["auth"])
def me():
    return jsonify(UserSchema().dump(current_user))


@bp.post("/password")
@authenticated
@doc("Change my password (required after an admin reset); other sessions are signed out",
     request_schema=PasswordChangeSchema, response_schema=UserSchema, tags=["auth"])
def change_password():
    data = load(PasswordChangeSchema)
    user = current_user._get_current_object()
    change_own_password(user, data["current_password"], data["new_password"])
    db.session.commit()
    if not g.get("via_token"):
        login_user(user)  # the session version moved on; keep this session signed in
    return jsonify({**UserSchema().dump(user), "csrf_token": generate_csrf()})


def init_app(app: Flask) -> None:
    from core.auth import admin_views, audit_views, pages, pages_admin, token_views

    app.register_blueprint(bp)
    for blueprint in (admin_views.bp, token_views.bp, audit_views.bp, pages.bp, pages_admin.bp):
        app.register_blueprint(blueprint)
