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

Each message exists once per language: never "中文 (english)" in one string. Messages that are
fixed when a module is imported (a schema's ``error=``, a table of status messages) are written
``N_("…")`` and translated on their way out: :func:`localise_errors` does it for every error
answer (``core.errors``) and every console form (``core.console.forms``), and also turns
marshmallow's own English messages ("Not a valid integer.") into the catalogue's Chinese msgids,
so a schema needs nothing special. Pages follow ``?lang=`` and the ``lang`` cookie; API requests
also follow ``Accept-Language``; the command line follows ``--lang`` or ``GRIDGOV_LANG`` (Chinese
by default).
"""
from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlencode

from flask import Flask, has_request_context, request
from flask_babel import Babel, gettext

LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
DEFAULT = "zh_Hans_CN"
CORE_TRANSLATIONS = os.path.join(os.path.dirname(__file__), "translations")
babel = Babel()


def N_(message: str) -> str:
    """Mark ``message`` for extraction (``pybabel extract`` knows ``N_``) and return it unchanged."""
    return message


def select_locale() -> str:
    if not has_request_context():  # the command line, a background job
        return cli_language()
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in LANGUAGES:
        return lang
    if request.path.startswith("/api/"):
        best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"])
        if best == "en":
            return "en"
    return DEFAULT


def cli_language() -> str:
    """The command line's language: ``GRIDGOV_LANG`` (``--lang`` sets it), else Chinese."""
    lang = os.environ.get("GRIDGOV_LANG", "")
    if lang.lower().startswith("en"):
        return "en"
    return DEFAULT


# marshmallow's own English messages, as the catalogue's Chinese msgids (whose English is
# marshmallow's text again): pattern, msgid, the names of the pattern's groups
MARSHMALLOW = [(re.compile(pattern), msgid, names) for pattern, msgid, names in (
    (r"Not a valid integer\.", N_("须为整数"), ()),
    (r"Not a valid number\.", N_("须为数字"), ()),
    (r"Not a valid boolean\.", N_("须为是或否"), ()),
    (r"Not a valid string\.", N_("须为文本"), ()),
    (r"Not a valid email address\.", N_("须为有效的电子邮箱"), ()),
    (r"Not a valid URL\.", N_("须为有效的网址"), ()),
    (r"Not a valid date\.", N_("须为有效的日期"), ()),
    (r"Not a valid datetime\.", N_("须为有效的日期时间"), ()),
    (r"Not a valid time\.", N_("须为有效的时间"), ()),
    (r"Not a valid list\.", N_("须为列表"), ()),
    (r"Not a valid tuple\.", N_("须为元组"), ()),
    (r"Not a valid UUID\.", N_("须为有效的 UUID"), ()),
    (r"Not a valid mapping type\.", N_("须为 JSON 对象"), ()),
    (r"Not a valid period of time\.", N_("须为有效的时长"), ()),
    (r"Number too large\.", N_("数值过大"), ()),
    (r"Special numeric values \(nan or infinity\) are not permitted\.", N_("不允许 NaN 或无穷大"), ()),
    (r"Invalid input type\.", N_("输入类型有误"), ()),
    (r"Invalid type\.", N_("类型有误"), ()),
    (r"Invalid input\.", N_("输入无效"), ()),
    (r"Missing data for required field\.", N_("必填"), ()),
    (r"Field may not be null\.", N_("不能为空"), ()),
    (r"Unknown field\.", N_("未知字段"), ()),
    (r"Invalid value\.", N_("取值无效"), ()),
    (r"String does not match expected pattern\.", N_("格式不符合要求"), ()),
    (r"Length must be between (\S+) and (\S+)\.", N_("长度须在 %(min)s 到 %(max)s 之间"), ("min", "max")),
    (r"Shorter than minimum length (\S+)\.", N_("长度不能少于 %(min)s"), ("min",)),
    (r"Longer than maximum length (\S+)\.", N_("长度不能超过 %(max)s"), ("max",)),
    (r"Length must be (\S+)\.", N_("长度须为 %(equal)s"), ("equal",)),
    (r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.", N_("须在 %(min)s 到 %(max)s 之间"),
     ("min", "max")),
    (r"Must be greater than (\S+) and less than (\S+)\.", N_("须大于 %(min)s 且小于 %(max)s"), ("min", "max")),
    (r"Must be greater than or equal to (\S+) and less than (\S+)\.", N_("须不小于 %(min)s 且小于 %(max)s"),
     ("min", "max")),
    (r"Must be greater than (\S+) and less than or equal to (\S+)\.", N_("须大于 %(min)s 且不大于 %(max)s"),
     ("min", "max")),
    (r"Must be greater than or equal to (\S+)\.", N_("不能小于 %(min)s"), ("min",)),
    (r"Must be less than or equal to (\S+)\.", N_("不能大于 %(max)s"), ("max",)),
    (r"Must be greater than (\S+)\.", N_("须大于 %(min)s"), ("min",)),
    (r"Must be less than (\S+)\.", N_("须小于 %(max)s"), ("max",)),
    (r"Must be one of: (.+)\.", N_("须为以下之一：%(choices)s"), ("choices",)),
    (r"Not a valid (\w+)\.", N_("须为有效的 %(kind)s"), ("kind",)),
)]


def localise_message(message: Any) -> str:
    """One message in the current language: marshmallow's English through :data:`MARSHMALLOW`,
    a Chinese msgid (``N_``-marked, or already translated) through the catalogue."""
    text = str(message)
    for pattern, msgid, names in MARSHMALLOW:
        match = pattern.fullmatch(text)
        if match:
            return gettext(msgid, **dict(zip(names, match.groups())))
    return gettext(text) if text else text


def localise_errors(messages: Any) -> Any:
    """marshmallow's ``ValidationError.messages`` (or an error body's ``fields``), same shape,
    every message in the current language."""
    if isinstance(messages, dict):
        return {key: localise_errors(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [localise_errors(value) for value in messages]
    if isinstance(messages, str):
        return localise_message(messages)
    return messages


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
    # a field's problems (a list, or one message) in the page's language
    from core.console.forms import refused

    app.jinja_env.globals["refused"] = refused
    app.jinja_env.filters["localise"] = lambda messages: (
        [localise_message(m) for m in messages] if isinstance(messages, (list, tuple)) else [localise_message(messages)])
