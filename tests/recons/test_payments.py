"""Payment collection on a small, hand-written month: orders to settlements, settlements to
payouts, payouts to the bank (by reference, and grouped by amount within the window), FX."""

from __future__ import annotations

import pytest

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import payments
from recon_lib.recons.base import RunContext
from tests.conftest import insert

OCT = parse_period("2026-10")


def order(oid, channel, paid, sku="A", ship="2026-10-02 10:00:00"):
    return oid, channel, paid, sku, ship


ORDERS = [
    order("T1", "tmall", 100), order("T2", "tmall", 200, sku="B"), order("T3", "tmall", 100),
    order("T4", "tmall", 100), order("T5", "tmall", 100), order("J1", "jd", 50),
    order("J2", "jd", 50, ship="2026-10-28 10:00:00"), order("J3", "jd", 50),
]


def line(sid, oid, kind, amount, payout=None, at="2026-10-06 10:00:00", channel=None,
         currency="CNY"):
    return {"channel": channel or ("jd" if oid and oid.startswith("J") else "tmall"),
            "settlement_id": sid, "order_id": oid, "line_type": kind, "amount": amount,
            "currency": currency, "settled_at": at, "payout_id": payout}


def payout(pid, amount, at, channel="tmall", currency="CNY"):
    return {"channel": channel, "payout_id": pid, "paid_at": at, "amount": amount,
            "currency": currency}


def deposit(txn, amount, at, reference=""):
    return {"account": "6222****0719", "txn_id": txn, "booked_at": at, "amount": amount,
            "currency": "CNY", "reference": reference}


SMALL = [f"PS{i:02d}" for i in range(1, 14)]   # 13 candidates: beyond the search bound of 12


@pytest.fixture
def month(db):
    insert(db, "products", [{"sku": "A", "category": "床品"}, {"sku": "B", "category": "灯具"}])
    insert(db, "fee_schedules", [
        {"channel": "tmall", "category": "床品", "line_type": "commission", "rate": 0.05,
         "settlement_days": 15, "effective_from": "2026-01-01"},
        {"channel": "tmall", "category": "灯具", "line_type": "commission", "rate": 0.04,
         "settlement_days": 15, "effective_from": "2026-01-01"},
        {"channel": "jd", "category": None, "line_type": "commission", "rate": 0.06,
         "settlement_days": 10, "effective_from": "2026-01-01"},
        {"channel": "jd", "category": None, "line_type": "fee", "rate": 0, "fixed_amount": 0.5,
         "settlement_days": 10, "effective_from": "2026-01-01"},
    ])
    insert(db, "fx_rates", [{"rate_date": "2026-10-13", "currency": "USD", "rate_to_cny": 7.1}])
    insert(db, "orders", [{"order_id": o, "channel": c, "status": "completed",
                           "created_at": "2026-10-01", "paid_at": "2026-10-01 10:00:00",
                           "currency": "CNY", "goods_amount": p, "paid_amount": p}
                          for o, c, p, _, _ in ORDERS])
    insert(db, "order_lines", [{"order_id": o, "line_no": 1, "sku": s, "qty": 1,
                                "unit_price": p, "line_amount": p} for o, _, p, s, _ in ORDERS])
    insert(db, "shipments", [{"shipment_id": f"S-{o}", "order_id": o, "tracking_no": f"W-{o}",
                              "carrier": "SF", "warehouse": "上海仓", "ship_time": t}
                             for o, _, _, _, t in ORDERS])
    insert(db, "settlement_lines", [
        line("L1", "T1", "sale", 100, "P1"), line("L2", "T1", "commission", -5, "P1"),
        line("L3", "T1", "refund", -20, "P1"),                          # partial refund: fine
        line("L4", "T2", "sale", 200, "P1"), line("L5", "T2", "commission", -8, "P1"),
        line("L6", "T3", "sale", 95, "P2"), line("L7", "T3", "commission", -5, "P2"),
        line("L8", "T4", "sale", 100, "P2"), line("L9", "T4", "commission", -7, "P2"),
        line("L10", "T5", "sale", 100, "P2"), line("L11", "T5", "commission", -5, "P2"),
        line("L12", "T5", "sale", 100, "P2"),                           # credited twice
        line("L13", "X1", "sale", 30, "P2"),                            # not our order
        line("L14", "J3", "sale", 50, "P3", channel="jd"),
        line("L15", "J3", "commission", -3, "P3", channel="jd"),
        line("L16", "J3", "fee", -0.5, "P3", channel="jd"),
        *[line(f"A{p}", None, "adjustment", a, p, channel=c)
          for p, a, c in [("P4", 80, "tmall"), ("P5", 60, "douyin"), ("P6", 40, "douyin"),
                          ("P7", 70, "tmall")]],
        *[line(f"A{p}", None, "adjustment", i + 1, p, channel="douyin")
          for i, p in enumerate(SMALL)],
        line("LU1", None, "adjustment", 100, "PU1", channel="shop", currency="USD"),
        line("LU2", None, "adjustment", 100, "PU2", channel="shop", currency="USD"),
        line("A8", None, "adjustment", 100, "P8"),
    ])
    insert(db, "payouts", [
        payout("P1", 267, "2026-10-13 10:00:00"),
        payout("P2", 300, "2026-10-13 10:00:00"),        # its lines add up to 408
        payout("P3", 46.5, "2026-10-13 10:00:00", channel="jd"),
        payout("P4", 80, "2026-10-13 10:00:00"),         # never arrives
        payout("P5", 60, "2026-10-15 10:00:00", channel="douyin"),
        payout("P6", 40, "2026-10-19 10:00:00", channel="douyin"),
        payout("P7", 70, "2026-10-29 10:00:00"),         # its window closes in November
        *[payout(p, i + 1, "2026-10-24 10:00:00", channel="douyin")
          for i, p in enumerate(SMALL)],
        payout("PU1", 100, "2026-10-13 10:00:00", channel="shop", currency="USD"),
        payout("PU2", 100, "2026-10-13 10:00:00", channel="shop", currency="USD"),
        payout("P8", 100, "2026-10-13 10:00:00"),
    ])
    insert(db, "bank_transactions", [
        deposit("B1", 267, "2026-10-14 09:00:00", "提现 P1"),
        deposit("B2", 300, "2026-10-14 09:00:00", "提现 P2"),
        deposit("B3", 36.5, "2026-10-15 09:00:00", "提现 P3"),      # 10.00 short
        deposit("B56", 100, "2026-10-20 09:00:00", "抖音支付结算款"),  # P5 + P6 together
        deposit("B9", 555, "2026-10-22 09:00:00", "往来款"),          # nobody's payout
        deposit("BS", 28, "2026-10-25 09:00:00", "抖音支付结算款"),    # 13 candidates
        deposit("BU1", 709, "2026-10-14 09:00:00", "Stripe PU1"),    # 710 at 7.10: FX cost
        deposit("BU2", 700, "2026-10-14 09:00:00", "Stripe PU2"),    # 1.4% short: too much
        deposit("B8", 95, "2026-10-14 09:00:00", "提现 P8"),           # 5.00 kept by the bank,
        deposit("B8F", -5, "2026-10-14 09:00:00", "汇款手续费 P8"),     # booked as its own line
    ])
    return db


