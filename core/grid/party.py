"""Party organisations on the grid (支部建在网格上): 镇党委 for the township (no grid), 村党委 or
党总支 on a village, 网格党支部 on a grid, 楼栋党小组 on a building. The party tree is read from
the grid tree: an organisation's parent is the one on its nearest ancestor grid, else the
township's own.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from core import audit
from core.db import db
from core.errors import ApiError
from core.grid.duties import check_phone
from core.grid.models import PARTY_ORG_LABELS, Grid, GridStatus, PartyOrg, PartyOrgKind
from core.models import Tenant
from flask_babel import gettext as _

FIELDS = ("kind", "name", "secretary_name", "secretary_phone")


def _invalid(field: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, "validation_error" if status == 422 else "conflict", message, {field: [message]})


def _snapshot(org: PartyOrg) -> dict[str, Any]:
    return {"grid_id": org.grid_id, "kind": org.kind.value, "name": org.name,
            "secretary_name": org.secretary_name, "secretary_phone": org.secretary_phone}


def org_of(grid: Grid | None) -> PartyOrg | None:
    stmt = select(PartyOrg).where(PartyOrg.grid_id.is_(None) if grid is None else PartyOrg.grid_id == grid.id)
    return db.session.scalars(stmt.order_by(PartyOrg.id).limit(1)).first()


def _apply(org: PartyOrg, data: dict[str, Any]) -> None:
    if "kind" in data:
        try:
            org.kind = PartyOrgKind(data["kind"])
        except ValueError:
            raise _invalid("kind", "党组织类型须为: " + "、".join(f"{k.value} {v}" for k, v in PARTY_ORG_LABELS.items())) from None
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name or len(name) > 100:
            raise _invalid("name", _("党组织名称须为 1 到 100 个字符"))
        org.name = name
    if "secretary_name" in data:
        secretary = (data["secretary_name"] or "").strip()
        if len(secretary) > 64:
            raise _invalid("secretary_name", _("书记姓名最多 64 个字符"))
        org.secretary_name = secretary
    if "secretary_phone" in data:
        org.secretary_phone = check_phone(data["secretary_phone"], "secretary_phone")


def create_party_org(tenant: Tenant, grid: Grid | None, data: dict[str, Any]) -> PartyOrg:
    """Build a party organisation on ``grid`` (None: the township's own). One per grid: 409."""
    if grid is not None and grid.status != GridStatus.active:
        raise _invalid("grid_id", _("网格已撤销"))
    if org_of(grid) is not None:
        raise _invalid("grid_id", _("该网格已有党组织，请修改或先撤销"), 409)
    for field in ("kind", "name"):
        if not data.get(field):
            raise _invalid(field, _("必填"))
    org = PartyOrg(grid_id=grid.id if grid else None, secretary_name="", secretary_phone="")
    _apply(org, data)
    db.session.add(org)
    db.session.flush()
    audit.record("party_org.create", org, after=_snapshot(org))
    return org


def update_party_org(tenant: Tenant, org: PartyOrg, data: dict[str, Any]) -> PartyOrg:
    before = _snapshot(org)
    _apply(org, {k: v for k, v in data.items() if k in FIELDS})
    db.session.flush()
    audit.record("party_org.update", org, before=before, after=_snapshot(org))
    return org


def member_counts(org_ids: list[int] | None = None) -> dict[int, int]:
    """Party members per organisation, from the people register when it is installed."""
    try:
        from core.people.models import Person
    except ImportError:
        return {}
    stmt = select(Person.party_org_id, func.count()).where(Person.party_org_id.isnot(None), Person.is_party_member.is_(True))
    if org_ids is not None:
        stmt = stmt.where(Person.party_org_id.in_(org_ids))
    return {org_id: n for org_id, n in db.session.execute(stmt.group_by(Person.party_org_id)).all()}


def delete_party_org(tenant: Tenant, org: PartyOrg, transfer_to: PartyOrg | None = None) -> None:
    """Dissolve (撤销) a party organisation. Its members must be transferred first (409), or go to
    ``transfer_to`` (a merge)."""
    members = member_counts([org.id]).get(org.id, 0)
    if members and transfer_to is None:
        raise _invalid("id", _("党组织「%(name)s」还有 %(members)s 名党员，请先转接组织关系", name=org.name, members=members), 409)
    if members:
        from core.people.models import Person

        db.session.execute(update(Person).where(Person.party_org_id == org.id).values(party_org_id=transfer_to.id)
                           .execution_options(synchronize_session="fetch"))
    audit.record("party_org.delete", org, before={**_snapshot(org), "members": members},
                 after={"members_to": transfer_to.id} if transfer_to is not None and members else None)
    db.session.delete(org)
    db.session.flush()


def move_party_org(tenant: Tenant, source: Grid, target: Grid) -> None:
    """Merge: the source grid's organisation moves to the target unless it has one already, in
    which case the source's is dissolved and its members join the target's (audited)."""
    org = org_of(source)
    if org is None:
        return
    kept = org_of(target)
    if kept is None:
        before = _snapshot(org)
        org.grid_id = target.id
        db.session.flush()
        audit.record("party_org.move", org, before=before, after=_snapshot(org))
    else:
        delete_party_org(tenant, org, transfer_to=kept)


def party_tree(roots: set[int] | None = None) -> list[dict[str, Any]]:
    """The township's party organisations as a tree following the grid tree.

    ``roots``: limit to organisations on these grids' subtrees (None: all, incl. the township's).
    """
    rows = db.session.execute(
        select(PartyOrg, Grid.path, Grid.name, Grid.status, Grid.code).outerjoin(Grid, Grid.id == PartyOrg.grid_id)
        .order_by(Grid.code, PartyOrg.id)
    ).all()
    root_paths = None
    if roots is not None:
        root_paths = list(db.session.scalars(select(Grid.path).where(Grid.id.in_(list(roots)))))
    nodes: dict[int | None, dict[str, Any]] = {}
    township = None
    for org, path, grid_name, status, _code in rows:
        if org.grid_id is not None and status != GridStatus.active:
            continue
        if root_paths is not None and (path is None or not any(path.startswith(p) for p in root_paths)):
            continue
        node = {"id": org.id, "grid_id": org.grid_id, "grid_name": grid_name, "kind": org.kind.value,
                "kind_label": org.kind_label, "name": org.name, "secretary_name": org.secretary_name,
                "secretary_phone": org.secretary_phone, "path": path, "children": []}
        if org.grid_id is None:
            township = node
        else:
            nodes[org.grid_id] = node
    if not nodes and township is None:
        return []  # no organisation: no members to count, no centers to hang (a scan of the register)
    counts = member_counts([n["id"] for n in nodes.values()] + ([township["id"]] if township else []))
    for node in list(nodes.values()) + ([township] if township else []):
        node["members"] = counts.get(node["id"], 0)
    top: list[dict[str, Any]] = []
    for node in nodes.values():  # in unified-code order, i.e. tree order
        ancestors = [int(x) for x in node["path"].strip("/").split("/")[:-1]]
        parent = next((nodes[a] for a in reversed(ancestors) if a in nodes), None)
        (parent["children"] if parent else (township["children"] if township else top)).append(node)
    _attach_centers(nodes, township)
    for node in list(nodes.values()) + ([township] if township else []):
        node.pop("path", None)
    return [township] if township else top


def _attach_centers(nodes: dict[int | None, dict[str, Any]], township: dict[str, Any] | None) -> None:
    """Party-member households (党员中心户) under the organisation of their grid, or of the nearest
    grid above it that has one (else the township's)."""
    for node in list(nodes.values()) + ([township] if township else []):
        node["centers"] = []
    try:
        from core.people.centers import centers_by_grid
    except ImportError:
        return
    by_grid = centers_by_grid()
    if not by_grid:
        return
    paths = dict(db.session.execute(select(Grid.id, Grid.path).where(Grid.id.in_(list(by_grid)))).all())
    for grid_id, found in by_grid.items():
        chain = [int(x) for x in paths.get(grid_id, "").strip("/").split("/") if x]
        owner = next((nodes[a] for a in reversed(chain) if a in nodes), township)
        if owner is not None:
            owner["centers"].extend(found)
