"""The discrepancy register: findings carried from period to period until someone resolves them.

Each finding has a stable identity (reconciliation, reason code, business key). A period's run
enters its findings (``sync``), carries what is still open, and closes by itself what later data
reconciled (the late bill arrived, the refund was paid). Analysts change status, owner and note
in the register sheet of ``exceptions.xlsx`` and apply it with ``recon resolve`` (``resolve``):
all changes or none, each one written to the audit trail.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from recon_lib.db import Database
from recon_lib.errors import InputError, Problem
from recon_lib.formats import plain, sheet_text
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
    left_alone: int = 0
    """Rows exactly as exported whose item has changed since: nothing applied from them."""


# -- the version stamp of a register row ------------------------------------------------------
# Every row of the register sheet carries, in the hidden column VERSION_COLUMN, the state of its
# item when the workbook was written: a digest of what the analyst may edit (status, owner,
# note), a digest of everything else the sheet shows (but age_days, derived from the day the
# ages were taken at, which the stamp also holds), and the moment. `recon resolve` applies a row
# only when its item is still in that state, so an old copy of a workbook can never undo what
# was decided after it was written; and it knows which cells the analyst changed.
VERSION_COLUMN = "version"
STAMP_PREFIX = "r1"
STATE_COLUMNS = tuple(c for c in COLUMNS if c not in ("item_id", "age_days"))
FIXED = tuple(c for c in STATE_COLUMNS if c not in EDITABLE)
"""What the sheet shows and an analyst may not edit: the key columns and the read-only ones."""
READ_ONLY = tuple(c for c in FIXED if c not in KEY_COLUMNS)


@dataclass(frozen=True)
class Stamp:
    as_of: date
    """The day the ages (age_days) were taken at."""
    written: datetime
    """When the workbook was written."""
    editable: str
    """The digest of the item's status, owner and note then (:func:`digest`)."""
    fixed: str
    """The digest of its other columns then."""

    def __str__(self) -> str:
        return (f"{STAMP_PREFIX};{self.as_of.isoformat()};"
                f"{self.written.isoformat(timespec='microseconds')};{self.editable};{self.fixed}")

    @classmethod
    def parse(cls, value) -> Stamp | None:
        parts = (_text(value) or "").split(";")
        if len(parts) != 5 or parts[0] != STAMP_PREFIX or not all(
                re.fullmatch(r"[0-9a-f]{16}", p) for p in parts[3:]):
            return None
        try:
            return cls(date.fromisoformat(parts[1]), datetime.fromisoformat(parts[2]), *parts[3:])
        except ValueError:
            return None

    @classmethod
    def of(cls, values, as_of: date, written: datetime) -> Stamp:
        return cls(as_of, written, digest(values, EDITABLE), digest(values, FIXED))


def _cell_text(column: str, value) -> str:
    """A register value as the workbook shows it, for comparing: amounts to the fen, text as a
    cell holds it (formats.sheet_text), stripped; missing is ''."""
    value = plain(value)
    if value is None:
        return ""
    if column == "amount" and not isinstance(value, bool):
        try:
            return f"{float(value):.2f}"
        except ValueError:
            pass
    if column == "age_days" and isinstance(value, int | float):
        return str(int(value))
    return sheet_text(value).strip()


def digest(values, columns: tuple[str, ...]) -> str:
    """16 hex digits for ``columns`` of an item as its register row shows them: the same for the
    register's values and for the row read back from the workbook when none was edited."""
    text = "\x1f".join(f"{c}={_cell_text(c, values.get(c))}" for c in columns)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def version_stamps(items: pd.DataFrame, as_of: date, written: datetime) -> list[str]:
    """The :data:`VERSION_COLUMN` value of each row of ``items`` (as :func:`items` returns them)
    in a workbook written at ``written`` with ages at ``as_of``: each row's :meth:`Stamp.of`,
    with each distinct value of a column turned into its text once."""
    shown = {c: _column_texts(items, c) for c in STATE_COLUMNS}

    def digests(columns: tuple[str, ...]) -> list[str]:
        rows = map("\x1f".join, zip(*(shown[c] for c in columns), strict=True))
        return [hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] for text in rows]

    head = f"{STAMP_PREFIX};{as_of.isoformat()};{written.isoformat(timespec='microseconds')}"
    return [f"{head};{e};{f}" for e, f in zip(digests(EDITABLE), digests(FIXED), strict=True)]


def _column_texts(items: pd.DataFrame, column: str) -> list[str]:
    """``column=<cell text>`` for every row of ``items`` (what :func:`digest` joins)."""
    if column not in items:
        return [f"{column}="] * len(items)
    codes, uniques = pd.factorize(items[column].astype(object), use_na_sentinel=True)
    texts = np.array([f"{column}={_cell_text(column, v)}" for v in uniques] + [f"{column}="],
                     dtype=object)
    return texts[codes].tolist()  # code -1 (missing) takes the last: empty