def findings(db):
    payments.reconcile(RunContext(db=db, period=OCT, run_id="t1", settings=Settings()))
    df = db.df("SELECT reason_code, key, amount FROM discrepancies ORDER BY reason_code, key")
    df["amount"] = df["amount"].astype(float)
    return df


def test_three_ways_each_rule_once_and_near_misses_quiet(month):
    df = findings(month)
    unresolved = df[df["reason_code"] == "PAY_MATCH_UNRESOLVED"]
    got = {(r.reason_code, r.key): r.amount for r in df.drop(unresolved.index).itertuples()}
    assert got == {
        ("PAY_NOT_SETTLED", "J1"): 50.0,
        ("PAY_GROSS_MISMATCH", "T3"): 5.0,
        ("PAY_FEE_MISMATCH", "T4|commission"): 2.0,
        ("PAY_DUPLICATE_LINE", "L12"): 100.0,
        ("PAY_UNKNOWN_ORDER", "L13"): 30.0,
        ("PAY_PAYOUT_MISMATCH", "P2"): 108.0,    # 95-5+100-7+100-5+100+30 = 408
        ("PAY_DEPOSIT_MISMATCH", "P3"): 10.0,
        ("PAY_DEPOSIT_MISMATCH", "PU2"): 10.0,
        ("PAY_NO_DEPOSIT", "P4"): 80.0,
        ("PAY_DEPOSIT_NO_PAYOUT", "B9"): 555.0,
    }


def test_beyond_the_search_bound_is_unresolved_not_guessed(month):
    df = findings(month)
    unresolved = set(df.loc[df["reason_code"] == "PAY_MATCH_UNRESOLVED", "key"])
    assert unresolved == {"BS", *SMALL}


def test_fx_difference_within_tolerance_is_recorded_not_flagged(month):
    findings(month)
    fx = month.df("SELECT payout_id, expected_cny, deposited, difference FROM fx_differences")
    assert fx.to_dict("records") == [{"payout_id": "PU1", "expected_cny": 710,
                                      "deposited": 709, "difference": -1}]
