"""Loading a period: recognise every raw file, read it into its canonical table, check, insert.

Nothing touches the database until every file of the period has been read and checked; then
the period's rows are replaced in one transaction, so a load is all or nothing and repeatable.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from recon_lib import checks, config, schema
from recon_lib.db import Database
from recon_lib.errors import InputError, Problem
from recon_lib.load import readers, values
from recon_lib.load.detect import detect, period_files
from recon_lib.load.profile import ColumnRule, Profile, TotalCheck, Totals, Unpivot, load_profiles
from recon_lib.periods import Period

log = logging.getLogger(__name__)

LINEAGE_NAMES = [c.name for c in schema.LINEAGE]
PRIVATE_MARK = "<private>"
"""Stands in a problem's message for a value of one of the profile's ``private`` columns."""


@dataclass(frozen=True)
class FileReport:
    """What one raw file contributed to the load."""

    file: str
    profile: str
    table: str
    rows: int
    seconds: float


@dataclass(frozen=True)
class LoadReport:
    """The result of :func:`load_period`: one entry per file, in file-name order."""

    period: str
    folder: Path
    files: tuple[FileReport, ...]
    seconds: float
    tables: dict[str, int] = field(default_factory=dict)
    """Rows loaded per canonical table (tables without a file this period are absent)."""

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    def to_dict(self) -> dict:
        return {
            "period": self.period, "folder": str(self.folder), "rows": self.rows,
            "seconds": round(self.seconds, 3), "tables": dict(self.tables),
            "files": [vars(f) for f in self.files],
        }


@dataclass
class _Read:
    """One file read: its rows, its problems and which header fed each canonical column."""

    frame: pd.DataFrame | None
    problems: list[Problem]
    headers: dict[str, str]


# -- one file ---------------------------------------------------------------------------------
def read_file(path: str | Path, profile: Profile, period: Period, *,
              base: str | Path | None = None) -> pd.DataFrame:
    """Read one raw file into the canonical table's columns plus the lineage columns.

    ``source_file`` is the path relative to ``base`` (default: the file's folder, i.e. the
    period folder). Raises one InputError carrying every problem of the file.
    """
    path = Path(path)
    label = _label(path, Path(base) if base is not None else path.parent)
    result = _read(path, profile, period, label)
    if result.problems:
        raise InputError(f"{label} could not be read with profile {profile.name}: "
                         f"{len(result.problems)} problem(s)", result.problems)
    return result.frame


def _label(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def _read(path: Path, profile: Profile, period: Period, label: str) -> _Read:
    try:
        grid = readers.read_grid(path, profile, label=label)
    except InputError as exc:
        return _Read(None, exc.problems or [Problem(label, str(exc))], {})
    where = f" (sheet {grid.sheet!r})" if grid.sheet else ""
    search = readers.find_header(grid.rows, profile.signature, profile.header_search_rows)
    if search.index is None:
        hint = ""
        if grid.sheet is None and profile.encoding != "auto":
            # A UTF-8 file read as GBK decodes without error, into unrecognisable headers.
            hint = f" (the file was decoded as {profile.encoding}: is that its encoding?)"
        return _Read(None, [Problem(
            label, f"no header row{where}: none of the first {profile.header_search_rows} rows "
                   f"holds all of {', '.join(profile.signature)}; missing "
                   f"{', '.join(search.missing)}{hint}", search.row)], {})

    header_row, header_cells = grid.rows[search.index]
    positions: dict[str, int] = {}
    for i, cell in enumerate(header_cells):
        if cell:
            positions.setdefault(values.header_key(cell), i)  # the first of duplicates wins
    totals_rows, problems = _totals_rows(grid, search.index, profile, label, where)
    skip = {row[0] for _, row in totals_rows}  # a totals row is never data
    numbers, records = _data_rows(grid.rows[search.index + 1:], profile, positions, skip)

    headers: dict[str, str] = {}
    tbl = schema.table(profile.table)
    data: dict[str, np.ndarray] = {}
    index = pd.Index(numbers)
    made_later = set(profile.same_as)
    if profile.unpivot is not None:
        made_later |= {profile.unpivot.value_column, profile.unpivot.type_column}
    for col in tbl.columns:
        if col.name in made_later:
            continue
        if col.name in profile.constants:
            value, _ = values.parse(pd.Series([profile.constants[col.name]]), col.type)
            data[col.name] = np.full(len(numbers), value[0], dtype=object)
            continue
        rule = profile.columns.get(col.name)
        position = None
        if rule is not None:
            position = next((positions[k] for k in map(values.header_key, rule.from_)
                             if k in positions), None)
        if position is None:
            if rule is not None and not rule.optional:
                problems.append(_missing(label, rule.from_, where, col.name, header_row,
                                         header_cells))
            raw = pd.Series([""] * len(numbers), index=index, dtype="str")
        else:
            headers[col.name] = header_cells[position]
            raw = _cells(records, position, index)
        column_values, found = _column(raw, rule, col, period)
        data[col.name] = column_values
        header = headers.get(col.name, rule.from_[0] if rule else col.name)
        problems += [Problem(label, message, row, header) for row, message in found]

    lines = np.array(numbers, dtype=object)
    if profile.unpivot is not None:
        up = profile.unpivot
        picked, amounts, types, found = _unpivot(up, tbl, records, index, positions,
                                                 header_cells, label, where, header_row)
        problems += found
        data = {name: column[picked] for name, column in data.items()}
        data[up.value_column], data[up.type_column] = amounts, types
        lines = lines[picked]
    for target, source in profile.same_as.items():
        data[target] = data[source].copy()
        if source in headers:
            headers[target] = headers[source]

    data["period"] = np.full(len(lines), period.label, dtype=object)
    data["source_file"] = np.full(len(lines), label, dtype=object)
    data["source_row"] = lines
    frame = pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in data.items()},
                         columns=tbl.column_names + LINEAGE_NAMES)
    frame.attrs["profile"] = profile.name
    frame.attrs["headers"] = headers
    if profile.private:
        problems = _hide_private(problems, profile.private, positions, numbers, records)
    if problems:
        if profile.totals:
            log.debug("%s: totals not checked: the file has other problems", label)
    else:
        problems = _check_totals(frame, path, profile, totals_rows, positions, header_cells,
                                 label, where)
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return _Read(frame, problems, headers)


def _missing(label: str, wanted: tuple[str, ...], where: str, into: str, header_row: int,
             header_cells: list[str]) -> Problem:
    text = " or ".join(repr(h) for h in wanted)
    return Problem(label, f"missing column {text}{where} (read into {into}); the header row "
                          f"has: {', '.join(c for c in header_cells if c)}",
                   header_row, wanted[0])


def _cells(records: list[list[str]], position: int, index: pd.Index) -> pd.Series:
    return pd.Series([r[position] if position < len(r) else "" for r in records], index=index,
                     dtype="str")


def _data_rows(rows: list[readers.Row], profile: Profile, positions: dict[str, int],
               skip: Set[int] = frozenset()) -> tuple[list[int], list[list[str]]]:
    """Rows below the header, without blank rows, dropped summary rows, totals and trailer."""
    drops = []
    for header, pattern in profile.drop_rows.items():
        position = positions.get(values.header_key(header))
        if position is not None:
            drops.append((position, re.compile(pattern)))
        else:
            log.debug("drop_rows: header %r is not in the file; rule ignored", header)
    numbers, records = [], []
    for number, cells in rows:
        if not any(cells):
            if profile.stop_at_blank_row:
                break  # everything below the first blank row is a trailer
            continue
        if number in skip or any(p < len(cells) and rx.search(cells[p]) for p, rx in drops):
            continue
        numbers.append(number)
        records.append(cells)
    return numbers, records


# -- unpivot, private columns, totals ---------------------------------------------------------
def _unpivot(unpivot: Unpivot, tbl: schema.Table, records: list[list[str]], index: pd.Index,
             positions: dict[str, int], header_cells: list[str], label: str, where: str,
             header_row: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Problem]]:
    """One line per kept fee cell: (the physical row of each line as a position into the rows,
    the lines' values, the lines' types, problems). A row's lines stay together, in the
    profile's order of fee columns."""
    value_type = tbl.column(unpivot.value_column).type
    problems: list[Problem] = []
    wide = np.full((len(index), len(unpivot.columns)), None, dtype=object)
    for i, header in enumerate(unpivot.columns):
        position = positions.get(values.header_key(header))
        if position is None:
            problems.append(_missing(label, (header,), where, unpivot.value_column, header_row,
                                     header_cells))
            continue
        wide[:, i], found = values.parse(_cells(records, position, index), value_type)
        problems += [Problem(label, message, row, header_cells[position])
                     for row, message in found]
    keep = np.array([v is not None and not (unpivot.skip_zero and v == 0) for v in wide.flat],
                    dtype=bool).reshape(wide.shape)
    rows, fees = np.nonzero(keep)  # row-major order
    names = pd.Series(list(unpivot.columns.values()), dtype="str")
    types, _ = values.parse(names, tbl.column(unpivot.type_column).type)  # checked at load
    return rows, wide[rows, fees], types[fees], problems


