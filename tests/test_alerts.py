"""Alert rules: the rules file and its validation, each rule kind on a hand-made month (firing
just past its threshold and not firing exactly at it), and alerts.json.

The month 2026-10, with every expected value worked out in the comments:

- freight: SF billed 1,000.00 on four lines (W1 400, W2 300, W3 200 freight, W4 100 insurance);
  two findings on W1 (30 + 20): overcharge 50.00, share 0.05, billing accuracy 1 - 1/4 = 0.75.
  ZTO billed 500.00 on one line without a finding, and credited a rebate 15.00 short (a finding
  on its bill, not on a waybill): overcharge 15.00, share 0.03, billing accuracy 1.0.
- refunds paid, goods not back: R1 (order O1, tmall) 120.50 + R2 (O2, jd) 79.50 = 200.00.
- payouts: PO1 (tmall) paid 10-20 10:00, deadline 10-25 (5-day window), still open: 6 days late
  at the month's last day 10-31. PO2's deadline (11-01) is after the month; PO3 was resolved;
  PO4's deposit arrived: none of them is late.
- stock: SKU A is class A (1,000.00 of 1,050.00 revenue); W1/A (5 on hand, safety 10) and W2/A
  (10, safety 10: at safety stock counts, as in the inventory section) are low: 2 rows. B (top 2
  by revenue, class C) is low in W1 too: 3 rows for the top 2.
- on time: P1 on time, P2 late (SF, order O1 on tmall); P3, P4 on time (ZTO, O2 on jd):
  all channels 3/4 = 0.75, tmall 0.5, jd 1.0, SF 0.5, ZTO 1.0.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from recon_lib import alerts, config
from recon_lib.errors import InputError
from recon_lib.periods import Period, parse_period
from tests.conftest import insert

P = "2026-10"


def finding(reason, key, amount, recon, order_id=None, period=P, details=None):
    return {"run_id": "r1", "period": period, "recon": recon, "reason_code": reason, "key": key,
            "order_id": order_id, "amount": amount, "explanation": "x",
            "details": json.dumps(details) if details else None}


def add_findings(db, rows):
    for row in rows:
        db.execute("INSERT INTO discrepancies BY NAME SELECT $run_id AS run_id, "
                   "$period AS period, $recon AS recon, $reason_code AS reason_code, $key AS key, "
                   "$order_id AS order_id, $amount AS amount, $explanation AS explanation, "
                   "$details::JSON AS details",
                   row, name="finding")


def add_register(db, key, status="open", reason="PAY_NO_DEPOSIT"):
    db.execute("INSERT INTO register BY NAME SELECT $item AS item_id, 'payments' AS recon, "
               "$reason AS reason_code, $key AS key, $p AS first_seen, $p AS last_seen, "
               "$status AS status, now()::timestamp AS updated_at",
               {"item": f"payments|{reason}|{key}", "reason": reason, "key": key, "p": P,
                "status": status}, name="register item")


def bill(carrier, waybill, fee, payable):
    return {"carrier": carrier, "waybill_no": waybill, "bill_date": "2026-10-20",
            "fee_type": fee, "payable": payable}


def order(oid, channel, paid):
    return {"order_id": oid, "channel": channel, "status": "completed", "created_at": paid,
            "paid_at": paid, "currency": "CNY", "paid_amount": 10,
            "customer_name": "张三丰", "customer_phone": "13812345678",
            "ship_address": "人民路88号"}


def parcel(tn, order_id, carrier):
    return {"shipment_id": f"S-{tn}", "order_id": order_id, "tracking_no": tn,
            "carrier": carrier, "warehouse": "W1", "ship_time": "2026-10-05 10:00:00"}


def delivered(tn, carrier, at, promised):
    return {"tracking_no": tn, "carrier": carrier, "event_type": "delivered", "event_time": at,
            "promised_date": promised}


def payout(pid, channel, paid):
    return {"channel": channel, "payout_id": pid, "paid_at": paid, "amount": 500,
            "currency": "CNY"}


def snap(wh, sku, on_hand, safety):
    return {"snapshot_date": "2026-10-31", "warehouse": wh, "sku": sku, "on_hand": on_hand,
            "safety_stock": safety}


@pytest.fixture
def month(db):
    insert(db, "courier_bill_lines", [
        bill("SF", "W1", "freight", 400), bill("SF", "W2", "freight", 300),
        bill("SF", "W3", "freight", 200), bill("SF", "W4", "insurance", 100),
        bill("ZTO", "Z1", "freight", 500),
    ])
    add_findings(db, [
        finding("FRT_WEIGHT_OVER", "W1", 30, "freight"),
        finding("FRT_DUPLICATE", "W1|freight", 20, "freight"),
        finding("FRT_UNBILLED", "P1", 99, "freight"),                    # an accrual, not a claim
        finding("FRT_RATE_OVER", "W3", 77, "freight", period="2026-09"),  # another period
        finding("FRT_REBATE_SHORT", "ZTO|2026-10", 15, "freight", details={"carrier": "ZTO"}),
        finding("RET_REFUND_NOT_RECEIVED", "R1", 120.50, "returns", "O1"),
        finding("RET_REFUND_NOT_RECEIVED", "R2", 79.50, "returns", "O2"),
        finding("RET_REFUND_NOT_RECEIVED", "R3", 1000, "returns", "O1", period="2026-09"),
    ])
    insert(db, "orders", [order("O1", "tmall", "2026-10-02 10:00:00"),
                          order("O2", "jd", "2026-10-03 10:00:00")])
    insert(db, "order_lines", [
        {"order_id": "O1", "line_no": 1, "sku": "A", "qty": 10, "unit_price": 100},
        {"order_id": "O2", "line_no": 1, "sku": "B", "qty": 1, "unit_price": 50},
    ])
    insert(db, "shipments", [parcel("P1", "O1", "SF"), parcel("P2", "O1", "SF"),
                             parcel("P3", "O2", "ZTO"), parcel("P4", "O2", "ZTO")])
    insert(db, "tracking_events", [
        delivered("P1", "SF", "2026-10-07 10:00:00", "2026-10-07"),   # on the promised day
        delivered("P2", "SF", "2026-10-09 10:00:00", "2026-10-08"),   # a day late
        delivered("P3", "ZTO", "2026-10-06 10:00:00", "2026-10-08"),
        delivered("P4", "ZTO", "2026-10-08 10:00:00", "2026-10-08"),
    ])
    insert(db, "payouts", [payout("PO1", "tmall", "2026-10-20 10:00:00"),
                           payout("PO2", "jd", "2026-10-27 09:00:00"),
                           payout("PO3", "tmall", "2026-10-01 10:00:00"),
                           payout("PO4", "jd", "2026-10-05 10:00:00")])
    add_register(db, "PO1")
    add_register(db, "PO2")
    add_register(db, "PO3", status="resolved")
    add_register(db, "PO4", status="in_progress")
    insert(db, "bank_transactions", [
        {"account": "6222***1", "txn_id": "T1", "booked_at": "2026-10-28 09:00:00",
         "amount": 500, "currency": "CNY", "reference": "jd payout PO4"}])
    insert(db, "inventory_snapshots", [snap("W1", "A", 5, 10), snap("W2", "A", 10, 10),
                                       snap("W1", "B", 0, 2), snap("W1", "C", 100, 5)])
    return db


def rule(**fields) -> alerts.Rule:
    item = {"severity": "warning", **fields}
    return alerts.parse_rules({"alerts": [item]}, "test.yml")[0]


def measure(db, period=P, **fields) -> list[alerts.Alert]:
    period = period if isinstance(period, Period) else parse_period(period)
    return alerts.evaluate(db, period, [rule(**fields)])


def one(found: list[alerts.Alert], **scope) -> alerts.Alert:
    [alert] = [a for a in found if a.scope == scope]
    return alert


# -- each kind, exactly at its threshold and just past it -------------------------------------
CASES = [  # kind, scope/options, value, a threshold just past it on the breaching side
    ("freight_overcharge", {"carrier": "SF"}, 50.0, 49.99),
    ("freight_overcharge_share", {"carrier": "SF"}, 0.05, 0.0499),
    ("refunds_not_received", {}, 200.0, 199.99),
    ("refunds_not_received", {"channel": "tmall"}, 120.5, 120.49),
    ("payout_late", {}, 6, 5),
    ("payout_late", {"channel": "tmall"}, 6, 5),
    ("billing_accuracy", {"carrier": "SF"}, 0.75, 0.7501),
    ("top_sku_low_stock", {}, 2, 1),
    ("top_sku_low_stock", {"top": 2}, 3, 2),
    ("on_time_rate", {}, 0.75, 0.7501),
    ("on_time_rate", {"channel": "tmall"}, 0.5, 0.5001),
    ("on_time_rate", {"carrier": "ZTO"}, 1.0, None),  # nothing is below a rate of 1.0
]
PAST = [case for case in CASES if case[3] is not None]


@pytest.mark.parametrize("kind, options, value, past", CASES)
def test_at_the_threshold_does_not_breach(month, kind, options, value, past):
    [alert] = measure(month, kind=kind, threshold=value, **options)
    assert alert.value == value and alert.breached is False
    assert f"not {alerts.KINDS[kind].direction}" in alert.message


@pytest.mark.parametrize("kind, options, value, past", PAST)
def test_just_past_the_threshold_breaches(month, kind, options, value, past):
    [alert] = measure(month, kind=kind, threshold=past, **options)
    assert alert.value == value and alert.breached is True
    assert alert.direction == alerts.KINDS[kind].direction
    assert f" {alert.direction} " in alert.message


def test_a_rule_without_a_carrier_checks_every_carrier(month):
    found = measure(month, kind="freight_overcharge", threshold=10)
    assert {a.scope["carrier"]: (a.value, a.breached) for a in found} == {
        "SF": (50.0, True), "ZTO": (15.0, True)}
    shares = measure(month, kind="freight_overcharge_share", threshold=0.01)
    assert one(shares, carrier="SF").details == {"overcharge": 50.0, "billed": 1000.0,
                                                 "findings": 2}
    assert one(shares, carrier="ZTO").value == 0.03
    accuracy = measure(month, kind="billing_accuracy", threshold=0.9)
    assert [(a.scope, a.value, a.breached) for a in accuracy] == [
        ({"carrier": "SF"}, 0.75, True), ({"carrier": "ZTO"}, 1.0, False)]
    # the claims beside the accuracy are the same money as freight_overcharge, ZTO's rebate
    # shortfall included; being about its bill, not a line, it leaves the accuracy at 1.0
    assert [a.details["overcharge"] for a in accuracy] == [50.0, 15.0]


def test_on_time_rate_by_channel_and_carrier(month):
    assert measure(month, kind="on_time_rate", threshold=0.9, channel="jd")[0].value == 1.0
    assert measure(month, kind="on_time_rate", threshold=0.9, carrier="SF")[0].value == 0.5


def test_freight_evidence_names_the_section_sheet_and_claims_workbook(month):
    sf = one(measure(month, kind="freight_overcharge", threshold=10), carrier="SF")
    assert sf.evidence == {"report": "freight.html", "workbook": "exceptions.xlsx",
                           "sheet": "快递费 Freight", "claims": "freight_claims_SF.xlsx"}
    month.execute("DELETE FROM discrepancies WHERE reason_code = 'FRT_REBATE_SHORT'")
    zto = one(measure(month, kind="freight_overcharge", threshold=10), carrier="ZTO")
    assert zto.value == 0.0 and "claims" not in zto.evidence


def test_payout_late_lists_the_late_payouts(month):
    [alert] = measure(month, kind="payout_late", threshold=3)
    assert alert.details == {"late_payouts": 1, "amount_cny": 500.0, "latest": [
        {"payout_id": "PO1", "channel": "tmall", "days_late": 6, "deadline": "2026-10-25 10:00",
         "amount": 500.0, "currency": "CNY", "amount_cny": 500.0}]}
    assert alert.evidence["sheet"] == "登记簿 Register"
    assert "most overdue first: PO1 (tmall, ¥500.00, 6 days late)" in alert.message
    [jd] = measure(month, kind="payout_late", threshold=0, channel="jd")
    assert (jd.value, jd.amount) == (0, 0.0) and jd.message.startswith(
        "提现超期未到账 payouts overdue at the bank (channel jd): none; ")


def test_payout_late_says_the_money_first(month):
    """The issue's case: the alert named days and no amount."""
    insert(month, "payouts", [{"channel": "shop", "payout_id": "PO5", "currency": "USD",
                               "paid_at": "2026-10-10 10:00:00", "amount": 100}])
    insert(month, "fx_rates", [{"rate_date": "2026-10-10", "currency": "USD",
                                "rate_to_cny": 7.1}])
    add_register(month, "PO5")
    [alert] = measure(month, kind="payout_late", threshold=3)
    assert alert.amount == 1210.0 and alert.details["amount_cny"] == 1210.0  # 500 + 100 x 7.1
    assert alert.message.startswith("提现超期未到账 payouts overdue at the bank (all channels): "
                                    "¥1,210.00 in 2 "
                                    "payout(s); the most overdue 16 days, above 3 days; ")
    assert "PO5 (shop, ¥710.00, 16 days late)" in alert.message
    assert alert.to_dict()["amount"] == 1210.0
    # a foreign-currency payout of a day without a rate is shown in its currency
    month.execute("DELETE FROM fx_rates", name="no rate")
    [alert] = measure(month, kind="payout_late", threshold=3)
    assert "¥500.00 + 100.00 USD in 2 payout(s)" in alert.message


