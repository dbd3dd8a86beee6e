"""Two orders packed in one parcel: two shipment rows with one waybill (and their returns sent
back in one return parcel). Every reconciliation, the order lifecycle, the money waterfall, the
freight report, the claims and the carrier scorecard count each finding once per business key,
and its money once. The parcel of a waybill is its earliest shipment row, then the smallest
shipment_id (macro one_shipment_per_waybill)."""

from __future__ import annotations

import pytest

from recon_lib import analytics, register, results
from recon_lib.config import Settings
from recon_lib.demo import build_month
from recon_lib.demo.frames import insert_month
from recon_lib.periods import parse_period
from recon_lib.recons import freight, outbound, payments, returns, shipping
from recon_lib.recons.base import RunContext
from recon_lib.report.claims import claim_lines
from tests.conftest import insert
from tests.recons.test_freight import card

OCT = parse_period("2026-10")
RUN = "t-2in1"
PAID = "2026-10-02 10:00:00"
SHIPPED = "2026-10-02 20:00:00"

# order -> (sku, price, waybill); O-a and O-b share ZT1, O-c and O-d share ZT2 (never billed)
ORDERS = {"O-a": ("A", 100, "ZT1"), "O-b": ("B", 50, "ZT1"),
          "O-c": ("A", 80, "ZT2"), "O-d": ("B", 60, "ZT2")}


def bill_line(no, fee="freight", kg=None, amount=0.0, discount=0.0):
    return {"carrier": "ZTO", "waybill_no": no, "bill_date": "2026-10-03", "fee_type": fee,
            "dest_province": "广东", "billed_weight_kg": kg, "amount": amount,
            "discount": discount, "payable": round(amount + discount, 2)}