def resolve(db: Database, path: str | Path) -> ResolveReport:
    """Apply the register sheet of an exceptions workbook: validated whole, applied whole.

    One row per item, with the version stamp ``recon run`` wrote. A row's status, owner and
    note are applied only if its item is still as the stamp says it was when the workbook was
    written. If it changed since (an edit applied from another copy, a run that closed or
    re-found it), a row whose status, owner and note are as exported is left alone, one that
    already matches the register needs nothing, and any other is refused, naming what changed
    and when. Edits of any other column are refused, never ignored. Any refusal changes nothing.
    """
    path = Path(path)
    rows = _read_sheet(path)
    current = _items_now(db)
    rows_of: dict[str, list[int]] = {}
    for row_no, row in rows:
        rows_of.setdefault(_text(row.get("item_id")) or "", []).append(row_no)
    ages: dict[date, pd.Series] = {}
    problems, changes, left_alone = [], [], 0
    for row_no, row in rows:
        item = _text(row.get("item_id"))
        if not item or item not in current.index:
            problems.append(Problem(path.name, f"item {item!r} is not in the register; rows "
                                    "cannot be added", row_no, "item_id"))
            continue
        if len(rows_of[item]) > 1:
            others = ", ".join(str(n) for n in rows_of[item] if n != row_no)
            problems.append(Problem(path.name, f"item {item!r} is on more than one row (also row "
                                    f"{others}); keep one row per item", row_no, "item_id"))
            continue
        stamp = Stamp.parse(row.get(VERSION_COLUMN))
        if stamp is None:
            problems.append(Problem(path.name, f"no valid version stamp (got "
                                    f"{_text(row.get(VERSION_COLUMN))!r}): only rows of a "
                                    "workbook `recon run` wrote, with their hidden "
                                    f"{VERSION_COLUMN!r} column untouched, can be applied",
                                    row_no, VERSION_COLUMN))
            continue
        known = current.loc[item]
        if stamp.as_of not in ages:
            ages[stamp.as_of] = _ages(db, stamp.as_of)
        problems += _fixed_edits(path.name, row_no, row, known, stamp,
                                 ages[stamp.as_of].get(item))
        status = _text(row.get("status"))
        if status not in STATUSES:
            problems.append(Problem(path.name, f"expected one of {', '.join(STATUSES)}, got "
                                    f"{row.get('status')!r}", row_no, "status"))
            continue
        edits = [(field, _text(known[field]), _text(row.get(field))) for field in EDITABLE
                 if _cell_text(field, row.get(field)) != _cell_text(field, known[field])]
        if Stamp.of(known, stamp.as_of, stamp.written) != stamp:  # changed after it was written
            if digest(row, EDITABLE) == stamp.editable:
                left_alone += 1  # not edited: nothing to apply, nothing to undo
            elif edits:
                problems.append(Problem(path.name, _changed_since(db, item, stamp, row, known),
                                        row_no, None))
            continue  # (edits that match the register already need nothing)
        changes += [(item, *edit) for edit in edits]
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
    if left_alone:
        log.info("resolve %s: %d row(s) left alone: their item changed after the workbook was "
                 "written and the row was not edited", path.name, left_alone)
    log.info("resolve %s: %d change(s) applied", path.name, len(changes))
    return ResolveReport(path.name, len(rows), len(changes), left_alone)


@dataclass(frozen=True)
class PendingEdit:
    """A row of an exceptions workbook whose status, owner or note an analyst changed and that
    is not in the register (yet): what ``recon resolve`` of the file would apply, or refuse."""

    row: int
    item_id: str
    changes: tuple[tuple[str, str | None, str | None], ...]
    """(column, the register's value now, the workbook's value) per edited column."""

    def __str__(self) -> str:
        what = ", ".join(f"{field} {old or ''!r} -> {new or ''!r}"
                         for field, old, new in self.changes)
        return f"row {self.row} ({self.item_id}): {what}"


def pending_edits(db: Database, path: str | Path) -> list[PendingEdit]:
    """The edits of the register sheet of ``path`` that are not in the register: rows whose
    status, owner or note differ both from what the register holds now and from what the
    workbook was written with (its version stamp). A row as written is not an edit (the
    register may have moved on since: ``recon resolve`` leaves such a row alone); a row equal
    to the register was applied already. Without a readable stamp (a workbook of an older
    recon_lib), any difference from the register counts. Rows of items not in the register are
    not counted (``recon resolve`` refuses them: they cannot be applied).

    Empty when the file does not exist. Raises :class:`InputError` when it exists but is not
    an exceptions workbook we can read (so a run does not overwrite what it cannot check)."""
    path = Path(path)
    if not path.exists():
        return []
    rows = _read_sheet(path, need_version=False)
    current = _items_now(db)
    pending = []
    for row_no, row in rows:
        item = _text(row.get("item_id"))
        if not item or item not in current.index:
            continue
        known = current.loc[item]
        changes = tuple((field, _text(known[field]), _text(row.get(field))) for field in EDITABLE
                        if _cell_text(field, row.get(field)) != _cell_text(field, known[field]))
        if not changes:
            continue  # as the register holds it: applied already, or never edited
        stamp = Stamp.parse(row.get(VERSION_COLUMN))
        if stamp is not None and digest(row, EDITABLE) == stamp.editable:
            continue  # as written: the register changed since, the analyst changed nothing
        pending.append(PendingEdit(row_no, item, changes))
    return pending


