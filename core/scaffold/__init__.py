"""The plugin scaffold (插件脚手架): ``gridgov plugins new NAME`` writes a new plugin distribution
in the house layout, ready to ``pip install`` and with tests that pass as generated.

The files are plain :class:`string.Template` texts (``$name``, ``$package``...) under
``templates/plugin/``, shipped as package data (setup.cfg's ``templates/**/*``), each ending in
``.tmpl`` so that neither Python, pytest nor pybabel takes them for gridgov's own sources. Path
parts ``PACKAGE``, ``NAME`` and ``REVISION`` are replaced too. The English catalogue is written
from :data:`ENGLISH` and compiled here, so the ``.mo`` matches the ``.po`` from the start.
"""
from __future__ import annotations

import datetime as dt
import keyword
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Iterable

SKELETON = Path(__file__).parent / "templates" / "plugin"
NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
MAX_NAME = 30  # index and constraint names ("fk_<name>_entry_tenant_id_core_tenant") stay under 63
# names core already uses for its own components, URLs and permission prefixes
RESERVED = {"core", "api", "static", "auth", "admin", "grid", "grids", "people", "console", "county_templates",
            "templates", "modules", "tenants", "users", "dashboard", "residents", "schedules", "jobs", "platform"}
PART = re.compile(r"(?<![A-Z])(PACKAGE|NAME|REVISION)(?![A-Z])")
TITLE = re.compile(r"^[^\"'\\$\n\r{}<>]{1,30}$")
# the English of every Chinese message in the generated pages and code (the title is added)
ENGLISH = {"标题": "Title", "备注": "Note", "登记": "Record", "时间": "Time", "登记人": "Recorded by",
           "暂无条目": "No entries yet", "已登记": "Recorded"}


class ScaffoldError(ValueError):
    """Why the plugin cannot be written (a bad name, a clash, a folder in the way)."""


@dataclass(frozen=True)
class PluginNames:
    name: str
    title_zh: str
    title_en: str

    @property
    def package(self) -> str:
        return f"gridgov_{self.name}"

    @property
    def model(self) -> str:
        """The model's class name: ``street_lamps`` → ``StreetLampsEntry``."""
        return "".join(part.capitalize() for part in self.name.split("_")) + "Entry"

    @property
    def dist(self) -> str:
        return "gridgov-" + self.name.replace("_", "-")


def name_problem(name: str, taken: Iterable[str] = ()) -> str | None:
    """Why ``name`` cannot name a new plugin (None when it can)."""
    if not NAME.match(name or ""):
        return (f"{name!r} is not a snake_case identifier: lower-case letters, digits and single underscores, "
                f"starting with a letter (e.g. street_lamps)")
    if len(name) > MAX_NAME:
        return f"{name!r} is longer than {MAX_NAME} characters (table and index names are built from it)"
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    if name in RESERVED:
        return f"{name!r} is used by gridgov's core; choose another name"
    if name in set(taken):
        return f"a plugin named {name!r} is already installed (gridgov plugins list); choose another name"
    return None


def new_plugin(name: str, target: Path, *, title_zh: str = "新模块", title_en: str | None = None,
               taken: Iterable[str] = ()) -> list[Path]:
    """Write the distribution of plugin ``name`` into ``target`` (created; must not hold files).

    :param taken: names of the installed plugins, which the new one may not repeat.
    :returns: the files written, relative to ``target``.
    :raises ScaffoldError: with a message for the author.
    """
    problem = name_problem(name, taken)
    if problem:
        raise ScaffoldError(problem)
    title_en = title_en or name.replace("_", " ").capitalize()
    for label, title in (("--title-zh", title_zh), ("--title-en", title_en)):
        if not TITLE.match(title):
            raise ScaffoldError(f"{label} {title!r}: 1 to 30 characters, without quotes, braces, <, >, $ or a backslash")
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not an empty folder")
    names = PluginNames(name, title_zh, title_en)
    values = {"name": name, "Model": names.model, "package": names.package, "dist": names.dist, "title_zh": title_zh,
              "title_en": title_en, "revision": uuid.uuid4().hex[:12],
              "create_date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")}
    parts = {"PACKAGE": names.package, "NAME": name, "REVISION": values["revision"]}
    written = []
    for source in sorted(SKELETON.rglob("*.tmpl")):
        relative = Path(*(PART.sub(lambda m: parts[m.group(0)], p) for p in source.relative_to(SKELETON).parts))
        relative = relative.with_name(relative.name.removesuffix(".tmpl"))
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_text(Template(source.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
        written.append(relative)
    written += _write_catalogue(target / names.package / "translations", names)
    return written


def _write_catalogue(folder: Path, names: PluginNames) -> list[Path]:
    """``messages.pot``, the English ``messages.po`` and its compiled ``messages.mo``."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    english = {**ENGLISH, names.title_zh: names.title_en}
    template = Catalog(project=names.dist, version="0.1.0")
    catalog = Catalog(locale="en", project=names.dist, version="0.1.0")
    for chinese, text in sorted(english.items()):
        template.add(chinese)
        catalog.add(chinese, text)
    lc = folder / "en" / "LC_MESSAGES"
    lc.mkdir(parents=True, exist_ok=True)
    with (folder / "messages.pot").open("wb") as fh:
        write_po(fh, template, omit_header=False, sort_output=True)
    with (lc / "messages.po").open("wb") as fh:
        write_po(fh, catalog, sort_output=True)
    with (lc / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    base = Path(names.package) / "translations"
    return [base / "messages.pot", base / "en" / "LC_MESSAGES" / "messages.po", base / "en" / "LC_MESSAGES" / "messages.mo"]
