"""Freight claims workbooks: one per carrier and period, ready to send to the courier.

``reports/<period>/freight_claims_<carrier>.xlsx`` has a summary sheet (claimable amount by
reason, and the accrual for parcels not billed yet) and one evidence sheet per reason, with frozen
headers, filters and number formats. A volume rebate short of the contract is claimable too; its
sheet shows the month's volume, the tier reached, the rebate due, the month whose bill the
contract puts the credit on (the same or the next) and what that bill credited.

The workbook goes to the courier, and its text comes from files (their bill, our shipments): every
cell is written by ``recon_lib.report.workbook``, so a waybill reading ``=HYPERLINK(...)`` is text,
and the totals are our formulas with their values cached. A carrier's name becomes part of a file
name only through :func:`workbook_name`, which keeps letters, digits, ``-`` and ``_``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from recon_lib.db import Database
from recon_lib.periods import Period
from recon_lib.reasons import REASONS, codes_for
from recon_lib.report import workbook
from recon_lib.report.workbook import Formula, append

log = logging.getLogger(__name__)

ACCRUAL = "FRT_UNBILLED"  # not a claim: an expense to accrue until the courier bills it
REBATE = "FRT_REBATE_SHORT"  # claimable, but about a month's volume rather than a waybill
MONEY_FORMAT = "#,##0.00"
HEADER_FILL = workbook.HEADER_FILL

EVIDENCE = [  # column in the query, header in the workbook, number format
    ("waybill_no", "运单号 Waybill", "@"),
    ("bill_date", "账单日期 Bill date", "yyyy-mm-dd"),
    ("billed_weight_kg", "计费重量 Billed kg", "0.000"),
    ("weight_kg", "我方称重 Our kg", "0.000"),
    ("dimensions_cm", "尺寸 cm", "@"),
    ("billed_province", "账单目的地 Billed to", "@"),
    ("dest_province", "实际目的地 Shipped to", "@"),
    ("payable", "账单应付 Billed", MONEY_FORMAT),
    ("amount", "索赔/计提金额 Amount", MONEY_FORMAT),
    ("explanation", "说明 Explanation", "@"),
    ("source_file", "账单文件 Bill file", "@"),
    ("source_row", "行号 Row", "0"),
]

REBATE_EVIDENCE = [  # the same, for a rebate short of the contract: one row per month
    ("rebate_cycle", "返利月份 Month", "@"),
    ("rebate_credit_month", "入账账单月 Credited on bill of", "@"),
    ("rebate_basis", "计量 Basis", "@"),
    ("rebate_parcels", "票数 Parcels", "#,##0"),
    ("rebate_freight", "运费 Freight", MONEY_FORMAT),
    ("rebate_tier", "档位 Tier", "@"),
    ("rebate_tier_from", "档位起点 Tier from", "#,##0.00"),
    ("rebate_rate", "返利率 Rate", "0.00%"),
    ("rebate_due", "应返 Due", MONEY_FORMAT),
    ("rebate_credited", "已返 Credited", MONEY_FORMAT),
    ("amount", "少返金额 Shortfall", MONEY_FORMAT),
    ("explanation", "说明 Explanation", "@"),
    ("rebate_credit_lines", "账单返利行 Credit lines", "@"),
    ("rebate_scheme", "合同行 Contract row", "@"),
]


def workbook_name(carrier: str) -> str:
    """``freight_claims_<carrier>.xlsx``; any character of the carrier's name but a letter, a
    digit, ``-`` or ``_`` becomes ``_``, so a name from a bill cannot leave the folder."""
    safe = re.sub(r"[^\w-]", "_", str(carrier), flags=re.ASCII).strip("_") or "UNKNOWN"
    return f"freight_claims_{safe[:60]}.xlsx"


def claim_lines(db: Database, period: Period) -> pd.DataFrame:
    return db.query("freight_claim_lines", period=period.label, **period.bounds())


def write_claims(db: Database, period: Period, out_dir: Path) -> list[Path]:
    """Write one workbook per carrier with freight findings; returns their paths."""
    lines = claim_lines(db, period)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("freight_claims_*.xlsx"):  # a carrier may have no claims any more
        old.unlink()
    paths = []
    for carrier, part in lines.groupby("carrier", sort=True, dropna=False):
        name = "UNKNOWN" if pd.isna(carrier) else str(carrier)
        path = out_dir / workbook_name(name)
        _write_workbook(path, name, period, part)
        paths.append(path)
        log.info("wrote %s (%d findings)", path.name, len(part))
    return paths


def _header(ws, headers: list[str]) -> None:
    workbook.header(ws, headers)


def _write_workbook(path: Path, carrier: str, period: Period, lines: pd.DataFrame) -> None:
    wb = Workbook()
    summary = wb.active
    summary.title = "汇总 Summary"
    append(summary, [f"快递费对账索赔 Freight claims — {carrier} — {period.label}"])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append([])
    _header(summary, ["原因 Reason", "代码 Code", "票数 Waybills", "金额 Amount"])
    first = summary.max_row + 1
    claims = [c for c in codes_for("freight") if c != ACCRUAL]
    waybills, total = 0, 0.0
    for code in claims:
        part = lines[lines["reason_code"] == code]
        reason = REASONS[code]
        amount = round(float(part["amount"].fillna(0).sum()), 2)
        append(summary, [f"{reason.title_zh} {reason.title}", code, len(part), amount])
        waybills, total = waybills + len(part), total + amount
    last = summary.max_row
    append(summary, ["可索赔合计 Claimable total", "", Formula(f"=SUM(C{first}:C{last})", waybills),
                     Formula(f"=SUM(D{first}:D{last})", round(total, 2))])
    summary[f"A{summary.max_row}"].font = Font(bold=True)
    summary.append([])
    accrual = lines[lines["reason_code"] == ACCRUAL]
    append(summary, [f"{REASONS[ACCRUAL].title_zh} {REASONS[ACCRUAL].title} (计提 accrual, "
                     "not a claim)", ACCRUAL, len(accrual),
                     round(float(accrual["amount"].fillna(0).sum()), 2)])
    for row in summary.iter_rows(min_row=first, max_row=summary.max_row, min_col=4, max_col=4):
        for cell in row:
            cell.number_format = MONEY_FORMAT
    for col, width in zip("ABCD", (46, 24, 14, 16), strict=True):
        summary.column_dimensions[col].width = width
    summary.freeze_panes = "A4"

    for code in [*claims, ACCRUAL]:
        part = lines[lines["reason_code"] == code]
        if part.empty:
            continue
        evidence = REBATE_EVIDENCE if code == REBATE else EVIDENCE
        ws = wb.create_sheet(REASONS[code].title_zh[:31])
        _header(ws, [header for _, header, _ in evidence])
        for record in part.itertuples(index=False):
            append(ws, [getattr(record, col) for col, _, _ in evidence])
        for i, (_, header, fmt) in enumerate(evidence, start=1):
            letter = get_column_letter(i)
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
            ws.column_dimensions[letter].width = 60 if header.startswith("说明") else 16
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    workbook.save(wb, path)
