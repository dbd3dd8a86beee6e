"""The demo's file writer: cells made a column at a time read back as the cell-by-cell writers
(Python's csv module, openpyxl) wrote them, through the loader's readers and profiles."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from recon_lib.demo import writer
from recon_lib.demo.columns import Rows, isin, set_by_key, text_join, zfill
from recon_lib.demo.writer import BOOL, NUMBER, FileLayout, render, write_file
from recon_lib.load.profile import load_profiles
from recon_lib.load.readers import read_excel_sheets, read_grid

TRICKY = ["plain", "a,b", 'say "hi"', "two\nlines", "A&B <c> d>e", "", None, " padded ", "广东省"]


@pytest.fixture(scope="module")
def profiles():
    return load_profiles()


def bill_lines(n_repeat: int = 1) -> pd.DataFrame:
    rows = pd.DataFrame({
        "carrier": "ZTO",
        "waybill_no": ["0123", "ZT9", "ZT10", "ZT11", "ZT12", "ZT13", "ZT14", "ZT15", "ZT16"],
        "bill_date": [pd.Timestamp("2026-10-01").date(), None] + [
            pd.Timestamp("2026-10-31").date()] * 7,
        "fee_type": ["freight", "insurance", "return", "rebate", "other", None, "remote",
                     "upstairs", "freight"],
        "dest_province": TRICKY,
        "billed_weight_kg": [1.5, 2.0, np.nan, 0.1, 12.25, 1e-5, 3.0, 1.0, 0.5],
        "amount_fen": [1234, -5, 0, 100, 99, 1, 123456789, -100000, 7],
        "discount_fen": [0, -123, 0, 0, 0, 0, 0, 0, 0],
        "payable_fen": [1234.0, np.nan, 0.0, 100.0, 99.0, 1.0, 123456789.0, -100000.0, 7.0],
    })
    return pd.concat([rows] * n_repeat, ignore_index=True)


def openpyxl_copy(columns: dict, path, layout: FileLayout, sheet: str) -> None:
    """The same cells through openpyxl, the way the demo wrote workbooks before."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for title in layout.title_rows:
        ws.append([title])
    ws.append(list(columns))
    n = len(next(iter(columns.values())).text)
    kinds = [np.broadcast_to(np.asarray(c.kind), n) for c in columns.values()]
    texts = [c.text.to_pylist() for c in columns.values()]
    for i in range(n):
        row = []
        for text, kind in zip(texts, kinds, strict=True):
            v = text[i]
            if v is not None and kind[i] == NUMBER:
                v = float(v)
            elif v is not None and kind[i] == BOOL:
                v = v == "1"
            row.append(v)
        ws.append(row)
    for line in layout.trailer:
        ws.append([line])
    wb.save(path)


@pytest.mark.parametrize("as_text", [False, True])
def test_a_workbook_reads_back_as_openpyxl_wrote_it(tmp_path, profiles, as_text):
    profile = profiles["zto_bill"]
    layout = FileLayout("bill.xlsx", "zto_bill", numbers_as_text=as_text,
                        title_rows=("中通快递 2026年10月 <月结> & 对账单",), trailer=("合计",))
    df = bill_lines()
    ours = write_file(df, tmp_path, profile, layout)
    theirs = tmp_path / "openpyxl.xlsx"
    openpyxl_copy(render(df, profile, layout), theirs, layout, profile.sheet or "Sheet1")
    assert read_excel_sheets(ours, "ours") == read_excel_sheets(theirs, "theirs")
    rows = read_excel_sheets(ours, "ours")["Sheet1"]
    assert rows[0][1][0] == "中通快递 2026年10月 <月结> & 对账单" and not any(rows[0][1][1:])
    header = rows[1][1]
    first = dict(zip(header, rows[2][1], strict=True))
    assert first["运单编号"] == "0123" and first["运费"] == "12.34" and first["结算重量"] == "1.5"
    assert first["揽收日期"] == "2026-10-01" and first["费用类型"] == "运费"
    assert [dict(zip(header, r, strict=False))["目的省份"] for _, r in rows[2:-1]] == [
        "plain", "a,b", 'say "hi"', "two\nlines", "A&B <c> d>e", "", "", "padded", "广东省"]
    assert rows[-1][0] == len(rows) and rows[-1][1][0] == "合计"


def test_a_workbook_loads_through_its_profile(tmp_path, profiles):
    profile = profiles["wms_shipments"]
    ships = pd.DataFrame({
        "shipment_id": ["FH1", "FH2"], "order_id": ["O&1", "O<2>"], "tracking_no": ["01", "SF2"],
        "carrier": ["ZTO", "SF"], "service": ["standard", "express"], "warehouse": ["上海仓", None],
        "ship_time": pd.to_datetime(["2026-10-01 08:00:05", "2026-10-31 23:59:59"]),
        "weight_g": [1234, 50], "length_cm": [10.0, 12.5], "width_cm": [5.0, 6.0],
        "height_cm": [5.0, 7.0], "dest_province": ["广东", "上海"], "declared_value_fen": [0, 99999],
    })
    path = write_file(ships, tmp_path, profile, FileLayout("ships.xlsx", "wms_shipments"))
    grid = read_grid(path, profile)
    assert grid.sheet == profile.sheet
    assert grid.rows[1][1] == ["FH1", "O&1", "01", "中通快递", "标快", "上海仓", "2026-10-01 08:00:05",
                               "1.234", "10", "5", "5", "广东", "0", ""]  # not COD: 代收货款 empty
    assert grid.rows[2][1][5] == "" and grid.rows[2][1][7:9] == ["0.05", "12.5"]
    assert grid.rows[2][1][12] == "999.99"


