"""The discrepancy register: findings carried from period to period until someone resolves them.

Each finding has a stable identity (reconciliation, reason code, business key). A period's run
enters its findings (``sync``), carries what is still open, and closes by itself what later data
reconciled (the late bill arrived, the refund was paid). Analysts change status, owner and note
in the register sheet of ``exceptions.xlsx`` and apply it with ``recon resolve`` (``resolve``):
all changes or none, each one written to the audit trail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from recon_lib.db import Database
from recon_lib.errors import InputError, Problem
from recon_lib.periods import Period, parse_period

log = logging.getLogger(__name__)

STATUSES = ("open", "in_progress", "resolved", "written_off")
CLOSED = ("resolved", "written_off")
SHEET = "登记簿 Register"
EDITABLE = ("status", "owner", "note")
KEY_COLUMNS = ("recon", "reason_code", "key")
COLUMNS = ("item_id", "recon", "reason_code", "key", "order_id", "status", "owner", "note",
           "amount", "first_seen", "last_seen", "age_days", "explanation", "closed_period",
           "closed_reason")


def sync(db: Database, period: Period) -> int:
    """Enter the period's findings and close what later data reconciled; returns items closed."""
    now = datetime.now()
    with db.transaction():
        db.run("register_upsert", period=period.label, now=now, **period.bounds())
        db.run("register_to_close", period=period.label, **period.bounds())
        closed = db.value("register_close_count")
        db.run("register_close_audit", period=period.label, now=now)
        db.run("register_close", period=period.label, period_end=period.end_ts, now=now)
    log.info("register: %d item(s) closed by later data", closed)
    return int(closed)


def items(db: Database, as_of: Period, *, status: str | None = None,
          older_than: int | None = None) -> pd.DataFrame:
    """Register items with their age in days at ``as_of``'s end."""
    if status is not None and status not in STATUSES:
        raise InputError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    df = db.query("register_list", as_of=as_of.end, status=status, older_than=older_than)
    df["amount"] = df["amount"].astype(float)
    return df


def period_counts(db: Database, period: Period) -> pd.DataFrame:
    """New, carried and resolved items of a period per reconciliation, and the open amount."""
    df = db.query("register_period_counts", **period.bounds())
    df["open_amount"] = df["open_amount"].astype(float)
    return df


@dataclass(frozen=True)
class ResolveReport:
    file: str
    rows: int
    changes: int


def resolve(db: Database, path: str | Path) -> ResolveReport:
    """Apply the register sheet of an exceptions workbook: validated whole, applied whole."""
    path = Path(path)
    rows = _read_sheet(path)
    current = db.query("register_list", as_of=datetime.now().date(), status=None,
                       older_than=None).set_index("item_id")
    problems, changes = [], []
    for row_no, row in rows:
        item = row.get("item_id")
        if not item or item not in current.index:
            problems.append(Problem(path.name, f"item {item!r} is not in the register; rows "
                                    "cannot be added", row_no, "item_id"))
            continue
        known = current.loc[item]
        for col in KEY_COLUMNS:
            if _text(row.get(col)) != _text(known[col]):
                problems.append(Problem(
                    path.name, f"key columns cannot be edited: was {known[col]!r}, "
                               f"now {row.get(col)!r}", row_no, col))
        status = _text(row.get("status"))
        if status not in STATUSES:
            problems.append(Problem(path.name, f"expected one of {', '.join(STATUSES)}, got "
                                    f"{row.get('status')!r}", row_no, "status"))
            continue
        for field in EDITABLE:
            old, new = _text(known[field]), _text(row.get(field))
            if old != new:
                changes.append((item, field, old, new))
    if problems:
        raise InputError(f"{path.name}: the register was not changed", problems)
    latest = as_of_period(None, db)
    now = datetime.now()
    with db.transaction():
        for item, field, old, new in changes:
            db.run("register_audit_insert", now=now, item_id=item, field=field, old_value=old,
                   new_value=new, source=path.name)
            extra = ({"period": latest.label, "period_end": latest.end_ts}
                     if field == "status" else {})
            db.run(f"register_set_{field}", item_id=item, value=new, now=now, **extra)
    log.info("resolve %s: %d change(s) applied", path.name, len(changes))
    return ResolveReport(path.name, len(rows), len(changes))


def _text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _read_sheet(path: Path) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise InputError(f"{path.name}: not a readable .xlsx workbook "
                         f"({exc.__class__.__name__})") from None
    try:
        if SHEET not in wb.sheetnames:
            raise InputError(f"{path.name}: no sheet {SHEET!r}; expected the exceptions workbook "
                             "that `recon run` writes (sheets: " + ", ".join(wb.sheetnames) + ")")
        grid = list(wb[SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    if not grid:
        raise InputError(f"{path.name}: sheet {SHEET!r} is empty")
    header = [_text(h) for h in grid[0]]
    missing = [c for c in ("item_id", *KEY_COLUMNS, *EDITABLE) if c not in header]
    if missing:
        raise InputError(f"{path.name}: sheet {SHEET!r} lacks column(s) {', '.join(missing)}",
                         [Problem(path.name, f"missing column {c!r}", 1, c) for c in missing])
    return [(i, dict(zip(header, values, strict=False)))
            for i, values in enumerate(grid[1:], start=2) if any(v is not None for v in values)]


def as_of_period(label: str | None, db: Database) -> Period:
    """The period to age items at: the given one, else the latest run."""
    if label:
        return parse_period(label)
    latest = db.value("runs_latest_period")
    if latest is None:
        raise InputError("no period has been run yet: run `recon run --period 2026-10` (or a week, day or range) first")
    return parse_period(latest)
