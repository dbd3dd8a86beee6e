"""Outbound reconciliation on a small, hand-written month: every rule and every near miss."""

from __future__ import annotations

import pytest

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import outbound
from recon_lib.recons.base import RunContext
from tests.conftest import insert

OCT = parse_period("2026-10")


def parcel(sid, at):
    return {"shipment_id": sid, "order_id": f"O{sid}", "tracking_no": f"T{sid}", "carrier": "SF",
            "warehouse": "上海仓", "ship_time": at}


def move(mid, ref, sku, qty, at, kind="outbound"):
    return {"movement_id": mid, "warehouse": "上海仓", "sku": sku, "movement_type": kind,
            "qty": qty, "posted_at": at, "reference": ref}


@pytest.fixture
def month(db):
    insert(db, "products", [{"sku": "A", "unit_cost": 10}, {"sku": "B", "unit_cost": 30}])
    at = "2026-10-10 15:00:00"
    insert(db, "shipments", [
        parcel("OK", at), parcel("NOMOVE", at), parcel("QTY", at), parcel("SKU", at),
        parcel("LATE", at), parcel("MORNING", "2026-10-10 22:00:00"), parcel("SPLIT", at),
        parcel("LASTDAY", "2026-10-31 23:00:00"),
    ])
    insert(db, "shipment_lines", [
        {"shipment_id": s, "sku": "A", "qty": q} for s, q in
        [("OK", 2), ("NOMOVE", 1), ("QTY", 3), ("SKU", 1), ("LATE", 1), ("MORNING", 1),
         ("SPLIT", 3), ("LASTDAY", 1)]
    ])
    insert(db, "inventory_movements", [
        move("M1", "OK", "A", 2, "2026-10-10 14:30:00"),
        move("M3", "QTY", "A", 2, "2026-10-10 14:30:00"),
        move("M4", "SKU", "B", 1, "2026-10-10 14:30:00"),
        move("M5", "LATE", "A", 1, "2026-10-11 21:00:00"),        # 30 h after
        move("M6", "MORNING", "A", 1, "2026-10-11 08:30:00"),     # 10.5 h after: fine
        move("M7a", "SPLIT", "A", 2, "2026-10-10 14:00:00"),
        move("M7b", "SPLIT", "A", 1, "2026-10-10 14:10:00"),
        move("M8", "LASTDAY", "A", 1, "2026-11-01 08:00:00"),     # judged in November
        move("M9", "GHOST", "B", 2, "2026-10-12 10:00:00"),       # no such parcel
        move("M10", None, "A", 1, "2026-10-13 10:00:00"),         # no reference at all
        move("M11", "PO123", "A", 50, "2026-10-13 10:00:00", kind="inbound"),
    ])
    return db


def findings(db, period=OCT):
    ctx = RunContext(db=db, period=period, run_id="t1", settings=Settings())
    outbound.reconcile(ctx)
    return db.df("SELECT reason_code, key, amount, explanation FROM discrepancies "
                 "ORDER BY reason_code, key")


def test_each_rule_fires_once_and_near_misses_stay_quiet(month):
    df = findings(month)
    assert sorted(zip(df["reason_code"], df["key"], strict=True)) == [
        ("OUT_NO_MOVEMENT", "NOMOVE|A"),
        ("OUT_NO_SHIPMENT", "M10"),
        ("OUT_NO_SHIPMENT", "M9"),
        ("OUT_QTY_MISMATCH", "QTY|A"),
        ("OUT_SKU_MISMATCH", "SKU|A"),
        ("OUT_TIME_GAP", "LATE|A"),
    ]


def test_amounts_are_stock_at_cost(month):
    df = findings(month).set_index("key")
    assert float(df.at["NOMOVE|A", "amount"]) == 10.0
    assert float(df.at["QTY|A", "amount"]) == 10.0      # one unit short, at cost
    assert float(df.at["SKU|A", "amount"]) == 10.0
    assert float(df.at["M9", "amount"]) == 60.0         # 2 x B at 30
    assert "deducted 1 x B" in df.at["SKU|A", "explanation"]


def test_a_parcel_of_the_last_evening_is_judged_next_period(month):
    nov = findings(month, period=parse_period("2026-11"))
    assert "LASTDAY|A" not in set(nov["key"])
    assert len(nov) == 0


def test_window_setting_is_used(month):
    ctx = RunContext(db=month, period=OCT, run_id="t2", settings=Settings(outbound_window_hours=36))
    outbound.reconcile(ctx)
    keys = set(month.df("SELECT key FROM discrepancies")["key"])
    assert "LATE|A" not in keys


def test_parcel_ids_holding_the_separator_find_their_rows(db):
    # result ids are '<parcel>|<sku>'; a parcel id that itself holds a '|' still leads back to
    # its parcel line, so the wrong SKU deducted is one finding with the line's quantity
    insert(db, "products", [{"sku": "A", "unit_cost": 10}, {"sku": "B", "unit_cost": 30}])
    at = "2026-10-10 15:00:00"
    insert(db, "shipments", [parcel("P|1", at), parcel("P|2", at)])
    insert(db, "shipment_lines", [{"shipment_id": "P|1", "sku": "A", "qty": 2},
                                  {"shipment_id": "P|2", "sku": "A", "qty": 1}])
    insert(db, "inventory_movements", [move("M1", "P|1", "A", 1, "2026-10-10 14:30:00"),
                                       move("M2", "P|2", "B", 1, "2026-10-10 14:30:00")])
    df = findings(db).set_index("key")
    assert sorted(zip(df["reason_code"], df.index, strict=True)) == [
        ("OUT_QTY_MISMATCH", "P|1|A"), ("OUT_SKU_MISMATCH", "P|2|A")]
    assert float(df.at["P|1|A", "amount"]) == 10.0
    assert "deducted 1 x B" in df.at["P|2|A", "explanation"]
