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
from tests.conftest import insert

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


# -- any id on any leg, its own findings first, cut lists said out loud -----------------------------
def truth_key(truth, reason) -> str:
    return truth.loc[truth["reason_code"] == reason, "key"].iloc[0]


def test_a_waybill_only_on_a_courier_bill_is_found_with_its_finding(month):
    db, truth, _ = month
    waybill = truth_key(truth, "FRT_PHANTOM")
    result = trace(waybill, db)
    assert result.found_as == "waybill on a courier bill" and result.orders == []
    assert set(result.findings["reason_code"]) == {"FRT_PHANTOM"}
    bills = result.records["快递账单 Courier bill lines"].frame
    assert set(bills["waybill_no"]) == {waybill}
    text = str(result)
    assert text.index("FRT_PHANTOM") < text.index("快递账单 Courier bill lines")


def test_an_order_only_a_settlement_names_is_found(month):
    db, truth, _ = month
    row = truth[truth["reason_code"] == "PAY_UNKNOWN_ORDER"].iloc[0]
    order_id = db.scalar("SELECT order_id FROM settlement_lines WHERE settlement_id = $s",
                         {"s": row["key"]})
    (only,) = trace(order_id, db).orders
    assert only.found_as == "order not in the order export"
    assert only.legs["订单 Order"].empty and len(only.legs["平台结算 Settlement"]) == 1
    assert "PAY_UNKNOWN_ORDER" in set(only.findings["reason_code"])
    by_line = trace(row["key"], db)   # the line itself: its own finding first
    assert by_line.found_as == "settlement line"
    assert by_line.findings["reason_code"].tolist() == ["PAY_UNKNOWN_ORDER"]


def test_a_duplicate_line_shows_its_own_finding_first_and_once(month):
    db, truth, _ = month
    line = truth_key(truth, "PAY_DUPLICATE_LINE")
    result = trace(line, db)
    assert result.findings["reason_code"].tolist() == ["PAY_DUPLICATE_LINE"]
    text = str(result)
    assert text.count("PAY_DUPLICATE_LINE") == 1
    assert text.index("PAY_DUPLICATE_LINE") < text.index("order ")


def test_a_payout_shows_its_own_finding_and_says_its_lists_are_cut(month):
    db, truth, m = month
    lines = m.tables["settlement_lines"].dropna(subset=["order_id"])
    payout = lines["payout_id"].value_counts().index[0]   # the payout with the most lines
    n_lines = int((m.tables["settlement_lines"]["payout_id"] == payout).sum())
    n_orders = lines.loc[lines["payout_id"] == payout, "order_id"].nunique()
    assert n_lines > 20 and n_orders > 20
    result = trace(payout, db)
    listing = result.records["平台结算 Settlement lines"]
    assert (len(listing.frame), listing.total) == (20, n_lines)
    assert (len(result.orders), result.orders_total) == (20, n_orders)
    text = str(result)
    assert f"showing 20 of {n_lines:,} lines, those with findings first; --all for every line" \
        in text
    assert f"showing 20 of {n_orders:,} orders, those with findings first; --all for every " \
        "order" in text
    assert "showing" not in str(trace(payout, db, max_orders=None, max_rows=None))
    # the orders kept are those with findings, when any of the payout's orders has one
    flagged = set(db.df("SELECT DISTINCT order_id FROM discrepancies")["order_id"].dropna())
    kept = {o.order_id for o in result.orders}
    assert len(kept & flagged) == min(20, len(set(lines.loc[lines["payout_id"] == payout,
                                                            "order_id"]) & flagged))

    mismatch = truth_key(truth, "PAY_PAYOUT_MISMATCH")
    own = trace(mismatch, db)
    assert own.findings["reason_code"].tolist() == ["PAY_PAYOUT_MISMATCH"]
    assert str(own).index("PAY_PAYOUT_MISMATCH") < str(own).index("提现 Payouts")
    assert set(own.records["提现 Payouts"].frame["payout_id"]) == {mismatch}


