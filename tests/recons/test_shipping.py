"""Shipping reconciliation on a small, hand-written month: every rule and every near miss."""

from __future__ import annotations

import json

import pytest

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import shipping
from recon_lib.recons.base import RunContext
from tests.conftest import insert

OCT = parse_period("2026-10")


def order(oid, paid="2026-10-05 10:00:00", cancelled=None, amount=100, status="completed"):
    return {"order_id": oid, "channel": "tmall", "status": status, "created_at": "2026-10-01",
            "paid_at": paid, "cancelled_at": cancelled, "currency": "CNY",
            "goods_amount": amount, "paid_amount": amount}


def line(oid, sku, qty, price=50, no=1):
    return {"order_id": oid, "line_no": no, "sku": sku, "qty": qty, "unit_price": price,
            "line_amount": qty * price}


def parcel(sid, oid, at):
    return {"shipment_id": sid, "order_id": oid, "tracking_no": f"SF{sid}", "carrier": "SF",
            "warehouse": "上海仓", "ship_time": at}


def packed(sid, sku, qty):
    return {"shipment_id": sid, "sku": sku, "qty": qty}


@pytest.fixture
def month(db):
    insert(db, "products", [{"sku": "A", "list_price": 60}, {"sku": "B", "list_price": 80}])
    insert(db, "orders", [
        order("OK1"),
        order("UNSHIPPED"),
        order("PARTIAL"),
        order("OVER"),
        order("WRONG"),
        order("LATE"),
        order("EDGE"),                                       # ships exactly at the deadline
        order("SPLIT"),                                      # two parcels, both in time
        order("AFTERCANCEL", cancelled="2026-10-05 12:00:00", status="cancelled"),
        order("CANCELAFTER", cancelled="2026-10-06 09:00:00", status="cancelled"),
        order("NOTYETDUE", paid="2026-10-31 12:00:00", status="paid"),
        order("CANCELLED", cancelled="2026-10-05 11:00:00", status="cancelled"),
        order("NEVERPAID", paid=None, cancelled="2026-10-05 11:00:00", status="cancelled"),
        order("SEPTEMBER", paid="2026-09-10 10:00:00", status="paid"),   # due in September
        order("CROSSING", paid="2026-09-30 22:00:00"),       # due 2 Oct, shipped 1 Oct
        order("EXTRA"),                                      # an unordered SKU came along
        order("MISSLINE"),                                   # one of two SKUs never shipped
    ])
    insert(db, "order_lines", [
        line("OK1", "A", 2), line("UNSHIPPED", "A", 1), line("PARTIAL", "A", 3),
        line("OVER", "A", 1), line("WRONG", "A", 1), line("LATE", "A", 1), line("EDGE", "A", 1),
        line("SPLIT", "A", 1), line("SPLIT", "B", 1, no=2), line("AFTERCANCEL", "A", 1),
        line("CANCELAFTER", "A", 1), line("NOTYETDUE", "A", 1), line("CANCELLED", "A", 1),
        line("NEVERPAID", "A", 1), line("SEPTEMBER", "A", 1), line("CROSSING", "A", 1),
        line("EXTRA", "A", 1), line("MISSLINE", "A", 1), line("MISSLINE", "B", 1, no=2),
    ])
    insert(db, "shipments", [
        parcel("S1", "OK1", "2026-10-06 09:00:00"),
        parcel("S3", "PARTIAL", "2026-10-06 09:00:00"),
        parcel("S4", "OVER", "2026-10-06 09:00:00"),
        parcel("S5", "WRONG", "2026-10-06 09:00:00"),
        parcel("S6", "LATE", "2026-10-07 11:00:00"),
        parcel("S7", "EDGE", "2026-10-07 10:00:00"),
        parcel("S8a", "SPLIT", "2026-10-05 15:00:00"),
        parcel("S8b", "SPLIT", "2026-10-06 15:00:00"),
        parcel("S9", "AFTERCANCEL", "2026-10-05 13:00:00"),
        parcel("S10", "CANCELAFTER", "2026-10-05 13:00:00"),
        parcel("S11", "CROSSING", "2026-10-01 10:00:00"),
        parcel("S99", "X404", "2026-10-08 10:00:00"),
        parcel("S12", "EXTRA", "2026-10-06 09:00:00"),
        parcel("S13", "MISSLINE", "2026-10-06 09:00:00"),
    ])
    insert(db, "shipment_lines", [
        packed("S1", "A", 2), packed("S3", "A", 1), packed("S4", "A", 2), packed("S5", "B", 1),
        packed("S6", "A", 1), packed("S7", "A", 1), packed("S8a", "A", 1), packed("S8b", "B", 1),
        packed("S9", "A", 1), packed("S10", "A", 1), packed("S11", "A", 1), packed("S99", "B", 2),
        packed("S12", "A", 1), packed("S12", "B", 1), packed("S13", "A", 1),
    ])
    return db


def findings(db, period=OCT, sla=48):
    ctx = RunContext(db=db, period=period, run_id="t1", settings=Settings(ship_sla_hours=sla))
    shipping.reconcile(ctx)
    df = db.df("SELECT reason_code, key, order_id, amount, explanation, details "
               "FROM discrepancies ORDER BY reason_code, key")
    return df


