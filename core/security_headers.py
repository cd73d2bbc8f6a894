"""Security headers on every response (安全响应头).

* ``Content-Security-Policy``: scripts and everything else from this server only, no inline
  script (pages use static files), images also as ``data:`` URLs (QR codes), no framing, forms post
  only here. Inline ``style`` attributes stay allowed: they carry no code.
* ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``; ``nosniff``;
  ``Referrer-Policy: same-origin`` so a tracking link or card token never leaks to another site.
* ``Strict-Transport-Security`` outside development and testing (production sits behind https).
* ``Cache-Control: no-store`` on every page and API answer (they carry residents' data or a
  signed-in user's view); static assets keep their normal caching.
"""
from __future__ import annotations

from flask import Flask, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def init_app(app: Flask) -> None:
    hsts = app.config.get("GRIDGOV_ENV") == "production"

    @app.after_request
    def _headers(resp):
        headers = resp.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        static = request.endpoint == "static" or (request.endpoint or "").endswith(".static")
        if not static:
            headers["Cache-Control"] = "no-store"
        return resp
