"""``gridgov plugins new``: the name is checked, and the plugin it writes installs like any
package and passes its own tests as generated (docs/plugins.md, "From the scaffold to a module")."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core.scaffold import ENGLISH, SKELETON


def _new(app, *args):
    return app.test_cli_runner().invoke(args=["plugins", "new", *args])


@pytest.mark.parametrize("name, reason", [
    ("Street-Lamps", "not a snake_case identifier"),
    ("street__lamps", "not a snake_case identifier"),
    ("2lamps", "not a snake_case identifier"),
    ("class", "Python keyword"),
    ("people", "used by gridgov's core"),
    ("hello", "already installed"),  # tests/fixtures/site installs it
    ("mediation", "already installed"),
    ("a" * 31, "longer than 30"),
])
def test_a_bad_or_taken_name_is_refused_with_the_reason(app, tmp_path, name, reason):
    result = _new(app, name, "--dir", str(tmp_path / "out"))
    assert result.exit_code == 2 and reason in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_a_folder_in_the_way_or_a_bad_title_is_refused(app, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    result = _new(app, "street_lamps", "--dir", str(tmp_path / "busy"))
    assert result.exit_code == 2 and "not an empty folder" in result.output
    assert sorted(p.name for p in (tmp_path / "busy").iterdir()) == ["keep.txt"]
    result = _new(app, "street_lamps", "--dir", str(tmp_path / "t"), "--title-zh", '路灯"报修')
    assert result.exit_code == 2 and "--title-zh" in result.output


def test_the_skeleton_is_package_data_that_gridgovs_own_tools_leave_alone():
    """Every file ends in .tmpl: setup.cfg's ``templates/**/*`` ships it, and neither pytest,
    pybabel nor the plugin-API check reads it as gridgov's own source."""
    files = [p for p in SKELETON.rglob("*") if p.is_file()]
    assert len(files) >= 18 and all(p.suffix == ".tmpl" for p in files), [p for p in files if p.suffix != ".tmpl"]
    assert SKELETON.parent.name == "templates"


def test_the_skeleton_is_in_gridgovs_wheel(tmp_path):
    """Installed from a wheel (not this checkout), ``gridgov plugins new`` still finds its files."""
    import shutil
    import zipfile
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    # built from a copy: a build in the checkout would leave build/ there, whose stale files a later
    # wheel would ship (and this test would then pass on files package data no longer declares)
    source = tmp_path / "gridgov"
    source.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(root / name, source / name)
    for name in ("core", "plugins", "tenants"):
        shutil.copytree(root / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                            "--no-index", "--disable-pip-version-check", "-w", str(tmp_path / "wheels"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "wheels").glob("gridgov-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    wanted = {str(p.relative_to(root)) for p in SKELETON.rglob("*.tmpl")}
    assert wanted and wanted <= shipped, sorted(wanted - shipped)


def test_the_generated_plugin_installs_and_its_tests_pass(app, tmp_path):
    """The whole path of a new author: scaffold, pip install, run the plugin's own tests (on the
    suite's database server: SQLite, or PostgreSQL with DATABASE_URL) in a separate process.

    It is installed into a folder of its own (``--target``) put on that process's path, rather than
    into the shared environment: tests running beside this one (pytest-xdist) would otherwise find
    a plugin whose tables their database lacks. Nothing is fetched: no build isolation, no index."""
    target = tmp_path / "gridgov-street-lamps"
    result = _new(app, "street_lamps", "--dir", str(target), "--title-zh", "路灯报修", "--title-en", "Street lamps")
    assert result.exit_code == 0, result.output
    for path in ("pyproject.toml", "README.md", "gridgov_street_lamps/__init__.py", "gridgov_street_lamps/hooks.py",
                 "gridgov_street_lamps/models.py", "gridgov_street_lamps/schemas.py", "gridgov_street_lamps/services.py",
                 "gridgov_street_lamps/api.py", "gridgov_street_lamps/pages.py",
                 "gridgov_street_lamps/templates/street_lamps/index.html",
                 "gridgov_street_lamps/translations/en/LC_MESSAGES/messages.mo", "tests/test_api.py"):
        assert (target / path).is_file(), path
    migrations = list((target / "gridgov_street_lamps" / "migrations").glob("*_street_lamps_tables.py"))
    assert len(migrations) == 1 and "import gridgov_street_lamps" not in migrations[0].read_text(encoding="utf-8")
    assert '路灯报修' in (target / "gridgov_street_lamps" / "__init__.py").read_text(encoding="utf-8")

    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "--target", str(site), str(target)],
        capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    installed = site / "gridgov_street_lamps"
    assert (installed / "templates" / "street_lamps" / "index.html").is_file()  # package data made it into the wheel
    assert (installed / "translations" / "en" / "LC_MESSAGES" / "messages.mo").is_file()
    assert list((installed / "migrations").glob("*.py"))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GRIDGOV_"))}
    env["PYTHONPATH"] = str(site)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:randomly"],
                         cwd=target, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert " passed" in run.stdout and "failed" not in run.stdout and "error" not in run.stdout.lower()


def test_the_english_of_the_generated_pages_is_written_out():
    """The scaffold writes the English catalogue itself (pybabel is the author's from then on):
    every Chinese message in the skeleton is in it."""
    import re

    called = {m.group(2) for f in SKELETON.rglob("*.tmpl")
              for m in re.finditer(r"""\b_\(\s*(['"])(.+?)\1""", f.read_text(encoding="utf-8"))}
    assert called - {"$title_zh"} == set(ENGLISH)
