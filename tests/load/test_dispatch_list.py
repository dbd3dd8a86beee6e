"""A dispatch list of goods lines (销售出库明细) as one parcel per waybill, its carrier, product
and pick-up day taken from the courier bills of the same load (``group_by``, ``from_bill``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from recon_lib import config
from recon_lib.errors import InputError
from recon_lib.load import load_period, load_profiles, read_file, waybills
from tests.load.conftest import FIXTURES
from tests.load.realworkbook import write_sheet
from tests.load.test_realformats_couriers import write_sf, yunda_rows

HEADER = ["序号", "快递单号", "商品编码", "商品名称", "数量", "重量(kg)", "保价金额", "收货城市"]
ROWS = [
    [1, "SF1311234567890", "A1", "靠垫", 2, 0.6, None, "成都市"],
    [2, "SF1311234567890", "B2", "抱枕", 1, 0.4, None, "成都"],
    [3, "SF1311234567891", "C3", "台灯", 1, 1.5, 300, "恩施州"],
    [4, 4312345678901, "A1", "靠垫", 1, 0.5, None, "杭州市"],
    [5, 4312345678901, "D4", "杯子", 3, 0.6, None, "杭州市"],
    [6, 4312345678902, "E5", "毯子", 1, 1.8, None, "乌鲁木齐市"],
]


@pytest.fixture(scope="module")
def profiles():
    return load_profiles([config.PROFILES_DIR, FIXTURES / "dispatch"])


def write_list(path: Path, rows=ROWS) -> Path:
    book = openpyxl.Workbook()
    for row in (HEADER, *rows):
        book.active.append(row)
    book.save(path)
    return path


def month(tmp_path: Path, rows=ROWS) -> Path:
    folder = tmp_path / "2026-10"
    folder.mkdir()
    write_sf(folder / "顺丰月结账单.xlsx")
    write_sheet(folder / "韵达对账单.xlsx", yunda_rows())
    write_list(folder / "销售出库明细.xlsx", rows)
    return folder


def test_goods_lines_become_one_parcel_per_waybill_with_the_bills_facts(tmp_path, profiles,
                                                                       period, db):
    month(tmp_path)
    report = load_period(db, period, tmp_path, profiles)
    assert {f.file: (f.profile, f.rows) for f in report.files}["销售出库明细.xlsx"] == (
        "outbound_detail", 4)
    parcels = db.execute("SELECT tracking_no, carrier, service, ship_time, weight_kg, "
                         "declared_value, dest_province, source_row FROM shipments "
                         "ORDER BY source_row").fetchall()
    assert [list(p) for p in parcels] == [
        # carrier: the bill that lists the waybill; service: SF's product (特惠专配, 顺丰标快)
        ["SF1311234567890", "SF", "economy", datetime(2026, 10, 3), Decimal("1.000"), None, "四川",
         2],
        ["SF1311234567891", "SF", "standard", datetime(2026, 10, 5), Decimal("1.500"),
         Decimal("300.00"), "湖北", 4],
        # Yunda's bill gives no product; its 原费用发生日 is the pick-up day
        ["4312345678901", "YD", None, datetime(2026, 10, 1), Decimal("1.100"), None, "浙江", 5],
        ["4312345678902", "YD", None, datetime(2026, 10, 2), Decimal("1.800"), None, "新疆", 7],
    ]


def test_rows_of_a_waybill_that_disagree_are_named(tmp_path, profiles, period):
    rows = [list(r) for r in ROWS]
    rows[1][7] = "杭州市"  # the second goods line of the first parcel goes elsewhere
    frame_problems = _problems(lambda: read_file(write_list(tmp_path / "list.xlsx", rows),
                                                 profiles["outbound_detail"], period))
    assert frame_problems == [
        "list.xlsx, row 2, column '收货城市': tracking_no 'SF1311234567890': its rows 2, 3 give "
        "different values for dest_province ('四川', '浙江'); one line is made per tracking_no "
        "(group_by): add dest_province to group_by.sum if the rows' values add up"]


def test_a_waybill_on_no_bill_takes_the_carrier_its_number_has(tmp_path, profiles, period, db):
    rows = [*ROWS, [7, "JDVA11408814483", "F6", "书", 1, 0.7, None, "广州市"],
            [8, "71234567899999", "F6", "书", 1, 0.7, None, "广州市"]]
    month(tmp_path, rows)
    problems = _problems(lambda: load_period(db, period, tmp_path, profiles))
    # JD's number names its courier; no bill gives the day it left, which shipments need
    assert any(p.startswith("销售出库明细.xlsx, row 8") and "ship_time" in p for p in problems)
    assert not any(p.startswith("销售出库明细.xlsx, row 8") and "carrier" in p for p in problems)
    # a 14-digit number starting with 7 may be ZTO's or Best's: without its bill, not guessed
    assert ("销售出库明细.xlsx, row 9, column 'carrier': the carrier of waybill '71234567899999' "
            "is not known: no courier bill of this load lists it and its number fits the formats "
            "of ZTO and BEST; put its bill in the folder, or give the file a carrier column"
            ) in problems
    assert db.scalar("SELECT count(*) FROM shipments") == 0


def _problems(call) -> list[str]:
    with pytest.raises(InputError) as err:
        call()
    return [str(p) for p in err.value.problems]


@pytest.mark.parametrize(("waybill", "carrier", "fits"), [
    ("SF1311234567890", "SF", "SF"), ("sf1311234567890", "SF", "SF"),
    ("JDVA11408814483", "JDL", "JDL"), ("JDX000012345678", "JDL", "JDL"),
    ("YT7512345678901", "YTO", "YTO"), ("DPK300585915441", "DEPPON", "DEPPON"),
    ("EA123456789CN", "EMS", "EMS"), ("1012345678901", "EMS", "EMS"),
    ("4312345678901", "YD", "YD"), ("462598779470531", "YD", "YD"),
    ("773165231258960", "STO", "STO"), ("568012345678", None, "STO/BEST"),
    ("73100000000001", None, "ZTO/BEST"), ("63100000000001", "ZTO", "ZTO"),
    ("12345", None, ""),
])
def test_built_in_waybill_formats(waybill, carrier, fits):
    found, fitting = waybills.carriers(pd.Series([waybill]))
    assert (found[0], fitting[0]) == (carrier, fits)
