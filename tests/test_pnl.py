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
    # the page's billed is the bills' net: charges less the compensation credits on them
    assert figure(df, "parcel_compensation") > 0
    assert round(figure(df, "freight_billed") - figure(df, "parcel_compensation"), 2) == round(
        carriers["billed"].sum(), 2)
    assert figure(df, "freight_claims") == round(carriers["claimable"].sum(), 2)
    assert figure(df, "freight_accrued") == round(carriers["accrual"].sum(), 2)
    assert figure(df, "freight_after_claims") == round(
        carriers["billed"].sum() + figure(df, "parcel_compensation")
        - carriers["claimable"].sum(), 2)


def test_cod_ties_to_the_cod_page(demo):
    db, df = demo
    carriers = results.cod_by_carrier(db, OCT)
    assert figure(df, "cod_fees") > 0
    assert figure(df, "cod_fees") == round(carriers["service_fees"].sum(), 2)
    outstanding = results.cod_outstanding(db, OCT)
    assert figure(df, "cod_receivable") > 0
    assert figure(df, "cod_receivable") == round(outstanding["amount"].sum(), 2)
    over = results.discrepancies(db, OCT, recon="cod")
    over = over[over["reason_code"] == "COD_FEE_OVER"]
    assert len(over) and figure(df, "cod_fee_claims") == round(over["amount"].sum(), 2)


def test_parcel_claims_tie_to_the_claims_page(demo):
    db, df = demo
    owed = results.claims_by_carrier(db, OCT)["outstanding"].sum()
    assert owed > 0 and figure(df, "parcel_claims") == round(owed, 2)
    found = results.discrepancies(db, OCT, recon="claims")
    assert figure(df, "parcel_claims") == round(found["amount"].sum(), 2)


def test_contribution_counts_cod_and_parcel_claims(demo):
    _, df = demo
    parts = {f: figure(df, f) for f in pnl.DERIVED["contribution_before_packaging"]}
    expected = round(sum(pnl.SIGNS[f] * v for f, v in parts.items()), 2)
    assert figure(df, "contribution_before_packaging") == expected
    without = round(expected + parts["cod_fees"] - parts["cod_fee_claims"]
                    - parts["parcel_compensation"] - parts["parcel_claims"], 2)
    assert without != expected


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
def month(db, *, bill=True, cost=10, settle=("tmall",), packaging=False, tracking=True,
          refund=False):
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
    if refund:
        insert(db, "refunds", [{"refund_id": "R1", "order_id": "O1", "amount": 5,
                                "currency": "CNY", "refunded_at": "2026-10-06 10:00:00",
                                "channel": "tmall"}])
    if tracking:
        insert(db, "tracking_events", [
            {"tracking_no": f"T-{o}", "carrier": "SF", "event_type": "delivered",
             "event_time": "2026-10-04 10:00:00"} for o in ("O1", "O2")])


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


def test_a_merchant_without_cod_or_losses_has_them_at_zero_and_says_why(db):
    month(db, settle=("tmall", "jd"), refund=True)
    df = pnl.pnl(db, OCT)
    for name in ("cod_fees", "cod_fee_claims", "cod_receivable", "parcel_compensation",
                 "parcel_claims"):
        assert figure(df, name) == 0, name
    note = df.loc[(df["figure"] == "cod_fees") & (df["channel"] == "all"), "note"].iloc[0]
    assert "COD" in note
    assert not math.isnan(figure(df, "contribution_before_packaging"))


def test_cod_parcels_without_a_remittance_statement_are_not_known(db):
    month(db, settle=("tmall", "jd"), refund=True)
    db.con.execute("update shipments set cod_amount = 90 where order_id = 'O1'")
    df = pnl.pnl(db, OCT)
    for name in ("cod_fees", "cod_fee_claims", "cod_receivable",
                 "contribution_before_packaging"):
        assert math.isnan(figure(df, name)), name
    note = df.loc[(df["figure"] == "cod_fees") & (df["channel"] == "all"), "note"].iloc[0]
    assert "cod_remittances" in note
    # with the statement: the fee deducted is a cost, the parcel remitted is no receivable
    insert(db, "cod_remittances", [
        {"carrier": "SF", "batch_no": "B1", "remit_date": "2026-10-09", "tracking_no": "T-O1",
         "collected_amount": 90, "service_fee": None, "remitted_amount": 88.2}])
    df = pnl.pnl(db, OCT)
    assert figure(df, "cod_fees", "tmall") == 1.8 and figure(df, "cod_receivable") == 0
    assert figure(df, "contribution_before_packaging", "tmall") == round(
        90 - 5 - 4.5 - 1.8 - 12 - 20, 2)


