"""Real courier bill layouts through the built-in profiles: SF, Best Express, ZTO Freight, Yunda.

Every fixture is a small hand-made workbook (or CSV) written here with the quirks of the real
export: numbers stored as text, dates without a year or as Excel serial numbers or as whole
numbers, value-added services as extra lines, fees spread over columns, totals stated by the file
itself (a totals row above the header, a 合计 row below the data, a summary sheet).
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from recon_lib import config
from recon_lib.errors import InputError
from recon_lib.load import candidates, load_period, load_profiles, read_file

# -- fixtures ---------------------------------------------------------------------------------
SF_HEADER = ["序号", "日期", "运单号码", "对方地区", "对方公司名称", "计费重量", "产品类型", "付款方式",
             "费用(元)", "折扣/促销", "应付金额", "经手人", "增值费用", "对账结果"]
SF_ROWS = [  # every cell is text, as SF's portal stores them
    ["1", "10-03", "SF1311234567890", "浙江省", "杭州某某贸易有限公司", "1.5", "顺丰标快", "寄付月结",
     "23.00", "-2.30", "20.70", "陈晓", "", ""],
    ["2", "10-03", "SF1311234567890", "浙江省", "杭州某某贸易有限公司", "", "保价", "寄付月结",
     "2.00", "0", "2.00", "陈晓", "保价", ""],
    ["3", "10-28", "SF1311234567891", "新疆", "乌鲁木齐某某商行", "3.2", "顺丰特快", "寄付月结",
     "68.00", "-6.80", "61.20", "陈晓", "", ""],
]

BEST_HEADER = ["入网日期", "运单号", "目的地", "原始重量", "计费重量", "费用", "签收状态", "签收时间",
               "备注", "对账结果"]
BEST_ROWS = [
    [46296.4375, 71234567890123, "浙江省", 0.8, 1, 8.5, "已签收", 46298.6, None, None],
    ["2026-10-02 08:15:00", "071234567890124", "新疆", 2.3, 3, 45, "已签收", 46300.5, None, None],
    [46297.25, 71234567890125, "广东省", 1.1, 2, 8, "已签收", 46299.4, "改址", None],
    [46297.5, 71234567890125, "广东省", 1.1, 2, 0, "已签收", 46299.4, "补录", None],
]  # 8.5 + 45 + 8 + 0 = 61.50; 3 distinct waybills (the last one is listed twice)

ZTOKY_HEADER = ["收件人", "收件人地址", "省", "市", "物流公司", "物流单号", "原始单号", "店铺", "重量",
                "发货时间", "货品总数量", "货品明细", "计费重量", "包装", "物流费", "上楼费",
                "进仓服务费", "耗材费", "操作费", "增值费用", "备注", "对账结果"]
ZTOKY_ROWS = [
    ["张伟", "北京市朝阳区建国路88号3单元1201", "北京", "北京市", "中通快运", "ZY7000000001",
     "SO2026100501", "天猫旗舰店", 12.5, "2026-10-05 14:22:10", 2, "实木餐椅x2", 13, "纸箱",
     45, 10, 0, 5, None, 0, None, None],
    ["李娜", "上海市浦东新区世纪大道100号", "上海", "上海市", "中通快运", "ZY7000000002",
     "SO2026100602", "天猫旗舰店", 3, "2026-10-06 09:01:00", 1, "靠垫x1", 3, None,
     0, 0, None, 0, 0, "0.00", "运费已结", None],
    ["王芳", "广州市天河区体育西路1号", "广东", "广州市", "中通快运", "ZY7000000003",
     "SO2026100703", "京东自营", 30.2, "2026-10-07 16:40:00", 5, "书柜x1", 31, "木架",
     120, 0, 20, 0, 2.5, 1.2, None, None],
]
ZTOKY_TOTALS = {"物流费": 165, "上楼费": 10, "进仓服务费": 20, "耗材费": 5, "操作费": 2.5,
                "增值费用": 1.2}
PERSONAL = ("张伟", "李娜", "王芳", "建国路", "世纪大道", "体育西路")

YUNDA_HEADER = ["序号", "运单编号", "发件日期", "目的省", "结算重量（kg）", "费用类型", "原价", "优惠",
                "应收金额"]
YUNDA_ROWS = [
    [1, 4312345678901, 20261002, "浙江", 1.2, "运费", 5.5, -0.5, 5],
    [2, "0312345678902", 20261002, "新疆", 2, "运费", 18, None, 18],
    [3, "0312345678902", 20261003, "新疆", None, "偏远费", 3, None, 3],
]
YUNDA_TOTALS = ["合计", 3, None, None, 3.2, None, None, None, 26]  # lines, kg, amount


def _sheet(book, title, rows, first=False):
    sheet = book.active if first else book.create_sheet(title)
    sheet.title = title
    for row in rows:
        sheet.append(row)
    return sheet


def write_sf(path: Path) -> Path:
    book = openpyxl.Workbook()
    _sheet(book, "Sheet1", [SF_HEADER, *SF_ROWS], first=True)
    book.save(path)
    return path


def write_best(path: Path, total="61.5元", count="3票", summary: bool = True) -> Path:
    book = openpyxl.Workbook()
    if summary:
        _sheet(book, "汇总", [["百世快递 2026年10月 对账单"], ["客户名称", "森屿家居"],
                            ["总票数", count, "应付总额", total]], first=True)
        _sheet(book, "账单明细", [BEST_HEADER, *BEST_ROWS])
    else:
        _sheet(book, "账单明细", [BEST_HEADER, *BEST_ROWS], first=True)
    book.save(path)
    return path


def write_ztoky(path: Path, rows=ZTOKY_ROWS, totals: dict | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = _sheet(book, "Sheet1", [ZTOKY_HEADER, *rows], first=True)
    if totals is not None:
        sheet.append(["合计"] + [totals.get(h) for h in ZTOKY_HEADER[1:]])
    book.save(path)
    return path


def write_yunda(path: Path, totals=YUNDA_TOTALS) -> Path:
    book = openpyxl.Workbook()
    _sheet(book, "Sheet1", [totals, YUNDA_HEADER, *YUNDA_ROWS], first=True)
    book.save(path)
    return path


GENERIC_CSV = ("快递公司,运单号,计费日期,费用类型,目的地,计费重量,费用,优惠,应付金额\n"
               "圆通,YT100000000001,2026-10-05,运费,浙江,1.0,6.00,-1.00,5.00\n")


@pytest.fixture(scope="module")
def builtin():
    return load_profiles(config.PROFILES_DIR)


def problems_of(err: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in err.value.problems]


# -- SF Express -------------------------------------------------------------------------------
def test_sf_bill_numbers_as_text_yearless_dates_and_value_added_lines(tmp_path, builtin, period):
    frame = read_file(write_sf(tmp_path / "sf.xlsx"), builtin["sf_bill"], period)
    assert len(frame) == 3
    assert frame["source_row"].tolist() == [2, 3, 4]
    assert set(frame["carrier"]) == {"SF"}
    assert frame["bill_date"].tolist() == [date(2026, 10, 3), date(2026, 10, 3), date(2026, 10, 28)]
    assert frame["billed_weight_kg"].tolist() == [Decimal("1.500"), None, Decimal("3.200")]
    assert frame["amount"].tolist() == [Decimal("23.00"), Decimal("2.00"), Decimal("68.00")]
    assert frame["discount"].tolist() == [Decimal("-2.30"), Decimal("0.00"), Decimal("-6.80")]
    assert frame["payable"].tolist() == [Decimal("20.70"), Decimal("2.00"), Decimal("61.20")]
    repeated = frame[frame["waybill_no"] == "SF1311234567890"]
    assert repeated["fee_type"].tolist() == ["freight", "insurance"]  # the value-added line
    assert frame["fee_type"].iloc[2] == "freight"  # 顺丰特快


# -- Best Express: a summary sheet ------------------------------------------------------------
def test_best_express_detail_sheet_with_serial_dates(tmp_path, builtin, period):
    frame = read_file(write_best(tmp_path / "best.xlsx"), builtin["best_express_bill"], period)
    assert frame["source_row"].tolist() == [2, 3, 4, 5]  # rows of sheet 账单明细
    assert frame["waybill_no"].tolist()[:2] == ["71234567890123", "071234567890124"]
    assert frame["bill_date"].tolist()[:3] == [date(2026, 10, 1), date(2026, 10, 2),
                                               date(2026, 10, 2)]  # 46296.4375 is 10-01 10:30
    assert frame["payable"].tolist() == [Decimal("8.50"), Decimal("45.00"), Decimal("8.00"),
                                         Decimal("0.00")]
    assert frame["amount"].tolist() == frame["payable"].tolist()  # amount: {same_as: payable}
    assert frame["billed_weight_kg"].tolist()[0] == Decimal("1.000")
    assert set(frame["fee_type"]) == {"freight"} and set(frame["carrier"]) == {"BEST"}


def test_best_express_payable_total_mismatch_is_refused(tmp_path, builtin, period):
    path = write_best(tmp_path / "best.xlsx", total="62.5元")
    with pytest.raises(InputError) as err:
        read_file(path, builtin["best_express_bill"], period)
    [problem] = err.value.problems
    assert (problem.file, problem.row, problem.column) == ("best.xlsx", 3, "D")
    assert str(problem) == (
        "best.xlsx, row 3, column 'D': total '应付总额' on sheet '汇总' is 62.50 but the lines "
        "give 61.50 (sum of payable): difference 1.00 (total minus lines)")


def test_best_express_waybill_count_mismatch_is_refused(tmp_path, builtin, period):
    path = write_best(tmp_path / "best.xlsx", count="4票")
    with pytest.raises(InputError) as err:
        read_file(path, builtin["best_express_bill"], period)
    assert problems_of(err) == [
        "best.xlsx, row 3, column 'B': total '总票数' on sheet '汇总' is 4 but the lines give 3 "
        "(distinct waybill_no): difference 1 (total minus lines)"]


def test_best_express_without_its_summary_sheet_is_refused(tmp_path, builtin, period):
    path = write_best(tmp_path / "best.xlsx", summary=False)
    with pytest.raises(InputError) as err:
        read_file(path, builtin["best_express_bill"], period)
    assert problems_of(err) == ["best.xlsx: no sheet named '汇总'; sheets: 账单明细"]


def test_a_total_that_is_not_a_number_is_named(tmp_path, builtin, period):
    path = write_best(tmp_path / "best.xlsx", total="待确认")
    with pytest.raises(InputError) as err:
        read_file(path, builtin["best_express_bill"], period)
    assert problems_of(err) == [
        "best.xlsx, row 3, column 'D': total '应付总额' on sheet '汇总': expected a number like "
        "3069.10 or 1007, got '待确认'"]


def test_a_summary_laid_out_as_a_table_reads_the_cell_below_the_label(tmp_path, builtin, period):
    book = openpyxl.Workbook()
    _sheet(book, "汇总", [["总票数", "应付总额："], ["3票", "¥61.50"]], first=True)
    _sheet(book, "账单明细", [BEST_HEADER, *BEST_ROWS])
    book.save(tmp_path / "best.xlsx")
    assert len(read_file(tmp_path / "best.xlsx", builtin["best_express_bill"], period)) == 4
    book["汇总"]["B2"] = "¥61.49"
    book.save(tmp_path / "best.xlsx")
    with pytest.raises(InputError, match=r"row 2, column 'B': total '应付总额' on sheet '汇总' "
                                         r"is 61.49 but the lines give 61.50 .* difference -0.01"):
        read_file(tmp_path / "best.xlsx", builtin["best_express_bill"], period)


# -- ZTO Freight: fees in columns, unpivoted ---------------------------------------------------
def test_zto_freight_makes_one_line_per_non_zero_fee(tmp_path, builtin, period):
    frame = read_file(write_ztoky(tmp_path / "ky.xlsx"), builtin["zto_freight_bill"], period)
    lines = list(zip(frame["source_row"], frame["waybill_no"], frame["fee_type"],
                     frame["payable"], strict=True))
    assert lines == [
        (2, "ZY7000000001", "freight", Decimal("45.00")),
        (2, "ZY7000000001", "upstairs", Decimal("10.00")),
        (2, "ZY7000000001", "packaging", Decimal("5.00")),
        # row 3: every fee empty or zero -> no line
        (4, "ZY7000000003", "freight", Decimal("120.00")),
        (4, "ZY7000000003", "warehousing", Decimal("20.00")),
        (4, "ZY7000000003", "handling", Decimal("2.50")),
        (4, "ZY7000000003", "other", Decimal("1.20")),
    ]
    assert frame["amount"].tolist() == frame["payable"].tolist()
    assert frame["billed_weight_kg"].tolist() == [Decimal("13.000")] * 3 + [Decimal("31.000")] * 4
    assert frame["dest_province"].tolist() == ["北京"] * 3 + ["广东"] * 4
    assert frame["bill_date"].tolist() == [date(2026, 10, 5)] * 3 + [date(2026, 10, 7)] * 4
    assert set(frame["carrier"]) == {"ZTOKY"}
    assert frame["discount"].isna().all()


def test_zto_freight_totals_row_below_is_checked_and_not_loaded(tmp_path, builtin, period):
    path = write_ztoky(tmp_path / "ky.xlsx", totals=ZTOKY_TOTALS)
    frame = read_file(path, builtin["zto_freight_bill"], period)
    assert len(frame) == 7 and 5 not in frame["source_row"].tolist()  # row 5 is the 合计 row

    write_ztoky(path, totals={**ZTOKY_TOTALS, "上楼费": 15})
    with pytest.raises(InputError) as err:
        read_file(path, builtin["zto_freight_bill"], period)
    assert problems_of(err) == [
        "ky.xlsx, row 5, column '上楼费': total '上楼费' in the totals row (sheet 'Sheet1') is "
        "15.00 but the lines give 10.00 (sum of payable where fee_type = upstairs): "
        "difference 5.00 (total minus lines)"]


def test_zto_freight_never_quotes_personal_data(tmp_path, builtin, period, db, caplog):
    """A recipient's name and address that strayed into fee and weight cells stay hidden."""
    rows = [list(r) for r in ZTOKY_ROWS]
    rows[0][14] = "张伟"  # 物流费
    rows[2][12] = "广州市天河区体育西路1号"  # 计费重量
    folder = tmp_path / "2026-10"
    folder.mkdir()
    write_ztoky(folder / "ky.xlsx", rows=rows)
    with caplog.at_level(logging.DEBUG, logger="recon_lib"), pytest.raises(InputError) as err:
        load_period(db, period, tmp_path, builtin)
    text = str(err.value)
    assert "ky.xlsx, row 2, column '物流费': expected a number, got '<private>'" in text
    assert "ky.xlsx, row 4, column '计费重量': expected a number, got '<private>'" in text
    for secret in PERSONAL:
        assert secret not in text
        assert secret not in caplog.text
    assert db.scalar("SELECT count(*) FROM courier_bill_lines") == 0


