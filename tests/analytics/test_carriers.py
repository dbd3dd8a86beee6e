"""Carrier scorecard on a hand-made month: SF (4 parcels, 2 provinces), ZTO (3), YTO (1, not
delivered yet). Every expected number is worked out in the comments."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from recon_lib import analytics
from recon_lib.errors import InputError
from tests.conftest import insert

P = "2026-10"


def parcel(tn, carrier, province, at):
    return {"shipment_id": f"S-{tn}", "order_id": f"O-{tn}", "tracking_no": tn,
            "carrier": carrier, "warehouse": "W1", "ship_time": at, "dest_province": province}


def event(tn, carrier, kind, at, promised=None):
    return {"tracking_no": tn, "carrier": carrier, "event_type": kind, "event_time": at,
            "promised_date": promised}


def bill(carrier, wb, fee, payable, kg=None, day="2026-10-20", province=None):
    return {"carrier": carrier, "waybill_no": wb, "bill_date": day, "fee_type": fee,
            "payable": payable, "billed_weight_kg": kg, "dest_province": province}


def finding(reason, key, amount, period=P, recon="freight", details=None):
    return {"run_id": "r1", "period": period, "recon": recon, "reason_code": reason,
            "key": key, "amount": amount, "explanation": "x",
            "details": None if details is None else json.dumps(details)}


@pytest.fixture
def month(db):
    insert(db, "shipments", [
        parcel("P1", "SF", "广东省", "2026-10-01 10:00:00"),
        parcel("P2", "SF", "广东", "2026-10-02 08:00:00"),
        parcel("P3", "SF", "浙江省", "2026-10-03 00:00:00"),
        parcel("P4", "SF", "浙江", "2026-10-04 00:00:00"),
        parcel("P0", "SF", "广东", "2026-09-30 10:00:00"),      # September parcel
        parcel("Z1", "ZTO", "广东", "2026-10-05 00:00:00"),
        parcel("Z2", "ZTO", "广东", "2026-10-06 00:00:00"),
        parcel("Z3", "ZTO", "广东", "2026-10-07 00:00:00"),
        parcel("Y1", "YTO", "北京市", "2026-10-30 00:00:00"),
    ])
    insert(db, "tracking_events", [
        event("P1", "SF", "delivered", "2026-10-03 10:00:00", "2026-10-03"),   # 2.0 d, on time
        event("P1", "SF", "delivered", "2026-10-04 09:00:00", "2026-10-03"),   # later duplicate
        event("P2", "SF", "delivered", "2026-10-06 20:00:00", "2026-10-05"),   # 4.5 d, late
        event("P3", "SF", "damaged", "2026-10-04 08:00:00"),
        event("P3", "SF", "delivered", "2026-10-04 12:00:00", "2026-10-05"),   # 1.5 d, on time
        event("P4", "SF", "lost", "2026-10-06 00:00:00"),
        event("P0", "SF", "delivered", "2026-10-09 00:00:00", "2026-10-02"),   # not this period
        event("Z1", "ZTO", "delivered", "2026-10-06 00:00:00", "2026-10-07"),  # 1.0 d, on time
        event("Z2", "ZTO", "delivered", "2026-10-09 00:00:00", "2026-10-09"),  # 3.0 d, on the day
        event("Z3", "ZTO", "delivered", "2026-10-08 12:00:00"),                # 1.5 d, no promise
        event("Y1", "YTO", "pickup", "2026-10-30 12:00:00", "2026-11-02"),     # not delivered
    ])
    insert(db, "courier_bill_lines", [
        bill("SF", "P1", "freight", 10, 1.0),
        bill("SF", "P1", "insurance", 2),
        bill("SF", "P2", "freight", 14, 2.0),
        bill("SF", "P3", "freight", 12, 1.5),
        bill("SF", "P4", "freight", 8, 0.5),
        bill("SF", "SFX", "freight", 20, 2.0, province="上海"),   # not ours: FRT_PHANTOM
        bill("SF", "P0", "freight", 100, 5.0, day="2026-09-30"),  # September bill
        bill("ZTO", "Z1", "freight", 6, 1.0),
        bill("ZTO", "Z2", "freight", 6, 1.0),
        bill("YTO", "Y1", "freight", 9, 1.5),
    ])
    insert_findings(db, [
        finding("FRT_WEIGHT_OVER", "P3", 3),
        finding("FRT_PHANTOM", "SFX", 20),
        finding("FRT_UNBILLED", "Z3", 9),                     # not a billing error
        finding("FRT_RATE_OVER", "P1", 5, period="2026-09"),  # another period
        finding("OUT_NO_MOVEMENT", "P2", 7, recon="outbound"),
        # ZTO credited its rebate 4 short: owed by ZTO, about its month's bill, not a waybill
        finding("FRT_REBATE_SHORT", "ZTO|2026-10", 4, details={"carrier": "ZTO"}),
    ])
    return db


def insert_findings(db, rows):
    for row in rows:
        db.execute("INSERT INTO discrepancies BY NAME SELECT $run_id AS run_id, $period AS period, "
                   "$recon AS recon, $reason_code AS reason_code, $key AS key, "
                   "$amount AS amount, $explanation AS explanation, $details AS details", row,
                   name="finding")


COLUMNS = ["parcels", "delivered", "judged", "on_time", "on_time_rate", "avg_delivery_days",
           "p90_delivery_days", "damage_rate", "loss_rate", "incident_rate", "bill_lines",
           "cost_per_parcel", "cost_per_kg", "provinces", "billing_accuracy",
           "claimable", "score", "rank"]


def _table(df):
    return {(r["level"], r["carrier"], None if pd.isna(r["province"]) else r["province"]):
            [None if pd.isna(r[c]) else float(r[c]) for c in COLUMNS] for _, r in df.iterrows()}


def _check(got, expected):
    for column, g, e in zip(COLUMNS, got, expected, strict=True):
        if e is None:
            assert g is None, column
        else:
            assert g == pytest.approx(e), column


def test_carrier_level(month):
    rows = _table(analytics.carrier_scorecard(month, P))
    # scaled 0..1 across carriers (1 = best): on time SF 0 ZTO 1; speed SF 0 ZTO 1;
    # incidents SF 0, ZTO 1, YTO 1; cost 12.8 / 6 / 9 -> 0, 1, 3.8/6.8; provinces 2/1/1 -> 1, 0, 0;
    # billing 4/6, 1, 1 -> 0, 1, 1. Weights .30 .15 .15 .20 .05 .15.
    _check(rows[("carrier", "SF", None)], [
        4, 3, 3, 2, 2 / 3,
        (2.0 + 4.5 + 1.5) / 3, 2.0 + 0.8 * (4.5 - 2.0),       # p90 of 1.5 2.0 4.5: position 1.8
        0.25, 0.25, 0.5,
        6, 64 / 5, 64 / 7,                                    # freight 10+14+12+8+20 on 5 waybills
        2, 4 / 6, 23,                                         # P3 and SFX flagged; 3 + 20
        0.05, 3])
    # ZTO's rebate shortfall is a claim (4) but flags no bill line: accuracy stays 1
    _check(rows[("carrier", "ZTO", None)], [
        3, 3, 2, 2, 1.0, (1.0 + 3.0 + 1.5) / 3, 1.5 + 0.8 * 1.5, 0, 0, 0,
        2, 6, 6, 1, 1.0, 4, 0.95, 1])
    # no delivery: on-time and speed are NULL (not 0) and drop out of the score with their weight
    _check(rows[("carrier", "YTO", None)], [
        1, 0, 0, 0, None, None, None, 0, 0, 0,
        1, 9, 6, 1, 1.0, 0, (0.15 + 0.20 * 3.8 / 6.8 + 0.15) / 0.55, 2])


def test_province_level(month):
    rows = _table(analytics.carrier_scorecard(month, P))
    assert sorted(k for k in rows if k[0] == "province") == [
        ("province", "SF", "上海"), ("province", "SF", "广东"), ("province", "SF", "浙江"),
        ("province", "YTO", "北京"), ("province", "ZTO", "广东")]
    # 广东: SF P1 P2 against ZTO Z1 Z2 Z3; equal incidents, coverage and billing score 1 each
    _check(rows[("province", "SF", "广东")], [
        2, 2, 2, 1, 0.5, 3.25, 2.0 + 0.9 * 2.5, 0, 0, 0,
        3, 12, 8, 1, 1.0, 0, 0.15 + 0.05 + 0.15, 2])
    # the rebate is about ZTO's whole month: on the carrier row only, not in a province
    _check(rows[("province", "ZTO", "广东")], [
        3, 3, 2, 2, 1.0, 5.5 / 3, 2.7, 0, 0, 0, 2, 6, 6, 1, 1.0, 0, 1.0, 1])
    # 上海: only the phantom bill line; no parcels of ours, so no score and no rank (it used to
    # score 1 and rank first on its billing alone)
    _check(rows[("province", "SF", "上海")], [
        0, 0, 0, 0, None, None, None, None, None, None, 1, 20, 10, 0, 0.0, 20, None, None])
    assert rows[("province", "SF", "浙江")][COLUMNS.index("claimable")] == 3


def test_a_row_without_parcels_is_neither_ranked_nor_listed_first(month):
    """A province made of bill lines alone ('(unknown)': return freight, a blank destination)
    keeps its money but no rank, and comes after the provinces we shipped to."""
    db = month
    db.execute("UPDATE courier_bill_lines SET dest_province = NULL WHERE waybill_no = 'SFX'",
               name="blank destination")
    df = analytics.carrier_scorecard(db, P)
    provinces = df[df["level"] == "province"]
    unknown = provinces[provinces["province"] == "(unknown)"]
    assert len(unknown) == 1 and unknown["parcels"].iloc[0] == 0
    assert unknown["rank"].isna().all() and unknown["score"].isna().all()
    assert provinces["province"].tolist()[-1] == "(unknown)"
    assert unknown["claimable"].iloc[0] == 20  # the money is still there


def test_weights_change_the_ranking(month):
    df = analytics.carrier_scorecard(
        month, P, weights=analytics.ScorecardWeights(0, 0, 0, 0, coverage=1, billing=0))
    top = df[df["level"] == "carrier"].set_index("carrier")
    assert top["score"].to_dict() == {"SF": 1.0, "ZTO": 0.0, "YTO": 0.0}
    assert top["rank"].to_dict() == {"SF": 1, "ZTO": 2, "YTO": 2}       # ties share a rank
    with pytest.raises(InputError):
        analytics.ScorecardWeights(on_time=-1)
    with pytest.raises(InputError):
        analytics.ScorecardWeights(0, 0, 0, 0, 0, 0)


def test_metric_missing_for_one_carrier_is_not_scored(month):
    # November: SF delivers its only parcel on time, YTO's has no delivery yet, no bills
    insert(month, "shipments", [parcel("N1", "SF", "广东", "2026-11-02 00:00:00"),
                                parcel("N2", "YTO", "广东", "2026-11-02 00:00:00")])
    insert(month, "tracking_events", [
        event("N1", "SF", "delivered", "2026-11-03 00:00:00", "2026-11-04")])
    top = analytics.carrier_scorecard(month, "2026-11").query("level == 'carrier'")
    top = top.set_index("carrier")
    # all carriers with an on-time rate are equal (scaled 1), but YTO has none: NULL, not 1
    assert top.at["SF", "s_on_time"] == 1.0 and pd.isna(top.at["YTO", "s_on_time"])
    assert pd.isna(top.at["YTO", "on_time_rate"]) and pd.isna(top.at["YTO", "s_speed"])
    assert top.at["YTO", "s_incidents"] == 1.0 and pd.isna(top.at["YTO", "s_cost"])
    # YTO's score stands on incidents (.15) and coverage (.05) alone
    assert top.at["YTO", "score"] == pytest.approx(1.0)
    assert analytics.carrier_scorecard(month, "2026-12").empty


def test_the_freight_page_and_the_scorecard_share_one_cost_per_parcel(month):
    from recon_lib import results

    card = analytics.carrier_scorecard(month, P)
    card = card[card["level"] == "carrier"].set_index("carrier")
    page = results.freight_by_carrier(month, P).set_index("carrier")
    for carrier in page.index.intersection(card.index):
        for column in ("cost_per_parcel", "cost_per_kg"):
            assert page.at[carrier, column] == pytest.approx(card.at[carrier, column]), carrier
    assert page.at["SF", "cost_per_parcel"] == pytest.approx(64 / 5)  # freight lines only
