"""Migrations per component (数据库迁移): core and each plugin carry their own Alembic revisions
and their own version table (``alembic_version_<component>``), never run on import.

A component owns the tables whose models live in its package. ``upgrade_all`` migrates core
first, then every installed plugin, so a fresh database gets core plus every plugin's tables.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app

from core.db import db

CORE_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Component:
    name: str
    package: str
    versions_dir: Path

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.name}"


def components(app: Flask | None = None) -> list[Component]:
    app = app or current_app
    out = [Component("core", "core", CORE_DIR / "versions")]
    for name, plugin in sorted(app.extensions["gridgov.plugins"].plugins.items()):
        if plugin.broken or plugin.migrations_dir is None:
            continue
        out.append(Component(name, plugin.package.__name__, plugin.migrations_dir))
    return out


def owned_tables(component: Component) -> set[str]:
    names = set()
    for mapper in db.Model.registry.mappers:
        module = mapper.class_.__module__
        if module == component.package or module.startswith(component.package + "."):
            for table in mapper.tables:
                names.add(table.name)
    return names


def _config(component: Component, connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(CORE_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(component.versions_dir))
    cfg.attributes["connection"] = connection
    cfg.attributes["component"] = component
    return cfg


def _partitions(connection) -> set[str]:
    """The partitions (not their parents) of partitioned tables; none on SQLite."""
    if connection.dialect.name != "postgresql":
        return set()
    from sqlalchemy import text

    return set(connection.execute(text("SELECT relname FROM pg_class WHERE relispartition")).scalars())


def _includer(tables: set[str], partitions: set[str]):
    """Autogenerate's filter: the component's own tables; a partitioned table's parent stands for
    its partitions (``gridgov db partition``, core/partition.py)."""

    def include_object(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return name in tables and name not in partitions
        referred = getattr(obj, "referred_table", None) if type_ == "foreign_key_constraint" else None
        if referred is not None and referred.name in partitions:
            return False  # PostgreSQL's copy of a foreign key for each partition it points at
        table = getattr(obj, "table", None)
        return table is None or table.name in tables

    return include_object


def run_env() -> None:
    from alembic import context

    cfg = context.config
    component: Component = cfg.attributes["component"]
    tables = owned_tables(component)

    connection = cfg.attributes["connection"]
    include_object = _includer(tables, _partitions(connection))
    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        version_table=component.version_table,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _each(app: Flask | None, only: str | None):
    app = app or current_app
    comps = components(app)
    if only is not None:
        comps = [c for c in comps if c.name == only]
        if not comps:
            raise SystemExit(f"no component named {only}")
    return comps


def upgrade_all(app: Flask | None = None, revision: str = "heads", only: str | None = None) -> list[str]:
    """Bring every component (or ``only`` one) to ``revision``; returns the component names."""
    from core.rls import apply_row_security, bypassing

    done = []
    for comp in _each(app, only):
        if not comp.versions_dir.is_dir():
            continue
        with db.engine.begin() as connection, bypassing(connection):
            command.upgrade(_config(comp, connection), revision)
        done.append(comp.name)
    with db.engine.begin() as connection, bypassing(connection):
        apply_row_security(connection)  # every tenant-owned table, plugins' new ones included
    return done


def downgrade(component: str, revision: str, app: Flask | None = None) -> None:
    """Take one component back to ``revision`` (its later revisions' downgrades run, newest
    first). For tests of a migration's data step and for backing out a release."""
    from core.rls import bypassing

    comp = _each(app, component)[0]
    with db.engine.begin() as connection, bypassing(connection):
        command.downgrade(_config(comp, connection), revision)


def make_revision(message: str, component: str, app: Flask | None = None, head: str = "head") -> None:
    """Autogenerate a revision for ``component`` from the difference between models and database.

    ``head``: the revision to base it on when the component has several heads.
    """
    comp = _each(app, component)[0]
    comp.versions_dir.mkdir(parents=True, exist_ok=True)
    with db.engine.begin() as connection:
        command.revision(_config(comp, connection), message=message, autogenerate=True,
                         version_path=str(comp.versions_dir), head=head)


def schema_differences(app: Flask | None = None) -> dict[str, list]:
    """What autogenerate would change, per component (empty lists: migrations match models)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    out = {}
    for comp in _each(app, None):
        with db.engine.connect() as connection:
            include_object = _includer(owned_tables(comp), _partitions(connection))
            ctx = MigrationContext.configure(connection, opts={"include_object": include_object, "compare_type": True})
            out[comp.name] = compare_metadata(ctx, db.metadata)
    return out
