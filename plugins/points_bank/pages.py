"""Console pages of the points bank (积分超市页面): overview, schemes and rules, recording (one
entry or a batch for a village meeting), review, accounts and the printable passbook.
Server-rendered; a refused form is shown again with what was typed and the reasons beside the
fields (status 422). The counter, periods, board and mapping pages are in ``pages_shop`` and
``pages_review``.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.toolkit import (N_, ApiError, Household, confirm_first, db, form_errors, format_local, from_local, gettext as _,
                          requires, visible)
from plugins.points_bank import periods, services
from plugins.points_bank import schemes as svc
from plugins.points_bank.models import Account, EvidencePhoto, Rule, Scheme, Txn
from plugins.points_bank.photos import check_uploads, file_path
from plugins.points_bank.permissions import MANAGE, RECORD, REVIEW, VIEW, require_account
from plugins.points_bank.schemas import RuleIn, RulePatch
from plugins.points_bank.web import member_of

bp = Blueprint("points_bank_pages", __name__, url_prefix="/t/<tenant>/points_bank", template_folder="templates")

KIND_LABELS = {"household": N_("农户"), "grid_worker": N_("网格员"), "party_org": N_("党组织"), "party_member": N_("党员")}
TXN_LABELS = {"base": N_("基础分"), "award": N_("加分"), "deduction": N_("扣分"), "adjustment": N_("调整"), "redemption": N_("兑换"),
              "reversal": N_("冲正")}
STATE_LABELS = {"pending": N_("待审核"), "approved": N_("已入账"), "rejected": N_("已驳回"), "open": N_("记录中"), "published": N_("公示中"),
                "closed": N_("已归档"), "upheld": N_("异议成立"), "dismissed": N_("异议不成立")}


@bp.app_context_processor
def _labels():
    return {"pb_kinds": KIND_LABELS, "pb_txn": TXN_LABELS, "pb_states": STATE_LABELS, "pb_time": format_local}


def form_values() -> dict:
    return {k: v for k, v in request.form.items() if v != "" and k not in ("csrf_token", "submit")}


def refused(template: str, exc: Exception, **context):
    """The form again, with what was typed and why it was refused (422): the reason above the
    form, each field's problem beside it, all in the page's language."""
    db.session.rollback()
    fields = form_errors(exc)
    general = fields.pop("_form", [])
    if isinstance(exc, ValidationError):
        message = _("输入有误，请修改后重试")
    else:
        message = exc.message
        general = [m for m in general if m != message]
    if general:
        fields["_form"] = general
    context.setdefault("kept", {})
    return render_template(template, error=message, fields=fields, **context), 422


def _schemes(active_only: bool = True):
    stmt = select(Scheme).order_by(Scheme.id)
    if active_only:
        stmt = stmt.where(Scheme.active.is_(True))
    return db.session.scalars(stmt).all()


@bp.get("/")
@requires(VIEW)
def index():
    pending = db.session.scalar(select(func.count()).select_from(Txn).join(Account, Account.id == Txn.account_id)
                                .where(Txn.state == "pending", visible(Account.grid_id, VIEW)))
    current = db.session.scalars(select(periods.Period).order_by(periods.Period.key.desc()).limit(3)).all()
    return render_template("points_bank/index.html", schemes=_schemes(False), pending=pending, periods=current)


@bp.get("/schemes/<int:scheme_id>")
@requires(VIEW)
def scheme_page(scheme_id: int):
    scheme = svc.get_scheme(scheme_id)
    return render_template("points_bank/scheme.html", scheme=scheme, v={}, fields={}, error=None)


@bp.post("/schemes/<int:scheme_id>/rules")
@requires(MANAGE)
def add_rule(scheme_id: int):
    scheme = svc.get_scheme(scheme_id)
    values = form_values()
    try:
        data = RuleIn().load({**values, "points": _int(values, "points"), "sort": _int(values, "sort", 0),
                              "cap_per_period": _int(values, "cap_per_period"),
                              "needs_review": bool(values.get("needs_review")),
                              "photo_required": bool(values.get("photo_required"))})
        rule = svc.add_rule(g.tenant, scheme, data)
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        return refused("points_bank/scheme.html", exc, scheme=scheme, v=values)
    flash(_("已添加细则：%(name)s", name=rule.name), "success")
    return redirect(url_for(".scheme_page", scheme_id=scheme.id))


@bp.post("/schemes/<int:scheme_id>/import")
@requires(MANAGE)
def import_rules(scheme_id: int):
    """Rules from the township's own .xlsx sheet; any bad row refuses the sheet, rows named."""
    from plugins.points_bank.sheets import read_rules

    scheme = svc.get_scheme(scheme_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ApiError(422, "validation_error", _("请选择 .xlsx 文件"), {"file": [_("必填")]})
        result = svc.import_rules(g.tenant, scheme, read_rules(upload.stream))
        db.session.commit()
    except ApiError as exc:
        return refused("points_bank/scheme.html", exc, scheme=scheme, v={})
    flash(_("已导入：新增 %(added)s 条，修订 %(revised)s 条，未变 %(unchanged)s 条", **result), "success")
    return redirect(url_for(".scheme_page", scheme_id=scheme.id))


def _int(values: dict, key: str, default=None):
    raw = values.get(key)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        return raw  # the schema names the field


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@requires(MANAGE)
def edit_rule(rule_id: int):
    rule = svc.get_rule(rule_id)
    if request.method == "GET":
        values = {k: getattr(rule, k) for k in svc.RULE_FIELDS}
        return render_template("points_bank/rule_form.html", rule=rule, v=values, fields={}, error=None)
    values = form_values()
    try:
        data = RulePatch().load({"category": values.get("category", ""), "name": values.get("name", ""),
                                 "points": _int(values, "points"), "cap_per_period": _int(values, "cap_per_period"),
                                 "needs_review": bool(values.get("needs_review")), "evidence": values.get("evidence", ""),
                                 "photo_required": bool(values.get("photo_required"))})
        new = svc.edit_rule(g.tenant, rule, data)
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        return refused("points_bank/rule_form.html", exc, rule=rule, v=values)
    flash(_("已保存为第 %(n)s 版；此前的记录仍按原版本", n=new.version), "success")
    return redirect(url_for(".scheme_page", scheme_id=new.scheme_id))


def _households(grid_id: int | None):
    stmt = select(Household).where(visible(Household.grid_id, RECORD)).order_by(Household.grid_id, Household.id)
    if grid_id:
        from core.toolkit import subtree_condition

        stmt = stmt.where(subtree_condition(Household.grid_id, [grid_id]))
    return db.session.scalars(stmt.limit(300)).all()


def _record_context(values: dict) -> dict:
    rules = db.session.scalars(select(Rule).join(Scheme, Scheme.id == Rule.scheme_id)
                               .where(Rule.current.is_(True), Rule.retired.is_(False), Scheme.active.is_(True))
                               .order_by(Rule.scheme_id, Rule.sort, Rule.id)).all()
    grid_id = request.args.get("grid_id", type=int)
    return {"schemes": {s.id: s for s in _schemes()}, "rules": rules, "households": _households(grid_id), "v": values,
            "chosen": set(request.form.getlist("household_id")) if request.method == "POST" else set()}


@bp.route("/record", methods=["GET", "POST"])
@requires(RECORD)
def record():
    """One entry, or the same rule for several households at once (村民大会集中记分)."""
    if request.method == "GET":
        return render_template("points_bank/record.html", fields={}, error=None, **_record_context({}))
    values = form_values()
    try:
        rule = svc.get_rule(_int(values, "rule_id", 0) if str(values.get("rule_id", "")).isdigit() else 0)
    except ApiError:
        return refused("points_bank/record.html", ApiError(422, "validation_error", _("请选择积分细则"),
                                                           {"rule_id": [_("必填")]}), **_record_context(values))
    scheme = svc.get_scheme(rule.scheme_id)
    members = request.form.getlist("household_id") if scheme.kind == "household" else [values.get("member_id", "")]
    key = "household_id" if scheme.kind == "household" else ("grid_id" if scheme.kind == "party_org" else "person_id")
    try:
        if not [m for m in members if m]:
            raise ApiError(422, "validation_error", _("请选择记分对象"), {"household_id": [_("至少选择一户")]})
        occurred = from_local(_local(values["occurred_at"])) if values.get("occurred_at") else None
        chosen = []
        for raw in members:
            if not raw.isdigit():
                raise ApiError(422, "validation_error", _("记分对象有误"), {key: [_("须为编号")]})
            chosen.append(member_of({key: int(raw)}, RECORD))
        photos = check_uploads(g.tenant, request.files.getlist("photos"))
        txns = services.record_entries(g.tenant, scheme, rule, chosen, occurred_at=occurred, note=values.get("note", ""),
                                       evidence=values.get("evidence", ""), photos=photos)
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        dropped = any(f.filename for f in request.files.getlist("photos"))
        return refused("points_bank/record.html", exc, photos_dropped=dropped, **_record_context(values))
    flash(_("已记录 %(n)s 笔", n=len(txns)), "success")
    return redirect(url_for(".record"))


def _local(raw: str):
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, "validation_error", _("发生时间格式有误"), {"occurred_at": [_("如 2026-11-05T09:30")]})


