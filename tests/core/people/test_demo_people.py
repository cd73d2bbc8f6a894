"""Demo residents: realistic, valid ID numbers with the township's region prefix, households,
party members and special groups, written through the ``demo_data`` hook."""
from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from core.people import hooks as people_hooks
from core.people.identity import id_problem
from core.people.models import Household, Person, PersonTag
from core.tenancy import tenant_context


def test_hook_demo_data_fills_every_leaf_grid(town, db_session):
    with tenant_context(town):
        people_hooks.demo_data(tenant=town)
        db.session.commit()
        people = db.session.scalars(select(Person)).all()
        assert 100 <= len(people) <= 5000
        assert all(id_problem(p.id_number) is None and p.id_number.startswith("340822") for p in people)
        assert len({p.id_number for p in people}) == len(people)
        assert {p.grid_id for p in people} == {town.grids["东一网格"], town.grids["东二网格"], town.grids["西一网格"]}
        assert all(p.household_id for p in people)
        assert db.session.scalar(select(func.count()).select_from(Household)) > 20
        party = [p for p in people if p.is_party_member]
        assert party and any(p.party_away for p in party) is not None and all(p.party_branch for p in party)
        assert db.session.scalar(select(func.count()).select_from(PersonTag)) > 0
        assert all(p.name_initials and len(p.name) >= 2 for p in people)
