"""Records outside the period: each row of a folder's file is dated in the folder's period, give
or take its table's grace (docs/periods.md, "Records outside the period")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from recon_lib import schema
from recon_lib.checks import ROWS_SHOWN, check_tables
from recon_lib.errors import Problem
from recon_lib.periods import parse_period

OCTOBER = parse_period("2026-10")


def frame(table: str, rows: list[dict], file: str = "f.csv") -> pd.DataFrame:
    """Rows of a canonical table with lineage; unspecified columns are null."""
    full = [{**{c: None for c in schema.TABLES[table].column_names}, **row,
             "period": "2026-10", "source_file": file, "source_row": i + 2}
            for i, row in enumerate(rows)]
    return pd.DataFrame(full, dtype=object)


def bank(*booked: datetime, file: str = "bank.csv") -> pd.DataFrame:
    return frame("bank_transactions", [
        {"account": "6222", "txn_id": f"T{i}", "booked_at": when, "amount": Decimal("1.00"),
         "currency": "CNY"} for i, when in enumerate(booked)], file)


def order(order_id: str, created: datetime, paid: datetime | None) -> dict:
    return {"order_id": order_id, "channel": "tmall", "status": "paid", "created_at": created,
            "paid_at": paid, "currency": "CNY", "paid_amount": Decimal("1.00")}


def settlement(*settled: datetime, file: str = "settlement.csv") -> pd.DataFrame:
    return frame("settlement_lines", [
        {"channel": "amazon", "settlement_id": f"S{i}", "line_type": "sale", "settled_at": when,
         "amount": Decimal("1.00"), "currency": "CNY"} for i, when in enumerate(settled)], file)


def test_rows_dated_in_the_period_pass_to_the_last_second():
    statement = bank(datetime(2026, 10, 1), datetime(2026, 10, 31, 23, 59, 59))
    assert check_tables({"bank_transactions": statement}, period=OCTOBER) == []


def test_a_row_of_the_next_period_names_file_row_date_and_the_folder_it_belongs_in():
    statement = bank(datetime(2026, 10, 5), datetime(2026, 11, 1))
    assert check_tables({"bank_transactions": statement}, period=OCTOBER) == [Problem(
        "bank.csv", "booked_at 2026-11-01 00:00:00 is after period 2026-10 (2026-10-01..2026-10-31)"
                    "; a file of another period? put it in the folder 2026-11/ next to 2026-10/",
        3, "booked_at")]


def test_without_a_period_dates_are_not_checked():
    assert check_tables({"bank_transactions": bank(datetime(2026, 9, 1))}) == []


def test_a_file_of_another_period_is_a_few_rows_and_a_count_with_the_span_of_its_dates():
    september = [datetime(2026, 9, 1) + timedelta(days=i, hours=10) for i in range(30)]
    problems = check_tables({"bank_transactions": bank(*september)}, period=OCTOBER)
    assert len(problems) == ROWS_SHOWN + 1
    assert [p.row for p in problems] == [2, 3, 4, 5, 6, None]
    assert problems[0].message == (
        "booked_at 2026-09-01 10:00:00 is before period 2026-10 (2026-10-01..2026-10-31); a file "
        "of another period? put it in the folder 2026-09/ next to 2026-10/")
    assert problems[-1] == Problem("bank.csv", (
        "none of the file's 30 rows is dated in period 2026-10 (2026-10-01..2026-10-31): its "
        "booked_at spans 2026-09-01..2026-09-30; the first 5 are listed. A file of another "
        "period? put it in the folder 2026-09/ next to 2026-10/"), None, "booked_at")


def test_each_file_is_judged_on_its_own():
    statements = pd.concat([bank(datetime(2026, 10, 3), file="october.csv"),
                            bank(datetime(2026, 9, 28), file="september.csv")], ignore_index=True)
    statements["txn_id"] = ["A", "B"]
    problems = check_tables({"bank_transactions": statements}, period=OCTOBER)
    assert [(p.file, p.row) for p in problems] == [("september.csv", 2)]


def test_an_order_is_the_periods_when_placed_or_paid_in_it():
    orders = frame("orders", [
        order("A1", datetime(2026, 9, 30, 23, 50), datetime(2026, 10, 1, 0, 5)),   # paid in it
        order("A2", datetime(2026, 10, 31, 23, 58), datetime(2026, 11, 1, 0, 1)),  # placed in it
        order("A3", datetime(2026, 10, 2), None),                                  # never paid
        order("A4", datetime(2026, 9, 5, 13, 40), datetime(2026, 9, 5, 13, 45)),   # September's
    ])
    assert check_tables({"orders": orders}, period=OCTOBER) == [Problem(
        "f.csv", "created_at 2026-09-05 13:40:00 and paid_at 2026-09-05 13:45:00 are before period "
                 "2026-10 (2026-10-01..2026-10-31); a file of another period? put it in the folder "
                 "2026-09/ next to 2026-10/", 5, "created_at, paid_at")]


def test_a_bill_line_is_dated_in_the_period_of_its_bill():
    lines = frame("courier_bill_lines", [
        {"carrier": "ZTO", "waybill_no": "7310", "bill_date": date(2026, 10, 1),
         "fee_type": "freight", "payable": Decimal("7.00")},
        {"carrier": "ZTO", "waybill_no": "7311", "bill_date": date(2026, 9, 30),
         "fee_type": "freight", "payable": Decimal("7.00")},
    ])
    [problem] = check_tables({"courier_bill_lines": lines}, period=OCTOBER)
    assert (problem.row, problem.column) == (3, "bill_date")
    assert problem.message.startswith("bill_date 2026-09-30 is before period 2026-10 ")


def test_a_settlement_report_may_start_within_its_cycle_before_the_period():
    report = settlement(datetime(2026, 9, 20), datetime(2026, 10, 2), datetime(2026, 11, 1, 14))
    assert check_tables({"settlement_lines": report}, period=OCTOBER) == []
    report = settlement(datetime(2026, 9, 16, 23, 59), datetime(2026, 10, 2),
                        datetime(2026, 11, 2))
    problems = check_tables({"settlement_lines": report}, period=OCTOBER)
    assert [(p.row, p.message.split(";")[0]) for p in problems] == [
        (2, "settled_at 2026-09-16 23:59:00 is more than 14 days before period 2026-10 "
            "(2026-10-01..2026-10-31)"),
        (4, "settled_at 2026-11-02 00:00:00 is more than 1 day after period 2026-10 "
            "(2026-10-01..2026-10-31)")]


def test_a_grace_never_admits_a_file_with_no_row_in_the_period():
    """The last days of a September report are within the grace, but the file is September's."""
    report = settlement(*[datetime(2026, 9, 30, h) for h in range(7)])
    problems = check_tables({"settlement_lines": report}, period=OCTOBER)
    assert [p.row for p in problems] == [2, 3, 4, 5, 6, None]
    assert problems[0].message.startswith("settled_at 2026-09-30 00:00:00 is before period")
    assert problems[-1].message.startswith("none of the file's 7 rows is dated in period 2026-10")


