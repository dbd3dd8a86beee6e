"""Which courier a freight finding is about, and that the freight report, the carrier scorecard
and the alerts agree on it (one rule: the macro freight_findings_by_carrier)."""

from __future__ import annotations

import json

import pytest

from recon_lib import alerts, analytics
from recon_lib.periods import parse_period
from recon_lib.report.claims import claim_lines
from recon_lib.results import freight_by_carrier
from tests.conftest import insert
from tests.recons.test_freight_rebates import freight_line, parcel

OCT = parse_period("2026-10")


def finding(db, code, key, amount, details=None):
    db.execute("INSERT INTO discrepancies VALUES ('r1', '2026-10', 'freight', $code, $key, NULL, "
               "$amount, 'why', $details)", name="finding",
               params={"code": code, "key": key, "amount": amount,
                       "details": json.dumps(details) if details else None})


@pytest.fixture
def month(db):
    insert(db, "shipments", [
        parcel("SF", "SF1"), parcel("SF", "SF2"),
        # two orders packed into one parcel: two shipment rows with one waybill
        parcel("ZTO", "ZT1") | {"shipment_id": "S-ZT1a", "order_id": "O-a"},
        parcel("ZTO", "ZT1") | {"shipment_id": "S-ZT1b", "order_id": "O-b"},
        parcel("ZTO", "ZT2"),
        # YTO's October bill has not come at all
        parcel("YTO", "YT1"),
    ])
    insert(db, "courier_bill_lines", [
        freight_line("SF", "SF1", 10), freight_line("SF", "SF1", 10), freight_line("SF", "SF2", 12),
        freight_line("SF", "SF9", 8), freight_line("ZTO", "ZT2", 5),
        # September's bill has the waybill of an October finding
        freight_line("ZTO", "ZT7", 9, day="2026-09-30"),
    ], period="2026-10")
    finding(db, "FRT_DUPLICATE", "SF1|2", 10)      # on the bill twice: one claim
    finding(db, "FRT_PHANTOM", "SF9", 8)
    finding(db, "FRT_UNBILLED", "ZT1", 6)         # one parcel, though two shipment rows
    finding(db, "FRT_RATE_OVER", "ZT7", 1.5)      # billed in September, claimed in October
    finding(db, "FRT_UNBILLED", "YT1", 7)
    finding(db, "FRT_REBATE_SHORT", "ZTO|2026-10", 3, {"carrier": "ZTO"})
    return db


def test_each_finding_counts_once_for_its_courier(month):
    table = freight_by_carrier(month, "2026-10").set_index("carrier")
    assert table.loc["SF", ["claimable", "accrual"]].tolist() == [18.0, 0.0]
    # the parcel on two shipment rows is accrued once; the rebate and September's line are ZTO's
    assert table.loc["ZTO", ["claimable", "accrual"]].tolist() == [4.5, 6.0]


def test_a_courier_whose_bill_has_not_come_still_shows_its_accrual(month):
    table = freight_by_carrier(month, "2026-10").set_index("carrier")
    assert table.loc["YTO", ["parcels", "billed", "claimable", "accrual"]].tolist() == [
        0, 0.0, 0.0, 7.0]
    assert table.loc["YTO", "billing_accuracy"] != table.loc["YTO", "billing_accuracy"]  # NaN


def test_the_report_the_scorecard_and_the_alerts_agree(month):
    report = freight_by_carrier(month, "2026-10").set_index("carrier")["claimable"]
    card = analytics.carrier_scorecard(month, OCT)
    card = card[card["level"] == "carrier"].set_index("carrier")["claimable"]
    rule = alerts.parse_rules({"alerts": [{"kind": "freight_overcharge", "threshold": 1000,
                                           "severity": "info"}]}, "test.yml")
    alerted = {a.scope["carrier"]: a.value for a in alerts.evaluate(month, OCT, rule)}
    for carrier in ("SF", "ZTO"):
        assert report[carrier] == card[carrier] == alerted[carrier], carrier
    assert (report["SF"], report["ZTO"]) == (18.0, 4.5)


def test_the_claims_workbooks_list_each_finding_once_under_the_same_courier(month):
    lines = claim_lines(month, OCT)
    assert sorted(lines["reason_code"]) == sorted(
        ["FRT_DUPLICATE", "FRT_PHANTOM", "FRT_UNBILLED", "FRT_RATE_OVER", "FRT_UNBILLED",
         "FRT_REBATE_SHORT"])
    claims = lines[lines["reason_code"] != "FRT_UNBILLED"].groupby("carrier")["amount"].sum()
    report = freight_by_carrier(month, "2026-10").set_index("carrier")["claimable"]
    assert {c: float(a) for c, a in claims.items()} == {"SF": report["SF"], "ZTO": report["ZTO"]}