def test_a_bank_transaction_is_found_by_its_id_and_by_what_it_quotes(month):
    db, truth, m = month
    txn = truth_key(truth, "PAY_DEPOSIT_NO_PAYOUT")
    result = trace(txn, db)
    assert result.found_as == "bank transaction" and result.orders == []
    assert result.findings["reason_code"].tolist() == ["PAY_DEPOSIT_NO_PAYOUT"]
    bank = m.tables["bank_transactions"]
    quoting = bank[bank["reference"].str.startswith("提现 PO-")].iloc[0]
    payout = quoting["reference"].split(" ", 1)[1]
    by_txn = trace(quoting["txn_id"], db, max_orders=None)
    assert set(by_txn.records["提现 Payouts"].frame["payout_id"]) == {payout}
    assert {o.order_id for o in by_txn.orders} == {o.order_id for o in
                                                   trace(payout, db, max_orders=None).orders}
    assert "quoted by a bank transaction" in trace(payout, db).found_as


def test_refunds_and_receipts_find_their_order(month):
    db, _, m = month
    refund = m.tables["refunds"].dropna(subset=["order_id"]).iloc[0]
    (found,) = trace(refund["refund_id"], db).orders
    assert (found.order_id, found.found_as) == (refund["order_id"], "refund")
    requests = m.tables["return_requests"].set_index("return_id")["order_id"]
    receipts = m.tables["return_receipts"]
    receipt = receipts[receipts["return_id"].isin(requests.index)].iloc[0]
    (found,) = trace(receipt["receipt_id"], db).orders
    assert (found.order_id, found.found_as) == (requests[receipt["return_id"]], "return receipt")


def test_an_orders_own_findings_come_first_and_once(month):
    db, truth, _ = month
    order_id = truth_key(truth, "SHIP_PARTIAL").split("|")[0]
    result = trace(order_id, db)
    assert "SHIP_PARTIAL" in set(result.findings["reason_code"])
    assert result.records == {}                       # an order's records are its legs
    text = str(result)
    assert text.count("SHIP_PARTIAL") == 1 and text.index("SHIP_PARTIAL") < text.index("order ")
    assert "SHIP_PARTIAL" in result._repr_html_()


