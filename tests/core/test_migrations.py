"""Migrations build the same schema as the models, for core and every installed plugin."""
from __future__ import annotations

from core.migrate import components, schema_differences


def test_migrated_schema_matches_models(db_session):
    diffs = schema_differences()
    assert {c.name for c in components()} >= {"core", "civic_notes"}
    assert diffs == {name: [] for name in diffs}, diffs


def test_each_component_has_its_own_version_table(db_session):
    from sqlalchemy import inspect

    from core.db import db

    tables = set(inspect(db.engine).get_table_names())
    assert "alembic_version_core" in tables
    assert "alembic_version_civic_notes" in tables
    assert "civic_notes_note" in tables
