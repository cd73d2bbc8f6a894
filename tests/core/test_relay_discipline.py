"""Request code reaches plugins only through the per-tenant relay (``core.modules.hooks``).

Calling ``pm.hook.<name>`` directly would reach modules a township has switched off. Only the
places that wire the app (registration hooks at start-up) and the calls that must reach every
installed module (data export, anonymising, grid merges, grid usage) may use the plugin manager
directly; they are listed here, so a new direct call fails this test until it is justified.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIRECT = re.compile(r"\bpm\.hook\.(\w+)|\.all\.(\w+)\(|\bpm\.hook\b(?!\.)")
APP_WIDE = {"register_routes", "register_permissions", "register_roles", "register_cli_commands", "register_schedules",
            "register_template_kinds"}  # kinds are app-wide; core.county_templates filters them per township
# modules that only call the registration hooks above, through an alias of pm.hook
WIRING = {"core/plugins.py", "core/auth/roles.py"}
EVERY_MODULE = {"person_data_export", "person_anonymised", "grids_merged", "grid_usage", "tenant_archive_contents"}


def test_request_code_calls_hooks_through_the_relay():
    offenders = []
    for path in list((ROOT / "core").rglob("*.py")) + list((ROOT / "plugins").rglob("*.py")) + list((ROOT / "tenants").rglob("*.py")) \
            + list((ROOT / "examples").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in DIRECT.finditer(text):
            name = match.group(1) or match.group(2)
            if name in APP_WIDE or name in EVERY_MODULE:
                continue
            if str(path.relative_to(ROOT)) in WIRING:
                continue
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not offenders, "hooks called around the per-tenant relay:\n" + "\n".join(offenders)
