"""Claims workbooks: one per courier, in Chinese, one row per claimed bill line citing that
line's own row, with billed and contract values, totals with cached values and a print setup.

The hand-written freight month of tests/recons/test_freight.py: its bill lines are rows 2.. of
``courier_bill_lines.csv`` in their order (row 4 and 5: DUP billed twice; 14: REMOTEBAD's remote
surcharge; 16: INSBAD's insurance; 6: WEIGHT billed 2 kg for our 1 kg).
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.recons import freight
from recon_lib.recons.base import RunContext
from recon_lib.report.claims import LINES_SHEET, SUMMARY_SHEET, write_claims
from recon_lib.report.exceptions import ACCRUALS_SHEET, write_exceptions
from tests.recons.test_freight import month  # noqa: F401  (the hand-written freight month)

OCT = parse_period("2026-10")
SETTINGS = Settings(company="测试商贸有限公司 & Co")


@pytest.fixture
def written(month, tmp_path):  # noqa: F811
    freight.reconcile(RunContext(db=month, period=OCT, run_id="t1", settings=SETTINGS))
    (tmp_path / "freight_claims_OLD.xlsx").write_text("stale")
    paths = write_claims(month, OCT, tmp_path, SETTINGS)
    assert [p.name for p in paths] == ["freight_claims_SF.xlsx"]
    assert not (tmp_path / "freight_claims_OLD.xlsx").exists()
    return paths[0]


@pytest.fixture
def workbook(written):
    return load_workbook(written)


def rows_of(ws) -> list[dict]:
    """The claimed lines of a sheet (header on row 3), without the total row."""
    header = [c.value for c in ws[3]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=4, values_only=True)]
    return [r for r in rows if r[header[0]] != "合计"]


def test_summary_has_our_company_the_courier_the_period_and_claims_only(workbook):
    summary = workbook[SUMMARY_SHEET]
    assert workbook.sheetnames == [SUMMARY_SHEET, LINES_SHEET]  # no accrual: that is ours
    title = summary["A1"].value
    assert "测试商贸有限公司" in title and "SF" in title and "2026-10" in title
    rows = {r[1]: r for r in summary.iter_rows(min_row=4, values_only=True)
            if str(r[1]).startswith("FRT_")}
    assert "FRT_UNBILLED" not in rows
    assert rows["FRT_DUPLICATE"][2:] == (1, 10.8)
    assert rows["FRT_INVALID_SURCHARGE"][2:] == (2, 12.0)
    total = next(r for r in summary.iter_rows(values_only=True) if r[0] == "可索赔合计")
    assert total[3].startswith("=SUM(D")  # a live total the reader can audit
    assert sum(r[3] for r in rows.values()) == pytest.approx(10.8 + 10.8 + 1.8 + 5 + 9 + 12 + 12)


def test_totals_carry_their_values(written):
    cached = load_workbook(written, data_only=True)
    total = next(r for r in cached[SUMMARY_SHEET].iter_rows(values_only=True)
                 if r[0] == "可索赔合计")
    assert total[3] == pytest.approx(61.4) and total[2] == 8
    lines = cached[LINES_SHEET]
    header = [c.value for c in lines[3]]
    last = [c.value for c in lines[lines.max_row]]
    assert last[0] == "合计"
    assert last[header.index("索赔金额")] == pytest.approx(61.4)
    # billed - what we owe = what we claim, on the total as on every row
    assert last[header.index("账单金额")] - last[header.index("我方应付")] == pytest.approx(61.4)


def test_each_claimed_line_cites_its_own_row(workbook):
    cited = {(r["运单号"], r["费用类型"]): r for r in rows_of(workbook[LINES_SHEET])}
    assert {k: (r["账单文件"], r["账单行号"]) for k, r in cited.items()} == {
        ("DUP", "运费"): ("courier_bill_lines.csv", 5),          # the repeated line, not row 4
        ("WEIGHT", "运费"): ("courier_bill_lines.csv", 6),
        ("RATE", "运费"): ("courier_bill_lines.csv", 7),
        ("ZONE", "运费"): ("courier_bill_lines.csv", 9),
        ("REMOTEBAD", "偏远附加费"): ("courier_bill_lines.csv", 14),  # the surcharge, not 13
        ("INSBAD", "保价费"): ("courier_bill_lines.csv", 16),
        ("SFX999", "运费"): ("courier_bill_lines.csv", 19),
        ("RT9", "退货运费"): ("courier_bill_lines.csv", 21),
    }
    assert "第 4 行" in cited[("DUP", "运费")]["索赔说明"]  # where it was billed first
    for r in cited.values():
        assert r["账单金额"] - r["我方应付"] == pytest.approx(r["索赔金额"])


def test_a_weight_claim_shows_both_weights_and_both_prices(workbook):
    [row] = [r for r in rows_of(workbook[LINES_SHEET]) if r["运单号"] == "WEIGHT"]
    assert row["索赔原因"] == "计费重量偏高"
    assert (row["账单计费重量(kg)"], row["我方计费重量(kg)"], row["实重(kg)"]) == (2.0, 1.0, 0.8)
    assert row["尺寸(cm)"] == "20 x 10 x 10"
    assert row["账单金额"] == pytest.approx(12.6)
    assert row["合同价(按账单重量及目的地)"] == pytest.approx(12.6)
    assert row["合同价(按我方计费重量及实际目的地)"] == pytest.approx(10.8)
    assert row["索赔金额"] == pytest.approx(1.8)
    assert "我方计费重量为 1 kg" in row["索赔说明"] and "应付 10.80" in row["索赔说明"]


def test_every_sheet_prints_on_a4_landscape_with_company_and_period(workbook):
    for ws in workbook:
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.orientation == "landscape"
        # one page wide (1 is the file format's default when left out), pages as long as it takes
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        header = ws.oddHeader.center.text
        assert "测试商贸有限公司 && Co" in header and "2026-10" in header  # & printed as itself
        assert "&P" in ws.oddFooter.right.text
    lines = workbook[LINES_SHEET]
    assert lines.print_title_rows == "$3:$3" and lines.freeze_panes == "A4"
    assert lines.auto_filter.ref.startswith("A3:")


def test_the_accrual_is_in_our_own_workbook(month, written, tmp_path):  # noqa: F811
    text = [str(c.value) for ws in load_workbook(written) for row in ws.iter_rows()
            for c in row if c.value is not None]
    assert not any("UNBILLED" in t or "计提" in t or "未计费" in t for t in text)
    book = load_workbook(write_exceptions(month, OCT, tmp_path / "ours"), data_only=True)
    ws = book[ACCRUALS_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:2] == ("SF", "UNBILLED") and rows[1][7] == pytest.approx(10.8)
    assert rows[-1][0] == "合计 Total" and rows[-1][7] == pytest.approx(10.8)
