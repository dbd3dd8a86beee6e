"""Reading files into canonical frames, and loading a whole period into DuckDB."""

from __future__ import annotations

import logging
import re
import shutil
import time
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from recon_lib import schema
from recon_lib.errors import InputError
from recon_lib.load import load_period, read_file
from recon_lib.load import loader as loader_module
from recon_lib.periods import parse_period

EXPECTED_ROWS = {"bank_transactions": 5, "courier_bill_lines": 7, "order_lines": 5, "orders": 4,
                 "service_tickets": 2}


def counts(db) -> dict[str, int]:
    return {name: db.scalar(f"SELECT count(*) FROM {name}") for name in schema.TABLES}


# -- read_file --------------------------------------------------------------------------------
def test_read_file_columns_types_and_lineage(fixtures_dir, profiles, period):
    frame = read_file(fixtures_dir / "good" / "orders.csv", profiles["test_oms_orders"], period)
    assert list(frame.columns) == schema.TABLES["orders"].column_names + [
        "period", "source_file", "source_row"]
    assert all(dtype.kind == "O" for dtype in frame.dtypes)
    assert type(frame["paid_at"].iloc[0]) is datetime and type(frame["source_row"].iloc[0]) is int
    assert frame["source_row"].tolist() == [5, 6, 7, 9]  # totals line and trailer dropped
    assert set(frame["source_file"]) == {"orders.csv"} and set(frame["period"]) == {"2026-10"}
    first = frame.iloc[0]
    assert first["order_id"] == "2026100512345"
    assert (first["channel"], first["status"], first["currency"]) == ("tmall", "paid", "CNY")
    assert first["shop"] == "旗舰店, 北京"
    assert first["customer_phone"] == "013812345678"
    assert first["goods_amount"] == Decimal("1234.56")
    assert first["shipping_fee"] == Decimal("0.00")  # empty cell -> the rule's default
    assert first["discount"] == Decimal("34.56")  # negate: -34.56 in the file
    assert first["paid_at"] == datetime(2026, 10, 5, 13, 45)  # the profile's %Y/%m/%d %H:%M
    assert frame["paid_at"].iloc[1] is None  # "-"
    assert frame["discount"].tolist()[1:] == [None, Decimal("0.00"), Decimal("2.00")]  # --, 0, (2.00)
    assert frame["goods_amount"].tolist()[1:] == [Decimal("88.00"), Decimal("66.60"),
                                                  Decimal("100.00")]
    assert frame["cancelled_at"].isna().all()  # optional header absent
    assert frame["customer_name"].isna().all()  # not in the profile


def test_gbk_courier_bill(tmp_path, profiles, period, writers):
    path = writers.zto(tmp_path / "zto.csv")
    frame = read_file(path, profiles["test_zto_bill"], period)
    assert frame["source_row"].tolist() == [4, 5, 6, 7]  # 总计 dropped
    assert frame["waybill_no"].tolist()[:2] == ["73100000000001", "73100000000001"]
    assert frame["bill_date"].tolist()[0] == date(2026, 10, 5)  # 20261005
    assert frame["fee_type"].tolist() == ["freight", "insurance", "freight", "other"]
    assert frame["dest_province"].tolist()[0] == "广东省"
    assert frame["amount"].tolist() == [Decimal("8.00"), Decimal("2.00"), Decimal("1012.00"),
                                        Decimal("3.00")]
    assert frame["discount"].tolist() == [Decimal("-1.00"), None, Decimal("0.00"), None]
    assert frame["billed_weight_kg"].tolist()[0] == Decimal("1.500")
    assert set(frame["carrier"]) == {"ZTO"}


def test_xlsx_courier_bill(tmp_path, profiles, period, writers):
    path = writers.sf(tmp_path / "sf.xlsx")
    frame = read_file(path, profiles["test_sf_bill"], period)
    assert frame["source_row"].tolist() == [4, 5, 6]
    assert frame["waybill_no"].tolist() == ["1234567890123", "0012345678901", "1234567890124"]
    assert frame["bill_date"].tolist() == [date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 6)]
    assert frame["amount"].tolist() == [Decimal("13.00"), Decimal("2.00"), Decimal("20.45")]
    assert frame["discount"].tolist() == [Decimal("-1.30"), Decimal("0.00"), Decimal("0.00")]
    assert frame["fee_type"].tolist() == ["freight", "insurance", "remote"]


def test_booleans_and_serial_dates_in_text(fixtures_dir, profiles, period):
    frame = read_file(fixtures_dir / "good" / "tickets.csv", profiles["test_tickets"], period)
    assert frame["reopened"].tolist() == [True, False]
    assert frame["opened_at"].tolist() == [datetime(2026, 10, 5), datetime(2026, 10, 5, 18)]
    assert frame["category"].tolist() == ["quality", "other"]  # map_default


