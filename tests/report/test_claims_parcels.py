"""Lost and damaged parcels in the couriers' claims workbooks: a sheet of their own, one row per
parcel with the rule's figures, on the summary with the freight claims; a courier with parcel
claims only gets a workbook too. The hand-written month of tests/recons/test_claims.py."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import claims, freight
from recon_lib.recons.base import RunContext
from recon_lib.report.claims import PARCEL_SHEET, SUMMARY_SHEET, write_claims
from tests.recons.test_claims import month  # noqa: F401  (the hand-written claims month)

OCT = parse_period("2026-10")


@pytest.fixture
def books(month, tmp_path):  # noqa: F811
    ctx = RunContext(db=month, period=OCT, run_id="t1", settings=Settings())
    freight.reconcile(ctx)
    claims.reconcile(ctx)
    return {p.name: load_workbook(p) for p in write_claims(month, OCT, tmp_path, Settings())}


def rows_of(ws) -> list[dict]:
    header = [c.value for c in ws[3]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=4, values_only=True)]
    return [r for r in rows if r[header[0]] != "合计"]


def test_each_parcel_claim_is_a_row_with_the_rule_and_the_amount(books):
    book = books["freight_claims_SF.xlsx"]
    assert PARCEL_SHEET in book.sheetnames
    rows = {r["运单号"]: r for r in rows_of(book[PARCEL_SHEET])}
    assert set(rows) == {"LOSTNONE", "PAIDNOV", "NODECLARED", "LOSTSHORT", "INSLOST"}
    short = rows["LOSTSHORT"]
    assert (short["异常类型"], short["赔付基数"], short["运费"], short["按合同应赔"],
            short["已赔付"], short["索赔金额"]) == ("丢失", "运费倍数", 12, 36, 30, 6)
    assert "应赔 36.00，理赔期限 2026-10-15；已赔付 30.00，索赔 6.00" in short["索赔说明"]
    insured = rows["INSLOST"]
    assert insured["保价"] == "是" and insured["申报价值"] == 800 and insured["索赔金额"] == 300
    assert str(rows["PAIDNOV"]["理赔期限"])[:10] == "2026-10-13"
    assert rows["NODECLARED"]["索赔金额"] is None       # owed unknown: no amount, never 0


def test_the_summary_counts_parcel_claims_with_the_freight_claims(books):
    summary = books["freight_claims_SF.xlsx"][SUMMARY_SHEET]
    found = {r[1]: r[2:4] for r in summary.iter_rows(min_row=4, values_only=True)
             if str(r[1]).startswith("CLM_")}
    assert found == {"CLM_NOT_COMPENSATED": (3, 36.0), "CLM_SHORT": (1, 6.0),
                     "CLM_INSURED_SHORT": (1, 300.0)}
    total = next(r for r in summary.iter_rows(values_only=True) if r[0] == "可索赔合计")
    assert total[3].startswith("=SUM(D")