def test_money_alerts_carry_their_amount(month):
    assert one(measure(month, kind="freight_overcharge", threshold=10), carrier="SF").amount == 50
    assert one(measure(month, kind="freight_overcharge_share", threshold=0.01),
               carrier="SF").amount == 50
    [refunds] = measure(month, kind="refunds_not_received", threshold=100)
    assert refunds.amount == 200.0 and refunds.message.endswith("; 2 return(s)")
    sf = one(measure(month, kind="billing_accuracy", threshold=0.9), carrier="SF")
    assert sf.amount == 50 and sf.message.endswith("; ¥50.00 to claim")
    assert measure(month, kind="on_time_rate", threshold=0.9)[0].amount is None


def test_payout_late_counts_days_to_the_last_day_of_any_period(month):
    # one day, 2026-10-28: PO1's deadline 10-25 is 3 days back; PO4's deposit came that morning
    day = Period(date(2026, 10, 28), date(2026, 10, 29), "2026-10-28")
    [alert] = measure(month, day, kind="payout_late", threshold=2)
    assert (alert.value, alert.breached, alert.details["late_payouts"]) == (3, True, 1)
    # the day before the deposit, PO4 (deadline 10-10) was 17 days late and the worst
    before = Period(date(2026, 10, 27), date(2026, 10, 28), "2026-10-27")
    [alert] = measure(month, before, kind="payout_late", threshold=2)
    assert (alert.value, alert.details["latest"][0]["payout_id"]) == (17, "PO4")
    # on PO1's deadline day it is late, by less than a whole day
    deadline_day = Period(date(2026, 10, 25), date(2026, 10, 26), "2026-10-25")
    [alert] = measure(month, deadline_day, kind="payout_late", threshold=2)
    assert ("PO4 (jd, ¥500.00, 15 days late), PO1 (tmall, ¥500.00, deadline on the last day)"
            in alert.message)


