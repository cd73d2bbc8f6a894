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

# The hook answers numbers only, so labels come from here: a prefix (a module's title, or one of
# core's areas) and a metric word; an unknown word shows as it is.
CORE_AREAS = {"core": ("", ""), "people": ("人口", "People"), "grid": ("网格", "Grids")}
METRIC_WORDS = {
    "modules_enabled": ("已启用模块数", "Modules on"), "members": ("工作人员数", "Staff with a role"),
    "residents": ("居民数", "Residents"), "households": ("住户数", "Households"),
    "party_members": ("党员数", "Party members"), "special_groups": ("重点人群", "Special groups"),
    "grids": ("网格数", "Grids"), "reported": ("上报数", "Reported"), "closed": ("办结数", "Closed"),
    "closure_rate": ("办结率", "Closure rate"), "overdue": ("超期数", "Overdue"),
    "settled_in_grid": ("网格内办结数", "Settled in the grid"), "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "success_rate": ("成功率", "Success rate"), "cases": ("案件数", "Cases"), "points_earned": ("发放积分", "Points earned"),
    "points_redeemed": ("兑换积分", "Points redeemed"), "volunteers": ("志愿者数", "Volunteers"), "hours": ("服务时长", "Hours"),
    "stars": ("星级", "Stars"),
}


def is_rate(key: str | None) -> bool:
    return bool(key) and key.endswith("_rate")


def metric_value(key: str, value) -> str:
    """A value as the table shows it: rates (0..1) as percentages."""
    from core.console.charts import fmt

    if value is None:
        return "—"
    if is_rate(key) and 0 <= value <= 1:
        return f"{value * 100:.1f}%"
    return fmt(value)


@dataclass
class Comparison:
    townships: list[Tenant]
    metrics: list[str]
    values: dict[int, dict[str, float]] = field(default_factory=dict)

    def series(self, metric: str) -> list[tuple[str, float]]:
        """(township, value) for the chart; rates in percent."""
        scale = 100 if is_rate(metric) else 1
        return [(t.name, round(self.values[t.id][metric] * scale, 2)) for t in self.townships if metric in self.values[t.id]]


def metric_parts(key: str) -> tuple[str, str]:
    """(area or module title, metric word) of a key; ("", key) when the key is not understood."""
    from core.modules import registry

    english = is_english()
    area, _sep, metric = key.partition(".")
    if not metric:
        return "", key
    manifest = registry().modules.get(area)
    if manifest is not None:
        prefix = manifest.title_en if english else manifest.title_zh
    elif area in CORE_AREAS:
        prefix = CORE_AREAS[area][1 if english else 0]
    else:
        return "", key
    return prefix, METRIC_WORDS.get(metric, (metric, metric))[1 if english else 0]


def metric_label(key: str) -> str:
    """A readable label: "<area or module title> · <metric word>", else the key itself."""
    prefix, word = metric_parts(key)
    return f"{prefix} · {word}" if prefix else word


def townships_of(county: Tenant) -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).where(Tenant.parent_id == county.id).order_by(Tenant.name, Tenant.id)))


def compare(county: Tenant) -> Comparison:
    """Every non-archived township of ``county`` with its numbers (people first, modules, core last)."""
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
    order = {"people": 0, "grid": 1, "core": 3}
    result.metrics = sorted(keys, key=lambda k: (order.get(k.partition(".")[0], 2), k))
    return result


def to_xlsx(county: Tenant, comparison: Comparison) -> bytes:
    """The comparison as an .xlsx workbook (one sheet, header row frozen; see core.exports)."""
    from core.exports import XlsxBook

    book = XlsxBook()
    sheet = book.sheet(_("乡镇对比"), [_("乡镇"), _("标识"), _("状态")] + [metric_label(m) for m in comparison.metrics])
    for town in comparison.townships:
        values = comparison.values[town.id]
        sheet.append([town.name, town.slug, status_label(town.status)] + [values.get(m) for m in comparison.metrics])
    return book.to_bytes()


def status_label(status: TenantStatus) -> str:
    return {TenantStatus.active: _("正常"), TenantStatus.suspended: _("已暂停"), TenantStatus.archived: _("已归档")}[status]