def _fixed_edits(file: str, row_no: int, row: dict, known, stamp: Stamp,
                 age) -> list[Problem]:
    """A row's edits of columns only ``recon run`` writes: refused, one problem per column.
    (Which cells were edited is told by the stamp; an item that changed since shows the
    register's value now as the one replaced.)"""
    out = []
    if digest(row, FIXED) != stamp.fixed:
        for col in FIXED:
            was, now = _cell_text(col, known[col]), _cell_text(col, row.get(col))
            if was == now:
                continue
            if col in KEY_COLUMNS:
                out.append(Problem(file, f"key columns cannot be edited: was {known[col]!r}, "
                                         f"now {row.get(col)!r}", row_no, col))
            else:
                out.append(Problem(file, f"{col} is read-only (only {', '.join(EDITABLE)} are "
                                         f"applied): was {was!r}, now {now!r}; the edit is "
                                         "refused", row_no, col))
    if _cell_text("age_days", row.get("age_days")) != _cell_text("age_days", age):
        out.append(Problem(file, f"age_days is read-only (only {', '.join(EDITABLE)} are "
                                 f"applied): was {_cell_text('age_days', age)!r} on "
                                 f"{stamp.as_of}, now {_cell_text('age_days', row.get('age_days'))!r}"
                                 "; the edit is refused", row_no, "age_days"))
    return out


def _items_now(db: Database) -> pd.DataFrame:
    """Every register item as it is now, by item_id (amounts as floats, as :func:`items`)."""
    df = db.query("register_list", as_of=datetime.now().date(), status=None, older_than=None)
    df["amount"] = df["amount"].astype(float)
    return df.set_index("item_id", drop=False)


def _ages(db: Database, as_of: date) -> pd.Series:
    df = db.query("register_list", as_of=as_of, status=None, older_than=None)
    return df.set_index("item_id")["age_days"]


def _changed_since(db: Database, item: str, stamp: Stamp, row, known) -> str:
    """Why a row is refused: what happened to its item after its workbook was written."""
    what = [f"{a.field} {_text(a.old_value) or ''!r} -> {_text(a.new_value) or ''!r} on "
            f"{a.changed_at:%Y-%m-%d %H:%M} (by {a.source})"
            for a in db.query("register_audit_since", item_id=item,
                              since=stamp.written).itertuples()]
    for col in FIXED:  # what no audit records: a run's new amount, explanation, close
        was, now = _cell_text(col, row.get(col)), _cell_text(col, known[col])
        if was != now:
            what.append(f"{col} {was!r} -> {now!r} on {known['updated_at']:%Y-%m-%d %H:%M}")
    if not what:
        what.append(f"last changed {known['updated_at']:%Y-%m-%d %H:%M}")
    return (f"item {item!r} changed after this workbook was written "
            f"({stamp.written:%Y-%m-%d %H:%M}): {'; '.join(what)}. The edits on this row were "
            "made on what it showed then, so they are refused: write the workbook again "
            "(`recon run`) and make them there")


def _text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _read_sheet(path: Path, need_version: bool = True) -> list[tuple[int, dict]]:
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
    if need_version and VERSION_COLUMN not in header:
        raise InputError(f"{path.name}: sheet {SHEET!r} has no {VERSION_COLUMN!r} column, so "
                         "nothing says which state of the register its rows were written from; "
                         "it was written by an older recon_lib or the column was deleted. Write "
                         "the workbook again (`recon run`) and make the edits there")
    return [(i, dict(zip(header, map(_unescaped, values), strict=False)))
            for i, values in enumerate(grid[1:], start=2) if any(v is not None for v in values)]


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescaped(value):
    """A text cell as Excel shows it: the file format writes ``_`` followed by ``x0041_`` as
    ``_x005F_x0041_`` (Excel and our writer both), and openpyxl reads it back undecoded."""
    if isinstance(value, str) and "_x" in value:
        return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value


def as_of_period(label: str | None, db: Database) -> Period:
    """The period to age items at: the given one, else the latest run."""
    if label:
        return parse_period(label)
    latest = db.value("runs_latest_period")
    if latest is None:
        raise InputError("no period has been run yet: run `recon run --period 2026-10` (or a week, day or range) first")
    return parse_period(latest)
