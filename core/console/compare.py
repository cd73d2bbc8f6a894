"""Townships side by side (乡镇对比): the numbers modules report through ``tenant_numbers``.

Each township is asked on its own, inside its own tenant context and through its own hook relay,
so only the modules that township has enabled answer, and each answer can only read its rows.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from core.console.nav import is_english
from core.console.widgets import collect
from core.db import db
from core.models import Tenant, TenantStatus

CORE_LABELS = {
    "core.modules_enabled": ("已启用模块数", "Modules on"),
    "core.members": ("工作人员数", "Staff with a role"),
}


@dataclass
class Comparison:
    townships: list[Tenant]
    metrics: list[str]
    values: dict[int, dict[str, float]] = field(default_factory=dict)

    def series(self, metric: str) -> list[tuple[str, float]]:
        return [(t.name, self.values[t.id][metric]) for t in self.townships if metric in self.values[t.id]]


def metric_label(key: str) -> str:
    """A readable label: core's own, else "<module title> · <metric>", else the key."""
    from core.modules import registry

    english = is_english()
    if key in CORE_LABELS:
        return CORE_LABELS[key][1 if english else 0]
    module, _sep, metric = key.partition(".")
    manifest = registry().modules.get(module)
    if manifest is not None and metric:
        return f"{manifest.title_en if english else manifest.title_zh} · {metric}"
    return key


def townships_of(county: Tenant) -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).where(Tenant.parent_id == county.id).order_by(Tenant.name, Tenant.id)))


def compare(county: Tenant) -> Comparison:
    """Every non-archived township of ``county`` with its numbers (metric keys sorted, core's last)."""
    from core.modules import hooks
    from core.tenancy import tenant_context

    towns = [t for t in townships_of(county) if t.status != TenantStatus.archived]
    result = Comparison(towns, [])
    keys: set[str] = set()
    for town in towns:
        merged: dict[str, float] = {}
        with tenant_context(town):
            for answer in collect(hooks(town).tenant_numbers, tenant=town):
                for key, value in (answer or {}).items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        merged[key] = value
        result.values[town.id] = merged
        keys.update(merged)
    result.metrics = sorted(keys, key=lambda k: (k.startswith("core."), k))
    return result


def to_xlsx(county: Tenant, comparison: Comparison) -> bytes:
    """The comparison as an .xlsx workbook (one sheet, header row frozen)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = _("乡镇对比")
    header = [_("乡镇"), _("标识"), _("状态")] + [metric_label(m) for m in comparison.metrics]
    ws.append(header)
    for town in comparison.townships:
        values = comparison.values[town.id]
        ws.append([town.name, town.slug, status_label(town.status)] + [values.get(m) for m in comparison.metrics])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a name is text, never a formula
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, title in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(str(title)) * 2 + 2))
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def status_label(status: TenantStatus) -> str:
    return {TenantStatus.active: _("正常"), TenantStatus.suspended: _("已暂停"), TenantStatus.archived: _("已归档")}[status]
