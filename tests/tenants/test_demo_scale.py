"""`gridgov demo --scale township|county|prefecture`: townships of 1,000 grids over 5 levels with
their residents and the enabled modules' data in proportion (tenants.bench_data), built with bulk
inserts, reported in rows per second in the command's language, once; `gridgov bench-data` is the
same command (tests/tenants/test_bench_data.py); plain `gridgov demo` is unchanged
(tests/core/test_demo.py)."""
from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from core.grid.models import Grid
from core.models import Tenant
from core.people.models import Person
from core.tenancy import tenant_context


def test_a_township_at_scale_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--scale", "township", "--residents", "600", "--prefix", "dsc"])
    assert first.exit_code == 0, first.output
    assert "每秒" in first.output and "grids 1,000" in first.output and "incidents" in first.output
    with app.app_context():
        town = db.session.scalar(select(Tenant).where(Tenant.slug == "dsc1t1"))
        assert town is not None and town.parent.slug == "dsc1"
        with tenant_context(town):
            assert db.session.scalar(select(func.count()).select_from(Grid)) == 1000
            assert db.session.scalar(select(func.max(Grid.level))) == 5
            people = db.session.scalar(select(func.count()).select_from(Person))
            assert 600 <= people <= 3000  # at least one household in each of the 610 unit grids
            from plugins.incidents.models import Incident

            assert db.session.scalar(select(func.count()).select_from(Incident)) == 2 * people  # in proportion
    again = runner.invoke(args=["demo", "--scale", "township", "--residents", "600", "--prefix", "dsc"])
    assert again.exit_code == 0 and "dsc1t1" in again.output and "已存在" in again.output
    english = runner.invoke(args=["--lang", "en", "demo", "--scale", "township", "--residents", "600", "--prefix", "dsc"])
    assert english.exit_code == 0 and "exists, skipped" in english.output and "rows per second" in english.output
    assert "已存在" not in english.output


def test_a_scale_that_does_not_exist_is_refused(app):
    result = app.test_cli_runner().invoke(args=["demo", "--scale", "province"])
    assert result.exit_code == 2 and "--scale" in result.output and "province" in result.output
    assert "prefecture" in result.output