def test_low_stock_details_name_warehouse_and_sku(month):
    [alert] = measure(month, kind="top_sku_low_stock", threshold=0)
    assert sorted((r["warehouse"], r["sku"], r["on_hand"]) for r in alert.details["rows"]) == [
        ("W1", "A", 5), ("W2", "A", 10)]
    assert alert.details["top_skus"] == 1 and alert.evidence == {"report": "inventory.html"}


def test_rules_without_data_are_reported_not_breached(db):
    found = alerts.evaluate(db, parse_period(P), [
        rule(kind="freight_overcharge", threshold=0, carrier="SF"),
        rule(kind="billing_accuracy", threshold=1),
        rule(kind="on_time_rate", threshold=1),
        rule(kind="refunds_not_received", threshold=0),
        rule(kind="payout_late", threshold=0),
        rule(kind="top_sku_low_stock", threshold=0),
    ])
    assert [(a.kind, a.value, a.breached) for a in found] == [
        ("freight_overcharge", None, False), ("billing_accuracy", None, False),
        ("on_time_rate", None, False), ("refunds_not_received", 0.0, False),
        ("payout_late", 0, False), ("top_sku_low_stock", 0, False)]
    assert "not measured, no courier bill or freight finding of SF" in found[0].message


def test_breached_alerts_come_first_most_severe_first(month):
    rules = alerts.parse_rules({"alerts": [
        {"kind": "on_time_rate", "threshold": 0.5, "severity": "critical"},        # 0.75: ok
        {"kind": "payout_late", "threshold": 1, "severity": "info"},               # 6: breached
        {"kind": "top_sku_low_stock", "threshold": 0, "severity": "critical"},     # 2: breached
        {"kind": "refunds_not_received", "threshold": 100, "severity": "warning"},  # breached
    ]})
    found = alerts.evaluate(month, parse_period(P), rules)
    assert [(a.kind, a.breached) for a in found] == [
        ("top_sku_low_stock", True), ("refunds_not_received", True), ("payout_late", True),
        ("on_time_rate", False)]
    assert [a.kind for a in alerts.breached(found, "warning")] == [
        "top_sku_low_stock", "refunds_not_received"]
    assert [a.kind for a in alerts.breached(found, "critical")] == ["top_sku_low_stock"]
    assert found[0].line().startswith("ALERT CRITICAL top_sku_low_stock-critical: ")