def _pending_rows():
    """Pending entries in the reviewer's grids, with their period, account, rule and photos
    loaded in four queries (not four per row)."""
    return db.session.scalars(
        select(Txn).join(Account, Account.id == Txn.account_id)
        .where(Txn.state == "pending", visible(Account.grid_id, REVIEW))
        .options(selectinload(Txn.period), selectinload(Txn.account), selectinload(Txn.rule), selectinload(Txn.photos))
        .order_by(Txn.period_id, Txn.id).limit(500)).all()


@bp.route("/review", methods=["GET", "POST"])
@requires(REVIEW)
def review():
    if request.method == "POST":
        ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
        txns = [t for t in (db.session.get(Txn, i) for i in ids) if t is not None]
        decision = request.form.get("decision")
        try:
            if not txns or decision not in ("approve", "reject"):
                raise ApiError(422, "validation_error", _("请勾选要审核的记录"), {"ids": [_("至少一笔")]})
            for txn in txns:
                require_account(db.session.get(Account, txn.account_id), REVIEW)
            services.review(g.tenant, txns, decision, request.form.get("note", ""))
            db.session.commit()
        except ApiError as exc:
            db.session.rollback()
            return refused("points_bank/review.html", exc, rows=_pending_rows(), v=form_values())
        flash(_("已审核 %(n)s 笔", n=len(txns)), "success")
        return redirect(url_for(".review"))
    return render_template("points_bank/review.html", rows=_pending_rows(), v={}, fields={}, error=None)


