"""One file read with its profile: the header found, the data rows picked, every canonical column
shaped and typed a whole column at a time, the lines made, the file's own totals checked.

The steps, in order: find the header among the first rows; the body is the non-blank rows below
it up to a trailer (``stop_at_blank_row``, ``stop_at_row``); the data rows are the body without
summary rows (``drop_rows``), totals rows and rows a ``sign`` skips; each column rule reads its
cells (:mod:`recon_lib.load.shaping`) and the lines are made (:mod:`recon_lib.load.lines`).
Problems name the file, the row and the column as the file's header says, and never quote a
private or personal value.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from recon_lib import schema
from recon_lib.errors import InputError, Problem
from recon_lib.load import lines, readers, shaping, totals, values, waybills
from recon_lib.load.cells import TEXT, Cells, Row, text_series
from recon_lib.load.profile import ColumnRule, Profile
from recon_lib.periods import Period

log = logging.getLogger(__name__)

LINEAGE_NAMES = [c.name for c in schema.LINEAGE]
PRIVATE_MARK = "<private>"
"""Stands in a problem's message for a value of one of the profile's ``private`` columns."""


@dataclass
class Read:
    """One file read: its rows, its problems and which header fed each canonical column."""

    frame: pd.DataFrame | None
    problems: list[Problem]
    headers: dict[str, str]
    facts: pd.DataFrame | None = None
    """A bill's lines: waybill_no, fee_type, carrier and what the bill says about each waybill
    (``shipment:<column>``, from the profile's ``shipment_columns``); None for other files."""


def read_path(path: Path, profile: Profile, period: Period, label: str, *,
              facts: bool = False, source: readers.Source | None = None) -> Read:
    """``facts``: also return what a bill says about its waybills (``Read.facts``), for the
    ``from_bill`` columns of other files of the load. ``source``: the file as recognition
    read it (see ``readers.Source``)."""
    try:
        grids = readers.read_grids(path, profile, label=label, source=source)
    except InputError as exc:
        return Read(None, exc.problems or [Problem(label, str(exc))], {})
    results = [read_grid(grid, path, profile, period, label, facts, source) for grid in grids]
    if len(results) == 1:
        return results[0]
    # Several sheets hold the layout: a copy of the data (WeChat's export with a Power Query
    # sheet) reads the same lines, a draft does not and must not win silently.
    sheets = {grid.sheet: (profile.name,) for grid in grids}
    first = results[0]
    same = not any(r.problems for r in results) and all(
        np.array_equal(line_hashes(first.frame), line_hashes(r.frame)) for r in results[1:])
    if not same:
        return Read(None, [Problem(label, readers.several_sheets(
            sheets, " and their lines differ"))], {})
    log.info("%s: sheets %s hold the same lines; read %r", label, ", ".join(map(repr, sheets)),
             grids[0].sheet)
    return first


def line_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per line of its canonical columns (not the lineage: file, row, period)."""
    columns = [c for c in frame.columns if c not in LINEAGE_NAMES]
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()


def read_grid(grid: readers.Grid, path: Path, profile: Profile, period: Period, label: str,
              want_facts: bool = False, source: readers.Source | None = None) -> Read:
    where = f" (sheet {grid.sheet!r})" if grid.sheet else ""
    cells = grid.cells
    head = cells.rows(0, profile.header_search_rows)
    search = readers.find_header(head, profile.signature, profile.header_search_rows)
    if search.index is None:
        hint = ""
        if grid.sheet is None and profile.encoding != "auto":
            # A UTF-8 file read as GBK decodes without error, into unrecognisable headers.
            hint = f" (the file was decoded as {profile.encoding}: is that its encoding?)"
        return Read(None, [Problem(
            label, f"no header row{where}: none of the first {profile.header_search_rows} rows "
                   f"holds all of {', '.join(profile.signature)}; missing "
                   f"{', '.join(search.missing)}{hint}", search.row)], {})

    header_row, header_cells = head[search.index]
    positions: dict[str, int] = {}
    for i, cell in enumerate(header_cells):
        if cell:
            positions.setdefault(values.header_key(cell), i)  # the first of duplicates wins
    found_totals, problems = totals.totals_rows(cells, search.index, profile, label, where,
                                                positions)
    skip = {row[0] for _, row in found_totals}  # a totals row is never data
    below = cells.slice(search.index + 1)
    body = _body_rows(below, profile, positions)
    rows = _data_rows(body, profile, positions, skip)
    sheet = Sheet(label, where, period, header_row, header_cells, positions,
                  cells.rows(0, search.index), body)
    rows, found = _skip_by_sign(sheet, profile, rows)
    problems += found

    tbl = schema.table(profile.table)
    data: dict[str, np.ndarray] = {}
    made_later = set(profile.same_as)
    if profile.unpivot is not None:
        made_later |= {profile.unpivot.value_column, profile.unpivot.type_column}
    for col in tbl.columns:
        if col.name in made_later:
            continue
        if col.name in profile.constants:
            data[col.name] = lines.constant(profile.constants[col.name], col, len(rows))
            continue
        # a from_bill column: empty until filled
        data[col.name], found = sheet.column(profile.columns.get(col.name), col, rows)
        problems += found
    ships = schema.table("shipments")
    for name, rule in profile.shipment_columns.items() if want_facts else ():
        data[waybills.FACT_PREFIX + name], found = sheet.column(rule, ships.column(name), rows)
        problems += found

    numbers = rows.numbers.astype(object)  # Python ints
    if profile.unpivot is not None:
        up = profile.unpivot
        picked, amounts, types, found = lines.unpivot(up, tbl, sheet, rows)
        problems += found
        data = {name: column[picked] for name, column in data.items()}
        data[up.value_column], data[up.type_column] = amounts, types
        numbers = numbers[picked]
    if profile.extra_lines:
        data, numbers, found = lines.extra_lines(profile.extra_lines, tbl, sheet, data, rows)
        problems += found
    for target, copied in profile.same_as.items():
        data[target] = data[copied].copy()
        if copied in sheet.headers:
            sheet.headers[target] = sheet.headers[copied]
    if profile.group_by is not None:
        data, numbers, found = lines.group(profile.group_by, tbl, data, numbers, sheet)
        problems += found
    for name, rule in profile.columns.items():
        if rule.number_repeats:
            data[name] = lines.number_repeats(data[name])

    data["period"] = np.full(len(numbers), period.label, dtype=object)
    data["source_file"] = np.full(len(numbers), label, dtype=object)
    data["source_row"] = numbers
    frame = pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in data.items()},
                         columns=tbl.column_names + LINEAGE_NAMES)
    facts = None
    if want_facts and profile.table == "courier_bill_lines":
        facts = pd.DataFrame({name: pd.Series(data[name], dtype=object) for name in data
                              if name in ("waybill_no", "fee_type", "carrier")
                              or name.startswith(waybills.FACT_PREFIX)})
    hidden = (*profile.private, *_personal_headers(profile))
    if hidden and problems:
        problems = _hide_private(problems, hidden, positions, rows)
    if problems:
        if profile.totals:
            log.debug("%s: totals not checked: the file has other problems", label)
    else:
        problems = totals.check_totals(frame, path, profile, found_totals, positions,
                                       header_cells, label, where, source)
        if problems and profile.stop_at_blank_row:
            problems = totals.blank_row_hint(problems, below, body)
    problems = list(dict.fromkeys(problems))  # a sign read twice (skip, then sign) once
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return Read(frame, problems, sheet.headers, facts)


def _repeated(value: str, index: pd.Index) -> pd.Series:
    """One text in every row."""
    return text_series(pa.repeat(pa.scalar(value, TEXT), len(index)), index)


class Sheet:
    """The header and rows of one file, and how rules read cells from them."""

    def __init__(self, label: str, where: str, period: Period, header_row: int,
                 header_cells: list[str], positions: dict[str, int], above: list[Row],
                 body: Cells):
        self.label, self.where, self.period = label, where, period
        self.header_row, self.header_cells, self.positions = header_row, header_cells, positions
        self.above, self.body = above, body
        self.headers: dict[str, str] = {}
        """Canonical column -> the header of the file it was read from."""
        self._reported: set[str] = set()

    def position(self, wanted: tuple[str, ...]) -> int | None:
        return next((self.positions[k] for k in map(values.header_key, wanted)
                     if k in self.positions), None)

    def missing(self, wanted: tuple[str, ...], into: str) -> list[Problem]:
        """A missing header is reported once per file, however many rules read it."""
        if wanted[0] in self._reported:
            return []
        self._reported.add(wanted[0])
        return [_missing(self.label, wanted, self.where, into, self.header_row,
                         self.header_cells)]

    def text(self, rule: ColumnRule, into: str, rows: Cells,
             ) -> tuple[pd.Series, str, list[Problem]]:
        """The cells a rule reads, shaped (above, fill_down, join, empty_if, extract, upper)."""
        index = pd.Index(rows.numbers)
        problems: list[Problem] = []
        if rule.above is not None:
            header = rule.above
            value = _label_value(self.above, rule.above)
            if value is None:
                value = ""
                if not rule.optional:
                    problems.append(Problem(self.label, f"no {rule.above!r} above the header"
                                                        f"{self.where} (read into {into})",
                                            self.header_row, rule.above))
            raw = _repeated(value, index)
        else:
            position = self.position(rule.from_)
            header = rule.from_[0] if position is None else self.header_cells[position]
            if position is None:
                if not rule.optional:
                    problems += self.missing(rule.from_, into)
                raw = _repeated("", index)
            elif rule.fill_down:
                raw = shaping.filled(self.body, position).reindex(index).fillna("").astype("str")
            else:
                raw = rows.text(position, index)
        raw = shaping.blank_if(raw, rule.empty_if)
        if rule.join:
            parts = [raw]
            for extra in rule.join:
                position = self.position((extra,))
                if position is None:
                    if not rule.optional:
                        problems += self.missing((extra,), into)
                    continue
                parts.append(shaping.blank_if(rows.text(position, index), rule.empty_if))
            joined = [rule.join_with.join(c for c in cells if c)
                      for cells in zip(*parts, strict=True)]
            raw = pd.Series(joined, index=index, dtype="str")
        if rule.extract is not None:
            raw, found = shaping.extract(raw, rule)
            problems += [Problem(self.label, message, row, header) for row, message in found]
        if rule.upper:
            raw = raw.str.upper()
        return raw, header, problems

    def column(self, rule: ColumnRule | None, col: schema.Column, rows: Cells,
               ) -> tuple[np.ndarray, list[Problem]]:
        """One canonical column's values for the rows, and the problems of its cells."""
        if rule is None:
            return np.full(len(rows), None, dtype=object), []
        raw, header, problems = self.text(rule, col.name, rows)
        if rule.above is None and self.position(rule.from_) is not None:
            self.headers.setdefault(col.name, header)
        parsed, found = shaping.column(raw, rule, col, self.period)
        problems += [Problem(self.label, message, row, header) for row, message in found]
        if values.kind(col.type) not in ("decimal", "int"):
            return parsed, problems
        terms = []
        for sub, factor in ((rule.minus, -1), (rule.plus, 1)):
            if sub is not None:
                term, found = self.column(sub, col, rows)
                terms.append((term, factor))
                problems += found
        signs = None
        if rule.sign is not None:
            signs, found = self.signs(rule.sign, col.name, rows)
            problems += found
        return lines.combine(parsed, terms, signs, rule.negate), problems

    def signs(self, rule: ColumnRule, into: str, rows: Cells,
              ) -> tuple[np.ndarray, list[Problem]]:
        """'+', '-' or 'skip' per row (None where the cell is not one the rule knows)."""
        raw, header, problems = self.text(rule, f"the sign of {into}", rows)
        mapped, found = shaping.mapped(raw, rule)
        problems += [Problem(self.label, message, row, header) for row, message in found]
        if self.position(rule.from_) is not None:  # a sign that is not there is not '+'
            problems += [Problem(self.label, f"empty cell: the sign of {into} is read from it",
                                 row, header) for row in raw.index[raw == ""]]
        return mapped.where(mapped != "", None).to_numpy(dtype=object), problems


def _label_value(rows: list[Row], label: str) -> str | None:
    """The value of ``label`` above the header: the rest of its cell after a colon
    (``卡号: 1234****9876``), or else the first non-empty cell right of it."""
    key = values.header_key(label)
    for _, cells in rows:
        for j, cell in enumerate(cells):
            text = unicodedata.normalize("NFKC", cell).strip()
            if not values.header_key(text).startswith(key):
                continue
            found = re.match(rf"^{re.escape(unicodedata.normalize('NFKC', label))}\s*"
                             r"(?::\s*(.*)|$)", text)
            if found is None:
                continue
            if found.group(1):
                return found.group(1).strip(values.STRIP)
            right = next((c for c in cells[j + 1:] if c), None)
            if right is not None:
                return right
    return None


def _skip_by_sign(sheet: Sheet, profile: Profile, rows: Cells) -> tuple[Cells, list[Problem]]:
    """Rows a ``sign`` rule maps to ``skip`` are not loaded (and their cells not read)."""
    keep = np.ones(len(rows), dtype=bool)
    problems: list[Problem] = []
    for name, rule in profile.columns.items():
        if rule.sign is None:
            continue
        signs, found = sheet.signs(rule.sign, name, rows)
        keep &= signs != "skip"
        problems += found
    if keep.all():
        return rows, problems
    log.debug("%s: %d row(s) not loaded (sign: skip)", sheet.label, int((~keep).sum()))
    return rows.take(np.flatnonzero(keep)), problems


def _missing(label: str, wanted: tuple[str, ...], where: str, into: str, header_row: int,
             header_cells: list[str]) -> Problem:
    text = " or ".join(repr(h) for h in wanted)
    return Problem(label, f"missing column {text}{where} (read into {into}); the header row "
                          f"has: {', '.join(c for c in header_cells if c)}",
                   header_row, wanted[0])


def _patterns(rules: dict[str, str], positions: dict[str, int],
              what: str) -> list[tuple[int, re.Pattern]]:
    """``drop_rows`` / ``stop_at_row``: (column position, compiled pattern) of the headers the
    file has."""
    out = []
    for header, pattern in rules.items():
        position = positions.get(values.header_key(header))
        if position is not None:
            out.append((position, re.compile(pattern)))
        else:
            log.debug("%s: header %r is not in the file; rule ignored", what, header)
    return out


def _body_rows(below: Cells, profile: Profile, positions: dict[str, int]) -> Cells:
    """The non-blank rows below the header, up to the trailer: the first blank row (with
    ``stop_at_blank_row``) or the first (non-blank) row ``stop_at_row`` matches."""
    blank = below.blank()
    stop = blank.copy() if profile.stop_at_blank_row else np.zeros(len(below), dtype=bool)
    for position, rx in _patterns(profile.stop_at_row, positions, "stop_at_row"):
        stop |= ~blank & below.search(position, rx)
    end = int(np.argmax(stop)) if stop.any() else len(below)
    return below.take(np.flatnonzero(~blank[:end]))


def _data_rows(body: Cells, profile: Profile, positions: dict[str, int],
               skip: Set[int] = frozenset()) -> Cells:
    """Body rows without dropped summary rows and totals rows."""
    drop = np.isin(body.numbers, list(skip))
    for position, rx in _patterns(profile.drop_rows, positions, "drop_rows"):
        drop |= body.search(position, rx)
    return body.take(np.flatnonzero(~drop))


# -- private columns --------------------------------------------------------------------------
def _personal_headers(profile: Profile) -> tuple[str, ...]:
    """The headers a profile reads customers' names, phones and addresses from: private in every
    message, like its ``private`` columns, although they are loaded (and masked when shown)."""
    from recon_lib.privacy import PERSONAL_COLUMNS

    return tuple(header for column, rule in profile.columns.items() if column in PERSONAL_COLUMNS
                 for header in rule.from_)


def _hide_private(problems: list[Problem], private: tuple[str, ...], positions: dict[str, int],
                  rows: Cells) -> list[Problem]:
    """Problems never quote a row's personal data, even when it strayed into a read column.

    A value of one of the row's private cells is shown as ``'<private>'``, however the message
    quotes it (as typed, or escaped by ``repr``); a cell the parser already left unquoted ("a
    text value", see ``recon_lib.privacy.looks_personal``) is named ``'<private>'`` too when it
    holds one of them, so the reader learns that personal data strayed into the column."""
    from recon_lib.privacy import TEXT_VALUE

    where = [positions[k] for k in map(values.header_key, private) if k in positions]
    named = sorted({p.row for p in problems if p.row is not None})
    ours = [i for i in map(rows.position, named) if i is not None]
    cells_of = dict(rows.take(np.array(ours, dtype=np.int64)).rows())  # the rows named only
    secrets = {number: sorted({cells[p] for p in where if p < len(cells) and cells[p]},
                              key=len, reverse=True)
               for number, cells in cells_of.items()}
    out = []
    for problem in problems:
        message, found = problem.message, secrets.get(problem.row, ())
        if found and TEXT_VALUE in message and problem.column is not None:
            at = positions.get(values.header_key(problem.column))
            cells = cells_of.get(problem.row, [])
            if at is not None and at < len(cells) and any(s in cells[at] for s in found):
                message = message.replace(TEXT_VALUE, repr(PRIVATE_MARK), 1)
        for secret in found:
            for form in dict.fromkeys((secret, repr(secret)[1:-1])):
                message = message.replace(form, PRIVATE_MARK)
        out.append(dataclasses.replace(problem, message=message))
    return out
