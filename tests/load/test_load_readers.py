"""Raw reading: encodings, line endings, preambles, padding, quoting, Excel cells, row numbers."""

from __future__ import annotations

from datetime import date, datetime, time

import openpyxl
import pytest

from recon_lib.errors import InputError
from recon_lib.load import find_header, read_grid
from recon_lib.load.readers import cell_text

HEADER = ["订单编号", "渠道", "店铺", "订单状态", "下单时间", "付款时间", "手机号", "商品金额",
          "运费", "优惠", "实付金额", ""]


def test_utf8_bom_crlf_preamble_tabs_quotes_and_trailing_comma(fixtures_dir, profiles):
    grid = read_grid(fixtures_dir / "good" / "orders.csv", profiles["test_oms_orders"])
    numbers = [n for n, _ in grid.rows]
    assert numbers[:5] == [1, 2, 3, 4, 5]
    assert grid.rows[0][1] == ["订单导出报表"]  # BOM removed, no stray \ufeff
    assert grid.rows[3][1] == HEADER  # the trailing comma is an extra empty column
    first = grid.rows[4][1]
    assert first[0] == "2026100512345"  # "2026100512345\t" loses its tab
    assert first[2] == "旗舰店, 北京"  # quoted comma stays inside the cell
    assert first[6] == "013812345678"  # leading zero kept
    # A quoted cell spanning two lines: the next row is numbered by its own first line.
    assert (numbers[6], grid.rows[6][1][2]) == (7, "抖音\n小店")
    assert numbers[7] == 9


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_encodings_are_detected(tmp_path, encoding, newline):
    path = tmp_path / "f.csv"
    path.write_bytes(newline.join(["标题：账单", "运单号,金额", "中通001,￥12.30", ""]).encode(encoding))
    rows = read_grid(path).rows
    assert rows == [(1, ["标题：账单"]), (2, ["运单号", "金额"]), (3, ["中通001", "￥12.30"])]


