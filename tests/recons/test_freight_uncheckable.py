"""A value missing on one side makes a freight comparison not checkable on that line, never a
finding: a bill without destinations, parcels without a declared value or weight, a courier
without a rate card. freight_uncheckable counts what could not be compared."""

from __future__ import annotations

import pytest

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import freight
from recon_lib.recons.base import RunContext
from recon_lib.results import freight_by_carrier
from tests.conftest import insert
from tests.recons.test_freight import card, line, parcel
from tests.recons.test_one_parcel_two_orders import assert_one_row_per_key

OCT = parse_period("2026-10")
RUN = "t-unc"


def zto(no, province="广东", kg=0.8, declared=None):
    return parcel(no, province=province, kg=kg, declared=declared) | {
        "carrier": "ZTO", "service": "standard"}


@pytest.fixture
def month(db):
    insert(db, "rate_cards", [card("广东", 12, 1)])           # SF only: ZTO has no rate card
    insert(db, "rate_card_surcharges", [
        {"carrier": "SF", "surcharge": "insurance", "basis": "share_of_declared", "rate": 0.005,
         "min_amount": 1, "effective_from": "2026-01-01"},
        {"carrier": "SF", "surcharge": "upstairs", "basis": "fixed", "rate": 20,
         "applies_above_kg": 20, "effective_from": "2026-01-01"},
    ])
    insert(db, "shipments", [
        parcel("NOPROV1"), parcel("NOPROV2"), parcel("NOPROV3"),
        parcel("NOPROVRATE"),                       # no province on the bill, overcharged
        parcel("INS1"), parcel("INS2"),             # no declared value, insured by the bill
        parcel("INS0", declared=0),                 # declared nothing: a real finding
        parcel("NOKG", kg=None, dims=(None, None, None)),
        parcel("NOBILLKG"),
        parcel("UPNOKG", kg=None, dims=(None, None, None)),
        zto("ZBILLED"), zto("ZUNBILLED"),
    ])
    insert(db, "courier_bill_lines", [
        line("NOPROV1", province=None), line("NOPROV2", province=None),
        line("NOPROV3", province=None),
        line("NOPROVRATE", province=None, amount=17.0),
        line("INS1"), line("INS1", fee="insurance", amount=2.0, discount=0),
        line("INS2"), line("INS2", fee="insurance", amount=2.0, discount=0),
        line("INS0"), line("INS0", fee="insurance", amount=2.0, discount=0),
        line("NOKG"),
        line("NOBILLKG") | {"billed_weight_kg": None},
        line("UPNOKG"), line("UPNOKG", fee="upstairs", amount=20.0, discount=0),
        line("ZBILLED") | {"carrier": "ZTO"},
    ])
    return db


def run(db):
    ctx = RunContext(db=db, period=OCT, run_id=RUN, settings=Settings())
    freight.reconcile(ctx)
    found = db.df("SELECT reason_code, key, amount, explanation FROM discrepancies "
                  "ORDER BY reason_code, key")
    unc = db.query("freight_uncheckable", run_id=RUN, period=OCT.label, **OCT.bounds())
    if not found.empty:
        assert_one_row_per_key(db, RUN)
    return found, unc


def test_missing_values_are_never_findings(month):
    found, _ = run(month)
    assert {(r.reason_code, r.key) for r in found.itertuples()} == {
        ("FRT_INVALID_SURCHARGE", "INS0|insurance"),     # a declared value of 0 is known
        # priced to our parcel's destination when the bill names none
        ("FRT_RATE_OVER", "NOPROVRATE"),
        ("FRT_UNBILLED", "ZUNBILLED"),
    }
    rate = found.set_index("key").at["NOPROVRATE", "explanation"]
    assert "to 广东 (our parcel's destination: the bill names none)" in rate


def test_billing_accuracy_is_not_zero_for_a_bill_without_destinations(month):
    run(month)
    sf = freight_by_carrier(month, OCT.label).set_index("carrier").loc["SF"]
    # 14 SF lines; disputed: the overcharged one and both lines of INS0's waybill
    assert sf["billing_accuracy"] == pytest.approx(1 - 3 / 14)


def test_an_unbilled_parcel_without_a_rate_card_says_the_fee_is_unknown(month):
    found, _ = run(month)
    row = found.set_index("key").loc["ZUNBILLED"]
    assert row["amount"] is None or row["amount"] != row["amount"]    # NULL, not 0.00
    assert row["explanation"].endswith("no rate card for ZTO to 广东: the fee to accrue is unknown")
    assert "see details" not in row["explanation"]