def _hide_private(problems: list[Problem], private: tuple[str, ...], positions: dict[str, int],
                  numbers: list[int], records: list[list[str]]) -> list[Problem]:
    """Problems never quote a row's personal data, even when it strayed into a read column."""
    where = [positions[k] for k in map(values.header_key, private) if k in positions]
    secrets = {number: sorted({cells[p] for p in where if p < len(cells) and cells[p]},
                              key=len, reverse=True)
               for number, cells in zip(numbers, records, strict=True)}
    out = []
    for problem in problems:
        message = problem.message
        for secret in secrets.get(problem.row, ()):
            message = message.replace(secret, PRIVATE_MARK)
        out.append(dataclasses.replace(problem, message=message))
    return out


def _totals_rows(grid: readers.Grid, header_index: int, profile: Profile, label: str,
                 where: str) -> tuple[list[tuple[Totals, readers.Row]], list[Problem]]:
    """The totals row of each ``totals`` entry with ``row``: exactly one row must match."""
    found, problems = [], []
    for totals in profile.totals:
        if totals.row is None:
            continue
        above = totals.row == "above"
        rows = grid.rows[:header_index] if above else grid.rows[header_index + 1:]
        rx = re.compile(totals.label)
        hits = [(n, cells) for n, cells in rows if any(c and rx.search(c) for c in cells)]
        side = "above" if above else "below"
        if len(hits) == 1:
            found.append((totals, hits[0]))
        elif not hits and totals.optional:
            log.debug("%s: no totals row %s the header; optional, not checked", label, side)
        elif not hits:
            problems.append(Problem(label, f"no totals row{where}: no row {side} the header "
                                           f"has a cell matching {totals.label!r}"))
        else:
            shown = ", ".join(str(n) for n, _ in hits[:5])
            problems.append(Problem(label, f"{len(hits)} rows{where} {side} the header have a "
                                           f"cell matching {totals.label!r} (rows {shown}); "
                                           "make the profile's totals label more specific",
                                    hits[0][0]))
    return found, problems