# -- alerts.json ------------------------------------------------------------------------------
def test_alerts_json_lists_every_check_and_masks_nobody(month, tmp_path):
    rules = alerts.parse_rules({"alerts": [
        {"name": "sf-claims", "kind": "freight_overcharge", "threshold": 40, "carrier": "SF",
         "severity": "critical"},
        {"kind": "on_time_rate", "threshold": 0.5, "severity": "warning"},
    ]})
    found = alerts.evaluate(month, parse_period(P), rules)
    path = alerts.write_json(tmp_path / "2026-10" / "alerts.json", parse_period(P), found,
                             "my-alerts.yml")
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert {k: doc[k] for k in ("period", "period_start", "period_end", "rules_file", "checked",
                                "breached", "highest_severity")} == {
        "period": "2026-10", "period_start": "2026-10-01", "period_end": "2026-11-01",
        "rules_file": "my-alerts.yml", "checked": 2, "breached": 1,
        "highest_severity": "critical"}
    first, second = doc["alerts"]
    assert first == {
        "rule": "sf-claims", "kind": "freight_overcharge", "severity": "critical",
        "scope": {"carrier": "SF"}, "value": 50.0, "threshold": 40, "direction": "above",
        "unit": "CNY", "breached": True, "amount": 50.0,
        "message": "快递多收费 freight overcharges of SF: ¥50.00, above ¥40.00",
        "evidence": {"report": "freight.html", "workbook": "exceptions.xlsx",
                     "sheet": "快递费 Freight", "claims": "freight_claims_SF.xlsx"},
        "details": {"findings": 2, "billed": 1000.0}}
    assert (second["rule"], second["breached"], second["value"]) == (
        "on_time_rate-warning", False, 0.75)
    for personal in ("张三丰", "13812345678", "人民路"):
        assert personal not in text


