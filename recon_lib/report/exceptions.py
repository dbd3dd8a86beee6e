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

from recon_lib import register, results
from recon_lib.db import Database
from recon_lib.errors import InputError, Problem
from recon_lib.periods import Period
from recon_lib.privacy import mask_frame
from recon_lib.reasons import REASONS, RECONCILIATIONS
from recon_lib.report import workbook

log = logging.getLogger(__name__)

EDITABLE_FILL = "#FFF7D6"
MONEY = workbook.MONEY
WORKBOOK = "exceptions.xlsx"
SHEET_NAMES = {"intake": "订单核对 Order checks", "shipping": "发货 Shipping",
               "outbound": "出库 Outbound", "freight": "快递费 Freight", "returns": "退货 Returns",
               "payments": "回款 Payments", "cod": "代收货款 COD", "purchase": "采购 Purchase",
               "claims": "丢件破损理赔 Claims"}
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

    stamps = register.version_stamps(items, period.end, datetime.now())
    accruals = db.query("freight_accruals", period=period.label)
    with workbook.Book(out_dir / WORKBOOK) as book:  # in place only once complete
        for recon in RECONCILIATIONS:
            _frame(book.sheet(SHEET_NAMES.get(recon, recon)), found[found["recon"] == recon],
                   FINDING_COLUMNS)
        _register_sheet(book.sheet(register.SHEET), mask_frame(items), stamps)
        _accruals_sheet(book.sheet(ACCRUALS_SHEET), accruals)
    path = out_dir / WORKBOOK
    log.info("wrote %s (%d findings, %d register items)", path.name, len(found), len(items))
    return path


def _frame(ws: workbook.Sheet, df: pd.DataFrame, columns) -> int:
    """A header, then a row per record; returns the last row's number."""
    ws.header([header for _, header, _, _ in columns])
    last = ws.frame(df[[col for col, _, _, _ in columns]],
                    [workbook.Style(number=fmt) for _, _, _, fmt in columns])
    ws.widths([width for _, _, width, _ in columns])
    ws.freeze(1)
    ws.filter(1, last, len(columns))
    return last


def _register_sheet(ws: workbook.Sheet, items: pd.DataFrame, stamps: list[str]) -> None:
    names = list(register.COLUMNS)
    ws.header([*names, register.VERSION_COLUMN],
              fills={i: EDITABLE_FILL for i, name in enumerate(names, start=1)
                     if name in register.EDITABLE})
    styles = [workbook.Style(number=MONEY if name == "amount" else None) for name in names]
    # the version stamp last: recon resolve's, in a hidden column
    last = ws.frame(items[names].assign(**{register.VERSION_COLUMN: stamps}), [*styles, None])
    ws.widths([REGISTER_WIDTHS.get(name, 14) for name in names] + [40],
              hidden=[len(names) + 1])
    ws.choice(names.index("status") + 1, 2, max(2, last), register.STATUSES, "status",
              "open, in_progress, resolved or written_off")
    ws.freeze(1)
    ws.filter(1, last, len(names) + 1)


def _accruals_sheet(ws: workbook.Sheet, accruals: pd.DataFrame) -> None:
    """Parcels shipped, not billed: one row each, and the total to accrue (a formula with its
    value cached)."""
    last = _frame(ws, accruals, ACCRUAL_COLUMNS)
    if len(accruals):
        names = [name for name, _, _, _ in ACCRUAL_COLUMNS]
        col = workbook.column_letter(names.index("amount") + 1)
        total: list = [""] * len(names)
        total[0] = "合计 Total"
        total[names.index("amount")] = workbook.Formula(
            f"=SUM({col}2:{col}{last})", round(float(accruals["amount"].fillna(0).sum()), 2))
        ws.row(total, [workbook.Style(number=fmt) for _, _, _, fmt in ACCRUAL_COLUMNS])


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
