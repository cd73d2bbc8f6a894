"""Row-level security on PostgreSQL (行级安全): the second isolation layer.

The ORM guard (:mod:`core.tenancy`) scopes every ORM statement; it does not see raw ``text()``
SQL or Core statements. Row-level security does: on PostgreSQL every tenant-owned table (every
table of a :class:`~core.tenancy.TenantOwned` model, core's and every plugin's) gets

* ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` (FORCE, because the app connects as the tables'
  owner, whom RLS would otherwise spare);
* one policy, ``gridgov_tenant``: a row is visible and writable when its ``tenant_id`` is the
  transaction's ``gridgov.tenant_id`` setting, or when ``gridgov.bypass_rls`` is ``on``.

The settings follow the tenant context, per transaction: before each statement on a
PostgreSQL connection, :func:`_follow_tenant_context` compares what the connection's
transaction has (``set_config(..., true)``, so nothing outlives a transaction or leaks to the
next user of a pooled connection, and pgbouncer in transaction mode keeps working) with what the
context wants, and sets it when they differ:

* inside :func:`core.tenancy.tenant_context`: ``gridgov.tenant_id`` = that tenant;
* inside :func:`core.tenancy.cross_tenant` (county views, platform admin, CLI, jobs that span
  townships), which is explicit and audited: ``gridgov.bypass_rls`` = ``on``;
* on a connection marked by :func:`bypassing` (migrations): ``on`` as well;
* otherwise neither: no tenant-owned row is visible (fails closed, like the ORM guard).

Applied by :func:`apply_row_security` after every ``upgrade_all`` (``gridgov db upgrade``), for
every tenant-owned table that exists, so a plugin's new table is covered at its first migration
without the plugin doing anything. Idempotent.

Two tables have policies of their own (:data:`SPECIAL`):

* ``core_audit_entry``, the log: read per tenant like the others (the platform's own log, which
  holds account-level actions of every township's users, only in the platform's context or with
  the bypass). Appended to in the log of the tenant in context, of its county or of a township of
  it (an entry is written when the session flushes, which may be inside the next tenant's context:
  a county's township being onboarded), or of the platform (a password change inside a township
  is recorded there): never of an unrelated township. With no tenant in context (sign-ins, the
  platform admin, the CLI) in any tenant's log it concerns. Never
  updated or deleted, except with the bypass (a township's deletion, a restore): the log is
  append-only in the database too, not only in the ORM's flush check. Its inserts carry no
  ``RETURNING`` (:class:`core.models.audit.AuditEntry`), which would have to pass the read policy.
* ``core_idempotency_key``, not a tenant-owned model but carrying ``tenant_id`` (0 for writes
  outside any tenant): a tenant's keys only in that tenant, tenant 0's only outside every tenant.

Superusers and roles with ``BYPASSRLS`` skip every policy, FORCE or not: production must connect
as an ordinary role that owns the tables (the app logs a warning at start otherwise).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager

from sqlalchemy import Engine, event, text
from sqlalchemy.pool import Pool

log = logging.getLogger("gridgov.rls")
POLICY = "gridgov_tenant"
NOT_COVERED: frozenset[str] = frozenset()
BYPASS = "(current_setting('gridgov.bypass_rls', true) = 'on')"
CURRENT = "NULLIF(current_setting('gridgov.tenant_id', true), '')::integer"
CONDITION = f"({BYPASS} OR tenant_id = {CURRENT})"
_PLATFORM = "(SELECT t.id FROM core_tenant t WHERE t.kind = 'platform')"
_NO_TENANT = f"{CURRENT} IS NULL"
# table → [(policy name, command, USING, WITH CHECK)]; every other covered table: POLICY, ALL, CONDITION
SPECIAL: dict[str, list[tuple[str, str, str | None, str | None]]] = {
    "core_audit_entry": [
        (POLICY, "SELECT", CONDITION, None),
        ("gridgov_audit_append", "INSERT", None,
         f"({BYPASS} OR {_NO_TENANT} OR tenant_id = {CURRENT} OR tenant_id = {_PLATFORM} OR tenant_id IN "
         f"(SELECT t.id FROM core_tenant t WHERE t.parent_id = {CURRENT} "
         f"OR t.id = (SELECT p.parent_id FROM core_tenant p WHERE p.id = {CURRENT})))"),
        ("gridgov_audit_update", "UPDATE", BYPASS, BYPASS),
        ("gridgov_audit_delete", "DELETE", BYPASS, None),
    ],
    "core_idempotency_key": [
        (POLICY, "ALL", f"({BYPASS} OR tenant_id = {CURRENT} OR ({_NO_TENANT} AND tenant_id = 0))",
         f"({BYPASS} OR tenant_id = {CURRENT} OR ({_NO_TENANT} AND tenant_id = 0))"),
    ],
}
_STATE = "gridgov_rls_state"
_BYPASS = "gridgov_rls_bypass"
_CONTROL = ("ROLLBACK", "RELEASE", "SAVEPOINT", "COMMIT", "BEGIN")


def covered_tables() -> list[str]:
    """The tenant-owned tables row security covers (core's and every installed plugin's)."""
    from core.tenancy import _tenant_tables

    return sorted((_tenant_tables() | set(SPECIAL)) - NOT_COVERED)


def policies(table: str) -> list[tuple[str, str, str | None, str | None]]:
    """The policies of ``table``: (name, command, USING, WITH CHECK)."""
    return SPECIAL.get(table, [(POLICY, "ALL", CONDITION, CONDITION)])


def apply_row_security(connection) -> list[str]:
    """Enable, force and (re)create the policy on every covered table that exists; the tables done."""
    if connection.dialect.name != "postgresql":
        return []
    present = set(connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
                  .scalars())
    done = []
    for table in covered_tables():
        if table not in present:
            continue
        connection.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        connection.execute(text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
        existing = connection.execute(text("SELECT polname FROM pg_policy WHERE polrelid = CAST(:t AS regclass)"),
                                      {"t": f'"{table}"'}).scalars().all()
        for name in existing:  # policies are recreated as they are written here, none left over
            connection.execute(text(f'DROP POLICY IF EXISTS "{name}" ON "{table}"'))
        for name, command, using, check in policies(table):
            clauses = (f" USING {using}" if using else "") + (f" WITH CHECK {check}" if check else "")
            connection.execute(text(f'CREATE POLICY "{name}" ON "{table}" FOR {command}{clauses}'))
        done.append(table)
    return done


@contextmanager
def bypassing(connection):
    """Mark ``connection`` as doing cross-tenant maintenance (migrations) for the block."""
    connection.info[_BYPASS] = True
    connection.info.pop(_STATE, None)
    try:
        yield connection
    finally:
        connection.info.pop(_BYPASS, None)
        connection.info.pop(_STATE, None)


def _wanted(conn) -> tuple[str, str]:
    from core.tenancy import current_tenant_id, in_cross_tenant

    if conn.info.get(_BYPASS) or in_cross_tenant():
        return "on", ""
    tenant_id = current_tenant_id()
    return "off", "" if tenant_id is None else str(tenant_id)


@event.listens_for(Engine, "before_cursor_execute")
def _follow_tenant_context(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.dialect.name != "postgresql" or statement.lstrip()[:9].upper().startswith(_CONTROL):
        return  # ROLLBACK TO SAVEPOINT must run first in an aborted transaction; data statements follow
    wanted = _wanted(conn)
    if conn.info.get(_STATE) == wanted:
        return
    cursor.execute("SELECT set_config('gridgov.bypass_rls', %s, true), set_config('gridgov.tenant_id', %s, true)",
                   wanted)
    conn.info[_STATE] = wanted


def _forget(conn, *args) -> None:
    conn.info.pop(_STATE, None)  # set_config(..., true) ended with the transaction (or savepoint)


for _name in ("commit", "rollback", "rollback_savepoint", "begin"):
    event.listen(Engine, _name, _forget)


@event.listens_for(Pool, "checkout")
def _fresh_on_checkout(dbapi_connection, record, proxy) -> None:
    record.info.pop(_STATE, None)


def warn_if_policies_are_skipped(engine) -> None:
    """Log a warning when the app's database role skips row security (superuser or BYPASSRLS)."""
    if engine.dialect.name != "postgresql":
        return
    try:
        with engine.connect() as connection:
            skips = connection.execute(text("SELECT rolsuper OR rolbypassrls FROM pg_roles "
                                            "WHERE rolname = current_user")).scalar()
    except Exception:  # the database may be down at start; the request path handles that
        return
    if skips:
        log.warning("the database role is a superuser or has BYPASSRLS: row-level security is not "
                    "enforced for it; connect as an ordinary role that owns the tables")