def test_unpivot_can_keep_zero_fees(tmp_path, builtin, period):
    import dataclasses

    profile = builtin["zto_freight_bill"]
    keep_zeros = dataclasses.replace(
        profile, unpivot=dataclasses.replace(profile.unpivot, skip_zero=False))
    frame = read_file(write_ztoky(tmp_path / "ky.xlsx"), keep_zeros, period)
    row3 = frame[frame["source_row"] == 3]
    # the explicit zeros of row 3 are lines; its empty 进仓服务费 cell is not
    assert row3["fee_type"].tolist() == ["freight", "upstairs", "packaging", "handling", "other"]
    assert set(row3["payable"]) == {Decimal("0.00")}


# -- Yunda: a totals row above the header ------------------------------------------------------
def test_yunda_totals_above_integer_dates_and_numeric_waybills(tmp_path, builtin, period):
    frame = read_file(write_yunda(tmp_path / "yd.xlsx"), builtin["yunda_bill"], period)
    assert frame["source_row"].tolist() == [3, 4, 5]  # the totals row 1 is not data
    assert frame["waybill_no"].tolist() == ["4312345678901", "0312345678902", "0312345678902"]
    assert frame["bill_date"].tolist() == [date(2026, 10, 2), date(2026, 10, 2), date(2026, 10, 3)]
    assert frame["fee_type"].tolist() == ["freight", "freight", "remote"]
    assert frame["payable"].tolist() == [Decimal("5.00"), Decimal("18.00"), Decimal("3.00")]
    assert frame["discount"].tolist() == [Decimal("-0.50"), Decimal("0.00"), Decimal("0.00")]
    assert set(frame["carrier"]) == {"YD"}