def test_time_zones_become_shanghai_wall_clock(fixtures_dir, profiles, period):
    frame = read_file(fixtures_dir / "good" / "bank.csv", profiles["test_bank"], period)
    assert frame["booked_at"].tolist()[:3] == [
        datetime(2026, 10, 1, 8), datetime(2026, 10, 5, 10), datetime(2026, 10, 5, 22)]
    assert frame["amount"].tolist()[:3] == [Decimal("100.10"), Decimal("-12.30"),
                                            Decimal("1000.20")]


@pytest.mark.realdata
def test_real_citic_xls_through_a_profile(realdata, tmp_path, period):
    from recon_lib.load import load_profiles

    (tmp_path / "citic.yaml").write_text(
        "name: citic_credit\ntable: bank_transactions\nfile_types: [xls]\n"
        "signature: [交易日期, 交易描述, 卡末四位]\n"
        "columns:\n  account: {from: 卡末四位}\n  txn_id: {from: 交易描述}\n"
        "  booked_at: {from: 交易日期}\n  amount: {from: 结算金额, negate: true}\n"
        "  currency: {from: 结算币种, map: {人民币: CNY}}\n  counterparty: {from: 交易描述}\n",
        encoding="utf-8")
    path = realdata / "double-entry-generator/example/citic/credit/example-citic-records.xls"
    profile = load_profiles(tmp_path)["citic_credit"]
    frame = read_file(path, profile, period)
    assert len(frame) == 13 and frame["source_row"].tolist()[0] == 3
    assert set(frame["account"]) == {"6688"} and set(frame["currency"]) == {"CNY"}
    assert frame["booked_at"].tolist()[0] == datetime(2024, 11, 9)
    assert frame["amount"].tolist()[:2] == [Decimal("-5.90"), Decimal("0.20")]


@pytest.mark.parametrize(("name", "row", "column", "message"), [
    ("orders_missing_column.csv", 1, "实付金额", "missing column '实付金额' or '付款金额'"),
    ("orders_bad_date.csv", 3, "下单时间",
     "expected a date like 2026-10-05 or 2026-10-05 13:45:00, got '2026-13-45'"),
    ("orders_letters.csv", 3, "商品金额", "expected a number, got '12a'"),
])
def test_malformed_files_name_file_row_and_column(fixtures_dir, profiles, period, name, row,
                                                   column, message):
    with pytest.raises(InputError) as err:
        read_file(fixtures_dir / "bad" / name, profiles["test_oms_orders"], period)
    [problem] = err.value.problems
    assert (problem.file, problem.row, problem.column) == (name, row, column)
    assert problem.message.startswith(message)
    assert f"{name}, row {row}, column '{column}': {message}" in str(err.value)


def test_utf8_file_read_as_gbk_gets_a_hint(tmp_path, profiles, period):
    import dataclasses

    path = tmp_path / "lines.txt"
    path.write_text("订单\t数量\n", encoding="utf-8")  # decodes as GBK without error: 璁㈠崟...
    gbk = dataclasses.replace(profiles["test_order_lines"], encoding="gbk",
                              signature=("订单", "数量"))
    with pytest.raises(InputError, match="decoded as gbk: is that its encoding"):
        read_file(path, gbk, period)


