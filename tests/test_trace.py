"""Tracing an order across every leg: each leg's injected discrepancy shows on that order, every
kind of id finds it, an unknown id names the nearest ones, and customers stay masked."""

from __future__ import annotations

import pandas as pd
import pytest

from recon_lib.db import Database
from recon_lib.demo import build_month
from recon_lib.demo.frames import insert_month
from recon_lib.errors import InputError
from recon_lib.periods import parse_period
from recon_lib.pipeline import reconcile_period
from recon_lib.trace import trace

OCT = parse_period("2026-10")


@pytest.fixture(scope="module")
def month():
    m = build_month(OCT, orders=1500, seed=11)
    db = Database(":memory:")
    insert_month(db, m)
    reconcile_period(db, OCT)
    yield db, pd.DataFrame(m.truth), m
    db.close()


def order_of(db, reason, truth):
    key = truth.loc[truth["reason_code"] == reason, "key"].iloc[0]
    head = key.split("|")[0]
    found = db.query("trace_resolve", id=head)
    return head, found["order_id"].iloc[0]


@pytest.mark.parametrize("reason", [
    "SHIP_PARTIAL", "OUT_QTY_MISMATCH", "FRT_WEIGHT_OVER", "RET_REFUND_MISMATCH",
    "PAY_GROSS_MISMATCH",
])
def test_each_legs_discrepancy_shows_on_its_order(month, reason):
    db, truth, _ = month
    head, order_id = order_of(db, reason, truth)
    result = trace(head, db)
    (only,) = result.orders
    assert only.order_id == order_id
    assert reason in set(only.findings["reason_code"])
    assert len(only.legs["订单 Order"]) == 1
    assert "explanation" in only.findings and only.findings["explanation"].notna().all()


def test_every_kind_of_id_finds_the_order(month):
    db, _, m = month
    ships = m.tables["shipments"]
    order_id = m.tables["return_requests"]["order_id"].iloc[0]
    tracking = ships.loc[ships["order_id"] == order_id, "tracking_no"].iloc[0]
    return_id = m.tables["return_requests"]["return_id"].iloc[0]
    for id_, kind in [(order_id, "order"), (tracking, "tracking number"),
                      (return_id, "return")]:
        (found,) = trace(id_, db).orders
        assert (found.order_id, found.found_as) == (order_id, kind)
    lines = m.tables["settlement_lines"].dropna(subset=["payout_id", "order_id"])
    payout = lines["payout_id"].iloc[0]
    orders = trace(payout, db, max_orders=500).orders
    assert {o.order_id for o in orders} == set(lines.loc[lines["payout_id"] == payout,
                                                         "order_id"])


def test_unknown_id_names_the_nearest(month):
    db, _, m = month
    known = m.tables["orders"]["order_id"].iloc[0]
    with pytest.raises(InputError, match="nearest ids: " + known):
        trace(known + "9", db)


def test_customers_are_masked(month):
    db, _, m = month
    row = m.tables["orders"].iloc[0]
    text = str(trace(row["order_id"], db))
    assert row["customer_phone"] not in text and row["ship_address"] not in text
    assert row["customer_phone"][:3] + "****" + row["customer_phone"][-4:] in text


def test_the_money_waterfall_adds_up_to_the_cent(month):
    from decimal import Decimal

    from recon_lib import results

    db, _, m = month
    stages = results.money_waterfall(db, "2026-10")
    assert stages["stage"].tolist() == ["paid", "not_shipped", "refunded", "not_settled",
                                        "settled_differently", "fees", "not_paid_out",
                                        "in_transit", "not_deposited", "deposited"]
    amounts = [Decimal(str(a)).quantize(Decimal("0.01")) for a in stages["amount"]]
    assert amounts[0] - sum(amounts[1:-1]) == amounts[-1]
    paid = m.tables["orders"].dropna(subset=["paid_at"])
    assert amounts[0] == Decimal(int(paid["paid_amount_fen"].sum())) / 100
    assert amounts[-1] > 0 and amounts[5] > 0          # money reached the bank; fees were kept
    units = results.units_waterfall(db, "2026-10").set_index("stage")["units"]
    assert units.iloc[0] >= units.iloc[1] >= units.iloc[2] > 0


@pytest.mark.parametrize("reason, column", [
    ("SHIP_PARTIAL", "ship_status"), ("OUT_QTY_MISMATCH", "stock_status"),
    ("FRT_WEIGHT_OVER", "freight_status"), ("RET_REFUND_MISMATCH", "return_status"),
    ("PAY_GROSS_MISMATCH", "money_status"),
])
def test_the_lifecycle_row_shows_each_legs_open_finding(month, reason, column):
    from recon_lib import results

    db, truth, _ = month
    _, order_id = order_of(db, reason, truth)
    rows = results.lifecycle(db, "2026-10").set_index("order_id")
    assert rows.at[order_id, column] == reason
    assert rows["ship_status"].value_counts()["ok"] > len(rows) * 0.8
