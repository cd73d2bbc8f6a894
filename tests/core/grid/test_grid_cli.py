"""``gridgov grids import`` and ``gridgov grids tree``."""
from __future__ import annotations

from openpyxl import Workbook


def test_import_grids_from_xlsx_and_print_the_tree(app, town, rows, tmp_path):
    book = Workbook()
    sheet = book.active
    for row in (["村", "网格", "楼栋"], ["东村", "东三网格", "甲楼"], ["南村", "南一网格", None], ["东村", "东一网格", "一号楼"]):
        sheet.append(row)
    path = tmp_path / "grids.xlsx"
    book.save(path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["--lang", "en", "grids", "import", str(path), "--tenant", town.slug, "--skip-header"])
    assert result.exit_code == 0, result.output
    assert "created 4 grids; 1 rows already existed" in result.output
    after = rows(town)
    assert after["甲楼"]["parent_id"] == after["东三网格"]["id"] and after["南一网格"]["parent_id"] == after["南村"]["id"]
    shown = runner.invoke(args=["--lang", "en", "grids", "tree", "--tenant", town.slug])
    assert shown.exit_code == 0 and "  东三网格  [网格 3408221010103]" in shown.output


def test_import_refuses_bad_rows_and_saves_nothing(app, town, rows, tmp_path):
    path = tmp_path / "grids.txt"
    path.write_text("北村/北一网格\n北村//空\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["grids", "import", str(path), "--tenant", town.slug])
    assert result.exit_code != 0 and "第 2 行" in result.output
    assert "北村" not in rows(town)
    missing = runner.invoke(args=["--lang", "en", "grids", "import", str(path), "--tenant", town.slug, "--under", "999"])
    assert missing.exit_code != 0 and "no grid with code" in missing.output
