"""`gridgov bench-data --scale` builds a township (or a county) in bulk, in proportion, and resumes."""
from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from core.grid.models import Grid
from core.models import Tenant, TenantKind, User
from core.people.models import Household, Person
from core.plugins import hookimpl
from core.tenancy import tenant_context


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def test_hook_demo_data_at_scale(app, register_plugin):
    calls = []

    class ScaleListener:
        @staticmethod
        @hookimpl
        def demo_data_at_scale(tenant, scale):
            calls.append((tenant.slug, dict(scale), count(Person)))
            return {"listener_rows": 7}

    register_plugin(ScaleListener, "scale_listener")
    result = app.test_cli_runner().invoke(args=["bench-data", "--scale", "township", "--factor", "0.01", "--prefix", "tiny"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    slug, scale, people_then = calls[0]
    assert slug == "tiny1t1" and scale["name"] == "township" and scale["factor"] == 0.01 and scale["years"] == 2
    assert people_then == scale["residents"] > 0  # residents exist when modules are asked
    assert "listener_rows 7" in result.output and "每秒" in result.output
    with app.app_context():
        town = db.session.scalar(select(Tenant).where(Tenant.slug == "tiny1t1"))
        assert town.parent.slug == "tiny1" and town.parent.kind == TenantKind.county
        with tenant_context(town):
            assert scale["grids"] == count(Grid) == 67  # 1 community, 3 grids, 9 estates, 27 buildings, 27 units
            assert {level for (level,) in db.session.execute(select(Grid.level).distinct())} == {1, 2, 3, 4, 5}
            assert scale["households"] == count(Household)
            assert 700 <= count(Person) == scale["residents"] <= 1300  # ~1,000 = 100,000 x 0.01
            # every enabled module added its share: incidents two per resident over two years
            from plugins.incidents.models import Incident

            assert count(Incident) == 2 * scale["residents"]
            oldest = db.session.scalar(select(func.min(Incident.reported_at)))
            newest = db.session.scalar(select(func.max(Incident.reported_at)))
            assert (newest - oldest).days > 600
            # points: four awards a household a year, two ledger entries each, and the books agree
            from plugins.points_bank.models import Account, Entry, Txn

            homes = count(Household)
            assert count(Account, kind="member") == homes and count(Txn) == homes * 4 * 2 and count(Entry) == 2 * count(Txn)
            assert db.session.scalar(select(func.sum(Entry.amount))) == 0
            assert db.session.scalar(select(func.sum(Account.balance))) == 0
            # mediation: one case a year per hundred residents, two parties each
            from plugins.mediation.models import Case, Party

            assert count(Case) == round(scale["residents"] * 0.01 * 2) and count(Party) == 2 * count(Case)
            # volunteers: an activity a week per community for two years (and two to come), attendance at past ones
            from plugins.volunteer.models import Activity, Attendance, Signup, Volunteer

            assert count(Volunteer) == round(scale["residents"] * 0.02)
            assert count(Activity) == 1 * (104 + 2) and count(Signup) == 8 * count(Activity)
            assert 0.7 * count(Signup) < count(Attendance) < 0.9 * count(Signup)
        assert db.session.scalar(select(User).where(User.username == "tiny1t1_admin")) is not None
    again = app.test_cli_runner().invoke(args=["bench-data", "--scale", "township", "--factor", "0.01", "--prefix", "tiny"])
    assert again.exit_code == 0 and "乡镇 tiny1t1 已存在，跳过" in again.output  # resumes, builds nothing twice
    assert len(calls) == 1


def test_a_small_county_has_townships_of_its_own(app):
    result = app.test_cli_runner().invoke(args=["bench-data", "--scale", "county", "--factor", "0.005", "--prefix", "cty"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        towns = db.session.scalars(select(Tenant).where(Tenant.parent.has(Tenant.slug == "cty1"))).all()
        assert sorted(t.slug for t in towns) == ["cty1t1"]
        with tenant_context(towns[0]):
            assert 60 <= count(Person) <= 200  # 25,000 x 0.005 = 125


def test_an_unknown_scale_is_refused(app):
    result = app.test_cli_runner().invoke(args=["bench-data", "--scale", "planet"])
    assert result.exit_code == 2 and "planet" in result.output
