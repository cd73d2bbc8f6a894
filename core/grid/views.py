"""Grid pages (网格页面) under ``/t/<tenant>/grids/``: the tree browser beside the party tree, and
a grid's page (place in the tree, counts, who looks after it, party organisation, QR code).
Forms post back here; a refused change is flashed with its reason and nothing is saved.
The pages' own messages are translated (here and in the templates); the services' refusals, which
the API gives too, are shown as they are (bilingual)."""
from __future__ import annotations

import io
from functools import wraps

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import requires
from core.confirm import confirm_first
from core.db import db
from core.errors import ApiError
from core.grid import duties as duty_service
from core.grid import party as party_service
from core.grid import queries, service
from core.grid.models import DUTY_LABELS, PARTY_ORG_LABELS, Grid, GridStatus
from core.console.forms import keep_refused, refusal_message

bp = Blueprint("grid", __name__, url_prefix="/t/<tenant>/grids")
# levels the tree page sends at once; deeper ones come on opening a node (tree_children, grid_tree.js):
# a township's 1,000 grids rendered at once were most of the page's time and 400 KB
TREE_PAGE_DEPTH = 2


def _int(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(422, "validation_error", _("请选择有效的网格"),
                       {name: [_("须为网格编号")]}) from None


def form_action(view):
    """Run a form post: commit and go back on success; on refusal roll back and flash why."""

    @wraps(view)
    def wrapper(**kwargs):
        back = request.referrer or url_for("grid.tree")
        try:
            target = view(**kwargs)
            db.session.commit()
        except ApiError as exc:
            db.session.rollback()
            if exc.status in (403, 404):
                raise
            if exc.fields:  # "usage" counts what a grid still holds: the message says it already
                exc.fields = {k: v for k, v in exc.fields.items() if k != "usage"}
            flash(refusal_message(exc), "error")
            keep_refused(exc)  # the form shows again what was typed, each problem beside its field
            return redirect(back), 303
        return redirect(target or back), 303

    return wrapper


def _can_edit(grid: Grid | None) -> bool:
    roots = queries.reach("grids.edit")
    if grid is None:
        return roots is None
    from core.grid.scope import grid_in_reach

    return grid_in_reach(grid, "grids.edit")


@bp.get("/")
@requires("grids.read")
def tree():
    roots = queries.reach()
    tenant = g.tenant
    return render_template("grid/tree.html", tree=queries.tree(tenant, roots, depth=TREE_PAGE_DEPTH),
                           party=party_service.party_tree(roots), can_add_root=_can_edit(None),
                           level_names=[service.level_title(tenant, n) for n in range(1, len(tenant.level_names) + 1)],
                           level_title=lambda level: service.level_title(tenant, level), kinds=PARTY_ORG_LABELS,
                           township_org=party_service.org_of(None) if roots is None else None)


@bp.get("/<int:grid_id>/children")
@requires("grids.read")
def tree_children(grid_id: int):
    """The tree's next level under one grid (an HTML fragment of ``<li>``), for grid_tree.js when
    a node is opened: the grid must be in this township and the user's reach (else 404)."""
    grid = queries.load_grid(grid_id)
    tenant = g.tenant
    nodes = queries.tree(tenant, {grid.id}, depth=2)
    return render_template("grid/_tree_children.html", nodes=nodes[0]["children"] if nodes else [],
                           level_title=lambda level: service.level_title(tenant, level))


@bp.get("/<int:grid_id>")
@requires("grids.read")
def page(grid_id: int):
    grid = queries.load_grid(grid_id)
    tenant, access = g.tenant, g.access
    children = queries.children_of(grid)
    nested = queries.child_counts([c.id for c in children])
    ancestors = queries.ancestors(grid)
    org = party_service.org_of(grid)
    can_edit = _can_edit(grid) and grid.status == GridStatus.active
    from core.modules import hooks

    sections = [s for batch in hooks().grid_sections(tenant=tenant, grid=grid, user=current_user) for s in (batch or [])]
    child_counts = queries.counts_for_many(tenant, children)
    people_url = None
    if "people.people_list" in current_app.view_functions and access.can("people.read"):
        people_url = url_for("people.people_list", grid_id=grid.id)
    return render_template(
        "grid/page.html", grid=grid, ancestors=ancestors, level_name=service.level_title(tenant, grid.level),
        counts=queries.counts_for(tenant, grid), people_url=people_url,
        org=org, org_members=party_service.member_counts([org.id]).get(org.id, 0) if org else 0,
        duties=duty_service.duties_of(grid), above=[(a, duty_service.duties_of(a)) for a in ancestors],
        children=[(c, nested.get(c.id, 0), child_counts.get(c.id)) for c in children],
        child_level_name=service.level_title(tenant, grid.level + 1),
        can_have_children=grid.level < service.max_depth(tenant),
        can_edit=can_edit, can_manage_users=access.can("users.manage"),
        members=duty_service.members(tenant) if can_edit and access.can("users.manage") else [],
        movable=queries.move_targets(grid, queries.reach("grids.edit")) if can_edit else [],
        duty_labels=DUTY_LABELS, kinds=PARTY_ORG_LABELS, sections=sections,
    )


@bp.get("/<int:grid_id>/qr.png")
@requires("grids.read")
def qr(grid_id: int):
    """The grid's QR code (placeholder: it opens the grid page; 随手拍 reporting points it at
    its own public form)."""
    import qrcode

    grid = queries.load_grid(grid_id)
    image = qrcode.make(url_for("grid.page", grid_id=grid.id, _external=True) + f"#{grid.code}")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    buf.seek(0)
    return send_file(buf, mimetype="image/png", download_name=f"grid-{grid.code}.png")


@bp.post("/new")
@requires("grids.edit")
@form_action
def create():
    parent_id = _int("parent_id")
    parent = queries.load_grid(parent_id, "grids.edit", field="parent_id") if parent_id else None
    if parent is None and not _can_edit(None):
        raise ApiError(403)
    grid = service.create_grid(g.tenant, request.form.get("name", ""), parent)
    flash(_("已新建网格「%(name)s」，编码 %(code)s", name=grid.name, code=grid.code), "ok")
    return None


@bp.post("/bulk")
@requires("grids.edit")
@form_action
def bulk_create():
    from core.grid.bulk import create_paths, parse_lines

    parent_id = _int("parent_id")
    parent = queries.load_grid(parent_id, "grids.edit", field="parent_id") if parent_id else None
    if parent is None and not _can_edit(None):
        raise ApiError(403)
    result = create_paths(g.tenant, parse_lines(request.form.get("text", "")), parent)
    flash(_("新建网格 %(created)s 个（已有 %(existing)s 行无需新建）", created=result["created"],
            existing=result["existing"]), "ok")
    return None


@bp.post("/<int:grid_id>/edit")
@requires("grids.edit")
@form_action
def edit(grid_id: int):
    grid = queries.load_grid(grid_id, "grids.edit")
    if "parent_id" in request.form:
        parent_id = _int("parent_id")
        parent = queries.load_grid(parent_id, "grids.edit", field="parent_id") if parent_id else None
        if parent is None and not _can_edit(None):
            raise ApiError(403)
        service.move_grid(g.tenant, grid, parent)
    if request.form.get("name"):
        service.rename_grid(g.tenant, grid, request.form["name"])
    flash(_("已保存"), "ok")
    return url_for("grid.page", grid_id=grid_id)


@bp.post("/<int:grid_id>/merge")
@requires("grids.edit")
@form_action
def merge(grid_id: int):
    source = queries.load_grid(grid_id, "grids.edit")
    target = queries.load_grid(_int("target_id"), "grids.edit", field="target_id")
    confirm_first(_("确认将「%(source)s」合并到「%(target)s」？", source=source.name, target=target.name),
                  [_("「%(source)s」的居民、住户、下级网格和各模块的数据都转入「%(target)s」。", source=source.name, target=target.name),
                   _("「%(source)s」随后撤销，它的编码 %(code)s 不再使用。", source=source.name, code=source.code),
                   _("合并不能撤回。")], _("确认合并"), url_for("grid.page", grid_id=grid_id))
    service.merge_grids(g.tenant, source, target)
    flash(_("已将「%(source)s」合并到「%(target)s」", source=source.name, target=target.name), "ok")
    return url_for("grid.page", grid_id=target.id)


@bp.post("/<int:grid_id>/archive")
@requires("grids.edit")
@form_action
def archive(grid_id: int):
    grid = queries.load_grid(grid_id, "grids.edit")
    confirm_first(_("确认撤销网格「%(name)s」？", name=grid.name),
                  [_("网格撤销后不再出现在网格树、上报和统计中，编码 %(code)s 不再使用。", code=grid.code),
                   _("网格里还有居民或模块数据时不能撤销，请先迁出或合并。")],
                  _("确认撤销网格"), url_for("grid.page", grid_id=grid_id))
    service.archive_grid(g.tenant, grid)
    flash(_("已撤销网格「%(name)s」", name=grid.name), "ok")
    return url_for("grid.tree")


@bp.post("/<int:grid_id>/duties")
@requires("grids.edit")
@form_action
def add_duty(grid_id: int):
    grid = queries.load_grid(grid_id, "grids.edit")
    user_id = _int("user_id")
    if user_id is not None and not g.access.can("users.manage"):
        raise ApiError(403, "forbidden", _("给账号分配职责需要 users.manage 权限"))
    duty_service.add_duty(g.tenant, grid, request.form.get("duty", ""), user_id=user_id,
                          person_id=_int("person_id"), name=request.form.get("name"), phone=request.form.get("phone"))
    flash(_("已添加"), "ok")
    return None


@bp.post("/<int:grid_id>/duties/<int:duty_id>/remove")
@requires("grids.edit")
@form_action
def remove_duty(grid_id: int, duty_id: int):
    grid = queries.load_grid(grid_id, "grids.edit")
    row = duty_service.duty_on(grid, duty_id, g.access.can("users.manage"))
    duty_service.remove_duty(g.tenant, row)
    flash(_("已移除"), "ok")
    return None


@bp.post("/party-org")
@requires("grids.edit")
@form_action
def save_party_org():
    """Create or change the party organisation of a grid (or, without ``grid_id``, the township's)."""
    grid_id = _int("grid_id")
    grid = queries.load_grid(grid_id, "grids.edit", field="grid_id") if grid_id else None
    if grid is None and not _can_edit(None):
        raise ApiError(403)
    data = {k: request.form.get(k, "") for k in party_service.FIELDS}
    org = party_service.org_of(grid)
    if request.form.get("remove"):
        if org is not None:
            confirm_first(_("确认撤销党组织「%(name)s」？", name=org.name),
                          [_("该网格不再有党组织，党员中心户在党组织树中改挂到上级网格的党组织。"), _("撤销不能撤回。")],
                          _("确认撤销党组织"))
            party_service.delete_party_org(g.tenant, org)
        flash(_("已撤销党组织"), "ok")
    elif org is None:
        party_service.create_party_org(g.tenant, grid, data)
        flash(_("已建立党组织"), "ok")
    else:
        party_service.update_party_org(g.tenant, org, data)
        flash(_("已保存党组织"), "ok")
    return None