def test_space_padding_and_excel_text_guard(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text('a , b\n  "x, y"  ,="00123"\n\u3000值\u3000,\t7\t\n', encoding="utf-8")
    rows = read_grid(path).rows
    assert rows[1][1] == ["x, y", "00123"]
    assert rows[2][1] == ["值", "7"]


def test_tab_delimited_text(fixtures_dir, profiles):
    grid = read_grid(fixtures_dir / "good" / "order_lines.txt", profiles["test_order_lines"])
    assert grid.rows[0][1] == ["订单号", "行号", "SKU", "数量", "单价", "金额"]
    assert len(grid.rows) == 6


def test_wrong_encoding_names_file_and_line(tmp_path, profiles):
    path = tmp_path / "lines.txt"
    path.write_bytes("订单号\t行号\tSKU\nA1\t1\t杯子\n".encode("gbk"))
    with pytest.raises(InputError) as err:
        read_grid(path, profiles["test_order_lines"], label="lines.txt")
    problem = err.value.problems[0]
    assert (problem.file, problem.row) == ("lines.txt", 1)
    assert "not valid utf-8" in problem.message


def test_utf16_or_binary_is_refused(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes("运单号,金额\n".encode("utf-16"))
    with pytest.raises(InputError, match="not a text file"):
        read_grid(path)


def test_xlsx_title_row_numbers_text_and_sheet_choice(tmp_path, profiles, writers):
    path = writers.sf(tmp_path / "sf.xlsx")
    grid = read_grid(path, profiles["test_sf_bill"])
    assert grid.sheet == "账单明细"  # the first sheet is a summary without the signature
    numbers = [n for n, _ in grid.rows]
    assert numbers == list(range(1, 9))  # spreadsheet row numbers, blank row 7 included
    assert grid.rows[0][1][0] == "顺丰速运月结账单（2026年10月）"
    row4, row5, row6 = (grid.rows[i][1] for i in (3, 4, 5))
    assert row4[0] == "1234567890123"  # a numeric waybill, no ".0"
    assert row5[0] == "0012345678901"  # a text cell keeps its leading zeros
    assert row5[1] == "2026-10-06 09:30:00"
    assert row6[1] == "46301"  # a serial date typed as a plain number
    assert row4[4:8] == ["1.2", "13", "-1.3", "11.7"]
    assert grid.rows[6][1] == [""] * 8


def test_named_sheet_and_missing_sheet(tmp_path, profiles, writers):
    import dataclasses

    path = writers.sf(tmp_path / "sf.xlsx")
    profile = dataclasses.replace(profiles["test_sf_bill"], sheet="汇总")
    assert read_grid(path, profile).rows[0][1][:2] == ["项目", "金额"]
    with pytest.raises(InputError, match="no sheet named 'Bill'; sheets: 汇总, 账单明细"):
        read_grid(path, dataclasses.replace(profile, sheet="Bill"))


def test_excel_cell_rendering():
    assert cell_text(1234567890123.0) == "1234567890123"
    assert cell_text(0.1 + 0.2) == "0.30000000000000004"
    assert cell_text(1e-7) == "0.0000001"
    assert cell_text(True) == "TRUE"
    assert cell_text(datetime(2026, 10, 5, 13, 45)) == "2026-10-05 13:45:00"
    assert cell_text(date(2026, 10, 5)) == "2026-10-05"
    assert cell_text(time(12, 0)) == "12:00:00"
    assert cell_text(None) == ""


def test_not_an_excel_file(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><table><tr><td>1</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(InputError, match="HTML page saved with an Excel name"):
        read_grid(path)


def test_a_workbook_cut_short_is_called_damaged_not_text(tmp_path, writers):
    whole = writers.sf(tmp_path / "sf.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[:3000])  # zip entries hold commas and tabs as bytes: not text
    with pytest.raises(InputError) as caught:
        read_grid(path)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "damaged or incomplete" in text and "looks like text" not in text


def test_find_header_reports_the_closest_row():
    rows = [(1, ["title"]), (2, ["运单号", "金额"]), (3, ["运单号", "金额", "日期"])]
    found = find_header(rows, ("运单号", "日期"), 40)
    assert (found.index, found.row) == (2, 3)
    near = find_header(rows, ("运单号", "重量"), 40)
    assert (near.index, near.row, near.missing) == (None, 2, ("重量",))
    assert find_header(rows, ("运单号", "日期"), 2).index is None  # only the first 2 rows


def test_header_matching_ignores_width_case_and_spaces():
    rows = [(1, ["计费重量（KG）", "Order  ID"])]
    assert find_header(rows, ("计费重量(kg)", "order id"), 40).index == 0


@pytest.mark.realdata
def test_real_citic_xls(realdata):
    """A real .xls (BIFF) export: title row, header on row 2, card digits stored as numbers."""
    path = realdata / "double-entry-generator" / "example" / "citic" / "credit" / \
        "example-citic-records.xls"
    grid = read_grid(path)
    assert grid.sheet == "本期账单明细(人民币)"
    assert grid.rows[1] == (2, ["交易日期", "入账日期", "交易描述", "卡末四位", "交易币种",
                                "结算币种", "交易金额", "结算金额"])
    assert grid.rows[2][1][3] == "6688"  # 6688.0 in the file
    assert grid.rows[2][1][6] == "5.90"
    assert grid.rows[-1][0] == 15


def test_openpyxl_roundtrip_of_large_numbers_as_text(tmp_path):
    """Numbers written as numbers by a tool come back as text without exponent or .0."""
    book = openpyxl.Workbook()
    book.active.append(["运单号"])
    book.active.append([73100000000001])
    book.active.append([123456789012345678])
    path = tmp_path / "n.xlsx"
    book.save(path)
    rows = read_grid(path).rows
    assert rows[1][1] == ["73100000000001"]
    assert rows[2][1][0].isdigit()  # beyond float precision, but never "1.23e+17"
