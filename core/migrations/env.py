"""Alembic environment shared by core and every plugin (see :mod:`core.migrate`)."""
from core.migrate import run_env

run_env()