def test_a_delivered_cod_parcel_not_remitted_is_a_receivable(db):
    month(db, settle=("tmall", "jd"))
    db.con.execute("update shipments set cod_amount = 90 where order_id = 'O2'")
    insert(db, "cod_remittances", [
        {"carrier": "SF", "batch_no": "B1", "remit_date": "2026-10-09", "tracking_no": "T-X",
         "collected_amount": 10, "service_fee": 0.5, "remitted_amount": 9.5}])
    df = pnl.pnl(db, OCT)
    assert figure(df, "cod_receivable", "jd") == 90 and figure(df, "cod_receivable") == 90
    assert figure(df, "cod_fees", "(unassigned)") == 0.5  # a waybill not ours
    lines = pnl.pnl_lines(db, OCT, "cod_receivable", "jd")
    assert list(lines["order_id"]) == ["O2"] and lines["amount"].sum() == 90


def test_compensation_is_its_own_line_not_inside_freight(db):
    month(db, settle=("tmall", "jd"), refund=True)
    insert(db, "courier_bill_lines", [
        {"carrier": "SF", "waybill_no": "T-O1", "bill_date": "2026-10-25",
         "fee_type": "compensation", "payable": -84}])
    df = pnl.pnl(db, OCT)
    assert figure(df, "freight_billed") == 24
    assert figure(df, "parcel_compensation", "tmall") == 84
    assert figure(df, "contribution_before_packaging") == round(180 - 5 - 9 - 24 + 84 - 40, 2)


def test_losses_without_tracking_or_rules_make_parcel_claims_not_known(db):
    month(db, settle=("tmall", "jd"), tracking=False)
    df = pnl.pnl(db, OCT)
    assert math.isnan(figure(df, "parcel_claims"))
    assert "tracking_events" in df.loc[(df["figure"] == "parcel_claims")
                                       & (df["channel"] == "all"), "note"].iloc[0]
    insert(db, "tracking_events", [{"tracking_no": "T-O1", "carrier": "SF",
                                    "event_type": "lost", "event_time": "2026-10-04 10:00:00"}])
    df = pnl.pnl(db, OCT)   # a lost parcel and no compensation rule: what is owed is not known
    assert math.isnan(figure(df, "parcel_claims"))
    assert "compensation_rules" in df.loc[(df["figure"] == "parcel_claims")
                                          & (df["channel"] == "all"), "note"].iloc[0]
    assert math.isnan(figure(df, "contribution_before_packaging"))


def test_a_claim_whose_owed_is_not_known_makes_parcel_claims_not_known(db):
    month(db, settle=("tmall", "jd"))
    insert(db, "compensation_rules", [
        {"carrier": "SF", "incident": "lost", "insured": False, "basis": "goods_value",
         "multiple": 1, "claim_days": 7, "effective_from": "2026-01-01"}])
    db.con.execute("""insert into discrepancies
                      (run_id, period, recon, reason_code, key, amount, explanation)
                      values ('r1', '2026-10', 'claims', 'CLM_NOT_COMPENSATED', 'T-O1', null, 'x'),
                             ('r1', '2026-10', 'claims', 'CLM_SHORT', 'T-O2', 20, 'x')""")
    df = pnl.pnl(db, OCT)
    assert figure(df, "parcel_claims", "jd") == 20
    assert math.isnan(figure(df, "parcel_claims", "tmall"))
    assert "compensation rule" in df.loc[(df["figure"] == "parcel_claims")
                                         & (df["channel"] == "tmall"), "note"].iloc[0]