def test_yunda_csv_keeps_leading_zeros_and_may_lack_a_fee_type(tmp_path, builtin, period):
    path = tmp_path / "yd.csv"
    path.write_text("合计,2,,,3.2,,,23.00\n"
                    "序号,运单编号,发件日期,目的省,结算重量（kg）,原价,优惠,应收金额\n"
                    "1,0312345678901,20261002,浙江,1.2,5.5,-0.5,5.00\n"
                    "2,0312345678902,20261002,新疆,2,18,,18.00\n", encoding="utf-8")
    frame = read_file(path, builtin["yunda_bill"], period)
    assert frame["waybill_no"].tolist() == ["0312345678901", "0312345678902"]
    assert frame["fee_type"].tolist() == ["freight", "freight"]  # no 费用类型 column


@pytest.mark.parametrize(("column", "cell", "expected"), [
    (8, 27, "total '应收金额' in the totals row (sheet 'Sheet1') is 27.00 but the lines "
                    "give 26.00 (sum of payable): difference 1.00 (total minus lines)"),
    (4, 3.5, "total '结算重量(kg)' in the totals row (sheet 'Sheet1') is 3.500 but the "
                    "lines give 3.200 (sum of billed_weight_kg): difference 0.300"),
    (1, 2, "total '运单编号' in the totals row (sheet 'Sheet1') is 2 but the lines give "
                  "3 (lines with a waybill_no): difference -1"),
])
def test_yunda_totals_mismatch_names_the_cell(tmp_path, builtin, period, column, cell, expected):
    totals = list(YUNDA_TOTALS)
    totals[column] = cell
    path = write_yunda(tmp_path / "yd.xlsx", totals=totals)
    with pytest.raises(InputError) as err:
        read_file(path, builtin["yunda_bill"], period)
    [problem] = err.value.problems
    assert (problem.file, problem.row, problem.column) == ("yd.xlsx", 1, YUNDA_HEADER[column])
    assert problem.message.startswith(expected)