def test_each_rule_fires_once_and_near_misses_stay_quiet(month):
    df = findings(month)
    got = sorted(zip(df["reason_code"], df["key"], strict=True))
    assert got == [
        ("SHIP_AFTER_CANCEL", "AFTERCANCEL"),
        ("SHIP_LATE", "LATE"),
        ("SHIP_OVER", "OVER|A"),
        ("SHIP_PARTIAL", "MISSLINE|B"),
        ("SHIP_PARTIAL", "PARTIAL|A"),
        ("SHIP_UNKNOWN_ORDER", "S99"),
        ("SHIP_UNSHIPPED", "UNSHIPPED"),
        ("SHIP_WRONG_SKU", "EXTRA|B"),
        ("SHIP_WRONG_SKU", "WRONG|B"),
    ]


def test_amounts_and_explanations(month):
    df = findings(month)
    by_key = df.set_index("key")
    assert float(by_key.at["MISSLINE|B", "amount"]) == 50.0
    assert "not on the order" in by_key.at["EXTRA|B", "explanation"]
    df = df[~df["key"].isin(["MISSLINE|B", "EXTRA|B"])].set_index("reason_code")
    assert float(df.at["SHIP_PARTIAL", "amount"]) == 100.0        # 2 units short x 50
    assert float(df.at["SHIP_OVER", "amount"]) == 50.0
    assert float(df.at["SHIP_WRONG_SKU", "amount"]) == 80.0       # list price of B
    assert float(df.at["SHIP_UNKNOWN_ORDER", "amount"]) == 160.0  # 2 x B at list price
    assert float(df.at["SHIP_UNSHIPPED", "amount"]) == 100.0
    assert "instead of 1 x A" in df.at["SHIP_WRONG_SKU", "explanation"]
    assert "1.0 h after the deadline" in df.at["SHIP_LATE", "explanation"]
    details = json.loads(df.at["SHIP_PARTIAL", "details"])
    assert details == {"sku": "A", "ordered_qty": 3, "shipped_qty": 1, "difference": -2,
                       "packed_lines": ["S3|A"]}


def test_rerun_replaces_rather_than_duplicates(month):
    first = findings(month)
    second = findings(month)
    assert len(second) == len(first) == 9


def test_sla_setting_moves_the_deadline(month):
    df = findings(month, sla=72)
    assert "SHIP_LATE" not in set(df["reason_code"])


def test_not_yet_due_order_is_judged_in_the_next_period(month):
    nov = findings(month, period=parse_period("2026-11"))
    assert ("SHIP_UNSHIPPED", "NOTYETDUE") in set(zip(nov["reason_code"], nov["key"], strict=True))


def test_order_level_rules_read_only_the_orders_due_now(db):
    # due in September, cancelled, and a parcel left in October after the cancellation: October
    # reports the parcel (after cancel), not the September order as late
    insert(db, "orders", [order("SEPCANCEL", paid="2026-09-20 10:00:00",
                                cancelled="2026-09-21 09:00:00", status="cancelled"),
                          order("STRADDLE", paid="2026-10-29 10:00:00")])
    insert(db, "order_lines", [line("SEPCANCEL", "A", 1), line("STRADDLE", "A", 1),
                               line("STRADDLE", "B", 1, no=2)])
    # STRADDLE is due on 31 October: one parcel before the period's end, one after
    insert(db, "shipments", [parcel("P1", "SEPCANCEL", "2026-10-02 09:00:00"),
                             parcel("P2", "STRADDLE", "2026-10-30 09:00:00"),
                             parcel("P3", "STRADDLE", "2026-11-02 09:00:00")])
    insert(db, "shipment_lines", [packed("P1", "A", 1), packed("P2", "A", 1),
                                  packed("P3", "B", 1)])
    df = findings(db)
    assert sorted(zip(df["reason_code"], df["key"], strict=True)) == [
        ("SHIP_AFTER_CANCEL", "SEPCANCEL"),
        ("SHIP_PARTIAL", "STRADDLE|B"),      # the November parcel is not counted in October
    ]


def test_ids_holding_the_separator_find_their_rows(db):
    # result ids are '<order or parcel>|<sku>'; an order id or parcel id that itself holds a
    # '|' must still lead back to its own row, with its amount and parcels
    insert(db, "products", [{"sku": "A", "list_price": 60}, {"sku": "B|2", "list_price": 80}])
    insert(db, "orders", [order("T|1"), order("T|2")])
    insert(db, "order_lines", [line("T|1", "A", 3), line("T|2", "A", 1)])
    insert(db, "shipments", [parcel("P|1", "T|1", "2026-10-06 09:00:00"),
                             parcel("P|2", "T|2", "2026-10-06 09:00:00")])
    insert(db, "shipment_lines", [packed("P|1", "A", 1), packed("P|2", "A", 1),
                                  packed("P|2", "B|2", 1)])
    df = findings(db).set_index("key")
    assert sorted(zip(df["reason_code"], df.index, strict=True)) == [
        ("SHIP_PARTIAL", "T|1|A"), ("SHIP_WRONG_SKU", "T|2|B|2")]
    assert float(df.at["T|1|A", "amount"]) == 100.0                 # 2 of 3 missing at 50
    assert json.loads(df.at["T|2|B|2", "details"])["parcels"] == ["P|2"]
    assert float(df.at["T|2|B|2", "amount"]) == 80.0                # at list price