def test_tracking_events_of_the_periods_parcels_may_come_after_it():
    events = frame("tracking_events", [
        {"tracking_no": "7310", "carrier": "ZTO", "event_type": "pickup",
         "event_time": datetime(2026, 10, 31, 20)},
        {"tracking_no": "7310", "carrier": "ZTO", "event_type": "delivered",
         "event_time": datetime(2026, 11, 3, 9)},
        {"tracking_no": "7311", "carrier": "ZTO", "event_type": "delivered",
         "event_time": datetime(2026, 11, 20, 9)},
    ])
    [problem] = check_tables({"tracking_events": events}, period=OCTOBER)
    assert problem.row == 4
    assert problem.message.startswith("event_time 2026-11-20 09:00:00 is more than 14 days after")


def test_a_day_folder_names_the_day_a_row_belongs_to():
    day = parse_period("2026-10-15")
    [problem] = check_tables({"bank_transactions": bank(datetime(2026, 10, 14, 23, 59))},
                             period=day)
    assert problem.message == ("booked_at 2026-10-14 23:59:00 is before period 2026-10-15; a file "
                               "of another period? put it in the folder 2026-10-14/ next to "
                               "2026-10-15/")


def test_a_file_across_periods_is_told_to_be_split():
    dates = [datetime(2026, 8, 1)] * 3 + [datetime(2026, 9, 1)] * 3
    problems = check_tables({"bank_transactions": bank(*dates)}, period=OCTOBER)
    assert problems[-1].message.endswith(
        "its booked_at spans 2026-08-01..2026-09-01; the first 5 are listed. A file of another "
        "period? each folder holds the files of its own period: split the export by period or "
        "take it out")


def test_a_row_without_any_date_is_left_to_the_required_check():
    problems = check_tables({"bank_transactions": bank(None, datetime(2026, 10, 2))},
                            period=OCTOBER)
    assert [(p.row, p.message) for p in problems] == [(2, "booked_at is required but empty")]


@pytest.mark.parametrize("name", [n for n, t in schema.TABLES.items() if not t.master])
def test_every_event_table_says_which_of_its_dates_places_a_row(name):
    tbl = schema.TABLES[name]
    if name in ("order_lines", "shipment_lines", "purchase_order_lines",
                "supplier_invoice_lines"):  # they go with their order, parcel, PO or invoice
        assert tbl.period_date is None and tbl.references
        return
    assert tbl.period_date is not None
    for column in tbl.period_date.columns:
        assert tbl.column(column).type in ("DATE", "TIMESTAMP")
    assert tbl.period_date.why or not (tbl.period_date.days_before or tbl.period_date.days_after)
