"""Records at a period's edge are judged once, when they are due, in periods of any kind.

- A parcel is "unbilled" only when the bill of its billing cycle is due: the cycle holding its
  ship day plus the grace days, ended, plus the lag days (Settings.bill_cycle, bill_grace_days,
  bill_lag_days). Before that it is not yet due and nothing is said.
- An order is "not settled" only when its channel's settlement cycle (fee_schedules.settlement_days
  after dispatch) has passed, in the period where that deadline falls.
"""

from __future__ import annotations

import pytest

from recon_lib.config import DEFAULT_SETTINGS, Settings
from recon_lib.periods import parse_period
from recon_lib.recons import freight, payments
from recon_lib.recons.base import RunContext
from tests.conftest import insert

CARD = {"carrier": "SF", "service": "express", "dest_province": "广东", "first_weight_kg": 1,
        "first_price": 12, "additional_unit_kg": 1, "additional_price": 2, "rounding_unit_kg": 1,
        "volumetric_divisor": 6000, "discount_rate": 0, "remote": False,
        "effective_from": "2026-01-01"}


def shipped(no, at):
    return {"shipment_id": f"S-{no}", "order_id": f"O-{no}", "tracking_no": no, "carrier": "SF",
            "service": "express", "warehouse": "上海仓", "ship_time": at, "weight_kg": 0.5,
            "dest_province": "广东"}


def unbilled(db, period, settings=DEFAULT_SETTINGS):
    ctx = RunContext(db=db, period=parse_period(period), run_id=f"run-{period}",
                     settings=settings)
    freight.reconcile(ctx)
    return sorted(db.df("SELECT key FROM discrepancies WHERE period = ? AND reason_code = "
                        "'FRT_UNBILLED'", [period])["key"])


@pytest.fixture
def parcels(db):
    insert(db, "rate_cards", [CARD])
    insert(db, "shipments", [
        shipped("FIRST", "2026-10-01 00:00:00"),      # first second of October
        shipped("MID", "2026-10-15 12:00:00"),
        shipped("EVE", "2026-10-30 23:59:59"),        # the day before the last
        shipped("LAST", "2026-10-31 23:59:59"),       # last second: picked up in November
        shipped("NOV", "2026-11-01 00:00:00"),        # first second of November
    ])
    return db


def test_a_monthly_bill_judges_the_month_and_leaves_the_last_day_to_the_next(parcels):
    # no bill loaded at all: what is due is unbilled, the last day's parcel is not yet due
    assert unbilled(parcels, "2026-10") == ["EVE", "FIRST", "MID"]
    assert unbilled(parcels, "2026-11") == ["LAST", "NOV"]
    # November's bill charges the last-day parcel: nothing to say in November either
    insert(parcels, "courier_bill_lines", [
        {"carrier": "SF", "waybill_no": "LAST", "bill_date": "2026-11-01", "fee_type": "freight",
         "dest_province": "广东", "billed_weight_kg": 1, "amount": 12, "payable": 12}],
        period="2026-11")
    assert unbilled(parcels, "2026-11") == ["NOV"]


def test_daily_and_weekly_runs_judge_a_monthly_cycle_on_its_last_day(parcels):
    # with monthly bills, a day is quiet until the day the October bill is due
    assert unbilled(parcels, "2026-10-15") == []
    assert unbilled(parcels, "2026-10-30") == []
    assert unbilled(parcels, "2026-10-31") == ["EVE", "FIRST", "MID"]
    assert unbilled(parcels, "2026-W44") == ["EVE", "FIRST", "MID"]   # Oct 26 - Nov 1
    assert unbilled(parcels, "2026-10-01..2026-10-30") == []


def test_a_lag_waits_for_the_bill_to_arrive(parcels):
    late = Settings(bill_lag_days=5)   # the October bill comes on 5 November
    assert unbilled(parcels, "2026-10", late) == []
    assert unbilled(parcels, "2026-11-04", late) == []
    assert unbilled(parcels, "2026-11-05", late) == ["EVE", "FIRST", "MID"]


def test_daily_bills_judge_each_day_after_its_grace(parcels):
    daily = Settings(bill_cycle="day", bill_grace_days=1)
    assert unbilled(parcels, "2026-10-01", daily) == []
    assert unbilled(parcels, "2026-10-02", daily) == ["FIRST"]   # shipped on the 1st
    assert unbilled(parcels, "2026-10-31", daily) == ["EVE"]     # due at 11-01 00:00
    assert unbilled(parcels, "2026-11-01", daily) == ["LAST"]
    no_grace = Settings(bill_cycle="day", bill_grace_days=0)
    assert unbilled(parcels, "2026-10-01", no_grace) == ["FIRST"]
    assert unbilled(parcels, "2026-10-31", no_grace) == ["LAST"]


def test_weekly_bills_follow_iso_weeks(parcels):
    weekly = Settings(bill_cycle="week", bill_grace_days=0)
    # 2026-10-01 is a Thursday of ISO week 40 (Sep 28 - Oct 4): due when that week ends
    assert unbilled(parcels, "2026-W40", weekly) == ["FIRST"]
    # EVE and LAST ship in W44 (Oct 26 - Nov 1): its bill is November's business
    assert unbilled(parcels, "2026-10", weekly) == ["FIRST", "MID"]
    assert unbilled(parcels, "2026-11", weekly) == ["EVE", "LAST", "NOV"]


def test_a_bad_billing_cycle_is_refused():
    with pytest.raises(ValueError, match="bill_cycle must be one of month, week, day"):
        Settings(bill_cycle="fortnight")


# -- settlements --------------------------------------------------------------------------------
def not_settled(db, period):
    ctx = RunContext(db=db, period=parse_period(period), run_id=f"run-{period}",
                     settings=Settings())
    payments.reconcile(ctx)
    return sorted(db.df("SELECT key FROM discrepancies WHERE period = ? AND reason_code = "
                        "'PAY_NOT_SETTLED'", [period])["key"])


@pytest.fixture
def dispatched(db):
    insert(db, "fee_schedules", [
        {"channel": "tmall", "line_type": "commission", "rate": 0.05, "settlement_days": 15,
         "effective_from": "2026-01-01"},
        {"channel": "jd", "line_type": "commission", "rate": 0.06, "settlement_days": 10,
         "effective_from": "2026-01-01"}])
    orders = [("T-EARLY", "tmall", "2026-10-16 23:59:59"),   # due 10-31 23:59:59
              ("T-EDGE", "tmall", "2026-10-17 00:00:00"),    # due 11-01 00:00:00: November's
              ("J-EDGE", "jd", "2026-10-21 23:59:59")]       # jd: 10 days, due 10-31 23:59:59
    insert(db, "orders", [{"order_id": o, "channel": c, "status": "completed",
                           "paid_at": "2026-10-01 10:00:00", "paid_amount": 100}
                          for o, c, _ in orders])
    insert(db, "shipments", [{"shipment_id": f"S-{o}", "order_id": o, "tracking_no": f"W-{o}",
                              "carrier": "SF", "warehouse": "上海仓", "ship_time": t}
                             for o, _, t in orders])
    return db


def test_settlement_cycles_per_channel_decide_the_period(dispatched):
    assert not_settled(dispatched, "2026-10") == ["J-EDGE", "T-EARLY"]
    assert not_settled(dispatched, "2026-11") == ["T-EDGE"]
    assert not_settled(dispatched, "2026-10-31") == ["J-EDGE", "T-EARLY"]
    assert not_settled(dispatched, "2026-11-01") == ["T-EDGE"]
    assert not_settled(dispatched, "2026-10-30") == []
