"""Cash on delivery (货到付款) on a small, hand-written October: due days and carry-over, short
remittances and fees against the contract, refused parcels, and batches against the bank."""

from __future__ import annotations

import pytest

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import cod, payments
from recon_lib.recons.base import RunContext
from recon_lib.results import cod_by_carrier, cod_outstanding
from tests.conftest import insert

OCT = parse_period("2026-10")
NOV = parse_period("2026-11")


def parcel(no, amount, carrier="SF", shipped="2026-10-01 10:00:00"):
    return {"shipment_id": f"S-{no}", "order_id": f"O-{no}", "tracking_no": no,
            "carrier": carrier, "warehouse": "上海仓", "ship_time": shipped,
            "cod_amount": amount}


def event(no, kind, when, carrier="SF"):
    return {"tracking_no": no, "carrier": carrier, "event_type": kind, "event_time": when}


def line(no, batch, day, collected, fee, remitted, carrier="SF", signed=None):
    return {"carrier": carrier, "batch_no": batch, "remit_date": day, "tracking_no": no,
            "signed_at": signed, "collected_amount": collected, "service_fee": fee,
            "remitted_amount": remitted}


def deposit(txn, amount, reference, when="2026-10-10 10:00:00", payer="顺丰速运有限公司"):
    return {"account": "6222****0719", "txn_id": txn, "booked_at": when, "amount": amount,
            "currency": "CNY", "counterparty": payer, "reference": reference}


@pytest.fixture
def october(db):
    insert(db, "cod_terms", [
        {"carrier": "SF", "remit_days": 7, "fee_rate": 0.01, "fee_min": 2, "payer": "顺丰速运有限公司",
         "effective_from": "2026-01-01"},
        {"carrier": "YTO", "remit_days": 10, "fee_rate": 0.008, "fee_min": 1,
         "payer": "圆通速递有限公司", "effective_from": "2026-01-01"},
    ])
    insert(db, "shipments", [
        parcel("OK1", 300), parcel("LATE", 100), parcel("NOTYET", 100),
        parcel("SHORT", 300), parcel("CENT", 300), parcel("FEE", 300), parcel("MIN", 50),
        parcel("REFUSED", 80), parcel("REFUSED2", 80), parcel("AGAIN", 80),
        parcel("Y1", 125, "YTO"), parcel("Y2", 250, "YTO"),
        {**parcel("PREPAID", None), "cod_amount": None},
    ])
    insert(db, "tracking_events", [
        event("OK1", "delivered", "2026-10-02 12:00:00"),
        event("LATE", "delivered", "2026-10-03 12:00:00"),       # due 10-10: not remitted
        event("NOTYET", "delivered", "2026-10-28 12:00:00"),     # due 11-04: next month's
        event("SHORT", "delivered", "2026-10-02 12:00:00"),
        event("CENT", "delivered", "2026-10-02 12:00:00"),
        event("FEE", "delivered", "2026-10-02 12:00:00"),
        event("MIN", "delivered", "2026-10-02 12:00:00"),
        event("REFUSED", "refused", "2026-10-02 12:00:00"),      # remitted all the same
        event("REFUSED2", "refused", "2026-10-02 12:00:00"),     # not remitted: right
        event("AGAIN", "refused", "2026-10-02 12:00:00"),        # refused, then delivered
        event("AGAIN", "delivered", "2026-10-03 12:00:00"),
        event("Y1", "delivered", "2026-10-02 12:00:00", "YTO"),
        event("Y2", "delivered", "2026-10-02 12:00:00", "YTO"),
    ])
    insert(db, "cod_remittances", [
        line("OK1", "B1", "2026-10-06", 300, 3, 297),
        line("SHORT", "B1", "2026-10-06", 300, 3, 280),          # 17.00 short
        line("CENT", "B1", "2026-10-06", 300, 3, 296.99),        # a cent: rounding
        line("FEE", "B1", "2026-10-06", 300, 5, 295),            # fee 5.00, contract 3.00
        line("MIN", "B1", "2026-10-06", 50, 2, 48),              # 0.50 -> the 2.00 minimum
        line("REFUSED", "B1", "2026-10-06", 80, 2, 78),
        line("AGAIN", "B1", "2026-10-06", 80, 2, 78),
        line("Y1", "Y-A", "2026-10-06", 125, 1, 124, "YTO"),
        line("Y2", "Y-B", "2026-10-06", 250, 2, 248, "YTO"),
    ])
    insert(db, "bank_transactions", [
        deposit("T1", 1300.00, "代收货款 B1"),                   # B1 totals 1,372.99: short
        deposit("T2", 124.00, "代收货款回款", payer="圆通速递有限公司"),  # Y-A by amount
        deposit("T3", 999.00, "代收货款回款", payer="圆通速递有限公司"),  # not Y-B's amount
    ])
    return db