def _check_totals(frame: pd.DataFrame, path: Path, profile: Profile,
                  totals_rows: list[tuple[Totals, readers.Row]], positions: dict[str, int],
                  header_cells: list[str], label: str, where: str) -> list[Problem]:
    """Compare every total the file states with what its lines add up to."""
    problems: list[Problem] = []
    tbl = schema.table(profile.table)
    for totals, (number, cells) in totals_rows:
        for check in totals.checks:
            position = positions.get(values.header_key(check.cell))
            if position is None:
                problems.append(Problem(label, f"totals: no column {check.cell!r} in the header "
                                               f"row{where}", number))
                continue
            text = cells[position] if position < len(cells) else ""
            if not text:
                log.debug("%s: the totals row has no %s total; not checked", label, check.cell)
                continue
            message = _compare(frame, tbl, check, text, f" in the totals row{where}")
            if message:
                problems.append(Problem(label, message, number, header_cells[position]))
    for totals in profile.totals:
        if totals.sheet is not None:
            problems += _check_sheet(frame, tbl, path, totals, label)
    return problems


def _check_sheet(frame: pd.DataFrame, tbl: schema.Table, path: Path, totals: Totals,
                 label: str) -> list[Problem]:
    """A summary sheet: each total is the first non-empty cell right of its label (or below)."""
    try:
        rows = readers.read_excel_sheets(path, label, sheet=totals.sheet)[totals.sheet]
    except InputError as exc:
        if totals.optional:
            log.debug("%s: no summary sheet %r; optional, not checked", label, totals.sheet)
            return []
        return exc.problems or [Problem(label, str(exc))]
    problems = []
    for check in totals.checks:
        spot = _next_to(rows, check.cell)
        if spot is None:
            problems.append(Problem(label, f"totals: no cell {check.cell!r} with a value next "
                                           f"to it on sheet {totals.sheet!r}"))
            continue
        number, column, text = spot
        message = _compare(frame, tbl, check, text, f" on sheet {totals.sheet!r}")
        if message:
            problems.append(Problem(label, message, number, _letter(column)))
    return problems


