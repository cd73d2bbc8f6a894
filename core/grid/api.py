"""The grid API (网格接口) under ``/api/v1/t/<tenant>/``: the tree, one grid, its children,
create, rename/move, merge, archive, duties and party organisations. Views only route: load →
check reach → call a service → commit → answer."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from core.api import doc, known_args, load
from core.auth import requires
from core.db import db
from core.errors import ApiError
from core.grid import duties as duty_service
from core.grid import party as party_service
from core.grid import queries, schemas, service
from core.grid.models import Grid, PartyOrg
from flask_babel import gettext as _

bp = Blueprint("grid_api", __name__, url_prefix="/api/v1/t/<tenant>")


def _whole_township(permission: str = "grids.edit") -> None:
    if queries.reach(permission) is not None:
        raise ApiError(403, "forbidden", _("只有乡镇级账号可以在乡镇一级操作"))


def _target(grid_id: int | None, field: str) -> Grid | None:
    """A grid named in the body (None stays None: the township level)."""
    if grid_id is None:
        _whole_township()
        return None
    return queries.load_grid(grid_id, "grids.edit", field=field)


def grid_detail(grid: Grid) -> dict[str, Any]:
    tenant = g.tenant
    data = queries.grid_brief(tenant, grid, party_service.org_of(grid))
    data["path"] = grid.path
    data["public_token"] = grid.public_token  # what printed QR codes carry (core.grid.tokens)
    data["ancestors"] = [queries.grid_brief(tenant, a) for a in queries.ancestors(grid)]
    data["counts"] = queries.counts_for(tenant, grid)
    data["duties"] = schemas.DutyOutSchema(many=True).dump(duty_service.duties_of(grid))
    data["party_org"] = schemas.PartyOrgOutSchema().dump(party_service.org_of(grid)) if data["party_org"] else None
    children = queries.children_of(grid)
    data["children"] = _children_items(children)
    return data


def _children_items(children: list[Grid]) -> list[dict[str, Any]]:
    nested = queries.child_counts([c.id for c in children])
    numbers = queries.counts_for_many(g.tenant, children)
    items = []
    for child in children:
        item = queries.grid_brief(g.tenant, child, party_service.org_of(child))
        item["child_count"] = nested.get(child.id, 0)
        item["counts"] = numbers.get(child.id)
        items.append(item)
    return items


@bp.get("/grids")
@requires("grids.read")
@doc("The grid tree within my reach, with every grid's counts over its subtree", tags=["grids"],
     response_schema=schemas.GRID_TREE,
     query={"depth": {"type": "integer", "minimum": 1, "maximum": 6}})
def grid_tree():
    """``?depth=N`` returns N levels from the top grids (all by default)."""
    known_args("depth")
    depth = request.args.get("depth")
    if depth is not None:
        if not depth.isdigit() or not 1 <= int(depth) <= service.MAX_DEPTH:
            raise ApiError(422, "validation_error", _("参数 %(name)s 有误", name="depth"),
                           {"depth": [_("须为 %(minimum)s 到 %(maximum)s 之间的整数", minimum=1, maximum=service.MAX_DEPTH)]})
        depth = int(depth)
    return jsonify({"level_names": g.tenant.level_names, "items": queries.tree(g.tenant, queries.reach(), depth=depth)})


@bp.post("/grids")
@requires("grids.edit")
@doc("Create a grid", request_schema=schemas.GridCreateSchema, tags=["grids"], status=201)
def create():
    data = load(schemas.GridCreateSchema)
    parent = _target(data["parent_id"], "parent_id")
    grid = service.create_grid(g.tenant, data["name"], parent)
    db.session.commit()
    return jsonify(grid_detail(grid)), 201


@bp.post("/grids/bulk")
@requires("grids.edit")
@doc("Create many grids from lines of names (e.g. pasted spreadsheet columns); existing ones are reused",
     request_schema=schemas.GridBulkSchema, tags=["grids"], status=201)
def bulk_create():
    from core.grid.bulk import create_paths, parse_lines

    data = load(schemas.GridBulkSchema)
    parent = _target(data["parent_id"], "parent_id")
    result = create_paths(g.tenant, parse_lines(data["text"]), parent)
    db.session.commit()
    return jsonify(result), 201


@bp.get("/grids/<int:grid_id>")
@requires("grids.read")
@doc("One grid: place in the tree, counts, who looks after it, its party organisation", tags=["grids"], response_schema=schemas.GRID_DETAIL)
def one(grid_id: int):
    return jsonify(grid_detail(queries.load_grid(grid_id)))


@bp.get("/grids/<int:grid_id>/children")
@requires("grids.read")
@doc("A grid's child grids with counts", tags=["grids"], response_schema=schemas.GRID_NODE, items=True)
def children(grid_id: int):
    grid = queries.load_grid(grid_id)
    return jsonify({"items": _children_items(queries.children_of(grid))})


@bp.patch("/grids/<int:grid_id>")
@requires("grids.edit")
@doc("Rename and/or move a grid (its subtree follows)", request_schema=schemas.GridPatchSchema, tags=["grids"])
def patch(grid_id: int):
    grid = queries.load_grid(grid_id, "grids.edit")
    data = load(schemas.GridPatchSchema)
    if "parent_id" in data:
        parent = _target(data["parent_id"], "parent_id")
        # with a new name too, the name is checked against the new siblings by the rename below
        service.move_grid(g.tenant, grid, parent, check_name="name" not in data)
    if "name" in data:
        service.rename_grid(g.tenant, grid, data["name"])
    db.session.commit()
    return jsonify(grid_detail(grid))


@bp.post("/grids/<int:grid_id>/merge")
@requires("grids.edit")
@doc("Merge this grid into another: children, people and module data follow; this one is archived",
     request_schema=schemas.GridMergeSchema, tags=["grids"])
def merge(grid_id: int):
    source = queries.load_grid(grid_id, "grids.edit")
    data = load(schemas.GridMergeSchema)
    target = queries.load_grid(data["target_id"], "grids.edit", field="target_id")
    service.merge_grids(g.tenant, source, target)
    db.session.commit()
    return jsonify(grid_detail(target))


@bp.post("/grids/<int:grid_id>/archive")
@requires("grids.edit")
@doc("Archive an empty grid (409 listing what is still in it)", tags=["grids"], response_schema=schemas.GRID_BRIEF)
def archive(grid_id: int):
    grid = queries.load_grid(grid_id, "grids.edit")
    service.archive_grid(g.tenant, grid)
    db.session.commit()
    return jsonify(queries.grid_brief(g.tenant, grid))


@bp.get("/grids/<int:grid_id>/duties")
@requires("grids.read")
@doc("Who looks after a grid and how to reach them", response_schema=schemas.DutyOutSchema, items=True, tags=["grids"])
def duties(grid_id: int):
    grid = queries.load_grid(grid_id)
    return jsonify({"items": schemas.DutyOutSchema(many=True).dump(duty_service.duties_of(grid))})


@bp.post("/grids/<int:grid_id>/duties")
@requires("grids.edit")
@doc("Appoint someone to a duty on a grid (an account also gets the matching access role)",
     request_schema=schemas.DutyCreateSchema, response_schema=schemas.DutyOutSchema, tags=["grids"], status=201)
def add_duty(grid_id: int):
    grid = queries.load_grid(grid_id, "grids.edit")
    data = load(schemas.DutyCreateSchema)
    if data["user_id"] is not None and not g.access.can("users.manage"):
        raise ApiError(403, "forbidden", _("给账号分配职责会授予权限，需要 users.manage 权限"),
                       {"user_id": [_("需要 users.manage 权限")]})
    row = duty_service.add_duty(g.tenant, grid, **data)
    db.session.commit()
    return jsonify(schemas.DutyOutSchema().dump(row)), 201


@bp.delete("/grids/<int:grid_id>/duties/<int:duty_id>")
@requires("grids.edit")
@doc("End a duty (and the access role it granted)", tags=["grids"])
def remove_duty(grid_id: int, duty_id: int):
    grid = queries.load_grid(grid_id, "grids.edit")
    row = duty_service.duty_on(grid, duty_id, g.access.can("users.manage"))
    duty_service.remove_duty(g.tenant, row)
    db.session.commit()
    return jsonify({"ok": True})


@bp.get("/party-orgs")
@requires("grids.read")
@doc("The township's party organisations as a tree following the grid tree", tags=["grids"], items=True,
     response_schema=schemas.PARTY_ORG_NODE)
def party_tree():
    return jsonify({"items": party_service.party_tree(queries.reach())})


def _load_org(org_id: int) -> PartyOrg:
    org = db.session.get(PartyOrg, org_id)
    if org is None:
        raise ApiError(404)
    if org.grid_id is None:
        _whole_township()
    else:
        queries.load_grid(org.grid_id, "grids.edit")
    return org


@bp.post("/party-orgs")
@requires("grids.edit")
@doc("Build a party organisation on a grid (grid_id null: the township's own)",
     request_schema=schemas.PartyOrgCreateSchema, response_schema=schemas.PartyOrgOutSchema, tags=["grids"], status=201)
def create_party_org():
    data = load(schemas.PartyOrgCreateSchema)
    grid = _target(data.pop("grid_id"), "grid_id")
    org = party_service.create_party_org(g.tenant, grid, data)
    db.session.commit()
    return jsonify(schemas.PartyOrgOutSchema().dump(org)), 201


@bp.patch("/party-orgs/<int:org_id>")
@requires("grids.edit")
@doc("Change a party organisation (kind, name, secretary)", request_schema=schemas.PartyOrgPatchSchema,
     response_schema=schemas.PartyOrgOutSchema, tags=["grids"])
def patch_party_org(org_id: int):
    org = _load_org(org_id)
    data = load(schemas.PartyOrgPatchSchema)
    party_service.update_party_org(g.tenant, org, data)
    db.session.commit()
    return jsonify(schemas.PartyOrgOutSchema().dump(org))


@bp.delete("/party-orgs/<int:org_id>")
@requires("grids.edit")
@doc("Dissolve a party organisation", tags=["grids"])
def delete_party_org(org_id: int):
    org = _load_org(org_id)
    party_service.delete_party_org(g.tenant, org)
    db.session.commit()
    return jsonify({"ok": True})
