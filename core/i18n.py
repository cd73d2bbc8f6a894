"""Languages (语言): Simplified Chinese by default, English on request (``?lang=en`` or cookie)."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
babel = Babel()


def select_locale() -> str:
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in LANGUAGES:
        return lang
    if lang and lang.startswith("zh"):
        return "zh_Hans_CN"
    return "zh_Hans_CN"


def init_app(app: Flask) -> None:
    import os

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", os.path.join(os.path.dirname(__file__), "translations"))
    babel.init_app(app, locale_selector=select_locale)

    @app.after_request
    def _remember_language(resp):
        lang = request.args.get("lang")
        if lang in LANGUAGES:
            resp.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
        return resp

    @app.context_processor
    def _language():
        from flask_babel import get_locale

        return {"current_lang": str(get_locale()), "LANGUAGES": LANGUAGES}
