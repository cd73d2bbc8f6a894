"""Languages (语言): Simplified Chinese by default, English on request.

``?lang=en`` (or ``?lang=zh_Hans_CN``) switches and is remembered in the ``lang`` cookie for a
year. Messages are written in Chinese in the code and templates (``_("登录")``); the English
catalogue is ``core/translations/en/LC_MESSAGES/messages.po`` (compiled ``.mo`` beside it). A
plugin with a ``translations/`` folder brings its own catalogue, merged with core's
(:func:`translation_directories`; docs/plugins.md, "Translations").
Updating it is described in ``docs/console.md``::

    pybabel extract -F babel.cfg -o core/translations/messages.pot --no-location --sort-output core
    pybabel update -i core/translations/messages.pot -d core/translations -l en --no-fuzzy-matching
    pybabel compile -d core/translations

Labels kept in Chinese in code, stored data and API output (a resident's status, a duty, the
default level names) are marked with :func:`N_` where they are defined and translated where a page
shows them (``{{ _(p.status_label) }}``).
"""
from __future__ import annotations

import os
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import Babel

LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
DEFAULT = "zh_Hans_CN"
CORE_TRANSLATIONS = os.path.join(os.path.dirname(__file__), "translations")
babel = Babel()


def N_(message: str) -> str:
    """Mark ``message`` for extraction (``pybabel extract`` knows ``N_``) and return it unchanged."""
    return message


def select_locale() -> str:
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in LANGUAGES:
        return lang
    return DEFAULT


def lang_url(lang: str) -> str:
    """The current page in ``lang``: same path and query, ``lang`` replaced. After a form post
    to a URL that has no page of its own (e.g. ``…/settings``), the tenant's home or ``/``."""
    from flask import current_app, g
    from werkzeug.exceptions import HTTPException

    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    path = request.path
    if request.method != "GET":
        try:
            current_app.url_map.bind("localhost").match(path, method="GET")
        except HTTPException:
            tenant = g.get("tenant")
            path, args = (f"/t/{tenant.slug}/" if tenant is not None else "/"), []
    return path + "?" + urlencode(args + [("lang", lang)])


def translation_directories(app: Flask) -> str:
    """``BABEL_TRANSLATION_DIRECTORIES``: each loaded plugin's ``translations/`` folder, then core's.

    Flask-Babel merges the catalogues in this order, a later one overriding an earlier one, so for
    the same Chinese message core's English wins: a plugin cannot change the core pages' English.
    """
    registry = app.extensions.get("gridgov.plugins")
    plugins = [] if registry is None else sorted(registry.plugins.items())
    found = [str(p.translations_dir) for _name, p in plugins if not p.broken and p.translations_dir is not None]
    return ";".join(found + [CORE_TRANSLATIONS])


def init_app(app: Flask) -> None:
    """Languages for ``app``; call after the plugin registry is built (its catalogues are read here)."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories(app))
    babel.init_app(app, locale_selector=select_locale)

    @app.after_request
    def _remember_language(resp):
        lang = request.args.get("lang")
        if lang in LANGUAGES and request.cookies.get("lang") != lang:
            resp.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        return resp

    @app.context_processor
    def _language():
        from flask_babel import get_locale

        current = str(get_locale())
        return {"current_lang": current, "LANGUAGES": LANGUAGES, "lang_url": lang_url,
                "other_lang": DEFAULT if current == "en" else "en"}
    # times in pages: the tenant's wall time (Beijing by default), never the stored UTC
    from core.localtime import format_local

    app.jinja_env.filters["local"] = lambda value, fmt="%Y-%m-%d %H:%M": format_local(value, fmt)
    app.jinja_env.filters["localdate"] = lambda value: format_local(value, "%Y-%m-%d")

    # a rate with what it is made of (办结率 92.9% · 13/14), or "—" when nothing counts yet
    from markupsafe import Markup, escape

    def ratio(numerator, denominator, digits: int = 1):
        if not denominator:
            return Markup('<span class="rate" title="0/0">—</span>')
        percent = f"{numerator / denominator * 100:.{digits}f}%"
        part = f"{int(numerator)}/{int(denominator)}"
        return Markup(f'<span class="rate" title="{escape(part)}">{escape(percent)}<small class="rate-parts"> {escape(part)}</small></span>')

    app.jinja_env.globals["ratio"] = ratio