def test_uncheckable_counts_each_comparison_not_made(month):
    _, unc = run(month)
    assert list(unc.columns) == ["reason_code", "field", "rows", "reason"]
    assert str(unc["rows"].dtype) == "int64"
    got = {(r.reason_code, r.field): r.rows for r in unc.itertuples()}
    assert got == {
        ("FRT_ZONE_MISMATCH", "courier_bill_lines.dest_province"): 4,
        ("FRT_WEIGHT_OVER", "courier_bill_lines.billed_weight_kg"): 1,   # NOBILLKG
        ("FRT_WEIGHT_OVER", "shipments.weight_kg"): 2,                   # NOKG, UPNOKG
        ("FRT_WEIGHT_OVER", "rate_cards"): 1,                            # ZBILLED
        ("FRT_RATE_OVER", "courier_bill_lines.billed_weight_kg"): 1,
        ("FRT_RATE_OVER", "rate_cards"): 1,                              # ZBILLED
        ("FRT_INVALID_SURCHARGE", "shipments.declared_value"): 2,        # INS1, INS2
        ("FRT_INVALID_SURCHARGE", "shipments.weight_kg"): 1,             # UPNOKG
    }
    reasons = unc.set_index(["reason_code", "field"])["reason"]
    assert reasons[("FRT_ZONE_MISMATCH", "courier_bill_lines.dest_province")] == (
        "the bill line names no destination province")
    assert reasons[("FRT_RATE_OVER", "rate_cards")] == (
        "no rate card price for the carrier, zone and weight")
    assert (unc["rows"] > 0).all()


def test_a_complete_month_has_nothing_uncheckable(db):
    insert(db, "rate_cards", [card("广东", 12, 1)])
    insert(db, "shipments", [parcel("A", declared=100), parcel("B")])
    insert(db, "courier_bill_lines", [line("A"), line("B")])
    found, unc = run(db)
    assert found.empty and unc.empty


def test_the_lines_of_one_key_are_one_finding(db):
    insert(db, "rate_cards", [card("广东", 12, 1)])
    insert(db, "shipments", [parcel("TRIPLE"), parcel("INS", declared=0)])
    insert(db, "courier_bill_lines", [
        line("TRIPLE"), line("TRIPLE"), line("TRIPLE"),               # two extra copies
        line("INS"), line("INS", fee="insurance", amount=2.0, discount=0),
        line("INS", fee="insurance", amount=2.0, discount=0),         # invalid, and billed twice
        line("RX1", fee="return", amount=12.0, discount=0, province=None),
        line("RX1", fee="return", amount=12.0, discount=0, province=None),
    ])
    found, _ = run(db)
    got = {(r.reason_code, r.key): float(r.amount) for r in found.itertuples()}
    assert got == {("FRT_DUPLICATE", "TRIPLE|freight"): 21.60,
                   ("FRT_INVALID_SURCHARGE", "INS|insurance"): 4.00,
                   ("FRT_RETURN_NO_REQUEST", "RX1"): 24.00}
    dup = found.set_index("key").at["TRIPLE|freight", "explanation"]
    assert dup.startswith("2 bill lines: freight of TRIPLE billed again (copy 2 of 3")


def test_an_upstairs_surcharge_without_a_weight_limit_applies_to_any_weight(db):
    insert(db, "rate_cards", [card("广东", 12, 1), card("广东", 5, 1) | {"carrier": "YTO"}])
    insert(db, "rate_card_surcharges", [
        {"carrier": "SF", "surcharge": "upstairs", "basis": "fixed", "rate": 20,
         "applies_above_kg": None, "effective_from": "2026-01-01"}])
    insert(db, "shipments", [parcel("LIGHT", kg=5), parcel("YT1", kg=5) | {"carrier": "YTO"}])
    insert(db, "courier_bill_lines", [
        line("LIGHT", kg=5.0, amount=20.0, discount=-2.0),
        line("LIGHT", fee="upstairs", amount=20.0, discount=0),      # contracted, any weight
        line("YT1", kg=5.0, amount=9.0, discount=-0.9) | {"carrier": "YTO"},
        line("YT1", fee="upstairs", amount=20.0, discount=0) | {"carrier": "YTO"},  # not in
    ])
    found, unc = run(db)
    got = {(r.reason_code, r.key): r.explanation for r in found.itertuples()}
    assert got == {("FRT_INVALID_SURCHARGE", "YT1|upstairs"):
                   "upstairs surcharge, which the contract does not have"}
    assert unc.empty
