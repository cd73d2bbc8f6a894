"""One language per page (一页一种语言): a Chinese page says nothing in English, and an error
answers in the request's language, naming the field in a stable machine word.

The console is walked like the cross-tenant probe walks it (every GET route of a township whose
modules are all on, filled with that township's own ids), so new pages are checked without anyone
listing them here. What counts as English is a heuristic: two or more words of Latin letters in a
row, outside code, ids, usernames and the technical words a Chinese page uses as they are
(API, QR, CSV, xlsx, URL, PIN...)."""
from __future__ import annotations

import html as htmlmod
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.conftest import unique
from tests.core.test_cross_tenant_probe import PROBED_MODULES, _issue_card, _sign_in_phone, _township_a, _url

# words a Chinese page writes in Latin letters on purpose
TECHNICAL = {
    "api", "qr", "csv", "xlsx", "xls", "url", "pin", "json", "id", "ids", "pdf", "http", "https", "sms", "csrf",
    "open", "utc", "gb", "kb", "mb", "ok", "excel", "wps", "token", "bearer", "png", "jpg", "jpeg", "webp",
    "gridgov", "english", "post", "get", "put", "patch", "delete", "yaml", "cli", "ip", "app", "ui", "sql",
    "sqlite", "postgresql", "redis", "www", "com", "cn", "gov", "org", "http", "v", "t", "r", "am", "pm", "n", "a",
    "b", "c", "d", "x", "y", "z", "tab", "enter", "esc", "authorization", "nan", "uuid", "e", "f", "g", "h", "i", "j", "k", "l", "m", "o", "p", "q", "s", "u", "w",
}
# text of these elements is code or data, not prose
SKIPPED = re.compile(r"<(script|style|code|pre|kbd|samp|textarea|svg|template)\b.*?</\1>", re.S | re.I)
ATTRIBUTE = re.compile(r"""\b(?:title|placeholder|aria-label|alt|data-confirm)\s*=\s*(["'])(.*?)\1""", re.S | re.I)
WORDS = re.compile(r"[A-Za-z]+(?:[ \t\u00a0]+[A-Za-z]+)+")
# a lone English word glossing Chinese beside it: "事件办理 Incidents", "导入 (import)"
GLOSS = re.compile(r"[\u4e00-\u9fff][ \t\u00a0]*[(（]?[ \t\u00a0]*([A-Za-z]{3,})\b(?![._\w-])|(?<![._\w/-])([A-Za-z]{3,})[)）]?[ \t\u00a0]*[\u4e00-\u9fff]")


def english_runs(text: str, data=(), gloss: bool = True) -> list[str]:
    """Runs of two or more non-technical English words in ``text`` (data such as usernames left
    out), and with ``gloss`` a lone English word beside Chinese ("事件办理 Incidents")."""
    for item in sorted(data, key=len, reverse=True):
        if item:
            text = text.replace(item, " ")
    found = []
    for match in WORDS.finditer(text):
        run: list[str] = []
        for word in match.group(0).split():
            if word.lower() in TECHNICAL:
                if len(run) >= 2:
                    found.append(" ".join(run))
                run = []
            else:
                run.append(word)
        if len(run) >= 2:
            found.append(" ".join(run))
    for match in GLOSS.finditer(text) if gloss else ():
        word = match.group(1) or match.group(2)
        if word.lower() not in TECHNICAL and not any(word in run for run in found):
            found.append(word)
    return found


def visible_text(page: str) -> str:
    """What a reader sees of ``page``: its text and its titles, placeholders and alt texts."""
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    page = SKIPPED.sub(" ", page)
    attributes = " \n ".join(m.group(2) for m in ATTRIBUTE.finditer(page))
    text = re.sub(r"<[^>]+>", "\n", page)
    return htmlmod.unescape(text + "\n" + attributes)


def json_texts(value) -> list[str]:
    """Every string inside an error body's ``message`` and ``fields``."""
    if isinstance(value, dict):
        return [t for v in value.values() for t in json_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in json_texts(v)]
    return [value] if isinstance(value, str) else []


def test_english_runs_heuristic():
    assert english_runs("导入居民 (Import residents)") == ["Import residents"]
    assert english_runs("事件办理 Incidents") == ["Incidents"]
    assert english_runs("共 3 条，Excel 文件") == []
    assert english_runs("下载 CSV 或 xlsx，扫描 QR 码，API 令牌") == []
    assert english_runs("String does not match expected pattern.") == ["String does not match expected pattern"]
    assert english_runs("用户 admin zhang 已停用", data=["admin zhang"]) == []


@pytest.fixture
def township(app, create_tenant, create_user, enable_module, api_as):
    town, values = _township_a(create_tenant, create_user, enable_module, api_as)
    return town, values, api_as(create_user(roles=[(town, "township_admin")]))


