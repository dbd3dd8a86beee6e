"""The channel P&L: every figure is the sum of its lines, ties to the money waterfall and the
freight page to the cent on a reconciled demo month, and a figure whose source is absent is not
known (NaN with a note), never 0."""

from __future__ import annotations

import math

import pytest

from recon_lib import pnl, results
from recon_lib.db import Database
from tests.conftest import insert

OCT = "2026-10"


@pytest.fixture(scope="module")
def demo(written):
    with Database(written[0], read_only=True) as database:
        yield database, results.pnl(database, OCT)


def figure(df, name, channel="all"):
    row = df[(df["figure"] == name) & (df["channel"] == channel)]
    assert len(row) == 1, (name, channel)
    return row["amount"].iloc[0]


def test_ties_to_the_money_waterfall_to_the_cent(demo):
    db, df = demo
    stages = results.money_waterfall(db, OCT).set_index("stage")["amount"]
    assert figure(df, "net_sales") == round(stages["paid"] - stages["not_shipped"], 2)
    assert figure(df, "refunds") == stages["refunded"]
    fees = figure(df, "platform_fees") + figure(df, "payment_fees")
    assert round(fees, 2) == stages["fees"]


def test_freight_ties_to_the_freight_page(demo):
    db, df = demo
    carriers = results.freight_by_carrier(db, OCT)
    assert figure(df, "freight_billed") == round(carriers["billed"].sum(), 2)
    assert figure(df, "freight_claims") == round(carriers["claimable"].sum(), 2)
    assert figure(df, "freight_accrued") == round(carriers["accrual"].sum(), 2)
    assert figure(df, "freight_after_claims") == round(
        carriers["billed"].sum() - carriers["claimable"].sum(), 2)


def test_receivables_are_the_receivables_of_the_money_page(demo):
    db, df = demo
    assert figure(df, "receivables") == round(results.receivables(db, OCT)["receivable"], 2)


def test_every_figure_is_the_sum_of_its_lines_and_of_its_channels(demo):
    db, df = demo
    part = df[df["section"] == "pnl"]
    channels = [c for c in part["channel"].unique() if c != "all"]
    for name in pnl.LINE_FIGURES:
        if math.isnan(figure(df, name)):
            continue
        for ch in channels:
            lines = results.pnl_lines(db, OCT, name, ch)
            assert round(lines["amount"].sum(), 2) == figure(df, name, ch), (name, ch)
        assert round(sum(figure(df, name, ch) for ch in channels), 2) == figure(df, name)
    drilled = results.pnl_lines(db, OCT, "net_sales", "tmall")
    assert set(drilled["figure"]) <= {"gross_sales", "discounts"}


def test_packaging_is_not_known_without_a_packaging_line_and_contribution_says_so(demo):
    _, df = demo
    assert math.isnan(figure(df, "packaging"))
    assert "packaging" in df.loc[(df["figure"] == "packaging") & (df["channel"] == "all"),
                                 "note"].iloc[0]
    assert math.isnan(figure(df, "net_contribution"))
    note = df.loc[(df["figure"] == "net_contribution") & (df["channel"] == "all"), "note"]
    assert note.iloc[0] == "未知：包装费 not known: packaging"  # named as the page names it
    assert not math.isnan(figure(df, "contribution_before_packaging"))


