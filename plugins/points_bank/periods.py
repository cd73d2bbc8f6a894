"""Monthly review and publication (一月一审核, 公示): publish, object, resolve, close.

A period is a local month: ``open`` (entries recorded and reviewed) → ``published`` (公示 for
the township's number of days; residents may object to an entry) → ``closed`` (its entries are
fixed: no new entry, review or reversal lands in it). An objection is resolved before the
period closes: upheld reverses the entry, dismissed keeps the reason. :func:`run_deadlines` is
the schedule: it publishes past months with nothing left to review and closes publications
whose days are over with no open objection.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.toolkit import ApiError, audit, db, module_settings, utcnow
from plugins.points_bank import ledger
from plugins.points_bank.models import Objection, Period, Txn
from core.toolkit import gettext as _


def get_period(period_id: int) -> Period:
    row = db.session.get(Period, period_id)
    if row is None:
        raise ApiError(404, "not_found", _("审核期不存在"))
    return row


def pending_count(period: Period) -> int:
    return db.session.scalar(select(func.count()).select_from(Txn).where(Txn.period_id == period.id,
                                                                          Txn.state == "pending")) or 0


def open_objections(period: Period) -> int:
    return db.session.scalar(select(func.count()).select_from(Objection).where(
        Objection.period_id == period.id, Objection.state == "open")) or 0


def publish(tenant, period: Period, days: int | None = None) -> Period:
    """Publish a reviewed period (公示) for ``days`` (default: the township's setting)."""
    if period.state != "open":
        raise ApiError(409, "invalid_state", _("审核期 %(key)s 已公示或已关闭", key=period.key),
                       {"state": [period.state]})
    left = pending_count(period)
    if left:
        raise ApiError(409, "pending_left", _("还有 %(left)s 笔待审核，审核完再公示", left=left),
                       {"pending": [str(left)]})
    days = days or module_settings(tenant, "points_bank")["publication_days"]
    now = utcnow()
    ledger.transition(Period, period, ("open",), "published", published_at=now, publish_until=now + dt.timedelta(days=days))
    audit("points_bank.publish", period, after={"key": period.key, "days": days})
    return period


def object_to(tenant, txn: Txn, by_name: str, reason: str, household_id: int | None = None) -> Objection:
    """A resident objects to a published entry (提出异议) while the publication lasts."""
    period = db.session.get(Period, txn.period_id)
    if period.state != "published":
        raise ApiError(422, "not_published", _("该笔记录不在公示中"),
                       {"txn_id": [_("审核期 %(key)s：%(state)s", key=period.key, state=period.state)]})
    if utcnow() > period.publish_until:
        raise ApiError(422, "publication_ended", _("公示期已结束，不能再提出异议"),
                       {"txn_id": [_("公示期已结束")]})
    if txn.state != "approved" or txn.kind == "redemption":
        raise ApiError(422, "validation_error", _("只能对已入账的积分提出异议"),
                       {"txn_id": [txn.state]})
    row = Objection(txn_id=txn.id, period_id=period.id, by_name=by_name[:64], reason=reason[:500],
                    by_household_id=household_id, state="open")
    db.session.add(row)
    db.session.flush()
    audit("points_bank.object", row, after={"txn": txn.id, "by": by_name})
    return row


def resolve(tenant, objection: Objection, decision: str, resolution: str) -> Objection:
    """Uphold (a reversing entry) or dismiss (with the reason) an open objection."""
    from plugins.points_bank import services

    if objection.state != "open":
        raise ApiError(409, "invalid_state", _("该异议已处理"), {"state": [objection.state]})
    if db.session.get(Period, objection.period_id).state == "closed":
        raise ApiError(422, "period_closed", _("审核期已关闭"), {"period": ["closed"]})
    _actor, name = ledger.actor()
    ledger.transition(Objection, objection, ("open",), decision, resolution=resolution[:500], resolved_by_name=name,
                      resolved_at=utcnow())  # first, so that of two resolving at once one goes on
    if decision == "upheld":
        txn = db.session.get(Txn, objection.txn_id)
        already = db.session.scalar(select(Txn).where(Txn.reverses_id == txn.id))
        rev = already or services.reverse(tenant, txn, f"异议成立: {resolution}", source="objection")
        objection.reversal_txn_id = rev.id
        db.session.flush()
    audit("points_bank.resolve", objection, after={"decision": decision, "resolution": resolution})
    return objection


def close(tenant, period: Period, *, early: bool = False) -> Period:
    """Close a published period (归档): its publication over (or ``early``), no open objection."""
    if period.state != "published":
        raise ApiError(409, "invalid_state", _("只能关闭公示中的审核期"), {"state": [period.state]})
    if not early and utcnow() < period.publish_until:
        raise ApiError(409, "still_published", _("公示期未满"),
                       {"publish_until": [period.publish_until.isoformat()]})
    n = open_objections(period)
    if n:
        raise ApiError(409, "objections_open", _("还有 %(n)s 条异议未处理", n=n), {"objections": [str(n)]})
    ledger.transition(Period, period, ("published",), "closed", closed_at=utcnow())
    audit("points_bank.close", period, after={"key": period.key})
    return period


def run_deadlines(tenant) -> dict[str, list[str]]:
    """The schedule (定时): publish ended months with nothing pending, close finished publications."""
    now = utcnow()
    done: dict[str, list[str]] = {"published": [], "closed": []}
    for period in db.session.scalars(select(Period).where(Period.state == "open", Period.ends_at <= now)):
        if not pending_count(period):
            publish(tenant, period)
            done["published"].append(period.key)
    for period in db.session.scalars(select(Period).where(Period.state == "published", Period.publish_until <= now)):
        if not open_objections(period):
            close(tenant, period)
            done["closed"].append(period.key)
    return done
