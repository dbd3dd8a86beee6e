"""What to do first: the open items with the most money at stake open the summary page."""

from __future__ import annotations

import pytest

from recon_lib.db import Database
from recon_lib.demo import build_month
from recon_lib.demo.frames import insert_month
from recon_lib.periods import parse_period
from recon_lib.pipeline import reconcile_period
from recon_lib.report.index import write_period_index
from recon_lib.results import first_to_do

OCT = parse_period("2026-10")


@pytest.fixture(scope="module")
def month():
    with Database(":memory:") as db:
        insert_month(db, build_month(OCT, orders=300, seed=4))
        reconcile_period(db, OCT)
        yield db


def test_the_biggest_open_items_come_first_across_reconciliations(month):
    top = first_to_do(month, OCT.label, n=10)
    assert len(top) == 10 and set(top["status"]) == {"open"}
    amounts = top["amount"].tolist()
    assert amounts == sorted(amounts, reverse=True)
    biggest = month.scalar("select max(amount) from register where status = 'open'")
    assert amounts[0] == float(biggest)
    assert top["recon"].nunique() > 1      # money decides, not the reconciliation


def test_a_resolved_item_is_not_to_do(month):
    top = first_to_do(month, OCT.label, n=1)
    item = f"{top.recon[0]}|{top.reason_code[0]}|{top.key[0]}"
    month.execute("update register set status = 'resolved' where item_id = ?", [item])
    try:
        assert first_to_do(month, OCT.label, n=1)["key"][0] != top.key[0]
    finally:
        month.execute("update register set status = 'open' where item_id = ?", [item])


def test_the_summary_page_opens_with_them(tmp_path):
    page = write_period_index("2026-10", tmp_path, [], [("超期应收 Receivables overdue", "¥1.00")],
                              first=[("¥421,171.19", "提现未到账 Payout not in the bank",
                                      "PO-TMALL-1", "-", "14", "payments")])
    text = page.read_text(encoding="utf-8")
    assert text.index("优先处理 What to do first") < text.index("关键数字 Headline figures")
    assert "¥421,171.19" in text and "PO-TMALL-1" in text