def _label_key(text: str) -> str:
    return values.header_key(text).rstrip(":")


def _next_to(rows: list[readers.Row], wanted: str) -> tuple[int, int, str] | None:
    """(row, column, text) of the total labelled ``wanted`` (a colon after the label is fine).

    The total is the first non-empty cell right of the label, or the cell below it (a summary
    laid out as a table), whichever holds a number; else the one found first, to be reported.
    """
    key = _label_key(wanted)
    for i, (number, cells) in enumerate(rows):
        for j, cell in enumerate(cells):
            if not cell or _label_key(cell) != key:
                continue
            spots = []
            right = next((k for k in range(j + 1, len(cells)) if cells[k]), None)
            if right is not None:
                spots.append((number, right, cells[right]))
            if i + 1 < len(rows) and j < len(rows[i + 1][1]) and rows[i + 1][1][j]:
                spots.append((rows[i + 1][0], j, rows[i + 1][1][j]))
            numeric = [s for s in spots if values.total_number(s[2]) is not None]
            return (numeric or spots or [None])[0]
    return None


def _letter(column: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column as Excel names it."""
    name = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _compare(frame: pd.DataFrame, tbl: schema.Table, check: TotalCheck, text: str,
             place: str) -> str | None:
    """The problem with one stated total, or None when the lines add up to it exactly."""
    stated = values.total_number(text)
    if stated is None:
        return f"total {check.cell!r}{place}: expected a number like 3069.10 or 1007, got {text!r}"
    mask = pd.Series(True, index=frame.index)
    for name, value in check.where.items():
        typed, _ = values.parse(pd.Series([value]), tbl.column(name).type)
        mask &= frame[name] == typed[0]
    column = frame.loc[mask, check.column]
    if check.measure == "sum":
        type_ = tbl.column(check.column).type
        scale = values.decimal_shape(type_)[1] if values.kind(type_) == "decimal" else 0
        quantum = Decimal(1).scaleb(-scale)
        expected = stated.quantize(quantum, rounding=ROUND_HALF_UP)
        actual = sum((Decimal(v) for v in column if v is not None), Decimal(0)).quantize(quantum)
    else:
        if stated != stated.to_integral_value():
            return (f"total {check.cell!r}{place}: expected a whole number ({check.describe()}), "
                    f"got {text!r}")
        expected = int(stated)
        present = column[column.notna()]
        actual = len(present) if check.measure == "count" else present.nunique()
    if expected == actual:
        return None
    return (f"total {check.cell!r}{place} is {expected} but the lines give {actual} "
            f"({check.describe()}): difference {expected - actual} (total minus lines)")


def _column(raw: pd.Series, rule: ColumnRule | None, col: schema.Column,
            period: Period) -> tuple[np.ndarray, list[tuple[object, str]]]:
    """Map, default and parse one column's cells."""
    problems: list[tuple[object, str]] = []
    if rule is None:
        return np.full(len(raw), None, dtype=object), problems
    empty = raw == ""
    if values.kind(col.type) != "text":
        empty |= raw.isin(values.PLACEHOLDERS)
    if rule.map is not None:
        known = raw.isin(list(rule.map))
        mapped = raw.map(rule.map).where(known, "")
        unknown = ~known & ~empty
        if rule.map_default is not None:
            mapped = mapped.where(~unknown, rule.map_default)
        else:
            accepted = ", ".join(repr(k) for k in rule.map)
            problems += [(row, f"unexpected value {text!r}; accepted: {accepted}")
                         for row, text in raw[unknown].items()]
        raw = mapped.astype("str")
    if rule.default is not None:
        raw = raw.where(~empty, rule.default)
    parsed, found = values.parse(raw, col.type, formats=rule.formats, negate=rule.negate,
                                 period=period)
    return parsed, problems + found


# -- a period ---------------------------------------------------------------------------------
def load_period(db: Database, period: Period, data_dir: str | Path | None = None,
                profiles: Mapping[str, Profile] | Iterable[Profile] | None = None) -> LoadReport:
    """Load every raw file of ``<data_dir>/<period.label>/`` into the canonical tables.

    All files are recognised, read and checked first; any problem anywhere raises one
    InputError listing them all and leaves the database untouched. Otherwise the period's rows
    are replaced in every canonical table in one transaction.
    """
    started = time.perf_counter()
    folder = Path(data_dir if data_dir is not None else config.RAW_DIR) / period.label
    if not folder.is_dir():
        raise InputError(f"no data for period {period.label}: folder {folder} does not exist",
                         [Problem(str(folder), "folder does not exist")])
    files = period_files(folder)
    if not files:
        raise InputError(f"no data for period {period.label}: folder {folder} has no "
                         ".csv, .txt, .xlsx or .xls file",
                         [Problem(str(folder), "no data files in the folder")])
    if profiles is None:
        profiles = load_profiles()

    problems: list[Problem] = []
    reports: list[FileReport] = []
    frames: dict[str, list[pd.DataFrame]] = {}
    headers: dict[str, dict[str, str]] = {}
    unreadable: set[str] = set()  # tables with a file that could not be read at all
    unknown_file = False
    for path in files:
        label = _label(path, folder)
        t0 = time.perf_counter()
        try:
            profile = detect(path, profiles, label=label)
        except InputError as exc:
            problems += exc.problems or [Problem(label, str(exc))]
            unknown_file = True
            continue
        result = _read(path, profile, period, label)
        problems += result.problems
        if result.frame is None:
            unreadable.add(profile.table)
            continue
        seconds = time.perf_counter() - t0
        rows = len(result.frame)
        frames.setdefault(profile.table, []).append(result.frame)
        headers[label] = result.headers
        reports.append(FileReport(label, profile.name, profile.table, rows, seconds))
        log.info("read %s as %s -> %s: %d rows in %.2fs (%.0f rows/s)", label, profile.name,
                 profile.table, rows, seconds, rows / seconds if seconds else 0)
        if rows == 0:
            log.warning("%s has a header but no data rows", label)

    tables = {name: pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
              for name, parts in frames.items()}
    # A reference into a table whose file is missing from the load would only add noise.
    skip = set(schema.TABLES) if unknown_file else unreadable
    seen = {(p.file, p.row, p.column) for p in problems}
    for found in checks.check_tables(tables, skip_references_to=skip):
        found = _with_header(found, headers)
        if (found.file, found.row, found.column) not in seen:  # a bad cell is reported once
            problems.append(found)
    if problems:
        count = len({p.file for p in problems})
        raise InputError(f"period {period.label} was not loaded ({folder}): {len(problems)} "
                         f"problem(s) in {count} file(s); nothing was changed", problems)

    with db.transaction():
        for name in schema.TABLES:
            db.execute(f"DELETE FROM {name} WHERE period = $period", {"period": period.label},
                       name=f"load: clear {name}")
        for name, frame in tables.items():
            _insert(db, name, frame)
    seconds = time.perf_counter() - started
    report = LoadReport(period.label, folder, tuple(reports), seconds,
                        {name: len(frame) for name, frame in tables.items()})
    log.info("loaded period %s: %d files, %d rows in %.2fs", period.label, len(reports),
             report.rows, seconds)
    return report


def _with_header(problem: Problem, headers: dict[str, dict[str, str]]) -> Problem:
    """Name the column as the file's header says, and keep the canonical name in the text."""
    names = headers.get(problem.file, {})
    if problem.column is None:
        return problem
    columns = [c.strip() for c in problem.column.split(",")]
    if not any(c in names for c in columns):
        return problem
    shown = ", ".join(names.get(c, c) for c in columns)
    return Problem(problem.file, problem.message, problem.row, shown)


# -- inserting --------------------------------------------------------------------------------
def _arrow_type(type_: str) -> pa.DataType:
    k = values.kind(type_)
    if k == "decimal":
        return pa.decimal128(*values.decimal_shape(type_))
    if k == "int":
        return pa.int32() if type_.strip().upper() == "INTEGER" else pa.int64()
    return {"text": pa.string(), "timestamp": pa.timestamp("us"), "date": pa.date32(),
            "bool": pa.bool_()}[k]


def to_arrow(frame: pd.DataFrame, table: str) -> pa.Table:
    """The frame as an Arrow table with the schema's exact types (DECIMAL stays exact)."""
    columns = schema.all_columns(schema.table(table))
    return pa.table({c.name: pa.array(frame[c.name].tolist(), type=_arrow_type(c.type))
                     for c in columns})


def _insert(db: Database, table: str, frame: pd.DataFrame) -> None:
    view = f"_recon_load_{table}"
    db.con.register(view, to_arrow(frame, table))
    try:
        # Identifiers come from the schema only; the rows arrive as a registered Arrow table.
        db.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}", name=f"load: insert {table}")
    finally:
        db.con.unregister(view)
