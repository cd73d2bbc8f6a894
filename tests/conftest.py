"""The suite's own setup. The fixtures (``app``, ``create_tenant``, ``api_as``...) come from
gridgov's pytest plugin, ``core/pytest_plugin.py``, installed with gridgov for plugin authors too.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
# The example third-party plugins (civic_notes, hello) are "installed" the way a wheel would be: packages with
# a .dist-info with entry points, on sys.path. importlib.metadata finds it like any other.
sys.path.insert(0, str(HERE / "fixtures" / "site"))

from core.pytest_plugin import CHINESE, PASSWORD, ApiClient, FreshContextClient, unique  # noqa: E402,F401  (tests import them from here)
