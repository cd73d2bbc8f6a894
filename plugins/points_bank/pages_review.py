"""Publication pages (公示与光荣榜): periods with publish/close, objections, rankings, the board
for a village screen or a printed notice, and the announcement-to-rule mapping."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from core.toolkit import (N_, ApiError, Grid, bucket_key, confirm_first, db, form_errors, gettext as _, requires, typed, utcnow,
                          visible)
from core.toolkit import reads_replica
from plugins.points_bank import periods, rankings
from plugins.points_bank import schemes as svc
from plugins.points_bank.models import Account, Objection, Period, RuleMapping, Scheme, Txn
from plugins.points_bank.pages import form_values
from plugins.points_bank.permissions import MANAGE, RECORD, REVIEW, VIEW, require_account
from plugins.points_bank.schemas import KIND_CHOICES

bp = Blueprint("points_bank_review", __name__, url_prefix="/t/<tenant>/points_bank", template_folder="templates")
KIND_LABELS = {"incidents.report_resolved": N_("随手拍上报经核实"), "volunteer.service_completed": N_("完成志愿服务"),
               "mediation.agreement": N_("调解达成协议")}


@bp.get("/periods", endpoint="periods")
@requires(VIEW)
def periods_page():
    return _periods()


def _refused(key: str, exc: ApiError):
    """The periods page again (422), the refused objection form (``key``) with what was typed
    and each problem beside its field, the reason above it."""
    db.session.rollback()
    errors = form_errors(exc)
    if exc.fields and exc.message:
        errors.setdefault("_form", []).insert(0, exc.message)
    return _periods({key: {"v": typed(request.form), "fields": errors}}), 409 if exc.status == 409 else 422


def _periods(kept: dict | None = None):
    rows = db.session.scalars(select(Period).order_by(Period.key.desc()).limit(24)).all()
    objections = db.session.scalars(
        select(Objection).join(Txn, Txn.id == Objection.txn_id).join(Account, Account.id == Txn.account_id)
        .where(visible(Account.grid_id, VIEW)).order_by(Objection.state.desc(), Objection.id.desc()).limit(200)).all()
    published = [p for p in rows if p.state == "published" and p.publish_until and p.publish_until > utcnow()]
    entries = []
    if published:
        entries = db.session.scalars(
            select(Txn).join(Account, Account.id == Txn.account_id)
            .where(Txn.period_id.in_([p.id for p in published]), Txn.state == "approved",
                   Txn.kind.in_(("award", "deduction")), visible(Account.grid_id, VIEW))
            .order_by(Txn.id.desc()).limit(300)).all()
    return render_template("points_bank/periods.html", rows=rows, objections=objections, entries=entries,
                           pending={p.id: periods.pending_count(p) for p in rows if p.state == "open"}, kept=kept or {})


@bp.post("/periods/<int:period_id>/<any(publish,close):action>")
@requires(REVIEW)
def period_action(period_id: int, action: str):
    period = periods.get_period(period_id)
    if action == "close":
        confirm_first(_("确认归档 %(key)s？", key=period.key), [_("归档后该月的积分记录固定，不能再记入、审核或冲正。")],
                      _("确认归档"), url_for(".periods"))
    try:
        if action == "publish":
            periods.publish(g.tenant, period)
        else:
            periods.close(g.tenant, period, early=bool(request.form.get("early")))
        db.session.commit()
        flash(_("已公示 %(key)s", key=period.key) if action == "publish" else _("已归档 %(key)s", key=period.key), "success")
    except ApiError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for(".periods"))


@bp.post("/objections")
@requires(RECORD)
def object_to():
    """Record a resident's objection (群众异议登记) to a published entry."""
    values = form_values()
    try:
        txn = db.session.get(Txn, int(values.get("txn_id") or 0)) if str(values.get("txn_id", "")).isdigit() else None
        if txn is None:
            raise ApiError(422, "validation_error", _("记录不存在"), {"txn_id": [_("不存在")]})
        require_account(db.session.get(Account, txn.account_id), RECORD)
        name, reason = values.get("by_name", "").strip(), values.get("reason", "").strip()
        missing = {**({"by_name": [_("必填")]} if not name else {}),
                   **({"reason": [_("必填") if not reason else _("至少 2 个字")]} if len(reason) < 2 else {})}
        if missing:
            raise ApiError(422, "validation_error", _("请填写异议人和理由"), missing)
        periods.object_to(g.tenant, txn, name, reason)
        db.session.commit()
        flash(_("异议已登记"), "success")
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        return _refused(f"t{values.get('txn_id', '')}", exc)
    return redirect(url_for(".periods"))


