"""``reports/<period>/exceptions.xlsx``: one sheet per reconciliation and the register sheet.

The register sheet is the round trip: analysts edit status, owner and note there and run
``recon resolve``. Its first row holds the column names ``recon resolve`` reads, and its last,
hidden column each row's version stamp (``register.VERSION_COLUMN``): the state of the item when
the workbook was written, so that ``recon resolve`` never applies a row to an item that changed
since. The other sheets are for reading and filtering; ``计提 Accruals`` lists the parcels
shipped and not billed yet, the freight to accrue in our own books (it is never in a claims
workbook sent to a courier).

A run never overwrites edits not applied yet: :func:`guard_edits`, called before the run
changes anything, refuses when the period's workbook holds such edits, unless asked to apply
them first or to set the file aside.

Every cell is written by ``recon_lib.report.workbook``: text from the input files (waybills,
explanations, order ids) is always a text cell, never a formula.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from recon_lib import register, results
from recon_lib.db import Database
from recon_lib.errors import InputError, Problem
from recon_lib.periods import Period
from recon_lib.privacy import mask_frame
from recon_lib.reasons import REASONS, RECONCILIATIONS
from recon_lib.report import workbook

log = logging.getLogger(__name__)

HEADER_FILL = workbook.HEADER_FILL
EDITABLE_FILL = PatternFill("solid", fgColor="FFF7D6")
MONEY = "#,##0.00"
WORKBOOK = "exceptions.xlsx"
SHEET_NAMES = {"shipping": "发货 Shipping", "outbound": "出库 Outbound",
               "freight": "快递费 Freight", "returns": "退货 Returns", "payments": "回款 Payments"}
FINDING_COLUMNS = [  # column, header, width, number format
    ("title_zh", "原因 Reason", 22, "@"), ("reason_code", "代码 Code", 24, "@"),
    ("key", "键 Key", 30, "@"), ("order_id", "订单号 Order", 22, "@"),
    ("amount", "金额 Amount", 14, MONEY), ("explanation", "说明 Explanation", 70, "@"),
    ("status", "状态 Status", 12, "@"), ("owner", "负责人 Owner", 12, "@"),
]
REGISTER_WIDTHS = {"item_id": 44, "key": 26, "explanation": 60, "note": 30, "closed_reason": 30}
ACCRUALS_SHEET = "计提 Accruals"
ACCRUAL_COLUMNS = [  # column, header, width, number format
    ("carrier", "快递公司 Carrier", 10, "@"), ("waybill_no", "运单号 Waybill", 22, "@"),
    ("shipment_id", "发货单 Shipment", 18, "@"), ("order_id", "订单号 Order", 22, "@"),
    ("ship_time", "发货时间 Shipped", 18, "yyyy-mm-dd hh:mm"),
    ("dest_province", "目的地 Destination", 12, "@"), ("weight_kg", "实重 kg", 10, "0.000"),
    ("amount", "应计提 Accrue", 14, MONEY), ("bill_due_by", "账单应到 Bill due by", 18,
                                              "yyyy-mm-dd"),
    ("explanation", "说明 Explanation", 70, "@"),
]
EDIT_MODES = ("apply", "discard")
"""What a run does with edits not applied yet (``recon run --apply-edits`` /
``--discard-edits``); without one it refuses."""


def write_exceptions(db: Database, period: Period, out_dir: Path) -> Path:
    """Write the workbook; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    found = mask_frame(results.discrepancies(db, period.label))
    items = register.items(db, period)
    items = items[items["status"].isin(("open", "in_progress"))
                  | (items["closed_period"] == period.label)]
    status = items.set_index("item_id")[["status", "owner"]]
    found["item_id"] = found["recon"] + "|" + found["reason_code"] + "|" + found["key"]
    found = found.join(status, on="item_id")
    found["title_zh"] = found["reason_code"].map(
        lambda c: f"{REASONS[c].title_zh} {REASONS[c].title}" if c in REASONS else c)

    wb = Workbook()
    wb.remove(wb.active)
    for recon in RECONCILIATIONS:
        part = found[found["recon"] == recon]
        ws = wb.create_sheet(SHEET_NAMES.get(recon, recon)[:31])
        _frame(ws, part, FINDING_COLUMNS)
    stamps = register.version_stamps(items, period.end, datetime.now())
    _register_sheet(wb.create_sheet(register.SHEET), mask_frame(items), stamps)
    _accruals_sheet(wb.create_sheet(ACCRUALS_SHEET), db.query("freight_accruals",
                                                              period=period.label))
    path = workbook.save(wb, out_dir / WORKBOOK)  # a reader never sees a half-written workbook
    log.info("wrote %s (%d findings, %d register items)", path.name, len(found), len(items))
    return path


def _header(ws, headers) -> None:
    workbook.header(ws, headers)
    ws.freeze_panes = "A2"


