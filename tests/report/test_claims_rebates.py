"""A rebate short of the contract is claimable: summary row and its own evidence sheet."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import freight
from recon_lib.recons.base import RunContext
from recon_lib.report.claims import write_claims
from tests.recons.test_freight_rebates import october  # noqa: F401  (the hand-written October)

OCT = parse_period("2026-10")


@pytest.fixture
def workbooks(october, tmp_path):  # noqa: F811
    freight.reconcile(RunContext(db=october, period=OCT, run_id="t1", settings=Settings()))
    paths = write_claims(october, OCT, tmp_path)
    return {p.name: load_workbook(p) for p in paths}


def test_rebate_shortfall_is_in_the_claimable_total(workbooks):
    # ZTO credited short and JDL nothing; YTO, below its first tier, has nothing to claim
    assert {"freight_claims_JDL.xlsx", "freight_claims_ZTO.xlsx"} <= set(workbooks)
    assert "freight_claims_YTO.xlsx" not in workbooks
    summary = workbooks["freight_claims_ZTO.xlsx"]["汇总"]
    rows = {r[1]: r for r in summary.iter_rows(min_row=4, values_only=True) if r[1]}
    assert rows["FRT_REBATE_SHORT"][2:] == (1, 2.0)
    total = next(r for r in summary.iter_rows(values_only=True) if r[0] == "可索赔合计")
    last_claim_row = max(i for i, r in enumerate(summary.iter_rows(values_only=True), start=1)
                         if r[1] == "FRT_REBATE_SHORT")
    assert total[3] == f"=SUM(D4:D{last_claim_row})"


def test_rebate_evidence_shows_volume_tier_due_and_credit(workbooks):
    sheet = workbooks["freight_claims_ZTO.xlsx"]["返利少返"]
    assert workbooks["freight_claims_ZTO.xlsx"].sheetnames == ["汇总", "返利少返"]
    header = [c.value for c in sheet[3]]
    row = dict(zip(header, [c.value for c in sheet[4]], strict=True))
    assert row["返利月份"] == "2026-10"
    assert row["入账账单月"] == "2026-10"    # the month's own bill
    assert row["计量"] == "票数"
    assert (row["票数"], row["运费"], row["档位"]) == (2, 30.0, "2")
    assert (row["返利率"], row["应返"], row["已返"]) == (0.1, 3.0, 1.0)
    assert row["少返金额"] == 2.0
    assert row["账单返利行"] == "courier_bill_lines.csv row 12"
    assert row["合同行"] == "rate_card_rebates.csv row 3"
    assert "应返 3.00，已返 1.00，少返 2.00" in row["索赔说明"]
    assert sheet.cell(4, header.index("返利率") + 1).number_format == "0.00%"
    assert [c.value for c in sheet[5]][0] == "合计"
    jdl = workbooks["freight_claims_JDL.xlsx"]["返利少返"]
    assert [c.value for c in jdl[4]][header.index("已返")] == 0.0
