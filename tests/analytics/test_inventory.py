"""Inventory analytics on a hand-made month; every expected number is worked out in comments.

Warehouses W1, W2, W3; SKUs A, B (kitchen), C, D, E (bath). Period 2026-10 (31 days).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from recon_lib import analytics
from recon_lib.errors import InputError
from tests.conftest import insert

P = "2026-10"


def snap(day, wh, sku, on_hand, safety, cost):
    return {"snapshot_date": day, "warehouse": wh, "sku": sku, "on_hand": on_hand,
            "safety_stock": safety, "unit_cost": cost}


def move(mid, wh, sku, qty, at, kind="outbound"):
    return {"movement_id": mid, "warehouse": wh, "sku": sku, "movement_type": kind, "qty": qty,
            "posted_at": at}


def order(oid, paid, cancelled=None, status="paid"):
    return {"order_id": oid, "channel": "tmall", "status": status, "created_at": paid,
            "paid_at": paid, "cancelled_at": cancelled, "currency": "CNY", "paid_amount": 0}


def line(oid, sku, qty, price, no=1):
    return {"order_id": oid, "line_no": no, "sku": sku, "qty": qty, "unit_price": price,
            "line_amount": qty * price}


@pytest.fixture
def stock(db):
    insert(db, "products", [
        {"sku": "A", "category": "kitchen", "unit_cost": 10},
        {"sku": "B", "category": "kitchen", "unit_cost": 20},
        {"sku": "C", "category": "bath", "unit_cost": 5},
        {"sku": "D", "category": "bath", "unit_cost": 8},
        {"sku": "E", "category": "bath", "unit_cost": 3},
    ])
    insert(db, "inventory_snapshots", [
        snap("2026-09-30", "W1", "A", 40, 10, 10),      # September: only in the 12-month window
        snap("2026-10-15", "W1", "A", 120, 10, 10),
        snap("2026-10-31", "W1", "A", 40, 10, 10),
        snap("2026-10-31", "W1", "B", 30, 40, None),    # one snapshot; no cost -> product's 20
        snap("2026-10-31", "W1", "C", 50, 5, 5),
        snap("2026-10-31", "W2", "A", 0, 5, 10),        # stock-out: zero average inventory
        snap("2026-10-31", "W2", "B", 100, 10, None),
        snap("2026-10-31", "W2", "C", 3, 3, 5),         # exactly at safety stock
        snap("2026-10-31", "W3", "A", 2, 10, 10),
    ])
    insert(db, "inventory_movements", [
        move("m1", "W1", "A", 30, "2026-10-10 10:00:00"),
        move("m2", "W1", "A", 10, "2026-10-20 10:00:00"),
        move("m3", "W1", "A", 20, "2026-09-05 10:00:00"),
        move("m4", "W1", "A", 100, "2025-10-20 10:00:00"),   # before the 12-month window
        move("m5", "W1", "B", 14, "2026-10-25 10:00:00"),
        move("m6", "W2", "A", 5, "2026-10-05 10:00:00"),
        move("m7", "W2", "C", 2, "2026-09-15 10:00:00"),
        move("m8", "W2", "B", 4, "2026-07-01 10:00:00"),
        move("m9", "W1", "C", 50, "2026-10-02 10:00:00", kind="inbound"),
        move("m10", "W1", "A", 7, "2026-11-01 00:00:00"),    # first instant after the period
    ])
    insert(db, "orders", [
        order("O1", "2026-10-10 10:00:00"),
        order("O2", "2026-10-20 10:00:00"),
        order("O3", "2026-10-25 10:00:00"),
        order("O4", "2026-10-26 10:00:00"),
        order("O5", "2026-10-27 10:00:00", cancelled="2026-10-28 10:00:00", status="cancelled"),
        order("O6", "2026-09-28 10:00:00"),
        order("O7", "2026-10-12 10:00:00"),
        order("O8", "2026-10-29 10:00:00", cancelled="2026-11-03 10:00:00", status="cancelled"),
        order("O9", "2026-10-15 10:00:00"),
    ])
    insert(db, "order_lines", [
        line("O1", "A", 2, 50), line("O2", "A", 3, 50), line("O3", "A", 1, 50),
        line("O4", "A", 1, 50), line("O5", "A", 1, 50), line("O6", "A", 1, 50),
        line("O7", "B", 2, 250), line("O8", "A", 1, 50),
        line("O9", "C", 3, 20), line("O9", "D", 1, 40, no=2),
    ])
    insert(db, "shipments", [
        {"shipment_id": f"S{n}", "order_id": f"O{n}", "tracking_no": f"T{n}", "carrier": "SF",
         "warehouse": "W1", "ship_time": at}
        for n, at in [(1, "2026-10-11 10:00:00"), (2, "2026-10-21 10:00:00"),
                      (4, "2026-11-02 10:00:00"), (7, "2026-10-13 10:00:00"),
                      (9, "2026-10-16 10:00:00")]
    ])
    insert(db, "shipment_lines", [
        {"shipment_id": "S1", "sku": "A", "qty": 2}, {"shipment_id": "S2", "sku": "A", "qty": 1},
        {"shipment_id": "S4", "sku": "A", "qty": 1}, {"shipment_id": "S7", "sku": "B", "qty": 2},
        {"shipment_id": "S9", "sku": "C", "qty": 3}, {"shipment_id": "S9", "sku": "D", "qty": 1},
    ])
    return db


def _num(value):
    return None if value is None or pd.isna(value) else float(value)


def _rows(df, key_cols, value_cols):
    return {tuple(None if pd.isna(r[k]) else r[k] for k in key_cols):
            tuple(_num(r[c]) for c in value_cols) for _, r in df.iterrows()}


def _same(got, expected):
    assert set(got) == set(expected)
    for key, values in expected.items():
        for g, e in zip(got[key], values, strict=True):
            if e is None:
                assert g is None, (key, got[key], values)
            else:
                assert g == pytest.approx(e, rel=1e-6, abs=1e-9), (key, got[key], values)


def test_turnover_for_the_period(stock):
    df = analytics.stock_turnover(stock, P)
    got = _rows(df, ["level", "warehouse", "category", "sku"],
                ["units_out", "cogs", "avg_value", "turnover", "days_on_hand"])
    # sku rows: COGS = outbound units x product cost; average over the period's snapshots;
    # days on hand = avg value / (COGS / 31)
    _same(got, {
        ("sku", "W1", "kitchen", "A"): (40, 400, 800, 0.5, 62.0),        # (1200+400)/2 = 800
        ("sku", "W1", "kitchen", "B"): (14, 280, 600, 280 / 600, 600 * 31 / 280),
        ("sku", "W1", "bath", "C"): (0, 0, 250, 0.0, None),              # inbound ignored
        ("sku", "W2", "kitchen", "A"): (5, 50, 0, None, 0.0),            # zero inventory: NULL
        ("sku", "W2", "kitchen", "B"): (0, 0, 2000, 0.0, None),
        ("sku", "W2", "bath", "C"): (0, 0, 15, 0.0, None),
        ("sku", "W3", "kitchen", "A"): (0, 0, 20, 0.0, None),
        # roll-ups add COGS and average values, then divide
        ("category", None, "kitchen", None): (59, 730, 3420, 730 / 3420, 3420 * 31 / 730),
        ("category", None, "bath", None): (0, 0, 265, 0.0, None),
        ("warehouse", "W1", None, None): (54, 680, 1650, 680 / 1650, 1650 * 31 / 680),
        ("warehouse", "W2", None, None): (5, 50, 2015, 50 / 2015, 2015 * 31 / 50),
        ("warehouse", "W3", None, None): (0, 0, 20, 0.0, None),
        ("total", None, None, None): (59, 730, 3685, 730 / 3685, 3685 * 31 / 730),
    })
    assert set(df["window_days"]) == {31}
    assert df.loc[df["sku"].eq("A") & df["warehouse"].eq("W1"), "snapshots"].item() == 2


def test_turnover_trailing_twelve_months(stock):
    df = analytics.stock_turnover(stock, P, months=12)
    sku = df[df["level"] == "sku"].set_index(["warehouse", "sku"])
    assert set(df["window_days"]) == {365}                   # 2025-11-01 .. 2026-11-01
    # W1 A: outbound 30 + 10 + 20 (m4 is too old, m10 too late) = 60 x 10 = 600;
    # snapshots 40, 120, 40 -> 66.67 units x 10 = 666.67; turnover 0.9
    assert sku.at[("W1", "A"), "cogs"] == pytest.approx(600)
    assert sku.at[("W1", "A"), "avg_value"] == pytest.approx(2000 / 3)
    assert sku.at[("W1", "A"), "turnover"] == pytest.approx(0.9)
    assert sku.at[("W1", "A"), "days_on_hand"] == pytest.approx(2000 / 3 / (600 / 365))
    assert sku.at[("W2", "B"), "turnover"] == pytest.approx(80 / 2000)   # July: 4 x 20
    assert sku.at[("W2", "C"), "turnover"] == pytest.approx(10 / 15)     # September: 2 x 5


def test_safety_stock_alerts(stock):
    df = analytics.safety_stock_alerts(stock, P)            # lead time 14 d, last 28 days
    assert list(zip(df["warehouse"], df["sku"], strict=True)) == [
        ("W2", "A"), ("W1", "B"), ("W2", "C"), ("W3", "A")]  # stock-outs first, then cover
    got = _rows(df, ["warehouse", "sku"],
                ["on_hand", "recent_units_out", "daily_rate", "days_of_cover", "reorder_qty",
                 "delayed_orders"])
    _same(got, {
        # 5 out on 10-05 (within 10-04..10-31); reorder ceil(5 x 14 / 28) = 3 + 5 - 0 = 8
        # delayed A orders: O2 (1 of 3 shipped), O3 (none), O4 (ships 11-02), O8 (cancelled
        # only after the period); not O1 (shipped), O5 (cancelled), O6 (paid in September)
        ("W2", "A"): (0, 5, 5 / 28, 0.0, 8, 4),
        # 14 out -> 0.5 a day -> 30 / 0.5 = 60 days; reorder 7 + 40 - 30 = 17
        ("W1", "B"): (30, 14, 0.5, 60.0, 17, None),
        ("W2", "C"): (3, 0, 0.0, None, 0, None),            # at safety stock, nothing moving
        ("W3", "A"): (2, 0, 0.0, None, 8, None),
    })
    assert list(df["stock_out"]) == [True, False, False, False]


def test_safety_stock_lead_time_parameter(stock):
    df = analytics.safety_stock_alerts(stock, P, lead_time_days=56, sales_window_days=14)
    by = df.set_index(["warehouse", "sku"])
    # last 14 days (10-18..10-31): W1 B 14 units -> 1 a day; reorder 56 + 40 - 30 = 66
    assert by.at[("W1", "B"), "reorder_qty"] == 66
    assert by.at[("W2", "A"), "recent_units_out"] == 0      # 10-05 is outside 14 days
    with pytest.raises(InputError):
        analytics.safety_stock_alerts(stock, P, lead_time_days=0)


def test_slow_movers_and_dead_stock(stock):
    df = analytics.slow_movers(stock, P, slow_days=30, dead_days=90)
    got = [(r.status, r.warehouse, r.sku, r.on_hand, r.stock_value,
            None if pd.isna(r.days_idle) else r.days_idle) for r in df.itertuples()]
    assert got == [
        ("dead", "W2", "B", 100, 2000.0, 123),    # last out 07-01, before 08-03
        ("dead", "W1", "C", 50, 250.0, None),     # never went out (an inbound is not outbound)
        ("dead", "W3", "A", 2, 20.0, None),
        ("slow", "W2", "C", 3, 15.0, 47),         # last out 09-15: idle > 30 days, < 90
    ]                                             # W2 A has no stock; W1 A, B moved in October


def test_abc_classes(stock):
    df = analytics.abc_classes(stock, P)
    got = [(r.sku, r.revenue, r.abc_class) for r in df.itertuples()]
    # B 2 x 250; A 2+3+1+1+1 (O8 live at the period end) x 50, not O5 (cancelled) or O6
    # (September); C 3 x 20; D 1 x 40; E nothing. share before: 0, .5, .9, .96
    assert got == [("B", 500.0, "A"), ("A", 400.0, "A"), ("C", 60.0, "B"), ("D", 40.0, "C"),
                   ("E", 0.0, "C")]
    assert list(df["cum_share"]) == pytest.approx([0.5, 0.9, 0.96, 1.0, 1.0])
    # a SKU whose share before is exactly the boundary is already in the next class
    narrow = analytics.abc_classes(stock, P, a_share=0.5, b_share=0.9)
    assert list(narrow["abc_class"]) == ["A", "B", "C", "C", "C"]
    with pytest.raises(InputError):
        analytics.abc_classes(stock, P, a_share=0.9, b_share=0.8)


def test_rebalancing(stock):
    df = analytics.rebalancing(stock, P)
    got = [(r.sku, r.from_warehouse, r.to_warehouse, r.qty) for r in df.itertuples()]
    # A: W1 holds 40 > 3 x 10 -> 10 spare; W3 needs 8, W2 needs 5 -> 8 to W3, the last 2 to W2
    # B: W2 holds 100 > 3 x 10 -> 70 spare; W1 needs 40 - 30 = 10
    # C: W1 has 35 spare, but nobody is below safety stock (W2 C is at it)
    assert got == [("A", "W1", "W2", 2), ("A", "W1", "W3", 8), ("B", "W2", "W1", 10)]
    higher = analytics.rebalancing(stock, P, target_multiple=4.0)
    # W1 A 40 is not above 4 x 10: no donor for A any more
    assert [(r.sku, r.qty) for r in higher.itertuples()] == [("B", 10)]


def test_empty_database_does_not_fail(db):
    assert analytics.safety_stock_alerts(db, P).empty
    assert analytics.rebalancing(db, P).empty
    total = analytics.stock_turnover(db, P)
    assert list(total["level"]) == ["total"] and math.isnan(total["turnover"].item())