def _frame(ws, df: pd.DataFrame, columns) -> None:
    _header(ws, [header for _, header, _, _ in columns])
    for record in df.itertuples(index=False):
        workbook.append(ws, [getattr(record, col) for col, _, _, _ in columns])
    for i, (_, _, width, fmt) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
        for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
            cell.number_format = fmt
    ws.auto_filter.ref = ws.dimensions


def _register_sheet(ws, items: pd.DataFrame, stamps: list[str]) -> None:
    names = list(register.COLUMNS)
    _header(ws, [*names, register.VERSION_COLUMN])
    for record, stamp in zip(items[names].itertuples(index=False), stamps, strict=True):
        workbook.append(ws, [*record, stamp])
    for i, name in enumerate(names, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = REGISTER_WIDTHS.get(name, 14)
        if name in register.EDITABLE:
            ws.cell(row=1, column=i).fill = EDITABLE_FILL
        if name == "amount":
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = MONEY
    status_col = get_column_letter(names.index("status") + 1)
    choice = DataValidation(type="list", formula1='"' + ",".join(register.STATUSES) + '"',
                            allow_blank=False, showErrorMessage=True,
                            errorTitle="status", error="open, in_progress, resolved or written_off")
    ws.add_data_validation(choice)
    choice.add(f"{status_col}2:{status_col}{max(2, ws.max_row)}")
    ws.auto_filter.ref = ws.dimensions
    version = ws.column_dimensions[get_column_letter(len(names) + 1)]
    version.hidden = True  # recon resolve's, not the analyst's
    version.width = 40


def _accruals_sheet(ws, accruals: pd.DataFrame) -> None:
    """Parcels shipped, not billed: one row each, and the total to accrue (a formula with its
    value cached)."""
    _frame(ws, accruals, ACCRUAL_COLUMNS)
    if len(accruals):
        names = [name for name, _, _, _ in ACCRUAL_COLUMNS]
        col = get_column_letter(names.index("amount") + 1)
        total: list = [""] * len(names)
        total[0] = "合计 Total"
        total[names.index("amount")] = workbook.Formula(
            f"=SUM({col}2:{col}{ws.max_row})", round(float(accruals["amount"].fillna(0).sum()), 2))
        row = workbook.append(ws, total)
        ws.cell(row, names.index("amount") + 1).number_format = MONEY
        ws.auto_filter.ref = f"A1:{get_column_letter(len(names))}{row - 1}"


# -- edits not applied yet ----------------------------------------------------------------------
def guard_edits(db: Database, out_dir: Path, mode: str | None = None) -> str | None:
    """Before a run of the period whose reports go to ``out_dir``: make sure its
    ``exceptions.xlsx`` holds no edits that are not in the register (see
    :func:`register.pending_edits`), which the run would overwrite (and, as it changes the
    register's items, could make impossible to apply).

    Without ``mode`` such edits stop the run: :class:`InputError` (exit 2) naming the file and
    each edited row, and what to do. ``mode="apply"`` applies the file first, as ``recon
    resolve`` does (all or nothing: a refusal stops the run, nothing changed);
    ``mode="discard"`` moves the file aside to ``exceptions_discarded_<time>.xlsx`` in the same
    folder (also a file that is not an exceptions workbook we can read, which otherwise stops
    the run too). Returns what was done, or None when there was nothing to do."""
    if mode not in (None, *EDIT_MODES):
        raise ValueError(f"mode must be one of {', '.join(EDIT_MODES)} or None, got {mode!r}")
    path = Path(out_dir) / WORKBOOK
    try:
        pending = register.pending_edits(db, path)
    except InputError as exc:  # there, but not a workbook we can read: it cannot be checked
        if mode != "discard":
            raise InputError(f"{path} cannot be checked for edits not applied yet, and this run "
                             f"would overwrite it: {exc.args[0]}. Move it away, or run with "
                             "--discard-edits to set it aside", exc.problems) from None
        pending = [None]
    if not pending:
        return None
    rows = f"{len(pending)} row(s)"
    if mode == "apply":
        report = register.resolve(db, path)
        done = (f"{path}: applied the edits not yet applied first ({rows}, "
                f"{report.changes} change(s)), as `recon resolve` does")
        log.warning(done)
        return done
    if mode == "discard":
        aside = path.with_name(f"exceptions_discarded_{datetime.now():%Y%m%dT%H%M%S}.xlsx")
        os.replace(path, aside)
        what = ("a file that could not be checked" if pending == [None]
                else f"{rows} with edits not applied, NOT applied")
        done = f"{path}: {what} (--discard-edits); the file is kept as {aside.name}"
        log.warning(done)
        return done
    raise InputError(
        f"{path} holds edits not applied to the register yet ({rows}); this run would "
        "overwrite them, so nothing was run. Apply them first with `recon resolve "
        f"{path}` (or run again with --apply-edits), or run with --discard-edits to set the "
        "file aside unapplied",
        [Problem(path.name, f"{p.item_id}: " + ", ".join(
            f"{field} {old or ''!r} -> {new or ''!r}" for field, old, new in p.changes),
            p.row) for p in pending])
