"""The journal workbook of a reconciled demo month, read back: every voucher balances on the
Kingdee and the Yonyou sheet, each voucher's total is its P&L figure, codes are text; and a
write that fails leaves nothing."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from recon_lib import journal, results
from recon_lib.db import Database
from recon_lib.periods import parse_period
from recon_lib.report import journal as journal_book

OCT = parse_period("2026-10")


@pytest.fixture(scope="module")
def book(written, tmp_path_factory):
    out = tmp_path_factory.mktemp("journal")
    with Database(written[0], read_only=True) as db:
        paths = journal_book.write_journal(db, OCT, out)
        figures = results.pnl(db, OCT.label)
    return paths, figures


def sheet(path, name) -> list[dict]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize(("name", "code"), [(journal_book.KINGDEE_SHEET, "科目代码"),
                                             (journal_book.YONYOU_SHEET, "科目编码")])
def test_every_voucher_balances_on_each_sheet(book, name, code):
    (xlsx, _), _ = book
    rows = sheet(xlsx, name)
    assert rows, "no voucher written"
    debit, credit = defaultdict(float), defaultdict(float)
    for r in rows:
        debit[r["凭证号"]] += r["借方金额"]
        credit[r["凭证号"]] += r["贷方金额"]
        assert isinstance(r[code], str)
    for number in debit:
        assert round(debit[number] - credit[number], 2) == 0, number
    assert [h for h, _, _ in (journal_book.KINGDEE if code == "科目代码"
                               else journal_book.YONYOU)] == list(rows[0])


def test_each_vouchers_total_is_its_pnl_figure(book):
    (_, csv), figures = book
    entries = pd.read_csv(csv, encoding="utf-8-sig", dtype={"account_code": str})
    kinds = {kind: figure for kind, figure, _ in journal.VOUCHERS}
    per_voucher = entries.groupby(["voucher_kind", "channel"])["debit"].sum().round(2)
    assert len(per_voucher)
    assert {"cod_fees", "parcel_compensation", "parcel_claims"} <= set(entries["voucher_kind"])
    for (kind, channel), total in per_voucher.items():
        amount = figures.loc[(figures["figure"] == kinds[kind]) & (figures["channel"] == channel),
                             "amount"].iloc[0]
        assert total == round(abs(amount), 2), (kind, channel)
    sales = per_voucher.xs("sales", level="voucher_kind").sum()
    net = figures.loc[(figures["figure"] == "net_sales") & (figures["channel"] == "all"),
                      "amount"].iloc[0]
    assert round(sales, 2) == net


def test_figures_not_known_are_listed_not_booked(book):
    (xlsx, _), _ = book
    skipped = sheet(xlsx, journal_book.SKIPPED_SHEET)
    assert {r["凭证类型 Voucher"] for r in skipped} == {"packaging"}


def test_a_failed_write_leaves_no_workbook(written, tmp_path, monkeypatch):
    def unbalanced(made):
        raise journal.UnbalancedVoucher("voucher 1: debits 1 != credits 2")

    monkeypatch.setattr(journal, "check_balanced", unbalanced)
    with Database(written[0], read_only=True) as db, pytest.raises(journal.UnbalancedVoucher):
        journal_book.write_journal(db, OCT, tmp_path)
    assert list(tmp_path.iterdir()) == []