def findings(db, period=OCT, settings=None):
    cod.reconcile(RunContext(db=db, period=period, run_id="t1", settings=settings or Settings()))
    df = db.df("SELECT reason_code, key, amount, explanation FROM discrepancies "
               "WHERE recon = 'cod' AND period = $period ORDER BY reason_code, key",
               {"period": period.label})
    df["amount"] = df["amount"].astype(float)
    return df


def test_each_case_is_found_once_and_the_near_misses_are_quiet(october):
    got = {(r.reason_code, r.key): r.amount for r in findings(october).itertuples()}
    assert got == {
        ("COD_NOT_REMITTED", "LATE"): 100.0,
        ("COD_REMITTED_SHORT", "SHORT"): 17.0,
        ("COD_FEE_OVER", "FEE"): 2.0,
        ("COD_RETURNED_REMITTED", "REFUSED"): 78.0,
        ("COD_BATCH_SHORT", "SF|B1"): 72.99,
        ("COD_BATCH_NOT_DEPOSITED", "YTO|Y-B"): 248.0,
    }


def test_a_parcel_delivered_late_in_the_month_is_judged_when_its_remittance_falls_due(october):
    november = findings(october, NOV)
    assert ("COD_NOT_REMITTED", "NOTYET") in set(zip(november.reason_code, november.key,
                                                     strict=True))
    insert(october, "cod_remittances", [line("NOTYET", "B9", "2026-11-03", 100, 2, 98)],
           period="2026-11")
    assert "NOTYET" not in set(findings(october, NOV).key)


def test_explanations_name_the_due_day_the_batch_and_the_contract(october):
    df = findings(october).set_index("key")
    assert df.at["LATE", "explanation"] == (
        "SF delivered COD parcel LATE on 2026-10-03 (100.00 to collect); remittance due by "
        "2026-10-10 (7 days), none by the period end")
    assert df.at["FEE", "explanation"].endswith("the contract allows 3.00")


def test_payments_leave_cod_deposits_and_cod_orders_alone(october):
    insert(october, "orders", [
        {"order_id": "O-LATE", "channel": "shop", "status": "completed",
         "created_at": "2026-09-01 10:00:00", "paid_at": "2026-09-01 10:00:00",
         "currency": "CNY", "paid_amount": 100}])
    insert(october, "fee_schedules", [
        {"channel": "shop", "line_type": "fee", "rate": 0.006, "settlement_days": 3,
         "effective_from": "2026-01-01"}])
    payments.reconcile(RunContext(db=october, period=OCT, run_id="t2", settings=Settings()))
    found = october.df("SELECT reason_code, key FROM discrepancies WHERE recon = 'payments'")
    assert found.empty, found   # no unknown deposit, no unsettled COD order


def test_the_memo_words_are_a_setting(october):
    other = Settings(cod_deposit_memo="回款到账")
    keys = set(findings(october, settings=other).key)
    # YTO's transfers no longer read as COD deposits; SF's quotes its batch all the same
    assert {"YTO|Y-A", "YTO|Y-B", "SF|B1"} <= keys
    with pytest.raises(ValueError, match="cod_deposit_memo"):
        Settings(cod_deposit_memo=" ")


def test_report_tables_per_courier_and_by_age(october):
    carriers = cod_by_carrier(october, "2026-10").set_index("carrier")
    assert carriers.loc["SF", ["parcels", "remitted", "deposited"]].tolist() == [
        10, pytest.approx(1372.99), 1300.0]
    assert carriers.at["YTO", "deposited"] == pytest.approx(1123.0)
    aged = cod_outstanding(october, "2026-10")
    assert aged.to_dict("records") == [
        {"carrier": "SF", "days_since_delivery": "0-7 days", "parcels": 1, "amount": 100.0,
         "overdue": 0.0},
        {"carrier": "SF", "days_since_delivery": "15-30 days", "parcels": 1, "amount": 100.0,
         "overdue": 100.0}]


def test_without_terms_the_fee_and_due_day_are_not_judged_only_counted(october):
    october.execute("DELETE FROM cod_terms")
    df = findings(october)
    assert not {"COD_FEE_OVER", "COD_NOT_REMITTED"} & set(df.reason_code)
    rows = october.query("cod_uncheckable", run_id="t1")
    counted = dict(zip(rows.reason_code, rows.rows, strict=True))
    assert counted["COD_FEE_OVER"] == 8 and counted["COD_NOT_REMITTED"] == 10