def test_the_command_lists_everything_with_all(tmp_path, capsys):
    from recon_lib.cli import main
    from recon_lib.errors import EXIT_OK

    path = tmp_path / "recon.duckdb"
    small = build_month(OCT, orders=400, seed=5)
    with Database(path) as db:
        insert_month(db, small)
        reconcile_period(db, OCT)
        payout, lines = db.df("SELECT payout_id, count(*) AS n FROM settlement_lines "
                              "GROUP BY ALL ORDER BY n DESC, payout_id LIMIT 1").iloc[0]
    assert lines > 20
    args = ["trace", payout, "--db", str(path), "--quiet"]
    assert main(args) == EXIT_OK
    assert f"showing 20 of {lines:,} lines" in capsys.readouterr().out
    assert main([*args, "--all"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "showing" not in out and out.count(f" {payout}\n") >= lines


def test_a_cod_waybill_shows_its_remittance_batch_and_deposit(month):
    db, _, m = month
    lines = db.con.sql("select * from cod_remittances").df()
    row = lines.iloc[0]
    result = trace(row["tracking_no"], db)
    (order,) = result.orders
    cod = order.legs["代收货款回款 COD remittance"]
    assert list(cod["tracking_no"]) == [row["tracking_no"]]
    assert cod["batch_no"].iloc[0] == row["batch_no"]
    batch = lines[(lines["carrier"] == row["carrier"]) & (lines["batch_no"] == row["batch_no"])]
    assert cod["batch_total"].iloc[0] == pytest.approx(batch["remitted_amount"].sum())
    assert cod["batch_lines"].iloc[0] == len(batch)


def test_each_courier_batch_finds_its_deposit_quoted_or_paired(month):
    db, truth, m = month
    lines = db.con.sql("select * from cod_remittances").df()
    bad = set(truth.loc[truth["reason_code"].str.startswith("COD_BATCH"), "key"])
    checked = 0
    for carrier in sorted(set(lines["carrier"])):
        ok = lines[(lines["carrier"] == carrier)
                   & ~(lines["carrier"] + "|" + lines["batch_no"]).isin(bad)]
        if ok.empty:
            continue
        checked += 1
        batch_no = ok["batch_no"].iloc[0]
        result = trace(batch_no, db, max_rows=None)
        assert "COD remittance batch" in result.found_as
        shown = result.records["代收货款回款 COD remittance lines"].frame
        assert set(shown["batch_no"]) == {batch_no} and len(shown) == (ok["batch_no"] == batch_no).sum()
        assert shown["deposited"].iloc[0] == pytest.approx(shown["batch_total"].iloc[0]), carrier
        assert result.orders_total == len(shown)   # the orders of its waybills
    assert checked >= 2


def test_a_batch_no_deposit_quotes_is_paired_by_courier_and_amount(db):
    insert(db, "cod_terms", [{"carrier": "YTO", "remit_days": 7, "fee_rate": 0.01, "fee_min": 1,
                              "payer": "圆通速递", "effective_from": "2026-01-01"}])
    insert(db, "cod_remittances", [
        {"carrier": "YTO", "batch_no": "YB1", "remit_date": "2026-10-09", "tracking_no": t,
         "collected_amount": 50, "service_fee": 1, "remitted_amount": 49} for t in ("Y1", "Y2")])
    insert(db, "bank_transactions", [
        {"account": "A", "txn_id": "T1", "booked_at": "2026-10-10 09:00:00", "amount": 98,
         "currency": "CNY", "counterparty": "圆通速递", "reference": "代收货款"},
        {"account": "A", "txn_id": "T2", "booked_at": "2026-10-10 09:00:00", "amount": 98,
         "currency": "CNY", "counterparty": "别的公司", "reference": "货款"},
        {"account": "A", "txn_id": "T3", "booked_at": "2026-10-30 09:00:00", "amount": 98,
         "currency": "CNY", "counterparty": "圆通速递", "reference": "代收货款"}])
    result = trace("YB1", db)
    assert result.found_as == "COD remittance batch"
    shown = result.records["代收货款回款 COD remittance lines"].frame
    assert list(shown["tracking_no"]) == ["Y1", "Y2"] and (shown["batch_total"] == 98).all()
    assert (shown["deposits"] == "T1 2026-10-10 98.00").all()  # not another payer's, nor late
    assert (shown["deposit_found_by"] == "same courier and amount").all()
    assert not result.orders   # waybills none of our parcels
    assert trace("Y2", db).found_as == "waybill on a COD statement"


def test_a_batch_not_deposited_shows_its_finding_first(month):
    db, truth, _ = month
    key = truth.loc[truth["reason_code"] == "COD_BATCH_NOT_DEPOSITED", "key"].iloc[0]
    batch_no = key.split("|")[1]
    result = trace(batch_no, db)
    assert "COD_BATCH_NOT_DEPOSITED" in set(result.findings["reason_code"])
    shown = result.records["代收货款回款 COD remittance lines"].frame
    assert shown["deposits"].isna().all()
    # and on the trace of one of its parcels' orders
    (order,) = trace(shown["tracking_no"].iloc[0], db).orders
    assert "COD_BATCH_NOT_DEPOSITED" in set(order.findings["reason_code"])


def test_a_lost_parcel_shows_its_claim(month):
    db, truth, _ = month
    key = truth.loc[truth["reason_code"] == "CLM_NOT_COMPENSATED", "key"].iloc[0]
    (order,) = trace(key, db).orders
    assert {"lost", "damaged"} & set(order.legs["物流 Tracking"]["event_type"])
    bills = order.legs["快递账单 Courier bills"]
    assert len(bills) and "freight" in set(bills["fee_type"])
    assert "CLM_NOT_COMPENSATED" in set(order.findings["reason_code"])
