"""Lost and damaged parcel claims on a small, hand-written month: each code once with its
amount, and the near misses beside them (a cap, a cent, the rule's share of a declared value, a
deadline next month, a credit after the period, a bank transfer)."""

from __future__ import annotations

import pytest

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import claims, freight
from recon_lib.recons.base import RunContext
from tests.conftest import insert

OCT = parse_period("2026-10")


def rule(incident, insured, basis, multiple, cap=None, days=10, carrier="SF"):
    return {"carrier": carrier, "incident": incident, "insured": insured, "basis": basis,
            "multiple": multiple, "cap": cap, "claim_days": days,
            "effective_from": "2026-01-01"}


def parcel(no, declared=0, carrier="SF", day="2026-10-02"):
    return {"shipment_id": f"S-{no}", "order_id": f"O-{no}", "tracking_no": no,
            "carrier": carrier, "service": "express", "warehouse": "上海仓",
            "ship_time": f"{day} 15:00:00", "weight_kg": 1.0, "dest_province": "广东",
            "declared_value": declared}


def event(no, kind, day, carrier="SF"):
    return {"tracking_no": no, "carrier": carrier, "event_type": kind,
            "event_time": f"{day} 09:00:00"}


def line(no, payable, fee="freight", day="2026-10-02", carrier="SF"):
    return {"carrier": carrier, "waybill_no": no, "bill_date": day, "fee_type": fee,
            "amount": payable, "discount": 0, "payable": payable}


INCIDENTS = {   # waybill: (incident, day, declared value, freight billed)
    "LOSTNONE": ("lost", "2026-10-05", 0, 12),      # 3 x 12 = 36, nothing paid
    "LOSTCAP": ("lost", "2026-10-05", 0, 20),       # 3 x 20 = 60, capped at 50, 50 paid
    "LOSTSHORT": ("lost", "2026-10-05", 0, 12),     # 36 owed, 30 paid
    "LOSTCENT": ("lost", "2026-10-05", 0, 12),      # 36 owed, 35.99 paid: rounding
    "INSLOST": ("lost", "2026-10-05", 800, 12),     # insured: 800 owed, 500 paid
    "INSDAMAGED": ("damaged", "2026-10-05", 800, 12),  # the rule pays half: 400 owed and paid
    "GOODS": ("damaged", "2026-10-05", 0, 12),      # half of 2 x 90 = 90, paid by the bank
    "LATE": ("lost", "2026-10-25", 0, 12),          # due 2026-11-05: judged in November
    "SEPT": ("lost", "2026-09-25", 0, 12),          # due 2026-10-06, paid in October
    "PAIDNOV": ("lost", "2026-10-03", 0, 12),       # the credit is on November's bill
    "NODECLARED": ("lost", "2026-10-05", None, 12),  # insurance billed, no declared value
    "ZTOLOST": ("lost", "2026-10-05", 0, 12),       # ZTO: no rule
}


@pytest.fixture
def month(db):
    insert(db, "compensation_rules", [
        rule("lost", False, "freight_multiple", 3, cap=50),
        rule("lost", True, "declared_value", 1),
        rule("damaged", False, "goods_value", 0.5, cap=100),
        rule("damaged", True, "declared_value", 0.5),
    ])
    insert(db, "shipments", [parcel(no, declared=d, carrier="ZTO" if no == "ZTOLOST" else "SF",
                                    day="2026-09-20" if no == "SEPT" else "2026-10-02")
                             for no, (_, _, d, _) in INCIDENTS.items()])
    insert(db, "shipment_lines", [{"shipment_id": "S-GOODS", "sku": "A", "qty": 2}])
    insert(db, "order_lines", [{"order_id": "O-GOODS", "line_no": 1, "sku": "A", "qty": 2,
                                "unit_price": 90, "line_amount": 180}])
    insert(db, "tracking_events", [
        event(no, kind, day, carrier="ZTO" if no == "ZTOLOST" else "SF")
        for no, (kind, day, _, _) in INCIDENTS.items()
    ] + [event("INSDAMAGED", "delivered", "2026-10-06"),
         event("LOSTNONE", "damaged", "2026-10-04")])   # damaged first: the incident is damage
    insert(db, "courier_bill_lines", [
        line(no, f, carrier="ZTO" if no == "ZTOLOST" else "SF")
        for no, (_, _, _, f) in INCIDENTS.items()
    ] + [
        line("NODECLARED", 2, fee="insurance"),
        line("LOSTCAP", -50, fee="compensation", day="2026-10-20"),
        line("LOSTSHORT", -30, fee="compensation", day="2026-10-20"),
        line("LOSTCENT", -35.99, fee="compensation", day="2026-10-20"),
        line("INSLOST", -500, fee="compensation", day="2026-10-20"),
        line("INSDAMAGED", -400, fee="compensation", day="2026-10-20"),
        line("SEPT", -36, fee="compensation", day="2026-10-10"),
        line("PAIDNOV", -36, fee="compensation", day="2026-11-02"),
    ])
    insert(db, "bank_transactions", [
        {"account": "6222", "txn_id": "T1", "booked_at": "2026-10-12 10:00:00", "amount": 90,
         "currency": "CNY", "counterparty": "顺丰速运", "reference": "理赔款 GOODS"}])
    return db


