"""A township's county templates pages (县级模板): each kind's standing, the county's current
version beside the township's own copy, the notice and diff of a newer version, and the adopt /
update button. The county edits its templates in the county console (:mod:`tenants.console`)."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import requires
from core.county_templates import service
from core.db import db
from core.errors import ApiError
from core.models import TenantKind
from core.web import safe_next

bp = Blueprint("county_templates_pages", __name__, url_prefix="/t/<tenant>/templates")


def _township():
    if g.tenant.kind != TenantKind.township:
        raise ApiError(404)
    return g.tenant


def columns(kind) -> list[tuple[str, str]]:
    """The item fields in schema order with their labels (``metadata`` ``label_zh``/``label_en``),
    the table's columns."""
    from core.console.nav import is_english

    lang = "label_en" if is_english() else "label_zh"
    return [(name, f.metadata.get(lang) or f.metadata.get("label_zh") or name)
            for name, f in kind.item_schema().fields.items()]


@bp.get("/")
@requires("templates.read")
def index():
    town = _township()
    rows = [service.county_template(town, kind.name) for kind in service.kinds_for(town)]
    return render_template("county_templates/index.html", rows=rows)


@bp.get("/<kind>")
@requires("templates.read")
def show(kind: str):
    town = _township()
    found = service.kind_for(town, kind)
    status = service.county_template(town, found.name)
    return render_template("county_templates/show.html", s=status, kind=found, columns=columns(found),
                           can_adopt=g.access.can("templates.adopt"))


@bp.post("/<kind>/adopt")
@requires("templates.adopt")
def adopt(kind: str):
    town = _township()
    found = service.kind_for(town, kind)
    back = safe_next(request.form.get("next")) or url_for(".show", kind=found.name)
    try:
        result = service.adopt_template(town, found.name, current_user.username)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        if exc.status >= 500:
            raise
        flash(exc.message, "error")
        return redirect(back)
    flash(_("已采用县级模板第 %(version)s 版（本地调整已保留）", version=result["version"]), "success")
    if result["dropped_overrides"]:
        flash(_("县里已锁定的字段恢复为县级规定：%(items)s",
                items=_("；").join(f"{k}: {', '.join(v)}" for k, v in result["dropped_overrides"].items())), "error")
    return redirect(back)
