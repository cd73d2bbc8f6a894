"""Sign-in API: ``/api/v1/auth/login``, ``logout`` and ``me``."""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from core.api import doc, load
from core.auth.decorators import authenticated, public
from core.auth.schemas import LoginSchema, UserSchema
from core.auth.service import authenticate
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
    logout_user()
    return jsonify({"ok": True})


@bp.get("/me")
@authenticated
@doc("The signed-in user", response_schema=UserSchema, tags=["auth"])
def me():
    return jsonify(UserSchema().dump(current_user))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