@pytest.fixture
def month(db):
    insert(db, "products", [{"sku": "A", "list_price": 100}, {"sku": "B", "list_price": 50}])
    insert(db, "orders", [
        {"order_id": o, "channel": "tmall", "status": "completed", "created_at": PAID,
         "paid_at": PAID, "currency": "CNY", "goods_amount": p, "paid_amount": p}
        for o, (_, p, _) in ORDERS.items()])
    insert(db, "order_lines", [
        {"order_id": o, "line_no": 1, "sku": s, "qty": 1, "unit_price": p, "line_amount": p}
        for o, (s, p, _) in ORDERS.items()])
    # the WMS lists the parcel once per order, each row with the parcel's weight and size
    insert(db, "shipments", [
        {"shipment_id": f"S-{o}", "order_id": o, "tracking_no": w, "carrier": "ZTO",
         "service": "standard", "warehouse": "上海仓", "ship_time": SHIPPED, "weight_kg": 1.0,
         "length_cm": 20, "width_cm": 10, "height_cm": 10, "dest_province": "广东",
         "declared_value": 0}
        for o, (_, _, w) in ORDERS.items()])
    insert(db, "shipment_lines", [{"shipment_id": f"S-{o}", "sku": s, "qty": 1}
                                  for o, (s, _, _) in ORDERS.items()])
    insert(db, "inventory_movements", [
        {"movement_id": f"M-{o}", "warehouse": "上海仓", "sku": s, "movement_type": "outbound",
         "qty": 1, "posted_at": SHIPPED, "reference": f"S-{o}"}
        for o, (s, _, _) in ORDERS.items()])
    insert(db, "tracking_events", [
        {"tracking_no": "ZT1", "carrier": "ZTO", "event_type": "delivered",
         "event_time": "2026-10-04 12:00:00", "promised_date": "2026-10-05"},
        {"tracking_no": "ZT2", "carrier": "ZTO", "event_type": "delivered",
         "event_time": "2026-10-04 12:00:00", "promised_date": "2026-10-05"},
        {"tracking_no": "RT1", "carrier": "ZTO", "event_type": "pickup",
         "event_time": "2026-10-04 09:00:00"},
    ])
    insert(db, "rate_cards", [card("广东", 5, 1) | {"carrier": "ZTO", "service": "standard",
                                                    "additional_unit_kg": 1,
                                                    "rounding_unit_kg": 1}])
    insert(db, "rate_card_surcharges", [
        {"carrier": "ZTO", "surcharge": "insurance", "basis": "share_of_declared", "rate": 0.005,
         "min_amount": 1, "effective_from": "2026-01-01"}])
    insert(db, "courier_bill_lines", [
        bill_line("ZT1", kg=3.0, amount=7.0, discount=-0.7),   # 3 kg billed for a 1 kg parcel
        bill_line("ZT1", fee="insurance", amount=2.0),          # nothing was declared
    ])
    # both orders send their goods back in one return parcel; the receipt names no return
    insert(db, "return_requests", [
        {"return_id": f"R-{o}", "order_id": o, "sku": s, "qty": 1, "requested_refund": p,
         "requested_at": "2026-10-03 10:00:00", "return_tracking_no": "RT1"}
        for o, (s, p, _) in ORDERS.items() if o in ("O-a", "O-b")])
    insert(db, "return_receipts", [
        {"receipt_id": "RK1", "return_id": None, "tracking_no": "RT1", "warehouse": "上海仓",
         "sku": s, "qty": 1, "condition": "sellable", "received_at": "2026-10-06 09:00:00"}
        for s in ("A", "B")])
    insert(db, "refunds", [
        {"refund_id": "TK-a", "order_id": "O-a", "return_id": "R-O-a", "amount": 100,
         "currency": "CNY", "refunded_at": "2026-10-07 10:00:00", "channel": "tmall"},
        {"refund_id": "TK-b", "order_id": "O-b", "return_id": "R-O-b", "amount": 40,
         "currency": "CNY", "refunded_at": "2026-10-07 10:00:00", "channel": "tmall"}])
    insert(db, "fee_schedules", [
        {"channel": "tmall", "category": None, "line_type": "commission", "rate": 0.05,
         "settlement_days": 10, "effective_from": "2026-01-01"}])
    sales = {"O-a": 100, "O-b": 45, "O-c": 80, "O-d": 60}          # O-b credited 5 short
    insert(db, "settlement_lines", [
        {"channel": "tmall", "settlement_id": f"{kind}-{o}", "order_id": o, "line_type": kind,
         "amount": amount, "currency": "CNY", "settled_at": "2026-10-08 10:00:00",
         "payout_id": "P1"}
        for o, (_, p, _) in ORDERS.items()
        for kind, amount in (("sale", sales[o]), ("commission", -p * 0.05))])
    insert(db, "payouts", [{"channel": "tmall", "payout_id": "P1",
                            "paid_at": "2026-10-09 10:00:00", "amount": 270.5,
                            "currency": "CNY"}])
    insert(db, "bank_transactions", [{"account": "6222***1", "txn_id": "B1",
                                      "booked_at": "2026-10-10 10:00:00", "amount": 270.5,
                                      "currency": "CNY", "reference": "天猫提现 P1"}])
    ctx = RunContext(db=db, period=OCT, run_id=RUN, settings=Settings())
    for recon in (shipping, outbound, freight, returns, payments):
        recon.reconcile(ctx)
    register.sync(db, OCT)
    with db.transaction():
        db.run("lifecycle_clear", period=OCT.label)
        db.run("lifecycle_insert", period=OCT.label, **OCT.bounds())
    return db


def findings(db, recon=None):
    df = db.df("SELECT recon, reason_code, key, amount, explanation FROM discrepancies "
               "WHERE period = $period AND run_id = $run_id ORDER BY recon, reason_code, key",
               {"period": OCT.label, "run_id": RUN})
    df["amount"] = df["amount"].astype(float)
    return df if recon is None else df[df["recon"] == recon]


def assert_one_row_per_key(db, run_id=RUN, period=OCT):
    """No two findings of one period and run share (recon, reason_code, key)."""
    repeated = db.df("SELECT recon, reason_code, key, count(*) AS n FROM discrepancies "
                     "WHERE period = $period AND run_id = $run_id "
                     "GROUP BY ALL HAVING count(*) > 1", {"period": period.label, "run_id": run_id})
    assert repeated.empty, repeated.to_dict("records")
    assert db.scalar("SELECT count(*) FROM discrepancies WHERE period = $period AND "
                     "run_id = $run_id", {"period": period.label, "run_id": run_id}) > 0