# -- the rules file ---------------------------------------------------------------------------
def write(tmp_path, text: str):
    path = tmp_path / "alerts.yml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path) -> list[str]:
    with pytest.raises(InputError) as caught:
        alerts.load_rules(path)
    assert str(path) in str(caught.value)
    return [str(p) for p in caught.value.problems]


def test_the_built_in_rules_load_and_cover_every_kind():
    rules = alerts.load_rules(config.DEFAULT_ALERTS_FILE)
    assert {r.kind for r in rules.rules} == {k for k, v in alerts.KINDS.items() if v.built_in}
    assert [k for k, v in alerts.KINDS.items() if not v.built_in] == ["carrier_choice_saving"]
    assert rules.source == str(config.DEFAULT_ALERTS_FILE)


def test_the_project_file_replaces_the_built_in_rules(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "ALERTS_FILE", tmp_path / "alerts.yml")
    assert alerts.default_rules_path() == config.DEFAULT_ALERTS_FILE
    write(tmp_path, "alerts:\n  - kind: payout_late\n    threshold: 2\n    severity: info\n")
    assert alerts.default_rules_path() == tmp_path / "alerts.yml"
    assert [r.name for r in alerts.load_rules().rules] == ["payout_late-info"]


def test_a_valid_file_with_names_scopes_and_options(tmp_path):
    path = write(tmp_path, """\
alerts:
  - name: sf-claims
    kind: freight_overcharge
    carrier: SF
    threshold: 1000.5
    severity: critical
  - kind: top_sku_low_stock
    top: 20
    threshold: 0
    severity: warning
  - kind: on_time_rate
    channel: tmall
    threshold: 0.9
    severity: info
""")
    rules = alerts.load_rules(path).rules
    assert [(r.name, r.kind, r.threshold, r.severity, r.scope, r.top) for r in rules] == [
        ("sf-claims", "freight_overcharge", 1000.5, "critical", {"carrier": "SF"}, None),
        ("top_sku_low_stock-warning", "top_sku_low_stock", 0.0, "warning", {}, 20),
        ("on_time_rate-tmall-info", "on_time_rate", 0.9, "info", {"channel": "tmall"}, None)]
    assert rules[0].source == f"{path}, line 2"
    assert alerts.load_rules(write(tmp_path, "alerts: []\n")).rules == ()