@bp.get("/accounts")
@requires(VIEW)
def accounts():
    stmt = select(Account).where(Account.kind == "member", visible(Account.grid_id, VIEW))
    scheme_id = request.args.get("scheme_id", type=int)
    if scheme_id:
        stmt = stmt.where(Account.scheme_id == scheme_id)
    q = (request.args.get("q") or "").strip()
    if q:
        stmt = stmt.where(Account.name.contains(q, autoescape=True) | Account.number.contains(q, autoescape=True))
    rows = db.session.scalars(stmt.order_by(Account.balance.desc(), Account.id).limit(200)).all()
    return render_template("points_bank/accounts.html", rows=rows, schemes=_schemes(False), q=q, scheme_id=scheme_id)


PASSBOOK_PAGE = 100


@bp.get("/accounts/<int:account_id>")
@requires(VIEW)
def passbook(account_id: int):
    """The passbook (积分存折), printable: every transaction with rule, evidence (photos too) and
    recorder, newest first, a page of 100 at a time (keyset: ``?before=<transaction id>`` on the
    (tenant, account, id) index, so an old page costs what the first does)."""
    found = db.session.execute(select(Account, Scheme).join(Scheme, Scheme.id == Account.scheme_id)
                               .where(Account.id == account_id)).first()
    if found is None:
        raise ApiError(404, "not_found", _("账户不存在"))
    account, scheme = found
    require_account(account, VIEW)
    before = request.args.get("before", type=int)
    stmt = select(Txn).where(Txn.account_id == account.id)
    if before:
        stmt = stmt.where(Txn.id < before)
    rows = db.session.scalars(stmt.options(selectinload(Txn.rule), selectinload(Txn.photos))
                              .order_by(Txn.id.desc()).limit(PASSBOOK_PAGE + 1)).all()
    more = len(rows) > PASSBOOK_PAGE
    rows = rows[:PASSBOOK_PAGE]
    reversed_ids = set(db.session.scalars(select(Txn.reverses_id).where(Txn.reverses_id.in_([t.id for t in rows])))) \
        if rows else set()
    return render_template("points_bank/passbook.html", account=account, rows=rows, reversed_ids=reversed_ids,
                           scheme=scheme, can_reverse=g.access.can(REVIEW),
                           older=rows[-1].id if more else None, first_page=not before)


@bp.get("/photos/<int:photo_id>")
@requires(VIEW)
def photo(photo_id: int):
    """An evidence photo, for those who may see its account's passbook (others: 404)."""
    row = db.session.get(EvidencePhoto, photo_id)
    if row is None:
        raise ApiError(404, "not_found", _("照片不存在"))
    txn = db.session.get(Txn, row.txn_id)
    require_account(db.session.get(Account, txn.account_id), VIEW)
    return send_file(file_path(row), mimetype=row.content_type, max_age=3600)


@bp.post("/entries/<int:txn_id>/reverse")
@requires(REVIEW)
def reverse(txn_id: int):
    txn = services.get_txn(txn_id)
    require_account(db.session.get(Account, txn.account_id), REVIEW)
    confirm_first(_("确认冲正这笔 %(points)s 分的记录？", points=txn.points),
                  [_("将记一笔相反的冲正记录，原记录保留；冲正后不能撤销。")], _("确认冲正"),
                  url_for(".passbook", account_id=txn.account_id))
    try:
        services.reverse(g.tenant, txn, request.form.get("note", "").strip())
        db.session.commit()
        flash(_("已冲正"), "success")
    except ApiError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for(".passbook", account_id=txn.account_id))
