"""JSON API of accounts, recording, review, periods, objections and rankings, under
``/api/v1/t/<tenant>/points_bank``. Views load → check → call a service → commit."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import ValidationError
from sqlalchemy import select

from core.toolkit import ApiError, db, doc, dump, load, page, requires, utcnow, visible, period_bounds, bucket_key
from core.toolkit import reads_replica
from core.toolkit import gettext as _
from plugins.points_bank import periods, rankings, services, shapes
from plugins.points_bank.models import Account, Objection, Period, Rule, Scheme, Txn
from plugins.points_bank.photos import check_uploads
from plugins.points_bank.permissions import RECORD, REVIEW, VIEW, require_account
from plugins.points_bank.schemas import (AccountOut, BatchIn, EntryIn, NoteIn, ObjectionIn, ObjectionOut, PeriodOut,
                                         PublishIn, ResolveIn, ReviewIn, TxnOut, validate_member)
from plugins.points_bank.schemes import get_rule, get_scheme
from plugins.points_bank.web import account_in_reach, entry_payload, member_of, payload

bp = Blueprint("points_bank_ledger", __name__, url_prefix="/api/v1/t/<tenant>/points_bank")


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        raise ApiError(422, "validation_error", _("%(name)s 须为整数", name=name), {name: [_("须为整数")]})
    return int(raw)


def txn_in_reach(txn_id: int, permission: str) -> Txn:
    txn = services.get_txn(txn_id)
    require_account(db.session.get(Account, txn.account_id), permission)
    return txn


@bp.get("/accounts")
@requires(VIEW)
@doc("Member accounts in my grids", response_schema=AccountOut, paged=True, tags=["points_bank"],
     query={"household_id": "id", "person_id": "id", "scheme_id": "id"})
def list_accounts():
    stmt = select(Account).where(Account.kind == "member", visible(Account.grid_id, VIEW))
    for name, col in (("scheme_id", Account.scheme_id), ("household_id", Account.household_id),
                      ("person_id", Account.person_id)):
        value = _int_arg(name)
        if value is not None:
            stmt = stmt.where(col == value)
    return page(AccountOut, stmt, order_by=Account.id)


@bp.get("/accounts/<int:account_id>")
@requires(VIEW)
@doc("An account and its balance", response_schema=AccountOut, tags=["points_bank"])
def show_account(account_id: int):
    return dump(AccountOut, account_in_reach(account_id, VIEW))


@bp.get("/accounts/<int:account_id>/passbook")
@requires(VIEW)
@doc("The passbook: every transaction of the account, newest first", response_schema=TxnOut, paged=True,
     tags=["points_bank"])
def passbook(account_id: int):
    account = account_in_reach(account_id, VIEW)
    return page(TxnOut, select(Txn).where(Txn.account_id == account.id), order_by=Txn.id.desc())


def _scheme_field(scheme_id: int):
    try:
        return get_scheme(scheme_id)
    except ApiError:
        raise ApiError(422, "validation_error", _("积分方案不存在"), {"scheme_id": [_("不存在")]})


@bp.post("/entries")
@requires(RECORD)
@doc("Record an entry under a rule for a member; waits for review if the rule asks. JSON, or "
     "multipart/form-data with the same fields and up to four evidence photos in ``photos``",
     request_schema=EntryIn, response_schema=TxnOut, tags=["points_bank"], status=201)
def record():
    data = load(EntryIn, entry_payload())
    validate_member(data)
    scheme, rule = scheme_and_rule(data["scheme_id"], data["rule_id"])
    member = member_of(data, RECORD)
    if rule is None:
        rule = _rule_field(data["rule_id"])
    photos = check_uploads(g.tenant, request.files.getlist("photos")) if request.files else []
    txn = services.record_entry(g.tenant, scheme, rule, occurred_at=data["occurred_at"], note=data["note"],
                                evidence=data["evidence"], photos=photos, **member)
    out = dump(TxnOut, txn, status=201)
    db.session.commit()
    return out


def _rule_field(rule_id: int):
    try:
        return get_rule(rule_id)
    except ApiError:
        raise ApiError(422, "validation_error", _("积分细则不存在"), {"rule_id": [_("不存在")]})


def scheme_and_rule(scheme_id: int, rule_id: int):
    """The scheme and the rule, read by one query when the rule is the scheme's; otherwise the
    scheme alone (422 naming ``scheme_id`` when there is none) and ``None`` for the rule, which
    the caller then reads for its own error (no such rule, or another scheme's)."""
    row = db.session.execute(select(Scheme, Rule).join(Rule, Rule.scheme_id == Scheme.id)
                             .where(Scheme.id == scheme_id, Rule.id == rule_id)).first()
    if row is not None:
        return row[0], row[1]
    return _scheme_field(scheme_id), None


@bp.post("/entries/batch")
@requires(RECORD)
@doc("Record one rule for many members: all or none", request_schema=BatchIn,
     response_schema=TxnOut, many=True, tags=["points_bank"], status=201)
def record_batch():
    data = load(BatchIn, payload())
    scheme, rule = scheme_and_rule(data["scheme_id"], data["rule_id"])
    rule = rule or _rule_field(data["rule_id"])
    members = []
    try:
        for i, member_data in enumerate(data["members"]):
            try:
                validate_member(member_data)
            except ValidationError as exc:
                raise ApiError(422, "validation_error", _("请指定成员"), exc.messages) from exc
            members.append(member_of(member_data, RECORD))
        txns = services.record_entries(g.tenant, scheme, rule, members, occurred_at=data["occurred_at"],
                                       note=data["note"], evidence=data["evidence"])
    except ApiError as exc:
        i = getattr(exc, "member_index", None)
        if i is None:
            i = len(members)  # refused while the member at this position was read
        if i < len(data["members"]):
            raise ApiError(exc.status, exc.code, _("第 %(n)s 位：%(message)s", n=i + 1, message=exc.message), {f"members.{i}": exc.fields or exc.message})
        raise
    out = dump(TxnOut, txns, status=201, many=True)
    db.session.commit()
    return out


@bp.get("/entries")
@requires(VIEW)
@doc("Entries in my grids: filter by state, period (2026-11), scheme", response_schema=TxnOut, paged=True,
     tags=["points_bank"],
     query={"period": "month", "scheme_id": "id", "state": "string"})
def list_entries():
    stmt = select(Txn).join(Account, Account.id == Txn.account_id).where(visible(Account.grid_id, VIEW))
    if request.args.get("state"):
        stmt = stmt.where(Txn.state == request.args["state"])
    if request.args.get("period"):
        stmt = stmt.join(Period, Period.id == Txn.period_id).where(Period.key == request.args["period"])
    scheme_id = _int_arg("scheme_id")
    if scheme_id is not None:
        stmt = stmt.where(Txn.scheme_id == scheme_id)
    return page(TxnOut, stmt, order_by=Txn.id.desc())


@bp.get("/entries/<int:txn_id>")
@requires(VIEW)
@doc("One transaction with its entries", response_schema=TxnOut, tags=["points_bank"])
def show_entry(txn_id: int):
    return dump(TxnOut, txn_in_reach(txn_id, VIEW))


@bp.post("/entries/review")
@requires(REVIEW)
@doc("Approve or reject pending entries as one batch", request_schema=ReviewIn, response_schema=TxnOut,
     many=True, tags=["points_bank"])
def review():
    data = load(ReviewIn, payload())
    txns = [db.session.get(Txn, i) for i in data["ids"]]
    missing = [i for i, t in zip(data["ids"], txns) if t is None]
    if missing:
        raise ApiError(422, "validation_error", _("记录不存在"), {"ids": [f"#{i}" for i in missing]})
    for txn in txns:
        require_account(db.session.get(Account, txn.account_id), REVIEW)
    services.review(g.tenant, txns, data["decision"], data["note"])
    out = dump(TxnOut, txns, many=True)
    db.session.commit()
    return out


@bp.post("/entries/<int:txn_id>/reverse")
@requires(REVIEW)
@doc("Correct an approved entry by a reversing transaction", request_schema=NoteIn, response_schema=TxnOut,
     tags=["points_bank"], status=201)
def reverse(txn_id: int):
    txn = txn_in_reach(txn_id, REVIEW)
    rev = services.reverse(g.tenant, txn, load(NoteIn, payload())["note"])
    out = dump(TxnOut, rev, status=201)
    db.session.commit()
    return out


@bp.get("/periods")
@requires(VIEW)
@doc("Review periods, newest first", response_schema=PeriodOut, paged=True, tags=["points_bank"])
def list_periods():
    return page(PeriodOut, select(Period), order_by=Period.key.desc())


@bp.post("/periods/<int:period_id>/publish")
@requires(REVIEW)
@doc("Publish a reviewed period", request_schema=PublishIn, response_schema=PeriodOut, tags=["points_bank"])
def publish(period_id: int):
    period = periods.publish(g.tenant, periods.get_period(period_id), load(PublishIn, payload())["days"])
    out = dump(PeriodOut, period)
    db.session.commit()
    return out


@bp.post("/periods/<int:period_id>/close")
@requires(REVIEW)
@doc("Close a period once its publication ended; ?early=1 closes before the days are over",
     response_schema=PeriodOut, tags=["points_bank"])
def close(period_id: int):
    period = periods.close(g.tenant, periods.get_period(period_id), early=request.args.get("early") == "1")
    out = dump(PeriodOut, period)
    db.session.commit()
    return out


@bp.get("/objections")
@requires(VIEW)
@doc("Objections, open first", response_schema=ObjectionOut, paged=True, tags=["points_bank"])
def list_objections():
    stmt = (select(Objection).join(Txn, Txn.id == Objection.txn_id).join(Account, Account.id == Txn.account_id)
            .where(visible(Account.grid_id, VIEW)))
    return page(ObjectionOut, stmt, order_by=[Objection.state.desc(), Objection.id.desc()])


@bp.post("/objections")
@requires(RECORD)
@doc("Record a resident's objection to a published entry", request_schema=ObjectionIn,
     response_schema=ObjectionOut, tags=["points_bank"], status=201)
def create_objection():
    data = load(ObjectionIn, payload())
    try:
        txn = txn_in_reach(data["txn_id"], RECORD)
    except ApiError:
        raise ApiError(422, "validation_error", _("记录不存在"), {"txn_id": [_("不存在")]})
    row = periods.object_to(g.tenant, txn, data["by_name"], data["reason"])
    out = dump(ObjectionOut, row, status=201)
    db.session.commit()
    return out


@bp.post("/objections/<int:objection_id>/resolve")
@requires(REVIEW)
@doc("Resolve an objection: upheld (reversing entry) or dismissed (reason)", request_schema=ResolveIn,
     response_schema=ObjectionOut, tags=["points_bank"])
def resolve(objection_id: int):
    row = db.session.get(Objection, objection_id)
    if row is None:
        raise ApiError(404, "not_found", _("异议不存在"))
    txn_in_reach(row.txn_id, REVIEW)
    data = load(ResolveIn, payload())
    periods.resolve(g.tenant, row, data["decision"], data["resolution"])
    out = dump(ObjectionOut, row)
    db.session.commit()
    return out


@bp.get("/numbers")
@reads_replica
@requires(VIEW)
@doc("Points issued and redeemed, items redeemed, in a period (?period=2026-11, 2026-Q3 or 2026; default this "
     "month)", tags=["points_bank"], response_schema=shapes.NUMBERS,
     query={"period": "month"})
def numbers():
    from core.toolkit import period_bounds

    from plugins.points_bank import stats

    key = request.args.get("period") or bucket_key("month", utcnow())
    try:
        start, end = period_bounds(key)
    except ValueError as exc:
        raise ApiError(422, "validation_error", str(exc), {"period": ["2026-11 / 2026-Q3 / 2026"]})
    points, items, count = stats.redeemed(start, end)
    return jsonify({"period": key, "issued": stats.issued(start, end), "redeemed_points": points,
                    "items_redeemed": items, "redemptions": count})


@bp.get("/rankings")
@reads_replica
@requires(VIEW)
@doc("Ranking of a scheme: ?scheme_id=&period=2026 or 2026-11&grid_id=&limit=", tags=["points_bank"],
     query={"scheme_id": "id"})
def ranking():
    scheme_id = _int_arg("scheme_id")
    if scheme_id is None:
        raise ApiError(422, "validation_error", _("请指定积分方案"), {"scheme_id": [_("必填")]})
    scheme = get_scheme(scheme_id)
    bucket = request.args.get("period") or bucket_key("year", utcnow())
    if not (len(bucket) in (4, 7) and bucket[:4].isdigit() and (len(bucket) == 4 or bucket[4] == "-")):
        raise ApiError(422, "validation_error", _("期间须为 2026 或 2026-11"), {"period": [_("YYYY 或 YYYY-MM")]})
    limit = _int_arg("limit") or 100
    if limit > 1000:
        raise ApiError(422, "validation_error", _("limit 最大 1000"), {"limit": ["≤ 1000"]})
    access = g.access
    roots = access.grids_for(VIEW)
    grid_id = _int_arg("grid_id")
    if roots is not None and grid_id is None:
        if len(roots) != 1:
            raise ApiError(422, "validation_error", _("请指定网格"), {"grid_id": [_("必填")]})
        grid_id = next(iter(roots))
    if grid_id is not None and roots is not None:
        from core.toolkit import Grid, grid_in_reach

        grid = db.session.get(Grid, grid_id)
        if grid is None or not grid_in_reach(grid, VIEW):
            raise ApiError(404, "not_found", _("网格不存在"))
    return jsonify({"scheme_id": scheme.id, "period": bucket, "grid_id": grid_id,
                    "items": rankings.ranking(scheme.id, bucket, grid_id, limit)})
