"""Routes of the hello module: one page, one API endpoint."""
from __future__ import annotations

from flask import Blueprint, g, jsonify
from markupsafe import escape

from core.api import doc
from core.auth import requires
from plugins.hello.services import greeting

bp = Blueprint("hello", __name__)


@bp.get("/api/v1/t/<tenant>/hello")
@requires("hello.read")
@doc("This township's greeting", tags=["hello"])
def api_greeting():
    return jsonify({"greeting": greeting(g.tenant)})


@bp.get("/t/<tenant>/hello/")
@requires("hello.read")
def page():
    return f"<!doctype html><meta charset=utf-8><title>问候</title><p>{escape(greeting(g.tenant))}</p>"
