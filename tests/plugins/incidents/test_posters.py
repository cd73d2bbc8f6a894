"""The residents' 随手拍 poster (#17 items 13, 14): one per grid, titled for residents, naming the
township and the grid's place (村 › 网格), without the grid's code (codes follow the tree); the
print sheet names each grid the same way; the grid page's own QR code says it is for staff."""
from __future__ import annotations


def test_the_poster_is_for_residents_and_names_the_place(town, api_as):
    staff = api_as(town.staff)
    html = staff.get(f"/t/{town.tenant.slug}/incidents/grids/{town.g1.token}/qr").get_data(as_text=True)
    assert '<p class="poster-kind">群众随手拍</p>' in html and "发现问题，扫码反映" in html
    assert f"{town.tenant.name} · 查冲村 › 第一网格" in html
    assert town.g1.code not in html.split("<main")[1]


def test_the_print_sheet_names_each_grid_with_its_place(town, api_as):
    html = api_as(town.staff).get(f"/t/{town.tenant.slug}/incidents/grids/qr").get_data(as_text=True)
    assert "<h3>查冲村 › 第一网格</h3>" in html and "<h3>新安村 › 一组网格</h3>" in html
    assert html.count('class="poster-kind"') == 5


def test_the_grid_pages_qr_is_labelled_for_staff(town, api_as):
    html = api_as(town.staff).get(f"/t/{town.tenant.slug}/grids/{town.g1.id}").get_data(as_text=True)
    link = html.split('<a class="qr"')[1].split("</a>")[0]
    assert "工作人员用" in link and "仅供工作人员使用" in link
    section = html.split("群众随手拍海报（可打印）")
    assert len(section) == 2  # the residents' poster is a separate, named link
