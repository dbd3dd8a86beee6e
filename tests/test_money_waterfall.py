"""Where the money goes, on a hand-written October: money paid out but not in the bank is in
transit while its deposit window is open and overdue after; a deposit booked after the period's
end is not yet known, also when its file has been loaded since."""

from __future__ import annotations

from recon_lib import results
from tests.conftest import insert

WINDOW = 5  # deposit window, days


def sale(order, amount, payout):
    return {"channel": "tmall", "settlement_id": f"L-{order}", "order_id": order,
            "line_type": "sale", "amount": amount, "currency": "CNY",
            "settled_at": "2026-10-04 12:00:00", "payout_id": payout}


def test_in_transit_overdue_and_deposited(db):
    insert(db, "orders", [
        {"order_id": o, "channel": "tmall", "status": "paid", "created_at": "2026-10-02 10:00:00",
         "paid_at": "2026-10-02 10:00:00", "currency": "CNY", "paid_amount": a}
        for o, a in (("O1", 100), ("O2", 50), ("O3", 80))])
    insert(db, "shipments", [
        {"shipment_id": f"S-{o}", "order_id": o, "tracking_no": f"T-{o}", "carrier": "SF",
         "warehouse": "上海仓", "ship_time": "2026-10-03 10:00:00"} for o in ("O1", "O2", "O3")])
    insert(db, "settlement_lines", [sale("O1", 100, "P1"), sale("O2", 50, "P2"),
                                    sale("O3", 80, "P3")])
    insert(db, "payouts", [
        {"channel": "tmall", "payout_id": p, "paid_at": t, "amount": a, "currency": "CNY"}
        for p, t, a in (("P1", "2026-10-10 09:00:00", 100),   # deposited on the 11th
                        ("P2", "2026-10-29 09:00:00", 50),    # window open until 3 November
                        ("P3", "2026-10-05 09:00:00", 80))])  # its deposit came on 2 November
    insert(db, "bank_transactions", [
        {"account": "6222***1", "txn_id": "B1", "booked_at": "2026-10-11 10:00:00",
         "amount": 100, "currency": "CNY", "reference": "天猫提现 P1"}])
    insert(db, "bank_transactions", [
        {"account": "6222***1", "txn_id": "B2", "booked_at": "2026-11-02 10:00:00",
         "amount": 80, "currency": "CNY", "reference": "天猫提现 P3"}], period="2026-11")
    db.execute("INSERT INTO register BY NAME SELECT 'payments|PAY_NO_DEPOSIT|P3' AS item_id, "
               "'payments' AS recon, 'PAY_NO_DEPOSIT' AS reason_code, 'P3' AS key, "
               "'2026-10' AS first_seen, '2026-10' AS last_seen, 'open' AS status, "
               "now()::timestamp AS updated_at", name="register item")
    stages = results.money_waterfall(db, "2026-10", WINDOW).set_index("stage")["amount"]
    assert stages[["in_transit", "not_deposited", "deposited"]].tolist() == [50.0, 80.0, 100.0]
    assert stages["paid"] - stages.drop(["paid", "deposited"]).sum() == stages["deposited"]