def test_every_problem_is_reported_with_file_line_rule_and_expectation(tmp_path):
    path = write(tmp_path, """\
alerts:
  - name: sf-claims
    kind: freight_overcharge
    carrier: XX
    threshold: -5
    severity: critical
  - kind: nonsense
    threshold: 1
    severity: warning
  - kind: on_time_rate
    threshold: 95
    severity: urgent
  - kind: freight_overcharge
    channel: tmall
    threshold: 10
    severity: info
  - kind: top_sku_low_stock
    top: 0
    threshold: 1.5
  - kind: on_time_rate
    carrier: SF
    channel: jd
    threshold: 0.9
    severity: info
""")
    found = problems(path)
    expected = [
        (4, "rule 1 ('sf-claims'), carrier: unknown carrier 'XX'; expected one of SF, ZTO"),
        (5, "rule 1 ('sf-claims'), threshold: must not be negative, got -5"),
        (7, "rule 2, kind: unknown rule kind 'nonsense'; expected one of freight_overcharge, "),
        (11, "rule 3, threshold: on_time_rate is a share: expected 0 <= threshold <= 1"),
        (12, "rule 3, severity: unknown severity 'urgent'; expected one of info, warning, "
             "critical"),
        (14, "rule 4, channel: unknown key 'channel' for kind 'freight_overcharge'; expected "
             "name, kind, threshold, severity, carrier"),
        (18, "rule 5, top: expected a whole number of SKUs >= 1, got 0"),
        (19, "rule 5, threshold: top_sku_low_stock counts rows: expected a whole number"),
        (17, "rule 5, severity: missing; expected one of info, warning, critical"),
        (22, "rule 6, channel: give a carrier or a channel, not both"),
    ]
    for line, text in expected:
        assert any(p.startswith(f"{path}, line {line}: {text}") for p in found), (line, found)
    assert len(found) == len(expected), found


@pytest.mark.parametrize("text, expected", [
    ("alerts:\n  - kind: payout_late\n    threshold: [1\n", "line 4: "),
    ("alerts:\n  - kind: payout_late\n    kind: on_time_rate\n", "duplicate key 'kind'"),
    ("alerts:\n  - ? [kind, threshold]\n    : 1\n", "a key cannot be ['kind', 'threshold']"),
    ("rules:\n  - kind: payout_late\n", "expected a mapping with an 'alerts' list"),
    ("alerts:\n  kind: payout_late\n", "'alerts' must be a list of rules (each starting with '- '), got a mapping"),
    ("alerts:\n  - payout_late\n", "line 1: rule 1: expected a mapping"),
    ("alerts: []\nrule: x\n", "line 2: unknown top-level key 'rule'"),
    ("alerts:\n  - kind: payout_late\n    threshold: three\n    severity: info\n",
     "line 3: rule 1, threshold: expected a number, got 'three'"),
    ("alerts:\n  - kind: payout_late\n    threshold: 1\n    severity: info\n"
     "  - kind: payout_late\n    threshold: 2\n    severity: info\n",
     "line 5: rule 2: name 'payout_late-info' is already used by rule 1"),
    ("", "expected a mapping with an 'alerts' list"),
])
def test_malformed_files_are_refused(tmp_path, text, expected):
    found = problems(write(tmp_path, text))
    assert any(expected in p for p in found), found


def test_a_missing_rules_file_is_bad_input(tmp_path):
    with pytest.raises(InputError, match="no-such.yml: no such file"):
        alerts.load_rules(tmp_path / "no-such.yml")


def test_a_rule_built_in_code_is_validated_too():
    with pytest.raises(InputError, match="severity: unknown severity 'loud'"):
        alerts.Rule(name="x", kind="payout_late", threshold=1, severity="loud")


def test_breaches_is_strict_on_both_sides():
    above, below = alerts.KINDS["payout_late"], alerts.KINDS["on_time_rate"]
    assert (alerts.breaches(above, 3, 3), alerts.breaches(above, 4, 3)) == (False, True)
    assert (alerts.breaches(below, 0.9, 0.9), alerts.breaches(below, 0.89, 0.9)) == (False, True)
    assert alerts.breaches(above, None, 0) is False


