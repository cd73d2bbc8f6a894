"""Hash-partitioning the largest tables by ``tenant_id`` on PostgreSQL (``gridgov db partition``).

A step on the way to Citus (docs/scale.md): a township's rows of a partitioned table sit in one of
N partitions, so a query of one township (every query gridgov makes: the tenant is in every WHERE
and every row-security check) reads one partition's heap and indexes, and vacuum and index upkeep
work partition by partition. The tables: :data:`LARGEST` (incidents, ledger entries, volunteer
attendance, the audit log).

For each table, in one transaction holding its lock (writers wait; readers of the table too):
rename it aside, create the partitioned table like it (columns, defaults), its N partitions
(``<table>_p<remainder>``, ``FOR VALUES WITH (MODULUS N, REMAINDER r)``), copy the rows, hand the
id sequence to the new table, then put back under their own names the primary key (with
``tenant_id`` first: a partitioned table's unique keys must hold the partition key, which the
Citus rules already ask of every unique key), the unique keys, checks, indexes, the foreign keys
it holds and those pointing at it (PostgreSQL 12+ allows those), the grants and row-level
security; drop the old table. A table already partitioned is left as it is; the command is
idempotent. Nothing changes for the app: the ORM reads and writes the parent table.

Migrations written later work on the parent (``ADD COLUMN``, ``CREATE INDEX`` reach every
partition); batch mode is SQLite's only. SQLite: nothing to do.
"""
from __future__ import annotations

import logging

from sqlalchemy import text

log = logging.getLogger("gridgov.partition")
LARGEST = ("incidents_incident", "points_bank_entry", "volunteer_attendance", "core_audit_entry")
DEFAULT_PARTITIONS = 16


def is_partitioned(connection, table: str) -> bool:
    return bool(connection.execute(text("SELECT c.relkind = 'p' FROM pg_class c WHERE c.oid = to_regclass(:t)"),
                                   {"t": table}).scalar())


def _rows(connection, sql: str, **params) -> list:
    return connection.execute(text(sql), params).all()


def partition_table(connection, table: str, partitions: int = DEFAULT_PARTITIONS) -> dict:
    """Convert ``table`` to ``PARTITION BY HASH (tenant_id)`` with ``partitions`` partitions, in the
    caller's transaction. Returns what was done (rows moved, partitions) or ``{"skipped": why}``,
    ``why`` one of ``not_postgresql``, ``no_table`` (module not installed), ``partitioned``."""
    if connection.dialect.name != "postgresql":
        return {"skipped": "not_postgresql"}
    if connection.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is None:
        return {"skipped": "no_table"}
    if is_partitioned(connection, table):
        return {"skipped": "partitioned"}
    quoted = f'"{table}"'
    connection.execute(text(f"LOCK TABLE {quoted} IN ACCESS EXCLUSIVE MODE"))
    # everything that names the table, captured before it is renamed (the definitions name it)
    constraints = _rows(connection, """
        SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u', 'f', 'c') ORDER BY contype, conname""", t=table)
    pk_columns = [r[0] for r in _rows(connection, """
        SELECT a.attname FROM pg_constraint c
        JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) ON true
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE c.conrelid = CAST(:t AS regclass) AND c.contype = 'p' ORDER BY k.n""", t=table)]
    indexes = _rows(connection, """
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid = CAST(:t AS regclass)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""", t=table)
    incoming = _rows(connection, """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE confrelid = CAST(:t AS regclass) AND contype = 'f' AND conrelid <> confrelid""", t=table)
    sequences = _rows(connection, """
        SELECT s.oid::regclass::text, a.attname FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.refobjid = CAST(:t AS regclass) AND d.deptype IN ('a', 'i')""", t=table)
    grants = _rows(connection, """
        SELECT grantee, string_agg(privilege_type, ', ') FROM information_schema.role_table_grants
        WHERE table_schema = current_schema() AND table_name = :t
          AND grantee <> (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = CAST(:t AS regclass))
        GROUP BY grantee""", t=table)
    row_security = connection.execute(text(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}).one()
    policies = _rows(connection, """
        SELECT polname, pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid) FROM pg_policy
        WHERE polrelid = CAST(:t AS regclass)""", t=table)  # gridgov's are FOR ALL TO PUBLIC (core.rls)

    old = f'"{table}__unpartitioned"'
    connection.execute(text(f"ALTER TABLE {quoted} RENAME TO {old[1:-1]}"))
    connection.execute(text(f"CREATE TABLE {quoted} (LIKE {old} INCLUDING DEFAULTS INCLUDING GENERATED "
                            f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY HASH (tenant_id)"))
    for remainder in range(partitions):
        connection.execute(text(f'CREATE TABLE "{table}_p{remainder}" PARTITION OF {quoted} '
                                f"FOR VALUES WITH (MODULUS {partitions}, REMAINDER {remainder})"))
    moved = connection.execute(text(f"INSERT INTO {quoted} SELECT * FROM {old}")).rowcount
    for sequence, column in sequences:
        connection.execute(text(f'ALTER SEQUENCE {sequence} OWNED BY {quoted}."{column}"'))
    for source, name, _definition in incoming:
        connection.execute(text(f'ALTER TABLE {source} DROP CONSTRAINT "{name}"'))
    connection.execute(text(f"DROP TABLE {old}"))  # its constraint and index names are free again

    key = pk_columns if "tenant_id" in pk_columns else ["tenant_id", *pk_columns]
    for name, kind, definition in constraints:
        if kind == "p":
            columns = ", ".join(f'"{c}"' for c in key)
            connection.execute(text(f'ALTER TABLE {quoted} ADD CONSTRAINT "{name}" PRIMARY KEY ({columns})'))
    for name, kind, definition in constraints:
        if kind in ("u", "c", "f"):
            connection.execute(text(f'ALTER TABLE {quoted} ADD CONSTRAINT "{name}" {definition}'))
    for (definition,) in indexes:
        connection.execute(text(definition))
    for source, name, definition in incoming:
        connection.execute(text(f'ALTER TABLE {source} ADD CONSTRAINT "{name}" {definition}'))
    for grantee, privileges in grants:
        who = "PUBLIC" if grantee == "PUBLIC" else f'"{grantee}"'
        connection.execute(text(f"GRANT {privileges} ON {quoted} TO {who}"))
    if row_security[0]:
        connection.execute(text(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY"))
    if row_security[1]:
        connection.execute(text(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY"))
    for name, using, check in policies:
        clause = f" USING ({using})" if using else ""
        clause += f" WITH CHECK ({check})" if check else ""
        connection.execute(text(f'CREATE POLICY "{name}" ON {quoted}{clause}'))
    log.info("partitioned %s by hash of tenant_id into %d partitions (%d rows moved)", table, partitions, moved)
    return {"rows": moved, "partitions": partitions, "primary_key": key}


def partition_largest(engine, tables=LARGEST, partitions: int = DEFAULT_PARTITIONS) -> dict[str, dict]:
    """:func:`partition_table` for each of ``tables``, each in its own transaction."""
    from core.rls import bypassing

    out = {}
    for table in tables:
        with engine.begin() as connection, bypassing(connection):
            out[table] = partition_table(connection, table, partitions)
    return out
