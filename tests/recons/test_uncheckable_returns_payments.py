"""A value missing on one side of a returns or payments comparison makes it not checkable on that
row, never a finding: a returned SKU without any price, a foreign-currency sale or payout on a
day without a reference rate. returns_uncheckable and payments_uncheckable count them."""

from __future__ import annotations

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import payments, returns
from recon_lib.recons.base import RunContext
from tests.conftest import insert
from tests.recons.test_one_parcel_two_orders import assert_one_row_per_key
from tests.recons.test_payments import deposit, line, payout
from tests.recons.test_returns import pickup, receipt, refund, request

OCT = parse_period("2026-10")
RUN = "t-unc"
COLUMNS = ["reason_code", "field", "rows", "reason"]


def run(db, recon):
    recon.reconcile(RunContext(db=db, period=OCT, run_id=RUN, settings=Settings()))
    found = db.df("SELECT reason_code, key, amount, explanation FROM discrepancies "
                  "ORDER BY reason_code, key")
    unc = db.query(f"{recon.RECON}_uncheckable", run_id=RUN, period=OCT.label, **OCT.bounds())
    if not found.empty:
        assert_one_row_per_key(db, RUN)
    assert list(unc.columns) == COLUMNS and str(unc["rows"].dtype) == "int64"
    return found, {(r.reason_code, r.field): r.rows for r in unc.itertuples()}


def test_a_returned_sku_without_a_price_is_not_a_refund_mismatch(db):
    cases = ["PRICED", "NOPRICE1", "NOPRICE2", "NOREFUND"]
    insert(db, "order_lines", [{"order_id": "O-PRICED", "line_no": 1, "sku": "A", "qty": 2,
                                "unit_price": 50}])
    # no order line price and no requested refund: what the refund should be is unknown
    insert(db, "return_requests", [request("PRICED")] + [
        request(r) | {"requested_refund": None} for r in cases[1:]])
    insert(db, "tracking_events", [pickup(r) for r in cases])
    insert(db, "return_receipts", [receipt(r) for r in cases])
    insert(db, "refunds", [refund("PRICED", amount=90), refund("NOPRICE1", amount=90),
                           refund("NOPRICE2", amount=100)])
    found, unc = run(db, returns)
    got = {(r.reason_code, r.key): r.explanation for r in found.itertuples()}
    assert set(got) == {("RET_REFUND_MISMATCH", "PRICED"),
                        ("RET_RECEIVED_NOT_REFUNDED", "NOREFUND")}
    assert "due unknown: a SKU received has no price" in got[
        ("RET_RECEIVED_NOT_REFUNDED", "NOREFUND")]
    assert unc == {("RET_REFUND_MISMATCH", "order_lines.unit_price"): 2}


def test_a_foreign_currency_sale_without_a_rate_is_not_a_gross_mismatch(db):
    insert(db, "fee_schedules", [{"channel": "amazon", "category": None,
                                  "line_type": "commission", "rate": 0.1, "settlement_days": 10,
                                  "effective_from": "2026-01-01"}])
    insert(db, "fx_rates", [{"rate_date": "2026-10-06", "currency": "USD", "rate_to_cny": 7}])
    orders = {"A1": "2026-10-06 10:00:00", "A2": "2026-10-10 10:00:00",   # a Saturday
              "A3": "2026-10-11 10:00:00"}
    insert(db, "orders", [{"order_id": o, "channel": "amazon", "status": "completed",
                           "created_at": "2026-10-01", "paid_at": "2026-10-01 10:00:00",
                           "currency": "CNY", "goods_amount": 700, "paid_amount": 700}
                          for o in orders])
    insert(db, "order_lines", [{"order_id": o, "line_no": 1, "sku": "A", "qty": 1,
                                "unit_price": 700, "line_amount": 700} for o in orders])
    insert(db, "shipments", [{"shipment_id": f"S-{o}", "order_id": o, "tracking_no": f"W-{o}",
                              "carrier": "SF", "warehouse": "上海仓",
                              "ship_time": "2026-10-02 10:00:00"} for o in orders])
    insert(db, "settlement_lines", [
        line("L1", "A1", "sale", 100, "PA", at=orders["A1"], channel="amazon", currency="USD"),
        line("L2", "A1", "commission", -10, "PA", at=orders["A1"], channel="amazon",
             currency="USD"),
        line("L3", "A2", "sale", 100, "PB", at=orders["A2"], channel="amazon", currency="USD"),
        line("L4", "A2", "commission", -10, "PB", at=orders["A2"], channel="amazon",
             currency="USD"),
        line("L5", "A3", "sale", 100, "PB", at=orders["A3"], channel="amazon", currency="USD"),
    ])
    insert(db, "payouts", [payout("PA", 90, "2026-10-06 12:00:00", "amazon", "USD"),
                           payout("PB", 190, "2026-10-11 12:00:00", "amazon", "USD")])
    insert(db, "bank_transactions", [deposit("BA", 630, "2026-10-07 09:00:00", "Amazon PA"),
                                     deposit("BB", 1330, "2026-10-12 09:00:00", "Amazon PB")])
    found, unc = run(db, payments)
    got = {(r.reason_code, r.key): r.explanation for r in found.itertuples()}
    # A3's commission was not charged: still a finding, its amount unknown without a rate
    assert set(got) == {("PAY_FEE_MISMATCH", "A3|commission")}
    assert "not known (no reference rate on the settlement day)" in got[
        ("PAY_FEE_MISMATCH", "A3|commission")]
    assert found["amount"].isna().all()
    assert unc == {("PAY_GROSS_MISMATCH", "fx_rates.rate_to_cny"): 2,      # A2, A3
                   ("PAY_FEE_MISMATCH", "fx_rates.rate_to_cny"): 1,        # A2's commission
                   ("PAY_DEPOSIT_MISMATCH", "fx_rates.rate_to_cny"): 1}    # PB
