"""Charts drawn on the server as inline SVG (图表): bar, pie and line, no JavaScript.

The console works with the network unplugged, so charts are plain SVG in the page: they print,
scale with the layout (``viewBox``), and each mark carries a ``<title>`` with its exact value.
Labels are escaped; an empty series renders "暂无数据" instead of an empty frame.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

from flask_babel import gettext as _
from markupsafe import Markup, escape

PALETTE = ["#c8102e", "#e8793a", "#d9a21b", "#4a8c5c", "#3a7ca5", "#7a5195", "#8c6d46", "#5f6b73", "#b03a7a", "#2f9e9e"]
MAX_ITEMS = 24


def fmt(value: float) -> str:
    """12 → "12", 0.8333 → "0.83", 1234567 → "1,234,567"."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _clean(series: Iterable[Sequence]) -> list[tuple[str, float]]:
    out = []
    for item in list(series or [])[:MAX_ITEMS]:
        label, value = item[0], item[1]
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isnan(number) or math.isinf(number):
            continue
        out.append((str(label), number))
    return out


def _empty() -> Markup:
    return Markup('<p class="chart-empty">{}</p>').format(_("暂无数据"))


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _svg(width: int, height: int, title: str, body: str, kind: str) -> Markup:
    return Markup(
        f'<svg class="chart chart-{kind}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}</svg>'
    )


def bar_chart(series: Iterable[Sequence], title: str = "") -> Markup:
    """Horizontal bars, one row per (label, value): long Chinese labels stay readable."""
    data = _clean(series)
    if not data:
        return _empty()
    width, label_w, row_h, value_w = 360, 96, 24, 52
    height = row_h * len(data) + 8
    top = max((v for _, v in data), default=0)
    scale = (width - label_w - value_w) / top if top > 0 else 0
    parts = []
    for i, (label, value) in enumerate(data):
        y = 4 + i * row_h
        w = max(value, 0) * scale
        parts.append(
            f'<g class="bar"><title>{escape(label)}: {fmt(value)}</title>'
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" class="chart-label">{escape(_short(label, 7))}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" rx="2" fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 16}" class="chart-value">{fmt(value)}</text></g>'
        )
    return _svg(width, height, title, "".join(parts), "bar")


def pie_chart(series: Iterable[Sequence], title: str = "") -> Markup:
    """A pie with a legend (label, value, share); negative and zero slices are left out."""
    data = [(label, v) for label, v in _clean(series) if v > 0]
    total = sum(v for _, v in data)
    if not data or total <= 0:
        return _empty()
    r, cx, cy, row_h = 64, 72, 72, 20
    height = max(2 * cy, 8 + row_h * len(data))
    width = 360
    parts = []
    angle = -math.pi / 2
    for i, (label, value) in enumerate(data):
        color = PALETTE[i % len(PALETTE)]
        share = value / total
        tip = f"<title>{escape(label)}: {fmt(value)} ({share:.0%})</title>"
        if share >= 0.9999:
            parts.append(f'<g class="slice">{tip}<circle cx="{cx}" cy="{cy}" r="{r}" fill="{color}"/></g>')
        else:
            end = angle + share * 2 * math.pi
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
            large = 1 if share > 0.5 else 0
            parts.append(
                f'<g class="slice">{tip}<path d="M{cx},{cy} L{x1:.2f},{y1:.2f} A{r},{r} 0 {large} 1 {x2:.2f},{y2:.2f} Z" '
                f'fill="{color}" stroke="#fff" stroke-width="1"/></g>'
            )
            angle = end
        ly = 8 + i * row_h
        parts.append(
            f'<g class="legend"><rect x="{2 * cx + 14}" y="{ly + 3}" width="11" height="11" fill="{color}"/>'
            f'<text x="{2 * cx + 30}" y="{ly + 13}" class="chart-label">{escape(_short(label, 9))} '
            f'{fmt(value)} ({share:.0%})</text></g>'
        )
    return _svg(width, height, title, "".join(parts), "pie")


def line_chart(series: Iterable[Sequence], title: str = "") -> Markup:
    """A line over ordered (label, value) points, e.g. incidents closed per week."""
    data = _clean(series)
    if not data:
        return _empty()
    width, height, left, right, top_pad, bottom = 360, 170, 40, 12, 12, 28
    lo = min(0.0, min(v for _, v in data))
    hi = max(v for _, v in data)
    span = (hi - lo) or 1.0
    step = (width - left - right) / max(len(data) - 1, 1)
    plot_h = height - top_pad - bottom

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top_pad + plot_h - (v - lo) / span * plot_h

    points = [xy(i, v) for i, (_, v) in enumerate(data)]
    base_y = top_pad + plot_h
    parts = [
        f'<line x1="{left}" y1="{base_y}" x2="{width - right}" y2="{base_y}" class="chart-axis" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top_pad + 8}" text-anchor="end" class="chart-value">{fmt(hi)}</text>',
        f'<text x="{left - 4}" y="{base_y}" text-anchor="end" class="chart-value">{fmt(lo)}</text>',
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
            PALETTE[0], " ".join(f"{x:.1f},{y:.1f}" for x, y in points)),
    ]
    every = max(1, math.ceil(len(data) / 6))
    for i, ((label, value), (x, y)) in enumerate(zip(data, points)):
        parts.append(f'<g class="point"><title>{escape(label)}: {fmt(value)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{PALETTE[0]}"/></g>')
        if i % every == 0 or i == len(data) - 1:
            parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" class="chart-label">{escape(_short(label, 6))}</text>')
    return _svg(width, height, title, "".join(parts), "line")


CHARTS = {"bar": bar_chart, "pie": pie_chart, "line": line_chart}


def render_chart(kind: str, series: Iterable[Sequence], title: str = "") -> Markup:
    """The chart of ``kind`` (``bar``, ``pie`` or ``line``); an unknown kind draws bars."""
    return CHARTS.get(kind, bar_chart)(series, title)
