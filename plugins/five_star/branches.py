"""Village branches (村级党组织): the party organisations on first-level grids, which are the
units that file plans and win stars. A grid role reaches a branch when its grid's reach covers
the branch's grid."""
from __future__ import annotations

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from core.toolkit import ApiError, Grid, GridStatus, PartyOrg, db
from core.toolkit import gettext as _


def branches_query():
    """Party organisations on active first-level grids, in grid code order."""
    return (select(PartyOrg).join(Grid, Grid.id == PartyOrg.grid_id).options(contains_eager(PartyOrg.grid))
            .where(Grid.level == 1, Grid.status == GridStatus.active).order_by(Grid.code, PartyOrg.id))


def branch_columns():
    """(id, name, grid name) of the village branches, for tables that need no rows."""
    return (select(PartyOrg.id, PartyOrg.name, Grid.name).join(Grid, Grid.id == PartyOrg.grid_id)
            .where(Grid.level == 1, Grid.status == GridStatus.active).order_by(Grid.code, PartyOrg.id))


def all_branches() -> list[PartyOrg]:
    return list(db.session.scalars(branches_query()))


def visible_branches(permission: str) -> list[PartyOrg]:
    """The branches the current user reaches with ``permission``."""
    access = g.get("access")
    roots = access.grids_for(permission) if access is not None else set()
    if roots is None:
        return all_branches()
    return [b for b in all_branches() if _reaches(b, roots)]


def _reaches(branch: PartyOrg, roots: set[int]) -> bool:
    if not roots:
        return False
    paths = db.session.scalars(select(Grid.path).where(Grid.id.in_(list(roots)))).all()
    return any(branch.grid.path.startswith(p) for p in paths)


def branch_or_404(org_id, field: str | None = None) -> PartyOrg:
    """The village branch ``org_id`` of this township; 404 (or 422 naming ``field``) otherwise,
    also for another township's id."""
    org = db.session.scalar(branches_query().where(PartyOrg.id == org_id)) if isinstance(org_id, int) else None
    if org is None:
        if field:
            raise ApiError(422, "validation_error", _("支部不存在"), {field: [_("支部不存在")]})
        raise ApiError(404, "not_found", _("支部不存在"))
    return org
