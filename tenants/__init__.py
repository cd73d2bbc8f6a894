"""Onboarding and the tenant lifecycle: manifests, counties, townships, modules per tenant."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from tenants.api import bp

    app.register_blueprint(bp)