def test_every_problem_of_a_file_at_once(tmp_path, profiles, period):
    path = tmp_path / "orders.csv"
    path.write_text(
        "订单编号,渠道,店铺,订单状态,下单时间,付款时间,手机号,商品金额,运费,优惠,实付金额\n"
        "A1,天猫,s,已付款,2026-10-01 10:00:00,x,,1a,0,0,1.00\n"
        "A2,拼多多,s,已付款,2026-10-01 10:00:00,,,1.00,0,0,1.00\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_file(path, profiles["test_oms_orders"], period)
    found = [(p.row, p.column) for p in err.value.problems]
    assert found == [(2, "付款时间"), (2, "商品金额"), (3, "渠道")]
    assert "accepted: '天猫', '京东', '抖音', '官网'" in str(err.value)


# -- load_period ------------------------------------------------------------------------------
def test_load_period_loads_every_file(db, raw_dir, profiles, period, caplog):
    with caplog.at_level(logging.INFO, logger="recon_lib.load.loader"):
        report = load_period(db, period, raw_dir, profiles)
    assert report.tables == EXPECTED_ROWS
    assert [(f.file, f.profile, f.rows) for f in report.files] == [
        ("bank.csv", "test_bank", 5), ("order_lines.txt", "test_order_lines", 5),
        ("orders.csv", "test_oms_orders", 4), ("sf_bill.xlsx", "test_sf_bill", 3),
        ("tickets.csv", "test_tickets", 2), ("zto_bill.csv", "test_zto_bill", 4)]
    assert report.rows == 23 and all(f.seconds >= 0 for f in report.files)
    assert {k: v for k, v in counts(db).items() if v} == EXPECTED_ROWS
    assert "read orders.csv as test_oms_orders -> orders: 4 rows" in caplog.text
    lineage = db.df("SELECT DISTINCT period, source_file FROM courier_bill_lines ORDER BY 2")
    assert lineage.values.tolist() == [["2026-10", "sf_bill.xlsx"], ["2026-10", "zto_bill.csv"]]


def test_decimals_and_timestamps_arrive_exactly(db, raw_dir, profiles, period):
    load_period(db, period, raw_dir, profiles)
    tiny = db.scalar("SELECT sum(amount) FROM bank_transactions WHERE txn_id IN ('T4', 'T5')")
    assert tiny == Decimal("0.30")
    assert db.scalar("SELECT sum(amount) = 0.30 FROM bank_transactions "
                     "WHERE txn_id IN ('T4', 'T5')") is True
    assert db.scalar("SELECT sum(amount) FROM bank_transactions") == Decimal("1088.30")
    assert db.scalar("SELECT typeof(amount) FROM bank_transactions LIMIT 1") == "DECIMAL(18,2)"
    assert db.scalar("SELECT booked_at FROM bank_transactions WHERE txn_id = 'T5'") == \
        datetime(2026, 10, 6, 12, 0, 1)
    assert db.scalar("SELECT waybill_no FROM courier_bill_lines WHERE amount = 20.45") == \
        "1234567890124"
    assert db.scalar("SELECT count(*) FROM service_tickets WHERE reopened") == 1


def test_loading_twice_gives_the_same_state(db, raw_dir, profiles, period):
    load_period(db, period, raw_dir, profiles)
    first = db.df("SELECT * FROM orders ORDER BY order_id")
    load_period(db, period, raw_dir, profiles)
    assert counts(db)["orders"] == 4
    pd.testing.assert_frame_equal(db.df("SELECT * FROM orders ORDER BY order_id"), first)


def test_other_periods_are_kept(db, raw_dir, profiles, period):
    load_period(db, period, raw_dir, profiles)
    november = raw_dir / "2026-11"
    november.mkdir()
    text = (raw_dir / "2026-10" / "bank.csv").read_text(encoding="utf-8")
    # November's statement: its own dates and its own transaction ids
    november_text = re.sub(r",T(\d),", r",N\1,", text.replace("2026-10-", "2026-11-"))
    (november / "bank.csv").write_text(november_text, encoding="utf-8")
    load_period(db, parse_period("2026-11"), raw_dir, profiles)
    assert db.df("SELECT period, count(*) AS n FROM bank_transactions GROUP BY 1 ORDER BY 1")[
        "n"].tolist() == [5, 5]
    assert counts(db)["orders"] == 4  # November has no order file: October's orders stay


def test_a_table_without_file_this_time_is_emptied_for_the_period(db, raw_dir, profiles, period):
    load_period(db, period, raw_dir, profiles)
    (raw_dir / "2026-10" / "tickets.csv").unlink()
    load_period(db, period, raw_dir, profiles)
    assert counts(db)["service_tickets"] == 0


@pytest.mark.parametrize(("name", "row", "column"), [
    ("orders_missing_column.csv", 1, "实付金额"),
    ("orders_bad_date.csv", 3, "下单时间"),
    ("orders_letters.csv", 3, "商品金额"),
])
def test_a_bad_file_loads_nothing(db, raw_dir, profiles, period, fixtures_dir, name, row, column):
    load_period(db, period, raw_dir, profiles)
    before = counts(db)
    shutil.copy(fixtures_dir / "bad" / name, raw_dir / "2026-10" / "orders.csv")
    with pytest.raises(InputError) as err:
        load_period(db, period, raw_dir, profiles)
    assert str(err.value).startswith("period 2026-10 was not loaded")
    assert f"orders.csv, row {row}, column '{column}'" in str(err.value)
    assert counts(db) == before


def test_unknown_layout_and_wrong_encoding_together(db, raw_dir, profiles, period, fixtures_dir):
    load_period(db, period, raw_dir, profiles)
    before = counts(db)
    folder = raw_dir / "2026-10"
    shutil.copy(fixtures_dir / "bad" / "unknown_layout.csv", folder / "mystery.csv")
    text = (folder / "order_lines.txt").read_text(encoding="utf-8")
    (folder / "order_lines.txt").write_bytes(text.encode("gbk"))  # the profile says utf-8
    with pytest.raises(InputError) as err:
        load_period(db, period, raw_dir, profiles)
    message = str(err.value)
    assert "mystery.csv: no profile recognises this file" in message
    assert "closest profile test_oms_orders (orders): 2 of 3 signature headers found; " \
        "missing '付款时间'" in message
    assert "order_lines.txt, row 1: byte" in message and "not valid utf-8" in message
    assert counts(db) == before


def test_a_file_saved_twice_is_refused_not_counted_twice(db, raw_dir, profiles, period):
    load_period(db, period, raw_dir, profiles)
    before = counts(db)
    folder = raw_dir / "2026-10"
    shutil.copy(folder / "zto_bill.csv", folder / "zto_bill (1).csv")  # the browser's second copy
    with pytest.raises(InputError) as err:
        load_period(db, period, raw_dir, profiles)
    assert [(p.file, p.message) for p in err.value.problems] == [(
        "zto_bill.csv", "the same content as zto_bill (1).csv: loading both would count each of "
                        "its 4 records twice; take one of the two out of the folder")]
    assert counts(db) == before


def test_contract_problems_are_reported_with_the_file_header(db, raw_dir, profiles, period):
    folder = raw_dir / "2026-10"
    lines = (folder / "order_lines.txt").read_text(encoding="utf-8")
    lines += "NOPE\t1\tSKU-001\t1\t1\t1\n2026100512345\t1\tSKU-009\t1\t1\t1\n"
    (folder / "order_lines.txt").write_text(lines, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_period(db, period, raw_dir, profiles)
    text = str(err.value)
    assert "order_lines.txt, row 7, column '订单号': order_id 'NOPE' is not in orders" in text
    assert ("order_lines.txt, row 8, column '订单号, 行号': duplicate key "
            "order_id=2026100512345, line_no=1: first seen in order_lines.txt row 2") in text
    assert counts(db)["order_lines"] == 0


def test_a_failure_while_writing_rolls_back(db, raw_dir, profiles, period, monkeypatch):
    load_period(db, period, raw_dir, profiles)
    before = db.df("SELECT * FROM orders ORDER BY order_id")
    real_insert = loader_module._insert
    calls = []

    def failing_insert(database, table, frame):
        calls.append(table)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real_insert(database, table, frame)

    monkeypatch.setattr(loader_module, "_insert", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        load_period(db, period, raw_dir, profiles)
    assert {k: v for k, v in counts(db).items() if v} == EXPECTED_ROWS
    pd.testing.assert_frame_equal(db.df("SELECT * FROM orders ORDER BY order_id"), before)


def test_missing_or_empty_folder_is_named(db, tmp_path, profiles, period):
    with pytest.raises(InputError, match=r"folder .*2026-10 does not exist"):
        load_period(db, period, tmp_path, profiles)
    (tmp_path / "2026-10").mkdir()
    (tmp_path / "2026-10" / "readme.md").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"2026-10 has no \.csv, \.txt, \.xlsx or \.xls file"):
        load_period(db, period, tmp_path, profiles)


def test_a_month_of_orders_loads_in_seconds(db, tmp_path, profiles, period):
    """20,000 orders x 11 columns (~220k cells): read, checked and inserted well within budget."""
    folder = tmp_path / "2026-10"
    folder.mkdir()
    lines = ["订单编号,渠道,店铺,订单状态,下单时间,付款时间,手机号,商品金额,运费,优惠,实付金额"]
    channels = ("天猫", "京东", "抖音", "官网")
    for i in range(20_000):
        minute = i % 1440
        stamp = f"2026-10-{1 + i % 28:02d} {minute // 60:02d}:{minute % 60:02d}"
        lines.append(f"{2026100000000 + i},{channels[i % 4]},旗舰店,已付款,{stamp}:00,"
                     f"{stamp.replace('-', '/')},0138{i:08d},\"¥{i % 997 + 0.5:,.2f}\",0,"
                     f"-1.00,{i % 997 - 0.5:.2f}")
    (folder / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    started = time.perf_counter()
    report = load_period(db, period, tmp_path, profiles)
    seconds = time.perf_counter() - started
    assert report.tables == {"orders": 20_000}
    assert db.scalar("SELECT count(DISTINCT order_id) FROM orders") == 20_000
    assert seconds < 10, f"loading 20,000 orders took {seconds:.1f}s"