def _data_of(town, values, admin) -> list[str]:
    """What the township typed and the test generated: shown as it is, whatever its letters."""
    return [town.slug, town.name, admin.user.username, str(values.get("grid_code", ""))]


def test_every_console_page_is_chinese_only(app, township):
    town, values, api = township
    _sign_in_phone(api.client, _issue_card(api, town, values["household_id"]))
    data = _data_of(town, values, api)
    problems, seen, statuses = [], 0, {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or set()) or rule.rule.startswith(("/api/", "/static")):
            continue
        url = _url(rule, town.slug, {**values, "token": values["card_token"]} if rule.rule.startswith("/r/") else values)
        resp = api.get(url)
        statuses[url] = (resp.status_code, resp.content_type)
        if "html" not in (resp.content_type or "") or 300 <= resp.status_code < 400:
            continue
        seen += 1
        found = english_runs(visible_text(resp.get_data(as_text=True)), data)
        if found:
            problems.append(f"GET {url} ({resp.status_code}): {sorted(set(found))}")
    assert seen > 80, (seen, statuses)
    assert not problems, "English on Chinese pages:\n" + "\n".join(problems)


def test_every_county_and_platform_page_is_chinese_only(app, create_county, create_tenant, create_user, api_as):
    """The county's and the platform admin's consoles, walked the same way."""
    county = create_county()
    town = create_tenant(county=county, modules=PROBED_MODULES)
    problems, seen = [], 0
    for api in (api_as(create_user(roles=[(county, "county_admin")])), api_as(create_user(platform_admin=True))):
        data = [county.slug, county.name, town.slug, town.name, api.user.username]
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in (rule.methods or set()) or rule.rule.startswith(("/api/", "/static", "/r/")):
                continue
            url = _url(rule, county.slug, {"slug": town.slug})
            resp = api.get(url)
            if "html" not in (resp.content_type or "") or 300 <= resp.status_code < 400:
                continue
            seen += resp.status_code == 200
            found = english_runs(visible_text(resp.get_data(as_text=True)), data)
            if found:
                problems.append(f"GET {url} as {api.user.username} ({resp.status_code}): {sorted(set(found))}")
    assert seen > 10, seen
    assert not problems, "English on Chinese pages:\n" + "\n".join(problems)


def test_every_bad_input_answers_in_chinese_only(app, township):
    """Each write, console form or API, sent an empty or ill-typed body: its error says it in Chinese."""
    town, values, api = township
    data = _data_of(town, values, api)
    problems, seen = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "tenant" not in rule.arguments or rule.rule.startswith("/r/"):
            continue
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH"}):
            url = _url(rule, town.slug, values)
            for body in _bad_bodies(url):
                resp = getattr(api, method.lower())(url, **body)
                if resp.status_code < 400 or resp.status_code == 404:
                    continue
                seen += 1
                if resp.is_json and isinstance(resp.get_json(), dict):
                    texts = json_texts(resp.get_json().get("error", {}).get("message")) + json_texts(
                        resp.get_json().get("error", {}).get("fields"))
                    found = [r for t in texts for r in english_runs(t, data)]
                else:
                    found = english_runs(visible_text(resp.get_data(as_text=True)), data)
                if found:
                    problems.append(f"{method} {url} {body} ({resp.status_code}): {sorted(set(found))}")
    assert seen > 50, seen
    assert not problems, "English in Chinese error answers:\n" + "\n".join(problems)


def _bad_bodies(url: str) -> list[dict]:
    if url.startswith("/api/"):
        wrong = {k: "x" * 3 for k in ("name", "description", "title", "content", "reason", "note", "address")}
        wrong.update({k: "abc" for k in ("grid_id", "person_id", "household_id", "category_id", "points", "price",
                                         "stock", "id_number", "mobile", "phone", "date", "starts_at", "ends_at")})
        return [{"json": {}}, {"json": wrong}]
    return [{"data": {"x": ""}}, {"data": {"grid_id": "abc", "person_id": "abc", "name": "x", "mobile": "12",
                                           "description": "", "points": "many"}}]


