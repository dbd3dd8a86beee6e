"""A period's folder holds rows of that period: a file of another period is refused before
anything is stored (docs/periods.md, "Records outside the period")."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from recon_lib.errors import InputError
from recon_lib.load import load_period
from recon_lib.periods import parse_period
from tests.conftest import ORDERS_HEADER

SEPTEMBER = parse_period("2026-09")


def as_september(text: str) -> str:
    """The October fixture moved to September: its dates, and the order numbers that carry them."""
    return text.replace("2026-10-", "2026-09-").replace("2026/10/", "2026/09/").replace(
        "202610", "202609")


@pytest.fixture
def raw_dir(tmp_path, fixtures_dir):
    """``<tmp>/raw/2026-10`` holding the good fixtures (orders, lines, a statement, tickets)."""
    folder = tmp_path / "raw" / "2026-10"
    folder.mkdir(parents=True)
    for path in (fixtures_dir / "good").iterdir():
        shutil.copy(path, folder / path.name)
    return tmp_path / "raw"


def stored(db, table: str) -> pd.DataFrame:
    return db.df(f"SELECT * FROM {table} ORDER BY source_file, source_row")


def test_a_statement_of_another_period_is_refused_and_the_stored_rows_stay(db, raw_dir, profiles,
                                                                           period):
    load_period(db, period, raw_dir, profiles)
    before = {t: stored(db, t) for t in ("bank_transactions", "orders", "order_lines")}
    october = raw_dir / "2026-10"
    text = (october / "bank.csv").read_text(encoding="utf-8")
    september = re.sub(r",T(\d),", r",S\1,", as_september(text))  # S1..S5: other references
    (october / "bank_september.csv").write_text(september, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_period(db, period, raw_dir, profiles)
    problems = err.value.problems
    assert {p.file for p in problems} == {"bank_september.csv"}
    assert [p.row for p in problems] == [2, 3, 4, 5, 6]
    assert problems[0].column == "Booked"  # the file's own header
    assert problems[0].message == (
        "booked_at 2026-09-01 08:00:00 is before period 2026-10 (2026-10-01..2026-10-31); a file "
        "of another period? put it in the folder 2026-09/ next to 2026-10/")
    for table, rows in before.items():
        pd.testing.assert_frame_equal(stored(db, table), rows)


def test_septembers_orders_in_octobers_folder_are_never_stored_twice(db, raw_dir, profiles,
                                                                     period):
    """The issue's case: September's orders copied into October, then September loaded."""
    october = raw_dir / "2026-10"
    orders = as_september((october / "orders.csv").read_text(encoding="utf-8"))
    (october / "orders_september.csv").write_text(orders, encoding="utf-8")
    (raw_dir / "2026-09").mkdir()
    (raw_dir / "2026-09" / "orders.csv").write_text(orders, encoding="utf-8")
    with pytest.raises(InputError, match="orders_september.csv, row 5"):
        load_period(db, period, raw_dir, profiles)
    (october / "orders_september.csv").unlink()
    load_period(db, period, raw_dir, profiles)
    load_period(db, SEPTEMBER, raw_dir, profiles)
    assert db.df("SELECT period, count(*) AS n, count(DISTINCT order_id) AS ids FROM orders "
                 "GROUP BY 1 ORDER BY 1").to_dict("records") == [
        {"period": "2026-09", "n": 4, "ids": 4}, {"period": "2026-10", "n": 4, "ids": 4}]
    assert db.scalar("SELECT count(DISTINCT order_id) FROM orders") == 8



def test_an_order_in_two_months_files_is_stored_once_under_the_month_loaded_last(
        db, tmp_path, period, caplog):
    """Placed on 30 September and paid on 1 October, an order is rightly in September's export
    (by creation) and in October's (by payment): loading both months stores it once. (The
    built-in profiles read the file.)"""
    line = ("T1,天猫,店,交易成功,2026-09-30 23:50:00,2026-10-01 00:05:00,,张三,13800000000,广东,"
            "广州市,路1号,10.00,0.00,0.00,10.00\n")
    for month in ("2026-09", "2026-10"):
        (tmp_path / month).mkdir()
        (tmp_path / month / "orders.csv").write_text(ORDERS_HEADER + line, encoding="utf-8")
    load_period(db, period, tmp_path)
    load_period(db, SEPTEMBER, tmp_path)
    assert db.df("SELECT period FROM orders")["period"].tolist() == ["2026-09"]
    assert "now belong to the period loaded last" in caplog.text
    load_period(db, period, tmp_path)   # October again: it moves back, still once
    assert db.df("SELECT period FROM orders")["period"].tolist() == ["2026-10"]
