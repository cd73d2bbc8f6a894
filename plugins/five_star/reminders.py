"""Reminders to file the plan (催报), delivered: the township queues them, a schedule sends them.

Core offers no notification channel, so the module delivers through its own in-app inbox: the
``five_star.send_reminders`` schedule (every five minutes) takes each queued :class:`Reminder`,
finds the people of the branch's grid (the accounts whose grid role gives ``five_star.plan`` on
the village grid, i.e. the 村书记 and whoever files for the village: ``grid_users``), writes a
:class:`Notice` to each one's inbox (shown on their console start page until read), records
when and to whom, and announces ``five_star_reminder_sent`` so that another module can carry the
message further (SMS, WeChat) in the same transaction. A branch that filed before its reminder
went out is not reminded (outcome ``filed``); a grid with nobody to tell is ``no_recipient``,
shown to the township so that it phones instead.
"""
from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import func, select, update

from core.toolkit import N_, PartyOrg, audit, db, gettext, grid_users, hooks, utcnow
from plugins.five_star.models import Notice, Plan, Reminder
from plugins.five_star.permissions import PLAN

FILED = ("submitted", "approved")


MESSAGE = N_("%(by)s提醒：%(org)s尚未报送%(year)s年度五星支部创建计划表，请尽快填报并报送。")


def message_for(org: PartyOrg, year: int, by: str) -> str:
    """The stored message (Chinese: what an SMS or WeChat channel sends on)."""
    return MESSAGE % {"by": by, "org": org.name, "year": year}


def shown(notices: list[Notice]) -> dict[int, str]:
    """Each notice's message in the page's language (the stored text is Chinese)."""
    reminders = {r.id: r for r in db.session.scalars(select(Reminder).where(Reminder.id.in_({n.reminder_id for n in notices})))}
    orgs = {o.id: o.name for o in db.session.scalars(select(PartyOrg).where(PartyOrg.id.in_({n.org_id for n in notices})))}
    return {n.id: gettext(MESSAGE, by=reminders[n.reminder_id].by, org=orgs.get(n.org_id, ""), year=n.year)
            if n.reminder_id in reminders else n.text for n in notices}


def send_pending(tenant, limit: int = 500) -> dict[str, int]:
    """Deliver the township's queued reminders (oldest first, at most ``limit`` a run)."""
    rows = list(db.session.scalars(select(Reminder).where(Reminder.sent_at.is_(None)).order_by(Reminder.id).limit(limit)))
    counts = {"sent": 0, "no_recipient": 0, "filed": 0}
    for reminder in rows:
        counts[deliver(tenant, reminder)] += 1
    return counts


def deliver(tenant, reminder: Reminder) -> str:
    org = db.session.get(PartyOrg, reminder.org_id)
    state = db.session.scalar(select(Plan.state).where(Plan.org_id == reminder.org_id, Plan.year == reminder.year))
    now = utcnow()
    reminder.sent_at = now
    if state in FILED or org is None:
        reminder.outcome, reminder.recipients = "filed", []
        db.session.flush()
        return "filed"
    users = grid_users(tenant, org.grid, PLAN) if org.grid is not None else []
    text = reminder.message or message_for(org, reminder.year, reminder.by)
    reminder.recipients = [{"user_id": u.id, "name": (u.display_name or u.username)[:64]} for u in users]
    reminder.outcome = "sent" if users else "no_recipient"
    for u in users:
        db.session.add(Notice(user_id=u.id, reminder_id=reminder.id, org_id=org.id, year=reminder.year, text=text,
                              sent_at=now))
    db.session.flush()
    audit("five_star.reminder_sent", reminder, after={"org_id": org.id, "year": reminder.year,
                                                      "recipients": reminder.recipients, "outcome": reminder.outcome})
    hooks(tenant).five_star_reminder_sent(tenant=tenant, org=org, year=reminder.year, text=text,
                                          recipients=list(reminder.recipients))
    return reminder.outcome


def reminders_of(year: int) -> dict[int, list[Reminder]]:
    """Per branch, its reminders of ``year``, newest first."""
    out: dict[int, list[Reminder]] = {}
    for r in db.session.scalars(select(Reminder).where(Reminder.year == year).order_by(Reminder.id.desc())):
        out.setdefault(r.org_id, []).append(r)
    return out


def reminder_dict(r: Reminder) -> dict[str, Any]:
    from plugins.five_star.clock import iso

    return {"id": r.id, "org_id": r.org_id, "year": r.year, "queued_at": iso(r.at), "by": r.by, "sent_at": iso(r.sent_at),
            "outcome": r.outcome, "recipients": r.recipients}


# --- the inbox (站内提醒) --------------------------------------------------------------------


def inbox(limit: int = 50) -> list[Notice]:
    """The signed-in user's notices in this township, unread first, newest first."""
    return list(db.session.scalars(select(Notice).where(Notice.user_id == current_user.id)
                                   .order_by(Notice.read_at.isnot(None), Notice.id.desc()).limit(limit)))


def unread() -> tuple[int, Notice | None]:
    """How many notices the signed-in user has not read, and the newest of them."""
    base = select(Notice).where(Notice.user_id == current_user.id, Notice.read_at.is_(None))
    n = db.session.scalar(select(func.count()).select_from(base.subquery()))
    return n, (db.session.scalar(base.order_by(Notice.id.desc()).limit(1)) if n else None)


def mark_read(notice_ids: list[int] | None = None) -> int:
    """Mark the user's own notices read (all when ``notice_ids`` is None); another user's ids are
    not touched. Returns how many changed."""
    stmt = update(Notice).where(Notice.user_id == current_user.id, Notice.read_at.is_(None))
    if notice_ids is not None:
        stmt = stmt.where(Notice.id.in_(notice_ids))
    return db.session.execute(stmt.values(read_at=utcnow()), execution_options={"synchronize_session": False}).rowcount


def notice_dict(n: Notice) -> dict[str, Any]:
    from plugins.five_star.clock import iso

    return {"id": n.id, "org_id": n.org_id, "year": n.year, "text": n.text, "sent_at": iso(n.sent_at),
            "read_at": iso(n.read_at)}