def test_yunda_without_its_totals_row_is_refused(tmp_path, builtin, period):
    path = write_yunda(tmp_path / "yd.xlsx", totals=["韵达快递客户对账单"])
    with pytest.raises(InputError) as err:
        read_file(path, builtin["yunda_bill"], period)
    assert problems_of(err) == [
        "yd.xlsx: no totals row (sheet 'Sheet1'): no row above the header has a cell matching "
        "'^(合计|总计)[:：]?$'"]


def test_a_totals_row_must_be_unique(tmp_path, builtin, period):
    book = openpyxl.Workbook()
    _sheet(book, "Sheet1", [YUNDA_TOTALS, ["总计"], YUNDA_HEADER, *YUNDA_ROWS], first=True)
    book.save(tmp_path / "yd.xlsx")
    with pytest.raises(InputError, match=r"yd.xlsx, row 1: 2 rows \(sheet 'Sheet1'\) above the "
                                         r"header have a cell matching .* \(rows 1, 2\)"):
        read_file(tmp_path / "yd.xlsx", builtin["yunda_bill"], period)


# -- a whole period ---------------------------------------------------------------------------
def test_a_period_of_courier_bills_is_all_or_nothing(tmp_path, builtin, period, db):
    folder = tmp_path / "2026-10"
    folder.mkdir()
    write_sf(folder / "sf.xlsx")
    write_best(folder / "best.xlsx")
    write_ztoky(folder / "ky.xlsx", totals=ZTOKY_TOTALS)
    write_yunda(folder / "yd.xlsx")
    report = load_period(db, period, tmp_path, builtin)
    assert [(f.file, f.profile, f.rows) for f in report.files] == [
        ("best.xlsx", "best_express_bill", 4), ("ky.xlsx", "zto_freight_bill", 7),
        ("sf.xlsx", "sf_bill", 3), ("yd.xlsx", "yunda_bill", 3)]
    by_carrier = db.df("SELECT carrier, sum(payable)::VARCHAR AS payable FROM courier_bill_lines "
                       "GROUP BY 1 ORDER BY 1")
    assert by_carrier.values.tolist() == [["BEST", "61.50"], ["SF", "83.90"], ["YD", "26.00"],
                                          ["ZTOKY", "203.70"]]

    write_best(folder / "best.xlsx", total="3069.1元")
    with pytest.raises(InputError) as err:
        load_period(db, period, tmp_path, builtin)
    assert "best.xlsx, row 3, column 'D': total '应付总额' on sheet '汇总' is 3069.10 but the " \
        "lines give 61.50 (sum of payable): difference 3007.60" in str(err.value)
    assert db.scalar("SELECT count(*) FROM courier_bill_lines") == 17  # unchanged