def test_fail_on_offers_exactly_the_severities():
    from recon_lib.cli import build_parser

    run = build_parser()._subparsers._group_actions[0].choices["run"]
    [fail_on] = [a for a in run._actions if a.dest == "fail_on"]
    assert tuple(fail_on.choices) == alerts.SEVERITIES


def test_a_payout_closed_after_the_period_was_late_in_it(month):
    """The period's figure is as at its end: a deposit found by a later period's run does not
    change what was overdue then (the headline of an earlier period is drawn again later)."""
    add_register(month, "PO6", status="resolved")
    month.execute("UPDATE register SET closed_on = DATE '2026-12-01' WHERE key = 'PO6'",
                  name="closed in November")
    insert(month, "payouts", [payout("PO6", "jd", "2026-10-15 10:00:00")])
    [alert] = measure(month, kind="payout_late", threshold=3)
    assert [p["payout_id"] for p in alert.details["latest"]] == ["PO6", "PO1"]
    month.execute("UPDATE register SET closed_on = DATE '2026-11-01' WHERE key = 'PO6'",
                  name="closed in October")
    [alert] = measure(month, kind="payout_late", threshold=3)
    assert [p["payout_id"] for p in alert.details["latest"]] == ["PO1"]


# -- cash on delivery and lost parcels ---------------------------------------------------------
def cod_month(db, terms=True):
    insert(db, "shipments", [
        {"shipment_id": f"S{i}", "order_id": f"O{i}", "tracking_no": f"T{i}", "carrier": c,
         "ship_time": "2026-10-01 10:00:00", "cod_amount": amount}
        for i, (c, amount) in enumerate([("SF", 600), ("SF", 500), ("ZTO", 300)])])
    insert(db, "tracking_events", [
        {"tracking_no": f"T{i}", "carrier": c, "event_type": "delivered", "event_time": at}
        for i, (c, at) in enumerate([("SF", "2026-10-03 10:00:00"), ("SF", "2026-10-29 10:00:00"),
                                     ("ZTO", "2026-10-03 10:00:00")])])
    if terms:
        insert(db, "cod_terms", [{"carrier": c, "remit_days": 7, "fee_rate": 0.01, "fee_min": 1,
                                  "effective_from": "2026-01-01"} for c in ("SF", "ZTO")])


def test_cod_overdue_counts_only_money_past_the_contracts_days(db):
    cod_month(db)
    (sf,) = measure(db, kind="cod_overdue", threshold=599.99, carrier="SF")
    assert sf.value == 600.0 and sf.breached and sf.amount == 600.0  # T1 is within its 7 days
    assert sf.details["outstanding"] == 1100.0
    assert sf.message.startswith("代收货款超期未回款")
    (every,) = measure(db, kind="cod_overdue", threshold=900)
    assert every.value == 900.0 and not every.breached


def test_cod_overdue_without_terms_is_not_measured_unless_the_known_part_breaches(db):
    cod_month(db, terms=False)
    (alert,) = measure(db, kind="cod_overdue", threshold=100)
    assert alert.value is None and not alert.breached
    assert "without COD terms" in alert.message


def test_claims_uncompensated_sums_the_findings_and_never_counts_unknown_as_zero(db):
    insert(db, "shipments", [
        {"shipment_id": f"S{i}", "order_id": f"O{i}", "tracking_no": f"T{i}", "carrier": c,
         "ship_time": "2026-10-01 10:00:00"} for i, c in enumerate(["SF", "SF", "ZTO"])])
    add_findings(db, [finding("CLM_NOT_COMPENSATED", "T0", 84.0, "claims"),
                      finding("CLM_SHORT", "T1", 40.0, "claims"),   # paid short: not this rule
                      finding("CLM_NOT_COMPENSATED", "T2", None, "claims")])
    (sf,) = measure(db, kind="claims_uncompensated", threshold=50, carrier="SF")
    assert sf.value == 84.0 and sf.breached and sf.details["findings"] == 1
    (zto,) = measure(db, kind="claims_uncompensated", threshold=0, carrier="ZTO")
    assert zto.value is None and "not known" in zto.message
    (every,) = measure(db, kind="claims_uncompensated", threshold=50)
    assert every.value == 84.0 and every.breached and "at least" in every.message
