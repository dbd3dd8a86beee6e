"""The claims workbooks cite the courier's own bill: each claimed line's file and row, read back
from the bill files the demo wrote (CSV and Excel, as couriers send them), hold that waybill and
that amount. A duplicate cites the repeated row (the first one is named in the sentence), a
surcharge the surcharge's row (not the freight row of its waybill), a weight claim the freight
row with the weight the courier billed.

The bill files are read here on their own, by their header row, not through the profiles.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from recon_lib.config import Settings
from recon_lib.db import Database
from recon_lib.demo import write_demo
from recon_lib.load import load_period
from recon_lib.periods import parse_period
from recon_lib.pipeline import reconcile_period
from recon_lib.report.claims import LINES_SHEET, write_claims

OCT = parse_period("2026-10")
WAYBILL = ("运单号码", "运单号", "运单编号")
FEE = ("费用类型", "增值费用")
PAYABLE = ("应付金额", "结算金额")
WEIGHT = ("计费重量", "结算重量")
FREIGHT = (None, "", "运费")  # SF writes its freight rows without a fee type


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("citations")
    (folder,) = write_demo(OCT, root / "raw", orders=400, seed=11)
    with Database(root / "recon.duckdb") as db:
        load_period(db, OCT, data_dir=root / "raw")
        reconcile_period(db, OCT)
        paths = write_claims(db, OCT, root / "reports", Settings())
    claimed = []
    for path in paths:
        ws = load_workbook(path, data_only=True)[LINES_SHEET]
        header = [c.value for c in ws[3]]
        claimed += [dict(zip(header, r, strict=True))
                    for r in ws.iter_rows(min_row=4, values_only=True) if r[0] != "合计"]
    return folder, claimed


def bill_rows(path: Path) -> dict[int, dict]:
    """Every row of a bill file by its row number (1-based, as a spreadsheet shows it), as
    {header: value} from the first row that names a waybill column."""
    if path.suffix == ".xlsx":
        grid = [list(r) for r in load_workbook(path, read_only=True).worksheets[0]
                .iter_rows(values_only=True)]
    else:
        with path.open(encoding="utf-8-sig", newline="") as f:
            grid = list(csv.reader(f))
    at = next(i for i, r in enumerate(grid) if any(c in WAYBILL for c in r))
    header = grid[at]
    return {n: dict(zip(header, r, strict=False))
            for n, r in enumerate(grid, start=1) if n > at + 1}


def pick(row: dict, names) -> object:
    return next((row[n] for n in names if n in row), None)


def number(value) -> float | None:
    return None if value in (None, "") else float(value)


@pytest.fixture(scope="module")
def bills(demo):
    folder, claimed = demo
    return {name: bill_rows(folder / name) for name in {c["账单文件"] for c in claimed}}


def cited(demo, bills, reason: str) -> list[tuple[dict, dict]]:
    """(claimed line, the bill row it cites) for each claimed line of a reason."""
    lines = [c for c in demo[1] if c["索赔原因"] == reason]
    assert lines, f"the demo month has no {reason} claims"
    return [(c, bills[c["账单文件"]][c["账单行号"]]) for c in lines]


def test_every_claimed_line_cites_a_row_with_its_waybill_and_amount(demo, bills):
    assert {c["账单文件"] for c in demo[1]} >= {"顺丰月结账单_2026-10.xlsx",
                                               "zto_bill_2026-10.xlsx", "jdl_bill_2026-10.csv"}
    for claim in demo[1]:
        row = bills[claim["账单文件"]][claim["账单行号"]]
        assert pick(row, WAYBILL) == claim["运单号"], claim
        assert number(pick(row, PAYABLE)) == pytest.approx(claim["账单金额"]), claim


def test_a_duplicate_cites_the_repeated_row(demo, bills):
    for claim, row in cited(demo, bills, "重复计费"):
        rows = bills[claim["账单文件"]]
        same = [n for n, r in rows.items() if pick(r, WAYBILL) == claim["运单号"]
                and pick(r, FEE) in FREIGHT]
        assert len(same) >= 2 and claim["账单行号"] in same[1:], claim  # not the first one
        assert pick(row, FEE) in FREIGHT
        assert f"第 {same[0]} 行" in claim["索赔说明"]  # the first billing, named


def test_a_surcharge_claim_cites_the_surcharge_row(demo, bills):
    for claim, row in cited(demo, bills, "附加费不适用"):
        assert pick(row, FEE) not in FREIGHT, claim  # 偏远费, 保价费...: not the freight row
        assert claim["索赔金额"] == pytest.approx(number(pick(row, PAYABLE)))
        freight_rows = [n for n, r in bills[claim["账单文件"]].items()
                        if pick(r, WAYBILL) == claim["运单号"] and pick(r, FEE) in FREIGHT]
        assert claim["账单行号"] not in freight_rows


def test_a_weight_claim_cites_the_freight_row_and_shows_our_chargeable_weight(demo, bills):
    for claim, row in cited(demo, bills, "计费重量偏高"):
        assert pick(row, FEE) in FREIGHT
        assert number(pick(row, WEIGHT)) == pytest.approx(claim["账单计费重量(kg)"])
        ours = claim["我方计费重量(kg)"]
        assert claim["实重(kg)"] <= ours < claim["账单计费重量(kg)"]
        assert claim["我方应付"] == claim["合同价(按我方计费重量及实际目的地)"]
        assert claim["账单金额"] - claim["我方应付"] == pytest.approx(claim["索赔金额"])
        assert claim["索赔金额"] > 0
