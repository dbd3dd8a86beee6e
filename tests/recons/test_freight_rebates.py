"""Volume rebates (返利) on a small, hand-written October: tier edges, short, missing and correct
credits, and which periods judge the month."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from recon_lib.config import Settings
from recon_lib.periods import Period, parse_period
from recon_lib.recons import freight
from recon_lib.recons.base import RunContext
from recon_lib.results import freight_by_carrier, freight_rebates
from tests.conftest import insert

OCT = parse_period("2026-10")


def scheme(carrier, basis, *tiers, service=None, since="2026-01-01", until=None):
    row = {"carrier": carrier, "service": service, "basis": basis, "effective_from": since,
           "effective_to": until}
    for n, (start, rate) in enumerate(tiers, start=1):
        row |= {f"tier{n}_from": start, f"tier{n}_rate": rate}
    return row


def parcel(carrier, no, service="standard"):
    return {"shipment_id": f"S-{no}", "order_id": f"O-{no}", "tracking_no": no,
            "carrier": carrier, "service": service, "warehouse": "上海仓",
            "ship_time": "2026-10-10 15:00:00", "weight_kg": 1, "dest_province": "广东"}


def freight_line(carrier, no, payable, day="2026-10-10"):
    return {"carrier": carrier, "waybill_no": no, "bill_date": day, "fee_type": "freight",
            "dest_province": "广东", "billed_weight_kg": 1, "amount": payable, "discount": 0,
            "payable": payable}


def rebate_line(carrier, credited, day="2026-10-31"):
    return {"carrier": carrier, "waybill_no": f"REBATE-{carrier}-202610", "bill_date": day,
            "fee_type": "rebate", "amount": -credited, "discount": 0, "payable": -credited}


@pytest.fixture
def october(db):
    insert(db, "rate_card_rebates", [
        # SF: exactly 3 express parcels reach tier 1 (2% of 30.00 = 0.60), credited correctly
        scheme("SF", "parcels", (3, 0.02), (5, 0.03), service="express"),
        # ZTO: 2 parcels reach tier 2 (10% of 30.00 = 3.00) but 1.00 is credited: short 2.00
        scheme("ZTO", "parcels", (1, 0.05), (2, 0.10)),
        # YTO: 30.00 of freight, one cent below tier 1: nothing due, nothing credited
        scheme("YTO", "freight", (30.01, 0.05)),
        # JDL: 1 parcel reaches tier 1 (10% of 12.35 = 1.235 -> 1.24), nothing credited
        scheme("JDL", "parcels", (1, 0.10), (100, 0.20)),
    ])
    insert(db, "shipments", [
        parcel("SF", "SF1", "express"), parcel("SF", "SF2", "express"),
        parcel("SF", "SF3", "express"), parcel("SF", "SF4", "standard"),
        parcel("ZTO", "ZT1"), parcel("ZTO", "ZT2"),
        parcel("YTO", "YT1"), parcel("YTO", "YT2"),
        parcel("JDL", "JD1"),
    ])
    insert(db, "courier_bill_lines", [
        freight_line("SF", "SF1", 10, day="2026-10-01"), freight_line("SF", "SF2", 10),
        freight_line("SF", "SF2", 10),                 # billed twice: counts once
        freight_line("SF", "SF3", 10, day="2026-10-31"),
        freight_line("SF", "SF4", 50),                 # standard: not in SF's express scheme
        freight_line("SF", "SFX999", 50),              # not our parcel: earns nothing
        freight_line("SF", "SF5", 10, day="2026-11-01"),   # November's bill
        rebate_line("SF", 0.60),
        freight_line("ZTO", "ZT1", 10), freight_line("ZTO", "ZT2", 20),
        rebate_line("ZTO", 1.00),
        freight_line("YTO", "YT1", 10), freight_line("YTO", "YT2", 20),
        freight_line("JDL", "JD1", 12.35),
        rebate_line("EMS", 5.00),                      # no scheme: an over-credit, not a claim
    ])
    return db


def findings(db, period=OCT):
    freight.reconcile(RunContext(db=db, period=period, run_id="t1", settings=Settings()))
    df = db.df("SELECT reason_code, key, amount, explanation FROM discrepancies "
               "WHERE reason_code = 'FRT_REBATE_SHORT' AND period = $period ORDER BY key",
               {"period": period.label})
    df["amount"] = df["amount"].astype(float)
    return df


def test_short_and_missing_credits_are_claimed_and_the_rest_is_quiet(october):
    got = {r.key: r.amount for r in findings(october).itertuples()}
    assert got == {"ZTO|2026-10": 2.00, "JDL|2026-10": 1.24}


def test_explanations_give_volume_tier_due_and_credit(october):
    df = findings(october).set_index("key")
    assert df.at["ZTO|2026-10", "explanation"] == (
        "ZTO rebate for 2026-10: 2 parcels, freight 30.00, tier 2 (from 2 parcels) gives 10%; "
        "3.00 due, 1.00 credited (courier_bill_lines.csv row 12)")
    assert df.at["JDL|2026-10", "explanation"].endswith("1.24 due, nothing credited")


def test_every_carrier_expected_against_credited(october):
    table = freight_rebates(october, "2026-10").set_index("carrier")
    assert table.loc["SF", ["parcels", "freight", "tier", "due", "credited"]].tolist() == [
        3, 30.0, 1, 0.60, 0.60]                          # exactly at the tier-1 threshold
    assert pd.isna(table.at["YTO", "tier"])
    assert table.loc["YTO", ["freight", "due", "credited"]].tolist() == [30.0, 0.0, 0.0]
    assert "below tier 1 (from 30.01 of freight)" in table.at["YTO", "explanation"]
    assert table.at["EMS", "difference"] == 5.0          # over-credited: shown, not claimed
    assert "no rebate in the contract" in table.at["EMS", "explanation"]


def test_a_period_without_a_month_end_judges_no_rebate(october):
    week = Period(date(2026, 10, 19), date(2026, 10, 26), "2026-10-19..2026-10-25")
    assert findings(october, week).empty
    assert freight_rebates(october, week).empty


def test_the_period_holding_the_last_day_judges_the_whole_month(october):
    # a week from Monday 26 October to Sunday 1 November: October's bills from the 1st count
    week = Period(date(2026, 10, 26), date(2026, 11, 2), "2026-10-26..2026-11-01")
    assert set(findings(october, week)["key"]) == {"ZTO|2026-10", "JDL|2026-10"}
    last_day = Period(date(2026, 10, 31), date(2026, 11, 1), "2026-10-31")
    assert set(findings(october, last_day)["key"]) == {"ZTO|2026-10", "JDL|2026-10"}
    day_before = Period(date(2026, 10, 30), date(2026, 10, 31), "2026-10-30")
    assert findings(october, day_before).empty


def test_a_scheme_that_ended_gives_nothing(db):
    insert(db, "rate_card_rebates", [scheme("ZTO", "parcels", (1, 0.05), until="2026-09-30")])
    insert(db, "shipments", [parcel("ZTO", "ZT1")])
    insert(db, "courier_bill_lines", [freight_line("ZTO", "ZT1", 10)])
    assert findings(db).empty


def test_the_shortfall_is_the_carriers_claim_in_the_carrier_table(october):
    findings(october)
    carriers = freight_by_carrier(october, "2026-10").set_index("carrier")
    assert carriers.loc[["ZTO", "JDL", "YTO"], "claimable"].tolist() == [2.00, 1.24, 0.0]
