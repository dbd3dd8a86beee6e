"""Rebates the contract credits on the next month's bill (返利入账 次月, credit_lag_months 1): a
small, hand-written October and November, and which run judges which month."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from recon_lib.periods import Period, parse_period
from recon_lib.report.claims import write_claims
from recon_lib.results import freight_rebates
from tests.conftest import insert
from tests.recons.test_freight_rebates import findings, freight_line, parcel, scheme

OCT, NOV = parse_period("2026-10"), parse_period("2026-11")


def next_month(row, lag=1):
    return row | {"credit_lag_months": lag}


def rebate_line(carrier, credited, day):
    return {"carrier": carrier, "waybill_no": f"REBATE-{carrier}-{day[:7]}", "bill_date": day,
            "fee_type": "rebate", "amount": -credited, "discount": 0, "payable": -credited}


@pytest.fixture
def months(db):
    insert(db, "rate_card_rebates", [
        # ZTO credits a month's rebate on the next month's bill: 2 October parcels reach
        # tier 1, 10% of 30.00 = 3.00, due on November's bill
        next_month(scheme("ZTO", "parcels", (2, 0.10))),
        # YTO credits on the month's own bill (0 written out): 1 parcel, 5% of 20.00 = 1.00
        next_month(scheme("YTO", "parcels", (1, 0.05)), lag=0),
    ])
    insert(db, "shipments", [parcel("ZTO", "ZT1"), parcel("ZTO", "ZT2"), parcel("YTO", "YT1")])
    insert(db, "courier_bill_lines", [
        freight_line("ZTO", "ZT1", 10), freight_line("ZTO", "ZT2", 20),
        freight_line("YTO", "YT1", 20),
        rebate_line("YTO", 1.00, "2026-10-31"),
    ])
    return db


def bill_november(db, rows):
    insert(db, "courier_bill_lines", rows, period="2026-11")


def short(db, period):
    return {r.key: r.amount for r in findings(db, period).itertuples()}


def test_octobers_run_leaves_october_to_the_bill_that_carries_it(months):
    assert short(months, OCT) == {}
    table = freight_rebates(months, "2026-10").set_index(["carrier", "cycle"])
    assert ("ZTO", "2026-10") not in table.index
    # the credit due on October's bill is September's: nothing shipped, nothing due
    assert table.loc[("ZTO", "2026-09"), ["credit_month", "due", "credited"]].tolist() == [
        "2026-10", 0.0, 0.0]
    assert table.loc[("YTO", "2026-10"), ["credit_month", "due", "credited"]].tolist() == [
        "2026-10", 1.0, 1.0]


def test_credited_in_full_on_novembers_bill_is_quiet(months):
    bill_november(months, [rebate_line("ZTO", 3.00, "2026-11-30")])
    assert short(months, NOV) == {}
    row = freight_rebates(months, "2026-11").set_index(["carrier", "cycle"]).loc[("ZTO", "2026-10")]
    assert (row.credit_month, row.parcels, row.due, row.credited) == ("2026-11", 2, 3.0, 3.0)


def test_short_on_novembers_bill_is_claimed_in_novembers_run(months):
    bill_november(months, [rebate_line("ZTO", 1.00, "2026-11-30")])
    df = findings(months, NOV).set_index("key")
    assert df["amount"].to_dict() == {"ZTO|2026-10": 2.00}
    assert df.at["ZTO|2026-10", "explanation"] == (
        "ZTO rebate for 2026-10: 2 parcels, freight 30.00, tier 1 (from 2 parcels) gives 10%; "
        "3.00 due on the 2026-11 bill (the contract pays it on the next month's bill), "
        "1.00 credited (courier_bill_lines.csv row 2)")


def test_missing_from_novembers_bill_is_claimed_in_full(months):
    df = findings(months, NOV).set_index("key")
    assert df["amount"].to_dict() == {"ZTO|2026-10": 3.00}
    assert df.at["ZTO|2026-10", "explanation"].endswith(
        "3.00 due on the 2026-11 bill (the contract pays it on the next month's bill), "
        "nothing credited")


def test_a_credit_on_octobers_own_bill_pays_september_not_october(months):
    # with 次月 the rebate line on October's bill is September's rebate (shown in October's run
    # as an over-credit of September); October's is still due on November's bill
    insert(months, "courier_bill_lines", [rebate_line("ZTO", 3.00, "2026-10-31")])
    assert short(months, OCT) == {}
    september = freight_rebates(months, "2026-10").set_index(["carrier", "cycle"]).loc[
        ("ZTO", "2026-09")]
    assert (september.due, september.credited, september.difference) == (0.0, 3.0, 3.0)
    assert short(months, NOV) == {"ZTO|2026-10": 3.00}


def test_a_credit_on_the_first_bill_of_a_next_month_scheme_is_due_for_no_month(db):
    # the scheme starts in October: October's bill carries no month's rebate, so its line is
    # an over-credit shown under October, and October's rebate is still expected in November
    insert(db, "rate_card_rebates", [
        next_month(scheme("ZTO", "parcels", (1, 0.10), since="2026-10-01"))])
    insert(db, "shipments", [parcel("ZTO", "ZT1")])
    insert(db, "courier_bill_lines", [freight_line("ZTO", "ZT1", 10),
                                      rebate_line("ZTO", 1.00, "2026-10-31")])
    assert short(db, OCT) == {}
    row = freight_rebates(db, "2026-10").set_index("carrier").loc["ZTO"]
    assert (row.cycle, row.credit_month, row.due, row.credited) == ("2026-10", "2026-10", 0, 1.0)
    assert row.explanation == ("ZTO rebate for 2026-10: no rebate in the contract due on the "
                               "2026-10 bill; 0.00 due, 1.00 credited (courier_bill_lines.csv "
                               "row 3)")
    assert short(db, NOV) == {"ZTO|2026-10": 1.00}


def test_the_period_holding_novembers_last_day_judges_october(months):
    october_end = Period(date(2026, 10, 31), date(2026, 11, 1), "2026-10-31")
    assert short(months, october_end) == {}
    week = Period(date(2026, 11, 30), date(2026, 12, 7), "2026-11-30..2026-12-06")
    assert short(months, week) == {"ZTO|2026-10": 3.00}
    day_before = Period(date(2026, 11, 29), date(2026, 11, 30), "2026-11-29")
    assert short(months, day_before) == {}


def test_a_scheme_that_ended_in_october_is_still_judged_on_novembers_bill(db):
    insert(db, "rate_card_rebates", [
        next_month(scheme("ZTO", "parcels", (1, 0.10), until="2026-10-31"))])
    insert(db, "shipments", [parcel("ZTO", "ZT1")])
    insert(db, "courier_bill_lines", [freight_line("ZTO", "ZT1", 10)])
    assert short(db, OCT) == {}
    assert short(db, NOV) == {"ZTO|2026-10": 1.00}


def test_moving_the_credit_to_the_months_own_bill_pays_the_older_month_first(db):
    # ZTO credited the next month until October and its own month from November: November's
    # bill carries October's rebate (3.00) and November's (10% of 10.00 = 1.00), 3.50 in all
    insert(db, "rate_card_rebates", [
        next_month(scheme("ZTO", "parcels", (2, 0.10), until="2026-10-31")),
        next_month(scheme("ZTO", "parcels", (1, 0.10), since="2026-11-01"), lag=0),
    ])
    insert(db, "shipments", [parcel("ZTO", "ZT1"), parcel("ZTO", "ZT2"), parcel("ZTO", "ZT3")])
    insert(db, "courier_bill_lines", [freight_line("ZTO", "ZT1", 10),
                                      freight_line("ZTO", "ZT2", 20)])
    bill_november(db, [freight_line("ZTO", "ZT3", 10, day="2026-11-12"),
                       rebate_line("ZTO", 3.50, "2026-11-30")])
    assert short(db, OCT) == {}
    df = findings(db, NOV).set_index("key")
    assert df["amount"].to_dict() == {"ZTO|2026-11": 0.50}
    assert df.at["ZTO|2026-11", "explanation"].endswith(
        "1.00 due, 0.50 credited (of 3.50 on the 2026-11 bill, which pays the older month "
        "first: courier_bill_lines.csv row 3)")
    table = freight_rebates(db, "2026-11").set_index("cycle")
    assert table["credited"].to_dict() == {"2026-10": 3.0, "2026-11": 0.5}


def test_the_claim_names_the_month_and_the_bill_that_should_have_carried_it(months, tmp_path):
    bill_november(months, [rebate_line("ZTO", 1.00, "2026-11-30")])
    findings(months, NOV)
    [path] = write_claims(months, NOV, tmp_path)
    rows = list(load_workbook(path)["返利少返"].iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if "返利月份" in r)   # below the sheet's title
    row = dict(zip(rows[at], rows[at + 1], strict=True))
    assert (row["返利月份"], row["入账账单月"]) == ("2026-10", "2026-11")
    assert (row["应返"], row["已返"], row["少返金额"]) == (3.0, 1.0, 2.0)