def run(db, run_id="t1", **settings):
    ctx = RunContext(db=db, period=OCT, run_id=run_id, settings=Settings(**settings))
    claims.reconcile(ctx)
    df = db.df("SELECT reason_code, key, order_id, amount, explanation, details "
               "FROM discrepancies WHERE recon = 'claims' ORDER BY reason_code, key")
    df["amount"] = df["amount"].astype(float)
    return df


def test_each_code_once_with_its_amount_and_near_misses_stay_quiet(month):
    got = {(r.reason_code, r.key): r.amount for r in run(month).itertuples()}
    assert got == {
        # damaged on 10-04 before it was lost: half the goods value, which is unknown (no lines)
        ("CLM_NOT_COMPENSATED", "LOSTNONE"): pytest.approx(float("nan"), nan_ok=True),
        ("CLM_NOT_COMPENSATED", "PAIDNOV"): 36.00,
        ("CLM_NOT_COMPENSATED", "NODECLARED"): pytest.approx(float("nan"), nan_ok=True),
        ("CLM_SHORT", "LOSTSHORT"): 6.00,
        ("CLM_INSURED_SHORT", "INSLOST"): 300.00,
    }


def test_explanations_name_the_rule_and_what_was_paid(month):
    df = run(month).set_index("key")
    assert "3 x freight 12.00, capped at 50.00 = 36.00" in df.at["PAIDNOV", "explanation"]
    assert "nothing received" in df.at["PAIDNOV", "explanation"]
    assert "received 30.00" in df.at["LOSTSHORT", "explanation"]
    assert "= unknown" in df.at["NODECLARED", "explanation"]
    assert df.at["INSLOST", "order_id"] == "O-INSLOST"


def test_the_tolerance_setting(month):
    got = set(run(month, amount_abs_tolerance=10.0)["key"])
    assert "LOSTSHORT" not in got and "INSLOST" in got


def test_owed_and_received_per_incident(month):
    claims.reconcile(RunContext(db=month, period=OCT, run_id="t1", settings=Settings()))
    df = month.df("SELECT tracking_no, incident, judged, owed, received FROM claims_incidents")
    df = df.set_index("tracking_no")
    assert float(df.at["LOSTCAP", "owed"]) == 50.00          # 60 by the rule, capped
    assert float(df.at["INSDAMAGED", "owed"]) == 400.00      # half the declared value
    assert float(df.at["GOODS", "owed"]) == 90.00 and float(df.at["GOODS", "received"]) == 90.00
    assert df.at["LOSTNONE", "incident"] == "damaged"
    assert not df.at["LATE", "judged"] and df.at["SEPT", "judged"]
    assert float(df.at["PAIDNOV", "received"]) == 0
    unchecked = month.query("claims_uncheckable", period=OCT.label, **OCT.bounds())
    assert unchecked.set_index("field")["rows"].to_dict() == {"compensation_rules": 1}


def test_the_freight_audit_ignores_compensation_credits(month):
    freight.reconcile(RunContext(db=month, period=OCT, run_id="f1", settings=Settings()))
    df = month.df("SELECT reason_code, key FROM discrepancies WHERE recon = 'freight'")
    assert not df["reason_code"].isin(["FRT_DUPLICATE", "FRT_PHANTOM"]).any(), df


def test_a_compensation_on_a_later_bill_closes_the_register_item(month):
    from recon_lib import register
    from recon_lib.pipeline import reconcile_period

    reconcile_period(month, OCT)
    nov = parse_period("2026-11")
    # November's files: a parcel and its bill; PAIDNOV's credit is dated 2026-11-02
    insert(month, "shipments", [parcel("NOVPARCEL", day="2026-11-03")], period="2026-11")
    insert(month, "tracking_events", [event("NOVPARCEL", "pickup", "2026-11-03")],
           period="2026-11")
    insert(month, "courier_bill_lines", [line("NOVPARCEL", 12, day="2026-11-03")],
           period="2026-11")
    reconcile_period(month, nov)
    closed = register.items(month, nov, status="resolved").set_index("key")
    assert closed.at["PAIDNOV", "closed_reason"].startswith(
        "auto: compensation on the bill of 2026-11-02")
    still = register.items(month, nov, status="open")
    assert "LOSTSHORT" in set(still["key"])      # paid short: no later credit, still open