def python_csv(columns: dict, delimiter: str, placeholder: str) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    w.writerow(list(columns))
    texts = [c.text.to_pylist() for c in columns.values()]
    for row in zip(*texts, strict=True):
        w.writerow([placeholder if v is None else v for v in row])
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_rows_are_quoted_as_the_csv_module_quotes_them(tmp_path, profiles, encoding):
    profile = profiles["generic_courier_bill"]
    layout = FileLayout("bill.csv", "generic_courier_bill", encoding=encoding, placeholder="-",
                        preamble=("# 账单",), trailer=("# 完",))
    df = bill_lines(3)
    path = write_file(df, tmp_path, profile, layout)
    expected = "# 账单\n" + python_csv(render(df, profile, layout), ",", "-") + "# 完\n"
    assert path.read_bytes() == expected.encode(encoding)


def test_money_weights_and_times_are_written_as_the_loader_reads_them(tmp_path, profiles):
    cells = render(bill_lines(), profiles["generic_courier_bill"],
                   FileLayout("bill.csv", "generic_courier_bill"))
    assert cells["费用"].text.to_pylist() == [
        "12.34", "-0.05", "0.00", "1.00", "0.99", "0.01", "1234567.89", "-1000.00", "0.07"]
    assert cells["应付金额"].text.to_pylist()[:3] == ["12.34", None, "0.00"]
    assert cells["计费重量"].text.to_pylist()[:6] == ["1.5", "2", None, "0.1", "12.25", "1e-05"]
    assert cells["计费日期"].text.to_pylist()[:2] == ["2026-10-01", None]
    assert cells["费用类型"].text.to_pylist()[:6] == ["运费", "保价", "退货", "返利", "other", None]
    money = pd.Series([1234, -5, None], dtype=object)
    assert [None if v is None else str(v) for v in writer._scaled(money, 2)] == [
        "12.34", "-0.05", None]


def test_mixed_objects_are_written_one_by_one(profiles):
    df = pd.DataFrame({"ticket_id": ["T1", "T2", "T3"], "order_id": ["O1", "O2", "O3"],
                       "score": pd.Series([1, 1.0, None], dtype=object),
                       "reopened": pd.Series([True, False, None], dtype=object)})
    cells = render(df, profiles["service_tickets"], FileLayout("t.csv", "service_tickets"))
    assert cells["评分"].text.to_pylist() == ["1", "1", None]
    assert cells["是否重开"].text.to_pylist() == ["是", "否", None]


def test_column_helpers_agree_with_pandas():
    keys = pd.Series(["b", "a", None, "b", "c", "a", "b"], dtype="str")
    assert isin(keys, {"a", "b"}).tolist() == keys.isin(["a", "b"]).tolist()
    assert isin(keys, pd.Index(["c"])).tolist() == keys.isin(["c"]).tolist()
    assert isin(pd.Series([1, 2, 3]), [2]).tolist() == [False, True, False]
    rows = Rows(keys)
    expected = keys.groupby(keys, sort=False).indices
    assert set(rows) == set(expected)
    assert all(rows[k].tolist() == list(v) for k, v in expected.items())
    assert "z" not in rows and "a" in rows
    df = pd.DataFrame({"k": keys, "v": np.arange(7)})
    set_by_key(df, "k", {"a": 10, "c": 20}, "v")
    assert df["v"].tolist() == [0, 10, 2, 3, 20, 10, 6]
    joined = text_join("SY", zfill([1, 10, 12345], 5), pd.Series(["-x", "", "!"], dtype="str"))
    assert list(joined) == ["SY00001-x", "SY00010", "SY12345!"]
    assert joined.dtype == pd.Series(["x"], dtype="str").dtype


def test_a_large_column_is_written_in_chunks(tmp_path, profiles, monkeypatch):
    monkeypatch.setattr(writer, "CHUNK_ROWS", 4)
    profile = profiles["zto_bill"]
    layout = FileLayout("bill.xlsx", "zto_bill")
    df = bill_lines(3)
    ours = write_file(df, tmp_path, profile, layout)
    theirs = tmp_path / "openpyxl.xlsx"
    openpyxl_copy(render(df, profile, layout), theirs, layout, "Sheet1")
    assert read_excel_sheets(ours, "ours") == read_excel_sheets(theirs, "theirs")
    csv_layout = FileLayout("bill.csv", "generic_courier_bill")
    path = write_file(df, tmp_path, profiles["generic_courier_bill"], csv_layout)
    assert path.read_text(encoding="utf-8-sig") == python_csv(
        render(df, profiles["generic_courier_bill"], csv_layout), ",", "")


def test_decimal_objects_keep_their_digits(profiles):
    rebates = pd.DataFrame({"carrier": ["SF"], "basis": ["freight"],
                            "tier1_from": pd.Series([Decimal("1234.50")], dtype=object),
                            "tier1_rate": [0.02]})
    cells = render(rebates, profiles["rate_card_rebates"],
                   FileLayout("r.csv", "rate_card_rebates"))
    assert cells["档位1起点"].text.to_pylist() == ["1234.50"]
    assert cells["档位1返利率"].text.to_pylist() == ["0.02"]