def test_api_errors_follow_the_requests_language(township):
    town, values, api = township
    base = f"/api/v1/t/{town.slug}"
    zh = api.post(f"{base}/people", json={"household_id": "abc"})
    en = api.post(f"{base}/people", json={"household_id": "abc"}, headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 422
    zh_error, en_error = zh.get_json()["error"], en.get_json()["error"]
    assert zh_error["code"] == en_error["code"] == "validation_error"
    assert set(zh_error["fields"]) == set(en_error["fields"]) >= {"household_id", "name"}
    assert zh_error["message"] == "输入有误" and en_error["message"] == "Invalid input"
    assert zh_error["fields"]["household_id"] == ["须为整数"]
    assert en_error["fields"]["household_id"] == ["Not a valid integer."]
    assert zh_error["fields"]["name"] == ["必填"] and en_error["fields"]["name"] == ["Missing data for required field."]
    missing = api.get(f"{base}/incidents/{10**6}", headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()["error"]
    assert missing["code"] == "not_found" and missing["message"] == "no such incident"
    assert api.get(f"{base}/incidents/{10**6}").get_json()["error"]["message"] == "事件不存在"


ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = [ROOT / "core", ROOT / "tenants", *sorted(p.parent for p in (ROOT / "plugins").glob("*/translations"))]


@pytest.mark.parametrize("package", CATALOGUES, ids=lambda p: p.name)
def test_every_message_in_the_code_has_english(package):
    """Extracted afresh from the code (not from the committed .pot, which may be stale): every
    Chinese message of core, tenants and each plugin has its English, and none glosses itself."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    wanted = {(context, msgid if isinstance(msgid, str) else msgid[0])
              for _file, _line, msgid, _comments, context in extract_from_dir(
                  str(package), method_map, options_map, keywords={**DEFAULT_KEYWORDS, "N_": None})}
    with (package / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        english = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m.string
                   for m in read_po(fh) if m.id}
    missing = sorted((msgid for key in wanted if not english.get(key) for msgid in [key[1]]), key=str)
    assert not missing, f"extract, update and translate (docs/plugins.md, Translations): {missing}"
    mixed = sorted(msgid for _context, msgid in wanted if english_runs(msgid, gloss=False))
    assert not mixed, f"a message in both languages; write the Chinese only, the English goes in messages.po: {mixed}"


def test_a_refused_sign_in_follows_the_pages_language(app, create_user):
    user = create_user(unique("signin"))
    from tests.core.residents.conftest import csrf_of

    client = app.test_client()
    for lang, wanted in (("zh_Hans_CN", "用户名或密码错误"), ("en", None)):
        page = client.get(f"/login?lang={lang}")
        resp = client.post(f"/login?lang={lang}", data={"csrf_token": csrf_of(page.data), "login": user.username,
                                                         "password": "wrong-password-1"})
        assert resp.status_code == 401
        text = visible_text(resp.get_data(as_text=True))
        if wanted:
            assert wanted in text and not english_runs(text, [user.username])
        else:
            assert "用户名或密码错误" not in text


# what a message writes in Latin letters as it is: placeholders, `code`, dotted names, paths, queries
_CODE = re.compile(r"%\(\w+\)[-+ #0]*\d*(?:\.\d+)?[sdfgr]|`[^`]*`|\{[^}]*\}|\S*[./_=?&:]\S*")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _literals(path: Path):
    """Each string literal of ``path`` but docstrings, an f-string with ``{…}`` for its values."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    inside_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
              and id(node) not in inside_fstrings):
            yield node.lineno, node.value


SOURCES = [ROOT / "core", ROOT / "tenants", ROOT / "plugins", ROOT / "examples"]


def test_no_string_in_the_code_says_it_in_both_languages():
    """An error message, a help text or an OpenAPI summary is written in one language: never
    "中文 (english)" nor "English (中文)" (docstrings and comments may gloss, for the reader)."""
    mixed = []
    for base in SOURCES:
        for path in sorted(base.rglob("*.py")):
            if "migrations" in path.parts or ".venv" in path.parts:
                continue
            for line, text in _literals(path):
                if _CJK.search(text) and english_runs(_CODE.sub(" ", text), gloss=False):
                    mixed.append(f"{path.relative_to(ROOT)}:{line}: {text[:100]!r}")
    assert not mixed, "write the Chinese only (English in messages.po), or English only where the reader is a programmer:\n" + "\n".join(mixed)


# what shows a message to a user: an error answer, a refused form's problems, a flash
_SHOWN = {"ApiError", "ValidationError", "flash", "abort"}
_WRAPS = {"_", "N_", "gettext", "ngettext", "lazy_gettext", "pgettext", "npgettext", "_l"}


def _call_name(func) -> str | None:
    import ast

    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def test_every_message_shown_to_a_user_goes_through_the_catalogue():
    """A Chinese literal in an ``ApiError``/``ValidationError``/``flash``/``abort`` (its message or
    a field's problem) is ``_("…")``/``N_("…")``, so it has its English: an English page never shows
    a bare "细则编码重复" (issue 17, item 11). An f-string is written ``_("… %(x)s", x=…)``."""
    import ast

    bare = []
    for base in SOURCES:
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts or ".venv" in path.parts or "tests" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and _CJK.search(node.value)):
                    continue
                up = parents.get(id(node))
                while up is not None and not isinstance(up, ast.stmt):
                    if isinstance(up, ast.Call) and _call_name(up.func) in _WRAPS:
                        break
                    if isinstance(up, ast.Call) and _call_name(up.func) in _SHOWN:
                        bare.append(f"{rel}:{node.lineno}: {node.value[:60]!r}")
                        break
                    up = parents.get(id(up))
    assert not bare, "wrap these in _() (English in the catalogue):\n" + "\n".join(bare)
