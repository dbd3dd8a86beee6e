"""Claims workbooks: one per carrier, summary plus evidence sheets a finance lead can send."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import freight
from recon_lib.recons.base import RunContext
from recon_lib.report.claims import write_claims
from tests.recons.test_freight import month  # noqa: F401  (the hand-written freight month)

OCT = parse_period("2026-10")


@pytest.fixture
def workbook(month, tmp_path):  # noqa: F811
    freight.reconcile(RunContext(db=month, period=OCT, run_id="t1", settings=Settings()))
    (tmp_path / "freight_claims_OLD.xlsx").write_text("stale")
    paths = write_claims(month, OCT, tmp_path)
    assert [p.name for p in paths] == ["freight_claims_SF.xlsx"]
    assert not (tmp_path / "freight_claims_OLD.xlsx").exists()
    return load_workbook(paths[0])


def test_summary_claims_by_reason_and_accrual_apart(workbook):
    summary = workbook["汇总 Summary"]
    rows = {r[1]: r for r in summary.iter_rows(min_row=4, values_only=True) if r[1]}
    assert rows["FRT_DUPLICATE"][2:] == (1, 10.8)
    assert rows["FRT_INVALID_SURCHARGE"][2:] == (2, 12.0)
    assert rows["FRT_UNBILLED"][2:] == (1, 10.8)
    total = next(r for r in summary.iter_rows(values_only=True) if r[0] == "可索赔合计 Claimable total")
    assert total[3].startswith("=SUM(D")  # a live total the reader can audit
    claimable = sum(r[3] for code, r in rows.items() if code != "FRT_UNBILLED")
    assert claimable == pytest.approx(10.8 + 10.8 + 1.8 + 5 + 9 + 12 + 12)


def test_evidence_sheets_are_ready_to_send(workbook):
    sheet = workbook["计费重量偏高"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:L2"
    header = [c.value for c in sheet[1]]
    assert header[0] == "运单号 Waybill" and "索赔/计提金额 Amount" in header
    row = [c for c in sheet[2]]
    amount = row[header.index("索赔/计提金额 Amount")]
    assert amount.value == pytest.approx(1.8) and amount.number_format == "#,##0.00"
    assert row[0].value == "WEIGHT"
    assert row[header.index("计费重量 Billed kg")].value == 2.0
    assert "已发货未计费" in workbook.sheetnames