def found(db, recon):
    return {(r.reason_code, r.key): r.amount for r in findings(db, recon).itertuples()}


def test_no_two_findings_share_a_business_key(month):
    assert_one_row_per_key(month)


def test_no_two_findings_share_a_business_key_on_a_demo_month(db):
    month = build_month(OCT, orders=400, seed=7)
    insert_month(db, month)
    ctx = RunContext(db=db, period=OCT, run_id="demo", settings=month.settings)
    for recon in (shipping, outbound, freight, returns, payments):
        recon.reconcile(ctx)
    assert_one_row_per_key(db, "demo")


def test_freight_finds_each_parcel_once_with_its_money_once(month):
    assert found(month, "freight") == {
        ("FRT_WEIGHT_OVER", "ZT1"): 1.80,               # 6.30 billed, 4.50 for 1 kg
        ("FRT_INVALID_SURCHARGE", "ZT1|insurance"): 2.00,
        ("FRT_UNBILLED", "ZT2"): 4.50,                  # one parcel to accrue, not two
    }
    unbilled = findings(month, "freight").set_index("key").at["ZT2", "explanation"]
    assert unbilled.startswith("parcel S-O-c ")         # the waybill's first row


def test_shipping_outbound_returns_and_payments_judge_each_order_once(month):
    assert found(month, "shipping") == {}
    assert found(month, "outbound") == {}
    # the receipt of the shared return parcel goes to the return that asked for each SKU
    assert found(month, "returns") == {("RET_REFUND_MISMATCH", "R-O-b"): 10.0}
    assert found(month, "payments") == {("PAY_GROSS_MISMATCH", "O-b"): 5.0}


def test_the_lifecycle_counts_the_parcels_freight_and_findings_once(month):
    life = results.lifecycle(month, OCT.label).set_index("order_id")
    assert sorted(life.index) == ["O-a", "O-b", "O-c", "O-d"]
    # ZT1's bill (6.30 freight + 2.00 insurance) is O-a's, the order of its first row
    assert life["freight_billed"].astype(float).fillna(0).to_dict() == {
        "O-a": 8.30, "O-b": 0.0, "O-c": 0.0, "O-d": 0.0}
    assert life["freight_status"].to_dict() == {
        "O-a": "FRT_INVALID_SURCHARGE", "O-b": "ok",     # billed, on O-a
        "O-c": "FRT_UNBILLED", "O-d": "not billed"}
    assert life.at["O-b", "delivered_at"] == life.at["O-a", "delivered_at"]
    assert life["return_status"].to_dict() == {
        "O-a": "ok", "O-b": "RET_REFUND_MISMATCH", "O-c": "none", "O-d": "none"}
    assert life["money_status"].to_dict() == {
        "O-a": "ok", "O-b": "PAY_GROSS_MISMATCH", "O-c": "ok", "O-d": "ok"}


def test_the_money_waterfall_counts_each_order_once(month):
    stages = results.money_waterfall(month, OCT.label).set_index("stage")["amount"]
    assert stages["paid"] == 290.0
    assert stages["not_shipped"] == 0.0
    assert stages["refunded"] == 140.0
    assert stages["paid"] - stages.drop(["paid", "deposited"]).sum() == stages["deposited"]
    assert stages["deposited"] == 270.5


def test_report_claims_and_scorecard_count_the_parcel_once(month):
    by_carrier = results.freight_by_carrier(month, OCT.label).set_index("carrier")
    assert by_carrier.loc["ZTO", ["parcels", "claimable", "accrual"]].tolist() == [1, 3.8, 4.5]
    lines = claim_lines(month, OCT)
    assert sorted(zip(lines["reason_code"], lines["waybill_no"], strict=True)) == [
        ("FRT_INVALID_SURCHARGE", "ZT1"), ("FRT_UNBILLED", "ZT2"), ("FRT_WEIGHT_OVER", "ZT1")]
    assert float(lines["amount"].sum()) == 1.80 + 2.00 + 4.50
    card = analytics.carrier_scorecard(month, OCT)
    zto = card[(card["level"] == "carrier") & (card["carrier"] == "ZTO")].iloc[0]
    assert (zto["parcels"], zto["delivered"], zto["claimable"]) == (2, 2, 3.8)
