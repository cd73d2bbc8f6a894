"""Server-side SVG charts: well-formed, one mark per value, escaped labels, empty states."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from core.console.charts import bar_chart, fmt, line_chart, pie_chart, render_chart

NS = {"s": "http://www.w3.org/2000/svg"}


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context("/"):
        yield


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def test_bar_chart_draws_one_bar_per_value_scaled_to_the_largest():
    root = parse(bar_chart([("东门社区", 10), ("西门村", 5), ("南山村", 0)], "人数"))
    rects = root.findall(".//s:rect", NS)
    assert len(rects) == 3
    widths = [float(r.get("width")) for r in rects]
    assert widths[0] == pytest.approx(2 * widths[1]) and widths[2] == 0
    titles = [t.text for t in root.findall(".//s:g/s:title", NS)]
    assert titles == ["东门社区: 10", "西门村: 5", "南山村: 0"]
    assert root.get("aria-label") == "人数"


def test_labels_are_escaped():
    svg = str(bar_chart([("<script>alert(1)</script>", 1)], 'a"b'))
    assert "<script>" not in svg
    parse(svg)  # still well-formed


def test_pie_chart_slices_share_the_whole():
    root = parse(pie_chart([("独居老人", 3), ("残疾人", 1), ("负数", -2)]))
    slices = root.findall(".//s:g[@class='slice']", NS)
    assert len(slices) == 2  # non-positive values are left out
    tips = [s.find("s:title", NS).text for s in slices]
    assert tips == ["独居老人: 3 (75%)", "残疾人: 1 (25%)"]


def test_single_slice_is_a_full_circle():
    root = parse(pie_chart([("全部", 7)]))
    assert root.find(".//s:circle", NS) is not None


def test_line_chart_has_a_point_per_value():
    root = parse(line_chart([(f"第{i}周", v) for i, v in enumerate([3, 5, 2, 8], 1)]))
    assert len(root.findall(".//s:g[@class='point']", NS)) == 4
    assert len(root.find(".//s:polyline", NS).get("points").split()) == 4


@pytest.mark.parametrize("kind", ["bar", "pie", "line"])
def test_empty_and_junk_series_say_no_data(kind):
    assert "暂无数据" in str(render_chart(kind, []))
    assert "暂无数据" in str(render_chart(kind, [("x", "not a number"), ("y", float("nan"))]))


def test_numbers_are_formatted():
    assert fmt(12) == "12" and fmt(12.0) == "12" and fmt(0.8333) == "0.83" and fmt(1234567) == "1,234,567"