# -- recognition ------------------------------------------------------------------------------
WRITERS = {
    "sf_bill": lambda folder: write_sf(folder / "sf.xlsx"),
    "best_express_bill": lambda folder: write_best(folder / "best.xlsx"),
    "zto_freight_bill": lambda folder: write_ztoky(folder / "ky.xlsx"),
    "yunda_bill": lambda folder: write_yunda(folder / "yd.xlsx"),
    "generic_courier_bill": lambda folder: _write_text(folder / "generic.csv", GENERIC_CSV),
    "generic_courier_bill/xlsx": lambda folder: _write_book(folder / "generic.xlsx", GENERIC_CSV),
}


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _write_book(path: Path, text: str) -> Path:
    book = openpyxl.Workbook()
    _sheet(book, "Sheet1", [line.split(",") for line in text.splitlines()], first=True)
    book.save(path)
    return path


@pytest.mark.parametrize("name", list(WRITERS))
def test_each_layout_is_recognised_by_its_own_profile_only(tmp_path, builtin, name):
    path = WRITERS[name](tmp_path)
    matched = [c.profile.name for c in candidates(path, builtin) if c.matched]
    assert matched == [name.split("/")[0]]


# -- total cells ------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("3069.1元", Decimal("3069.1")), ("1007票", Decimal("1007")), ("共 1,007 票", Decimal("1007")),
    ("¥3,069.10", Decimal("3069.10")), ("(12.30)", Decimal("-12.30")), ("-5", Decimal("-5")),
    ("合计", None), ("2026年10月 1007票", None), ("", None),
])
def test_total_cells_as_files_print_them(text, expected):
    from recon_lib.load.values import total_number

    assert total_number(text) == expected
