"""Periodic work: closing missing check-outs (补签退), as the schedule
``volunteer.close_missing_checkouts`` (every 30 minutes, each township with the module on, in its
own context and transaction, run and recorded by core's queue); the CLI runs the same schedule
now (a manual run), in one township or all."""
from __future__ import annotations


def close_missing(tenant) -> int:
    """The schedule's body for one township: how many check-ins it closed."""
    from plugins.volunteer.attendance import close_missing_checkouts

    return close_missing_checkouts(tenant)


def close_all(slug: str | None = None):
    """Run the schedule now in ``slug`` or every township it applies to; yields
    ``(slug, status, closed count or the error)``."""
    import click

    from core.toolkit import run_schedule

    try:
        outcomes = run_schedule("volunteer.close_missing_checkouts", slug)
    except ValueError as exc:
        raise click.ClickException(str(exc))
    for outcome in outcomes:
        yield outcome.tenant_slug, outcome.status, (outcome.result if outcome.status == "succeeded" else outcome.error)
