"""Receivables overdue, defined once: the headline's figure is the platforms' sales not settled
past their cycle plus the payouts overdue at the bank, the second being the payout_late alert's
own measure, split into the part for the period's orders (what the money page's "overdue at
the bank" counts) and the rest. The issue's case: the headline said ¥6,370.00 beside a money
page saying ¥417,943.99 and an alert about ¥421,171.19 that named no amount.
"""

from __future__ import annotations

import re

import pytest

from recon_lib import alerts, results
from recon_lib.db import Database
from recon_lib.demo import build_month
from recon_lib.demo.frames import insert_month
from recon_lib.periods import parse_period
from recon_lib.pipeline import headline, reconcile_period

OCT = parse_period("2026-10")


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    with Database(tmp_path_factory.mktemp("headline") / "recon.duckdb") as db:
        insert_month(db, build_month(OCT, orders=1500, seed=3))
        reconcile_period(db, OCT)
        yield db


def money(text: str) -> list[float]:
    return [float(m.replace(",", "")) for m in re.findall(r"¥(-?[\d,]+\.\d\d)", text)]


def test_receivables_overdue_add_up_and_match_the_alert_and_the_money_page(month):
    rows = dict(headline(month, OCT.label))
    [total] = money(rows["超期应收 Receivables overdue at the period's end"])
    [not_settled] = money(rows["  平台超期未结算 Not settled by the platforms"])
    at_bank, ours, other = money(rows["  提现未到账 Paid out, overdue at the bank"])
    assert total == pytest.approx(not_settled + at_bank)
    assert at_bank == pytest.approx(ours + other) and at_bank > 0

    # not settled: the PAY_NOT_SETTLED items open at the period's end (all new in a first month)
    found = month.df("SELECT sum(amount) AS a FROM discrepancies "
                     "WHERE reason_code = 'PAY_NOT_SETTLED'")["a"].iloc[0]
    assert not_settled == pytest.approx(float(found))
    # at the bank: what the payout_late alert measures, in yuan
    [alert] = alerts.evaluate(month, OCT, alerts.parse_rules({"alerts": [
        {"kind": "payout_late", "threshold": 0, "severity": "critical"}]}))
    assert alert.amount == pytest.approx(at_bank)
    assert money(alert.message)[0] == pytest.approx(at_bank)  # the money first
    # the period's orders' part: the money page's stage, to the cent
    stages = results.money_waterfall(month, OCT.label).set_index("stage")["amount"]
    assert ours == pytest.approx(stages["not_deposited"])


def test_the_money_rows_come_first(month):
    labels = [label for label, _ in headline(month, OCT.label)]
    assert labels[:6] == [
        "超期应收 Receivables overdue at the period's end",
        "  平台超期未结算 Not settled by the platforms",
        "  提现未到账 Paid out, overdue at the bank",
        "快递索赔 Claims against couriers",
        "已退款未收货 Refunds paid, goods not back",
        "多收费用 Platform fees above schedule"]
