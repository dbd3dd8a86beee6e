"""Freight audit on a small, hand-written month: every rule, every near miss, the amounts."""

from __future__ import annotations

import pytest

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import freight
from recon_lib.recons.base import RunContext
from tests.conftest import insert

OCT = parse_period("2026-10")


def card(province, first, extra, remote=False):
    return {"carrier": "SF", "service": "express", "dest_province": province,
            "first_weight_kg": 1, "first_price": first, "additional_unit_kg": 0.5,
            "additional_price": extra, "rounding_unit_kg": 0.5, "rounding_threshold_kg": 10,
            "rounding_unit_above_kg": 1, "volumetric_divisor": 6000, "discount_rate": 0.1,
            "remote": remote, "effective_from": "2026-01-01"}


def parcel(no, province="广东", kg=0.8, dims=(20, 10, 10), declared=None):
    return {"shipment_id": f"S-{no}", "order_id": f"O-{no}", "tracking_no": no, "carrier": "SF",
            "service": "express", "warehouse": "上海仓", "ship_time": "2026-10-10 15:00:00",
            "weight_kg": kg, "length_cm": dims[0], "width_cm": dims[1], "height_cm": dims[2],
            "dest_province": province, "declared_value": declared}


def line(no, kg=1.0, amount=12.0, discount=-1.2, payable=None, fee="freight", province="广东",
         day="2026-10-10"):
    return {"carrier": "SF", "waybill_no": no, "bill_date": day, "fee_type": fee,
            "dest_province": province, "billed_weight_kg": kg if fee == "freight" else None,
            "amount": amount, "discount": discount,
            "payable": round(amount + discount, 2) if payable is None else payable}


@pytest.fixture
def month(db):
    insert(db, "rate_cards", [card("广东", 12, 1), card("新疆", 22, 6, remote=True)])
    insert(db, "rate_card_surcharges", [
        {"carrier": "SF", "surcharge": "remote", "basis": "fixed", "rate": 10,
         "effective_from": "2026-01-01"},
        {"carrier": "SF", "surcharge": "insurance", "basis": "share_of_declared", "rate": 0.005,
         "min_amount": 1, "effective_from": "2026-01-01"},
    ])
    insert(db, "shipments", [
        parcel("OK"), parcel("VOL", kg=1.0, dims=(50, 40, 30)), parcel("DUP"),
        parcel("UNBILLED"), parcel("WEIGHT"), parcel("RATE"), parcel("CENT"), parcel("ZONE"),
        parcel("FULLNAME"), parcel("REMOTEOK", province="新疆"), parcel("REMOTEBAD"),
        parcel("INSBAD", declared=0), parcel("INSOK", declared=1000),
    ])
    insert(db, "return_requests", [
        {"return_id": "R1", "order_id": "O-OK", "sku": "A", "qty": 1,
         "requested_at": "2026-10-12 10:00:00", "return_tracking_no": "RT1"}])
    insert(db, "courier_bill_lines", [
        line("OK"),
        line("VOL", kg=10.0, amount=30.0, discount=-3.0),         # volumetric weight: fine
        line("DUP"), line("DUP"),
        line("WEIGHT", kg=2.0, amount=14.0, discount=-1.4),
        line("RATE", amount=17.0),
        line("CENT", amount=12.01),                               # a cent of rounding: fine
        line("ZONE", amount=22.0, discount=-2.2, province="新疆"),
        line("FULLNAME", province="广东省"),                       # the same province
        line("REMOTEOK", amount=22.0, discount=-2.2, province="新疆"),
        line("REMOTEOK", fee="remote", amount=10.0, discount=0),
        line("REMOTEBAD"), line("REMOTEBAD", fee="remote", amount=10.0, discount=0),
        line("INSBAD"), line("INSBAD", fee="insurance", amount=2.0, discount=0),
        line("INSOK"), line("INSOK", fee="insurance", amount=5.0, discount=0),
        line("SFX999"),                                           # not ours
        line("RT1", fee="return", amount=12.0, discount=0, province=None),
        line("RT9", fee="return", amount=12.0, discount=0, province=None),
        line("NEXTMONTH", day="2026-11-02"),                      # another period's bill
    ])
    return db


def findings(db):
    ctx = RunContext(db=db, period=OCT, run_id="t1", settings=Settings())
    freight.reconcile(ctx)
    df = db.df("SELECT reason_code, key, amount, explanation FROM discrepancies "
               "ORDER BY reason_code, key")
    df["amount"] = df["amount"].astype(float)
    return df


def test_each_rule_fires_once_with_its_amount_and_near_misses_stay_quiet(month):
    got = {(r.reason_code, r.key): r.amount for r in findings(month).itertuples()}
    assert got == {
        ("FRT_DUPLICATE", "DUP|freight"): 10.80,
        ("FRT_UNBILLED", "UNBILLED"): 10.80,
        ("FRT_WEIGHT_OVER", "WEIGHT"): 1.80,        # 12.60 billed for 2 kg vs 10.80 for 1 kg
        ("FRT_RATE_OVER", "RATE"): 5.00,
        ("FRT_ZONE_MISMATCH", "ZONE"): 9.00,        # 19.80 to 新疆 vs 10.80 to 广东
        ("FRT_INVALID_SURCHARGE", "REMOTEBAD|remote"): 10.00,
        ("FRT_INVALID_SURCHARGE", "INSBAD|insurance"): 2.00,
        ("FRT_PHANTOM", "SFX999"): 10.80,
        ("FRT_RETURN_NO_REQUEST", "RT9"): 12.00,
    }


def test_explanations_say_what_differs(month):
    df = findings(month).set_index("key")
    assert "billed again" in df.at["DUP|freight", "explanation"]
    assert "the rate card says 10.80" in df.at["RATE", "explanation"]
    assert "not one of our parcels" in df.at["SFX999", "explanation"]


def test_weight_tolerance_setting(month):
    ctx = RunContext(db=month, period=OCT, run_id="t2",
                     settings=Settings(freight_weight_tolerance_kg=1.0))
    freight.reconcile(ctx)
    assert "WEIGHT" not in set(month.df("SELECT key FROM discrepancies")["key"])
