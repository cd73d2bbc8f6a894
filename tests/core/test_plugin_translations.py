"""Plugins' own message catalogues (a ``translations/`` folder in the package): merged with core's,
core's English winning for the same Chinese message (docs/plugins.md, "Translations")."""
from __future__ import annotations

import re
import types
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted((ROOT / "plugins").glob("*/translations")) + sorted((ROOT / "examples").glob("*/*/translations"))


def _package_with_catalogue(tmp_path, name: str, english: dict[str, str]) -> types.ModuleType:
    """A plugin package on disk with ``translations/en/LC_MESSAGES/messages.mo``."""
    folder = tmp_path / name / "translations" / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (tmp_path / name / "__init__.py").write_text('"""A plugin with nothing but English."""\n')
    catalog = Catalog(locale="en")
    for chinese, text in english.items():
        catalog.add(chinese, text)
    with (folder / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    package = types.ModuleType(name)
    package.__file__ = str(tmp_path / name / "__init__.py")
    return package


def test_a_plugins_catalogue_is_merged_and_core_keeps_its_english(tmp_path, monkeypatch):
    from flask_babel import Babel, gettext

    from core import i18n
    from core.plugins import make_plugin_manager

    # Flask-Babel keeps the merged catalogues per Babel object for the life of the process: a fresh
    # one, so this app does not get the test app's catalogues
    monkeypatch.setattr(i18n, "babel", Babel())
    probe = _package_with_catalogue(tmp_path, "catalogue_probe", {"探针": "Probe", "保存": "Store"})
    app = Flask(__name__)
    app.extensions["gridgov.plugins"] = make_plugin_manager(extra=[("catalogue_probe", probe)], use_entry_points=False)
    i18n.init_app(app)
    folders = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert folders == [str(tmp_path / "catalogue_probe" / "translations"), i18n.CORE_TRANSLATIONS]
    with app.test_request_context("/?lang=en"):
        assert gettext("探针") == "Probe"
        assert gettext("保存") == "Save"  # core's English, not the plugin's "Store"
    with app.test_request_context("/"):
        assert gettext("探针") == "探针"


def test_the_app_reads_the_catalogues_of_installed_plugins(app):
    from core import i18n

    folders = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert folders[-1] == i18n.CORE_TRANSLATIONS
    assert any(f.endswith("plugins/incidents/translations") for f in folders[:-1])


def _catalogue(path: Path, reader) -> dict[tuple[str | None, str], str]:
    with path.open("rb") as fh:
        # read_mo leaves a message's context as bytes
        return {(m.context.decode() if isinstance(m.context, bytes) else m.context, m.id): m.string
                for m in reader(fh) if m.id}


@pytest.mark.parametrize("folder", CATALOGUES, ids=lambda folder: folder.parent.name)
def test_a_built_in_plugins_catalogue_is_complete_and_compiled(folder):
    """As test_frame holds core's: every message of the plugin has English, the .mo is current."""
    english = _catalogue(folder / "en" / "LC_MESSAGES" / "messages.po", read_po)
    called = {m.group(2) for f in folder.parent.rglob("*") if f.suffix in (".html", ".py")
              for m in re.finditer(r"""\b_\(\s*(['"])(.+?)\1""", f.read_text(encoding="utf-8"))}
    extracted = set(_catalogue(folder / "messages.pot", read_po))
    translated = {key for key, text in english.items() if text}
    missing = sorted(({(None, i) for i in called} | extracted) - translated, key=str)
    assert not missing, f"extract and translate (docs/plugins.md, Translations): {missing}"
    compiled = _catalogue(folder / "en" / "LC_MESSAGES" / "messages.mo", read_mo)
    assert compiled == {k: v for k, v in english.items() if v}, f"run: pybabel compile -d {folder.relative_to(ROOT)}"