# -- a hand-written month: what is absent is not known -----------------------------------------
def month(db, *, bill=True, cost=10, settle=("tmall",), packaging=False):
    insert(db, "orders", [
        {"order_id": o, "channel": ch, "status": "paid", "created_at": "2026-10-02 10:00:00",
         "paid_at": "2026-10-02 10:00:00", "currency": "CNY", "paid_amount": 90, "discount": 10}
        for o, ch in (("O1", "tmall"), ("O2", "jd"))])
    insert(db, "shipments", [
        {"shipment_id": f"S-{o}", "order_id": o, "tracking_no": f"T-{o}", "carrier": "SF",
         "warehouse": "上海仓", "ship_time": "2026-10-03 10:00:00"} for o in ("O1", "O2")])
    insert(db, "shipment_lines", [{"shipment_id": f"S-{o}", "sku": "A", "qty": 2}
                                  for o in ("O1", "O2")])
    insert(db, "products", [{"sku": "A", "unit_cost": cost}])
    lines = []
    for o, ch in (("O1", "tmall"), ("O2", "jd")):
        if ch in settle:
            lines += [{"channel": ch, "settlement_id": f"{o}-s", "order_id": o,
                       "line_type": "sale", "amount": 90, "currency": "CNY",
                       "settled_at": "2026-10-05 12:00:00"},
                      {"channel": ch, "settlement_id": f"{o}-c", "order_id": o,
                       "line_type": "commission", "amount": -4.5, "currency": "CNY",
                       "settled_at": "2026-10-05 12:00:00"}]
    insert(db, "settlement_lines", lines)
    if bill:
        rows = [{"carrier": "SF", "waybill_no": f"T-{o}", "bill_date": "2026-10-20",
                 "fee_type": "freight", "payable": 12} for o in ("O1", "O2")]
        if packaging:
            rows.append({"carrier": "SF", "waybill_no": "T-O1", "bill_date": "2026-10-20",
                         "fee_type": "packaging", "payable": 1.5})
        insert(db, "courier_bill_lines", rows)


def test_a_hand_written_month_adds_up(db):
    month(db, settle=("tmall", "jd"), packaging=True)
    df = pnl.pnl(db, OCT)
    assert figure(df, "gross_sales", "tmall") == 100 and figure(df, "net_sales") == 180
    assert figure(df, "platform_fees") == 9 and figure(df, "freight_billed") == 24
    assert figure(df, "packaging", "tmall") == 1.5 and figure(df, "packaging", "jd") == 0
    assert figure(df, "cogs") == 40
    # refunds absent: not known, and the contribution with them
    assert math.isnan(figure(df, "refunds")) and math.isnan(figure(df, "net_contribution"))
    insert(db, "refunds", [{"refund_id": "R1", "order_id": "O1", "amount": 5, "currency": "CNY",
                            "refunded_at": "2026-10-06 10:00:00", "channel": "tmall"}])
    df = pnl.pnl(db, OCT)
    assert figure(df, "net_contribution", "tmall") == 90 - 5 - 4.5 - 12 - 1.5 - 20
    assert figure(df, "net_contribution") == 180 - 5 - 9 - 24 - 1.5 - 40


def test_no_courier_bill_means_freight_not_known(db):
    month(db, bill=False)
    df = pnl.pnl(db, OCT)
    for name in ("freight_billed", "freight_claims", "freight_after_claims", "packaging",
                 "net_contribution"):
        assert math.isnan(figure(df, name)), name
    note = df.loc[(df["figure"] == "freight_billed") & (df["channel"] == "all"), "note"].iloc[0]
    assert "courier_bill_lines" in note


def test_a_channel_without_settlement_lines_has_fees_not_known(db):
    month(db, settle=("tmall",))
    df = pnl.pnl(db, OCT)
    assert figure(df, "platform_fees", "tmall") == 4.5
    assert math.isnan(figure(df, "platform_fees", "jd"))
    assert math.isnan(figure(df, "platform_fees"))
    assert "jd" in df.loc[(df["figure"] == "platform_fees") & (df["channel"] == "jd"),
                          "note"].iloc[0]


def test_a_sku_without_a_cost_makes_cogs_not_known(db):
    month(db, cost=None)
    df = pnl.pnl(db, OCT)
    assert math.isnan(figure(df, "cogs", "tmall")) and math.isnan(figure(df, "cogs"))
    assert "unit cost" in df.loc[(df["figure"] == "cogs") & (df["channel"] == "tmall"),
                                 "note"].iloc[0]
    lines = pnl.pnl_lines(db, OCT, "cogs", "tmall")
    assert len(lines) == 1 and lines["amount"].isna().all()
