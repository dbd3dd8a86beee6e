"""Totals a file states about itself (a totals row, a summary sheet), checked against its lines.

A totals row is found by its label among the rows above or below the header; a summary sheet
holds labelled cells. Each total is compared exactly with what the lines read from the file add
up to (``sum``, ``count``, ``count_distinct``), in the column's own scale.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from recon_lib import schema
from recon_lib.errors import InputError, Problem
from recon_lib.load import readers, values
from recon_lib.load.cells import Cells, Row
from recon_lib.load.profile import Profile, TotalCheck, Totals

log = logging.getLogger(__name__)


def totals_rows(cells: Cells, header_index: int, profile: Profile, label: str, where: str,
                positions: dict[str, int]) -> tuple[list[tuple[Totals, Row]], list[Problem]]:
    """The totals row of each ``totals`` entry with ``row``: exactly one row must match."""
    found, problems = [], []
    for totals in profile.totals:
        if totals.row is None:
            continue
        above = totals.row == "above"
        rows = cells.slice(0, header_index) if above else cells.slice(header_index + 1)
        rx = re.compile(totals.label)
        if totals.label_header is not None:
            at = positions.get(values.header_key(totals.label_header))
            if at is None:
                problems.append(Problem(label, f"totals: no column {totals.label_header!r} in "
                                               f"the header row{where}"))
                continue
            hit = rows.filled(at) & rows.search(at, rx)
        else:
            hit = np.zeros(len(rows), dtype=bool)
            for j in range(rows.width):
                hit |= rows.filled(j) & rows.search(j, rx)
        hits = np.flatnonzero(hit).tolist()
        side = "above" if above else "below"
        if len(hits) == 1:
            found.append((totals, rows.rows(hits[0], hits[0] + 1)[0]))
        elif not hits and totals.optional:
            log.debug("%s: no totals row %s the header; optional, not checked", label, side)
        elif not hits:
            problems.append(Problem(label, f"no totals row{where}: no row {side} the header "
                                           f"has a cell matching {totals.label!r}"))
        else:
            shown = ", ".join(str(n) for n in rows.numbers[hits[:5]].tolist())
            problems.append(Problem(label, f"{len(hits)} rows{where} {side} the header have a "
                                           f"cell matching {totals.label!r} (rows {shown}); "
                                           "make the profile's totals label more specific",
                                    int(rows.numbers[hits[0]])))
    return found, problems


def check_totals(frame: pd.DataFrame, path: Path, profile: Profile,
                 found: list[tuple[Totals, Row]], positions: dict[str, int],
                 header_cells: list[str], label: str, where: str,
                 source: readers.Source | None = None) -> list[Problem]:
    """Compare every total the file states (``found``: each totals row) with what its lines
    add up to. ``source``: the workbook already parsed, for a summary sheet."""
    problems: list[Problem] = []
    tbl = schema.table(profile.table)
    for totals, (number, cells) in found:
        for check in totals.checks:
            if check.at == "unnamed":
                problems += _check_unnamed(frame, tbl, check, totals, number, cells, header_cells,
                                           label, where)
                continue
            name = next((n for n in check.names if values.header_key(n) in positions), None)
            position = None if name is None else positions[values.header_key(name)]
            if position is None:
                shown = " or ".join(repr(n) for n in check.names)
                problems.append(Problem(label, f"totals: no column {shown} in the header "
                                               f"row{where}", number))
                continue
            text = cells[position] if position < len(cells) else ""
            if not text:
                log.debug("%s: the totals row has no %s total; not checked", label, check.cell)
                continue
            message = _compare(frame, tbl, check, text, f" in the totals row{where}", name)
            if message:
                problems.append(Problem(label, message, number, header_cells[position]))
    for totals in profile.totals:
        if totals.sheet is not None:
            problems += _check_sheet(frame, tbl, path, totals, label, source)
    return problems


def _check_sheet(frame: pd.DataFrame, tbl: schema.Table, path: Path, totals: Totals,
                 label: str, source: readers.Source | None = None) -> list[Problem]:
    """A summary sheet: each total is the first non-empty cell right of its label (or below)."""
    try:
        if (source is not None and path.suffix.lower() in readers.EXCEL_SUFFIXES
                and totals.sheet in source.sheets()):
            rows = source.sheets()[totals.sheet].rows()
        else:  # not a workbook, or no such sheet: say so as reading it would
            rows = readers.read_excel_sheets(path, label, sheet=totals.sheet)[totals.sheet]
    except InputError as exc:
        if totals.optional:
            log.debug("%s: no summary sheet %r; optional, not checked", label, totals.sheet)
            return []
        return exc.problems or [Problem(label, str(exc))]
    problems = []
    for check in totals.checks:
        found = next(((name, spot) for name in check.names
                      if (spot := _next_to(rows, name)) is not None), None)
        if found is None:
            shown = " or ".join(repr(n) for n in check.names)
            problems.append(Problem(label, f"totals: no cell {shown} with a value next "
                                           f"to it on sheet {totals.sheet!r}"))
            continue
        name, (number, column, text) = found
        message = _compare(frame, tbl, check, text, f" on sheet {totals.sheet!r}", name)
        if message:
            problems.append(Problem(label, message, number, _letter(column)))
    return problems


def _check_unnamed(frame: pd.DataFrame, tbl: schema.Table, check: TotalCheck, totals: Totals,
                   number: int, cells: list[str], header_cells: list[str], label: str,
                   where: str) -> list[Problem]:
    """A total in a column the header row leaves empty (Yunda's ``=SUM(...)`` of 运费 above its
    header, beside 已付 and 尾款): the one number of the totals row in such a column that is
    not a labelled value (a cell the totals label matches, or the number right of one)."""
    label_rx = re.compile(totals.label) if totals.label else None
    spots = []
    for j, cell in enumerate(cells):
        named = j < len(header_cells) and header_cells[j] != ""
        if not cell or named or values.total_number(cell) is None:
            continue
        if label_rx is not None and label_rx.search(cell):
            continue  # 已付:2000 in one cell
        left = next((cells[k] for k in range(j - 1, -1, -1) if cells[k]), "")
        if label_rx is not None and left and label_rx.search(left):
            continue  # 已付 | 2000
        spots.append(j)
    if len(spots) != 1:
        found = ", ".join(_letter(j) for j in spots) or "none"
        return [Problem(label, f"totals: the {check.cell} total is the one number of the totals "
                               f"row{where} in a column without a header; found {len(spots)} "
                               f"({found})", number)]
    column = spots[0]
    message = _compare(frame, tbl, check, cells[column],
                       f" in the totals row{where} (column {_letter(column)}, no header)")
    return [Problem(label, message, number, _letter(column))] if message else []


def blank_row_hint(problems: list[Problem], below: Cells, body: Cells) -> list[Problem]:
    """A totals difference when reading stopped at a blank row with rows below it: say so."""
    if not len(body) or len(body) >= len(below):
        return problems
    blank = below.blank()
    stop = int(np.argmax(blank)) if blank.any() else None
    if stop is None or stop != len(body):  # the data ended before it (stop_at_row)
        return problems
    rest = below.numbers[stop + 1:][~blank[stop + 1:]]
    if not len(rest):
        return problems
    hint = (f"; the data was read up to the blank row {below.numbers[stop]} (stop_at_blank_row), "
            f"and {len(rest):,} non-blank row(s) below it (rows {rest[0]}-{rest[-1]}) were not "
            "read: if they are data, the profile needs stop_at_blank_row: false")
    return [dataclasses.replace(p, message=p.message + hint)
            if p.message.startswith("total ") else p for p in problems]


def _label_key(text: str) -> str:
    return values.header_key(text).rstrip(":")


def _next_to(rows: list[Row], wanted: str) -> tuple[int, int, str] | None:
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
             place: str, name: str | None = None) -> str | None:
    """The problem with one stated total, or None when the lines add up to it exactly. ``name``:
    the header or label the total was found by (default: the check's key)."""
    shown = name or check.cell
    stated = values.total_number(text)
    if stated is None:
        return f"total {shown!r}{place}: expected a number like 3069.10 or 1007, got {text!r}"
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
            return (f"total {shown!r}{place}: expected a whole number ({check.describe()}), "
                    f"got {text!r}")
        expected = int(stated)
        present = column[column.notna()]
        actual = len(present) if check.measure == "count" else present.nunique()
    if expected == actual:
        return None
    return (f"total {shown!r}{place} is {expected} but the lines give {actual} "
            f"({check.describe()}): difference {expected - actual} (total minus lines)")


