"""gridgov core: app factory, tenancy, plugins, accounts, grid and people."""
from __future__ import annotations


def create_app(config=None):
    """Build the Flask app; ``config`` is a mapping of overrides (tests pass ``TESTING``)."""
    from core.app import create_app as _create_app

    return _create_app(config)


__all__ = ["create_app"]