@bp.post("/objections/<int:objection_id>/resolve")
@requires(REVIEW)
def resolve(objection_id: int):
    row = db.session.get(Objection, objection_id)
    if row is None:
        raise ApiError(404, "not_found", _("异议不存在"))
    require_account(db.session.get(Account, row.txn.account_id), REVIEW)
    values = form_values()
    try:
        missing = {**({"decision": [_("必填")]} if values.get("decision") not in ("upheld", "dismissed") else {}),
                   **({"resolution": [_("必填")]} if len(values.get("resolution", "").strip()) < 2 else {})}
        if missing:
            raise ApiError(422, "validation_error", _("请选择处理结果并写明理由"), missing)
        periods.resolve(g.tenant, row, values["decision"], values["resolution"].strip())
        db.session.commit()
        flash(_("异议已处理"), "success")
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        return _refused(f"o{objection_id}", exc)
    return redirect(url_for(".periods"))


def _ranking_args():
    schemes = db.session.scalars(select(Scheme).where(Scheme.active.is_(True)).order_by(Scheme.id)).all()
    scheme_id = request.args.get("scheme_id", type=int) or (schemes[0].id if schemes else None)
    bucket = request.args.get("period") or bucket_key("year", utcnow())
    if not (len(bucket) in (4, 7) and bucket[:4].isdigit()):
        bucket = bucket_key("year", utcnow())
    roots = g.access.grids_for(VIEW)
    grid_id = request.args.get("grid_id", type=int)
    if roots is not None and (grid_id is None or grid_id not in roots):
        grid_id = next(iter(roots), None)
    grids = db.session.scalars(select(Grid).where(visible(Grid.id, VIEW)).order_by(Grid.path).limit(300)).all()
    return schemes, scheme_id, bucket, grid_id, grids


@bp.get("/ranking")
@reads_replica
@requires(VIEW)
def ranking():
    schemes, scheme_id, bucket, grid_id, grids = _ranking_args()
    rows = rankings.ranking(scheme_id, bucket, grid_id, 100) if scheme_id else []
    return render_template("points_bank/ranking.html", rows=rows, schemes=schemes, scheme_id=scheme_id, bucket=bucket,
                           grid_id=grid_id, grids=grids)


@bp.get("/board")
@requires(VIEW)
def board():
    """The 光荣榜 for a village screen or a printed notice, names as the township chooses."""
    schemes, scheme_id, bucket, grid_id, grids = _ranking_args()
    rows = rankings.ranking(scheme_id, bucket, grid_id, int(request.args.get("top", 20) or 20)) if scheme_id else []
    for row in rows:
        row["shown"] = rankings.board_name(g.tenant, row)
    scheme = db.session.get(Scheme, scheme_id) if scheme_id else None
    grid = db.session.get(Grid, grid_id) if grid_id else None
    return render_template("points_bank/board.html", rows=rows, scheme=scheme, bucket=bucket, grid=grid)


@bp.route("/mappings", methods=["GET", "POST"])
@requires(MANAGE)
def mappings():
    """Which rule each announcement of another module earns (联动积分)."""
    schemes = db.session.scalars(select(Scheme).order_by(Scheme.id)).all()
    if request.method == "POST":
        values = form_values()
        try:
            kind = values.get("kind")
            scheme = db.session.get(Scheme, int(values.get("scheme_id") or 0)) if str(values.get("scheme_id", "")).isdigit() else None
            if kind not in KIND_CHOICES or scheme is None:
                raise ApiError(422, "validation_error", _("请选择联动事项和方案"), {"kind": [_("必填")]})
            key = values.get("rule_key", "")
            if key and svc.current_rule(scheme, key) is None:
                raise ApiError(422, "validation_error", _("该方案没有这条细则"), {"rule_key": [key]})
            svc.set_mapping(g.tenant, scheme, kind, key or "-", bool(key))
            db.session.commit()
            flash(_("已保存"), "success")
        except ApiError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        return redirect(url_for(".mappings"))
    current = {(m.kind, m.scheme_id): m for m in db.session.scalars(select(RuleMapping))}
    return render_template("points_bank/mappings.html", schemes=schemes, kinds=KIND_CHOICES, kind_labels=KIND_LABELS,
                           current=current)
