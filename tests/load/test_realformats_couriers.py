"""Courier bills as merchants receive them (issue 19), through the built-in profiles.

Each fixture is a small workbook written here with the headers and oddities of the real export:
SF's product on every line and its value-added lines named in 增值费用, a city (not a province)
as the destination; Best's 总金额 on its summary sheet and province and city in one cell;
Yunda's =SUM of 运费 above the header in a column without a header, beside 已付 and 尾款, its
dates as whole numbers, its waybills as numeric cells and 运费 as formulas; Amazon's older
settlement report with a blank line in the middle of the data.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from recon_lib.errors import InputError
from recon_lib.load import candidates, detect, load_period, read_file
from tests.load.conftest import FIXTURES
from tests.load.realworkbook import Formula, write_sheet

# -- SF: 产品类型 is the product, 增值费用 the value-added service ------------------------------
SF_HEADER = ["序号", "日期", "运单号码", "对方地区", "对方公司名称", "计费重量", "产品类型", "付款方式",
             "费用(元)", "折扣/促销", "应付金额", "经手人", "增值费用", "对账结果"]
SF_ROWS = [  # text cells, as SF's portal stores them; one waybill: a freight line, 0..n others
    ["1", "10-03", "SF1311234567890", "成都市", "", "1.5", "特惠专配", "寄付月结", "13.00", "-1.30",
     "11.70", "陈晓", "", ""],
    ["2", "10-03", "SF1311234567890", "成都市", "", "", "特惠专配", "寄付月结", "2.00", "0", "2.00",
     "陈晓", "保价", ""],
    ["3", "10-03", "SF1311234567890", "成都市", "", "", "特惠专配", "寄付月结", "1.00", "0", "1.00",
     "陈晓", "易碎保", ""],
    ["4", "10-05", "SF1311234567891", "恩施州", "", "2.0", "顺丰标快", "寄付月结", "18.00", "-1.80",
     "16.20", "陈晓", "", ""],
    ["5", "10-05", "SF1311234567891", "恩施州", "", "", "顺丰标快", "寄付月结", "12.00", "0", "12.00",
     "陈晓", "转寄退回", ""],
    ["6", "10-28", "SF1311234567892", "乌鲁木齐市", "", "3.2", "顺丰标快（陆运）", "寄付月结",
     "40.00", "-4.00", "36.00", "陈晓", "", ""],
    ["7", "10-28", "SF1311234567892", "乌鲁木齐市", "", "", "顺丰标快（陆运）", "寄付月结", "8.00",
     "0", "8.00", "陈晓", "特安", ""],
    ["8", "10-30", "SF1311234567893", "上海市", "", "0.5", "顺丰特快", "寄付月结", "23.00", "-2.30",
     "20.70", "陈晓", "", ""],
]


def write_sf(path: Path, rows=SF_ROWS) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.active.append(SF_HEADER)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_sf_value_added_lines_have_their_own_fee_types(tmp_path, builtin, period):
    path = write_sf(tmp_path / "sf.xlsx")
    assert detect(path, builtin).name == "sf_bill"
    frame = read_file(path, builtin["sf_bill"], period)
    assert frame["fee_type"].tolist() == ["freight", "insurance", "other", "freight", "return",
                                          "freight", "insurance", "freight"]
    freight = frame[frame["fee_type"] == "freight"]
    assert freight["waybill_no"].is_unique and len(freight) == 4  # one freight line per waybill
    assert frame["dest_province"].tolist() == ["四川"] * 3 + ["湖北"] * 2 + ["新疆"] * 2 + ["上海"]
    assert frame["bill_date"].tolist()[:1] == [date(2026, 10, 3)]
    assert frame["billed_weight_kg"].tolist()[:2] == [Decimal("1.500"), None]
    assert frame["payable"].sum() == Decimal("107.60")


def test_sf_a_placeholder_in_zeng_zhi_fei_yong_is_the_freight_line(tmp_path, builtin, period):
    rows = [list(r) for r in SF_ROWS[:2]]
    rows[0][12] = "-"
    frame = read_file(write_sf(tmp_path / "sf.xlsx", rows), builtin["sf_bill"], period)
    assert frame["fee_type"].tolist() == ["freight", "insurance"]


def test_sf_a_place_recon_does_not_know_is_named(tmp_path, builtin, period):
    rows = [list(r) for r in SF_ROWS[:1]]
    rows[0][3] = "义乌市"  # a county-level city: not in the prefecture-level table
    with pytest.raises(InputError) as err:
        read_file(write_sf(tmp_path / "sf.xlsx", rows), builtin["sf_bill"], period)
    [problem] = err.value.problems
    assert (problem.row, problem.column) == (2, "对方地区")
    assert problem.message.startswith("'义乌市' is not a province, nor a city of mainland China")
    assert "unmatched: empty" in problem.message


# -- Best: 总金额 on the summary sheet, province and city in one cell ---------------------------
BEST_HEADER = ["入网日期", "运单号", "目的地", "原始重量", "计费重量", "费用", "签收状态", "签收时间",
               "备注"]
BEST_ROWS = [
    [46296.4375, 71234567890123, "安徽省安庆市", 0.8, 1, 8.5, "已签收", 46298.6, None],
    [46297.25, 71234567890124, "北京北京市", 2.3, 3, 12, "已签收", 46300.5, None],
    [46297.5, 71234567890125, "内蒙古自治区呼和浩特市", 1.1, 2, 9.6, "已签收", 46299.4, None],
]


def write_best(path: Path, total="30.1元", count="3票") -> Path:
    book = openpyxl.Workbook()
    summary = book.active
    summary.title = "汇总"
    for row in (["百世快递 2026年10月 对账单"], ["客户名称", "森屿家居"], ["总金额", total],
                ["总票数", count]):
        summary.append(row)
    detail = book.create_sheet("账单明细")
    for row in (BEST_HEADER, *BEST_ROWS):
        detail.append(row)
    book.save(path)
    return path


def test_best_total_labelled_zong_jin_e_and_province_city_cells(tmp_path, builtin, period):
    path = write_best(tmp_path / "best.xlsx")
    assert detect(path, builtin).name == "best_express_bill"
    frame = read_file(path, builtin["best_express_bill"], period)
    assert frame["dest_province"].tolist() == ["安徽", "北京", "内蒙古"]
    assert frame["payable"].sum() == Decimal("30.10")

    write_best(path, total="31.1元")
    with pytest.raises(InputError) as err:
        read_file(path, builtin["best_express_bill"], period)
    assert [str(p) for p in err.value.problems] == [
        "best.xlsx, row 3, column 'B': total '总金额' on sheet '汇总' is 31.10 but the lines "
        "give 30.10 (sum of payable): difference 1.00 (total minus lines)"]


# -- Yunda: =SUM above the header in a column without a header ----------------------------------
YUNDA_HEADER = ["运单编号", "原费用发生日", "新费用发生日", "目的地/省", "新结算重量", "运费"]


def yunda_rows(total: float = 29.5) -> list[list[object]]:
    return [
        [None, None, None, None, None, None, Formula("=SUM(F3:F5)", total), None, "已付", 20,
         "尾款", 9.5],
        YUNDA_HEADER,
        [4312345678901, 20261001, 20261002, "浙江省", 1.2, Formula("=ROUND(E3*5,2)", 6.0)],
        [4312345678902, 20261002, 20261002, "新疆", 2, Formula("=ROUND(E4*7,2)", 14.0)],
        [4312345678903, 20261030, 20261031, "四川省", 1.9, Formula("=ROUND(E5*5,2)", 9.5)],
    ]


def test_yunda_sum_above_the_header_integer_dates_numeric_waybills(tmp_path, builtin, period):
    path = write_sheet(tmp_path / "yd.xlsx", yunda_rows())
    assert detect(path, builtin).name == "yunda_fee_bill"
    frame = read_file(path, builtin["yunda_fee_bill"], period)
    assert frame["source_row"].tolist() == [3, 4, 5]
    assert frame["waybill_no"].tolist() == ["4312345678901", "4312345678902", "4312345678903"]
    assert frame["bill_date"].tolist() == [date(2026, 10, 2), date(2026, 10, 2),
                                           date(2026, 10, 31)]
    assert frame["payable"].tolist() == [Decimal("6.00"), Decimal("14.00"), Decimal("9.50")]
    assert frame["dest_province"].tolist() == ["浙江", "新疆", "四川"]
    assert set(frame["fee_type"]) == {"freight"} and set(frame["carrier"]) == {"YD"}


def test_yunda_sum_that_differs_is_refused_naming_its_cell(tmp_path, builtin, period):
    path = write_sheet(tmp_path / "yd.xlsx", yunda_rows(total=30.5))
    with pytest.raises(InputError) as err:
        read_file(path, builtin["yunda_fee_bill"], period)
    [problem] = err.value.problems
    assert (problem.row, problem.column) == (1, "G")
    assert problem.message == (
        "total '运费' in the totals row (sheet 'Sheet1') (column G, no header) is 30.50 but the "
        "lines give 29.50 (sum of payable): difference 1.00 (total minus lines)")


def test_yunda_sum_must_be_the_one_unlabelled_number(tmp_path, builtin, period):
    rows = yunda_rows()
    rows[0][7] = 12  # another number without a header and without a label
    with pytest.raises(InputError, match=r"the 运费 total is the one number of the totals row "
                                         r"\(sheet 'Sheet1'\) in a column without a header; "
                                         r"found 2 \(G, H\)"):
        read_file(write_sheet(tmp_path / "yd.xlsx", rows), builtin["yunda_fee_bill"], period)


def test_only_the_yunda_profile_of_the_layout_matches_it(tmp_path, builtin):
    path = write_sheet(tmp_path / "yd.xlsx", yunda_rows())
    assert [c.profile.name for c in candidates(path, builtin) if c.matched] == ["yunda_fee_bill"]


# -- Amazon: a blank line in the middle of the data ----------------------------------------------
def amazon_with_blank_line(folder: Path) -> Path:
    lines = (FIXTURES / "realformats" / "amazon_settlement_v1.txt").read_text(
        encoding="utf-8").splitlines(keepends=True)
    path = folder / "settlement.txt"
    path.write_text("".join(lines[:4] + ["\n"] + lines[4:]), encoding="utf-8")
    return path


def test_amazon_blank_line_mid_file_does_not_end_the_data(tmp_path, builtin, period):
    original = read_file(FIXTURES / "realformats" / "amazon_settlement_v1.txt",
                         builtin["amazon_settlement_v1"], period)
    path = amazon_with_blank_line(tmp_path)
    assert detect(path, builtin).name == "amazon_settlement_v1"
    frame = read_file(path, builtin["amazon_settlement_v1"], period)
    assert len(frame) == len(original)
    assert frame["amount"].sum() == original["amount"].sum()


def test_a_totals_difference_after_a_blank_row_says_so(tmp_path, builtin, period):
    stopping = dataclasses.replace(builtin["amazon_settlement_v1"], stop_at_blank_row=True)
    with pytest.raises(InputError) as err:
        read_file(amazon_with_blank_line(tmp_path), stopping, period)
    [problem] = err.value.problems
    assert problem.message.startswith("total 'total-amount' in the totals row is")
    assert "the data was read up to the blank row 5 (stop_at_blank_row)" in problem.message
    assert "if they are data, the profile needs stop_at_blank_row: false" in problem.message


# -- all of them in one period -----------------------------------------------------------------
def test_a_period_of_real_bills_loads_each_by_its_profile(tmp_path, builtin, period, db):
    folder = tmp_path / "2026-10"
    folder.mkdir()
    write_sf(folder / "顺丰月结账单.xlsx")
    write_best(folder / "百世.xlsx")
    write_sheet(folder / "韵达.xlsx", yunda_rows())
    report = load_period(db, period, tmp_path, builtin)
    assert sorted((f.profile, f.rows) for f in report.files) == [
        ("best_express_bill", 3), ("sf_bill", 8), ("yunda_fee_bill", 3)]
    assert db.df("SELECT carrier, count(*) AS n FROM courier_bill_lines WHERE fee_type = 'freight' "
                 "GROUP BY 1 ORDER BY 1").values.tolist() == [["BEST", 3], ["SF", 4], ["YD", 3]]
