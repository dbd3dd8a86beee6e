"""Loading a period: recognise every raw file, read it into its canonical table, check, insert.

Nothing touches the database until every file of the period has been read and checked; then
the period's rows are replaced in one transaction, so a load is all or nothing and repeatable.
"""

from __future__ import annotations

import dataclasses
import filecmp
import logging
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from recon_lib import checks, config, geo, schema
from recon_lib.db import Database
from recon_lib.errors import InputError, Problem
from recon_lib.load import readers, values, waybills
from recon_lib.load.detect import detect, scan_folder
from recon_lib.load.profile import (
    ColumnRule,
    ExtraLine,
    GroupBy,
    Profile,
    TotalCheck,
    Totals,
    Unpivot,
    load_profiles,
    profile_dirs,
)
from recon_lib.periods import Period, parse_period

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
    folders: tuple[Path, ...] = ()
    """Every folder loaded: the period's own and those of shorter periods inside it."""

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    def to_dict(self) -> dict:
        return {
            "period": self.period, "folder": str(self.folder),
            "folders": [str(f) for f in self.folders], "rows": self.rows,
            "seconds": round(self.seconds, 3), "tables": dict(self.tables),
            "files": [vars(f) for f in self.files],
        }


@dataclass
class _Read:
    """One file read: its rows, its problems and which header fed each canonical column."""

    frame: pd.DataFrame | None
    problems: list[Problem]
    headers: dict[str, str]
    facts: pd.DataFrame | None = None
    """A bill's lines: waybill_no, fee_type, carrier and what the bill says about each waybill
    (``shipment:<column>``, from the profile's ``shipment_columns``); None for other files."""


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


def _read(path: Path, profile: Profile, period: Period, label: str, *,
          facts: bool = False) -> _Read:
    """``facts``: also return what a bill says about its waybills (``_Read.facts``), for the
    ``from_bill`` columns of other files of the load."""
    try:
        grids = readers.read_grids(path, profile, label=label)
    except InputError as exc:
        return _Read(None, exc.problems or [Problem(label, str(exc))], {})
    results = [_read_grid(grid, path, profile, period, label, facts) for grid in grids]
    if len(results) == 1:
        return results[0]
    # Several sheets hold the layout: a copy of the data (WeChat's export with a Power Query
    # sheet) reads the same lines, a draft does not and must not win silently.
    sheets = {grid.sheet: (profile.name,) for grid in grids}
    first = results[0]
    same = not any(r.problems for r in results) and all(
        np.array_equal(_line_hashes(first.frame), _line_hashes(r.frame)) for r in results[1:])
    if not same:
        return _Read(None, [Problem(label, readers.several_sheets(
            sheets, " and their lines differ"))], {})
    log.info("%s: sheets %s hold the same lines; read %r", label, ", ".join(map(repr, sheets)),
             grids[0].sheet)
    return first


def _line_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per line of its canonical columns (not the lineage: file, row, period)."""
    columns = [c for c in frame.columns if c not in LINEAGE_NAMES]
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()


def _read_grid(grid: readers.Grid, path: Path, profile: Profile, period: Period,
               label: str, want_facts: bool = False) -> _Read:
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
    totals_rows, problems = _totals_rows(grid, search.index, profile, label, where, positions)
    skip = {row[0] for _, row in totals_rows}  # a totals row is never data
    body = _body_rows(grid.rows[search.index + 1:], profile, positions)
    numbers, records = _data_rows(body, profile, positions, skip)
    sheet = _Sheet(label, where, period, header_row, header_cells, positions,
                   grid.rows[:search.index], body)
    numbers, records, found = _skip_by_sign(sheet, profile, numbers, records)
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
            data[col.name] = _constant(profile.constants[col.name], col, len(numbers))
            continue
        data[col.name], found = sheet.column(profile.columns.get(col.name), col, numbers,
                                             records)  # a from_bill column: empty until filled
        problems += found
    ships = schema.table("shipments")
    for name, rule in profile.shipment_columns.items() if want_facts else ():
        data[waybills.FACT_PREFIX + name], found = sheet.column(rule, ships.column(name),
                                                                numbers, records)
        problems += found

    lines = np.array(numbers, dtype=object)
    if profile.unpivot is not None:
        up = profile.unpivot
        picked, amounts, types, found = _unpivot(up, tbl, sheet, numbers, records)
        problems += found
        data = {name: column[picked] for name, column in data.items()}
        data[up.value_column], data[up.type_column] = amounts, types
        lines = lines[picked]
    if profile.extra_lines:
        data, lines, found = _extra_lines(profile.extra_lines, tbl, sheet, data, numbers,
                                          records)
        problems += found
    for target, source in profile.same_as.items():
        data[target] = data[source].copy()
        if source in sheet.headers:
            sheet.headers[target] = sheet.headers[source]
    if profile.group_by is not None:
        data, lines, found = _group(profile.group_by, tbl, data, lines, sheet)
        problems += found
    for name, rule in profile.columns.items():
        if rule.number_repeats:
            data[name] = _number_repeats(data[name])

    data["period"] = np.full(len(lines), period.label, dtype=object)
    data["source_file"] = np.full(len(lines), label, dtype=object)
    data["source_row"] = lines
    frame = pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in data.items()},
                         columns=tbl.column_names + LINEAGE_NAMES)
    frame.attrs["profile"] = profile.name
    frame.attrs["headers"] = sheet.headers
    facts = None
    if want_facts and profile.table == "courier_bill_lines":
        facts = pd.DataFrame({name: pd.Series(data[name], dtype=object) for name in data
                              if name in ("waybill_no", "fee_type", "carrier")
                              or name.startswith(waybills.FACT_PREFIX)})
    hidden = (*profile.private, *_personal_headers(profile))
    if hidden and problems:
        problems = _hide_private(problems, hidden, positions, numbers, records)
    if problems:
        if profile.totals:
            log.debug("%s: totals not checked: the file has other problems", label)
    else:
        problems = _check_totals(frame, path, profile, totals_rows, positions, header_cells,
                                 label, where)
        if problems and profile.stop_at_blank_row:
            problems = _blank_row_hint(problems, grid.rows[search.index + 1:], body)
    problems = list(dict.fromkeys(problems))  # a sign read twice (skip, then sign) once
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return _Read(frame, problems, sheet.headers, facts)


def _constant(text: str, col: schema.Column, n: int) -> np.ndarray:
    value, _ = values.parse(pd.Series([text]), col.type)  # checked when the profile loaded
    return np.full(n, value[0], dtype=object)


class _Sheet:
    """The header and rows of one file, and how rules read cells from them."""

    def __init__(self, label: str, where: str, period: Period, header_row: int,
                 header_cells: list[str], positions: dict[str, int], above: list[readers.Row],
                 body: list[readers.Row]):
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

    def text(self, rule: ColumnRule, into: str, numbers: list[int],
             records: list[list[str]]) -> tuple[pd.Series, str, list[Problem]]:
        """The cells a rule reads, shaped (above, fill_down, join, empty_if, extract, upper)."""
        index = pd.Index(numbers)
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
            raw = pd.Series([value] * len(numbers), index=index, dtype="str")
        else:
            position = self.position(rule.from_)
            header = rule.from_[0] if position is None else self.header_cells[position]
            if position is None:
                if not rule.optional:
                    problems += self.missing(rule.from_, into)
                raw = pd.Series([""] * len(numbers), index=index, dtype="str")
            elif rule.fill_down:
                raw = _filled(self.body, position).reindex(index).fillna("").astype("str")
            else:
                raw = _cells(records, position, index)
        raw = _blank_if(raw, rule.empty_if)
        if rule.join:
            parts = [raw]
            for extra in rule.join:
                position = self.position((extra,))
                if position is None:
                    if not rule.optional:
                        problems += self.missing((extra,), into)
                    continue
                parts.append(_blank_if(_cells(records, position, index), rule.empty_if))
            joined = [rule.join_with.join(c for c in cells if c)
                      for cells in zip(*parts, strict=True)]
            raw = pd.Series(joined, index=index, dtype="str")
        if rule.extract is not None:
            raw, found = _extract(raw, rule)
            problems += [Problem(self.label, message, row, header) for row, message in found]
        if rule.upper:
            raw = raw.str.upper()
        return raw, header, problems

    def column(self, rule: ColumnRule | None, col: schema.Column, numbers: list[int],
               records: list[list[str]]) -> tuple[np.ndarray, list[Problem]]:
        """One canonical column's values for the rows, and the problems of its cells."""
        if rule is None:
            return np.full(len(numbers), None, dtype=object), []
        raw, header, problems = self.text(rule, col.name, numbers, records)
        if rule.above is None and self.position(rule.from_) is not None:
            self.headers.setdefault(col.name, header)
        parsed, found = _column(raw, rule, col, self.period)
        problems += [Problem(self.label, message, row, header) for row, message in found]
        if values.kind(col.type) not in ("decimal", "int"):
            return parsed, problems
        terms = []
        for sub, factor in ((rule.minus, -1), (rule.plus, 1)):
            if sub is not None:
                term, found = self.column(sub, col, numbers, records)
                terms.append((term, factor))
                problems += found
        signs = None
        if rule.sign is not None:
            signs, found = self.signs(rule.sign, col.name, numbers, records)
            problems += found
        return _combine(parsed, terms, signs, rule.negate), problems

    def signs(self, rule: ColumnRule, into: str, numbers: list[int],
              records: list[list[str]]) -> tuple[np.ndarray, list[Problem]]:
        """'+', '-' or 'skip' per row (None where the cell is not one the rule knows)."""
        raw, header, problems = self.text(rule, f"the sign of {into}", numbers, records)
        mapped, found = _mapped(raw, rule)
        problems += [Problem(self.label, message, row, header) for row, message in found]
        if self.position(rule.from_) is not None:  # a sign that is not there is not '+'
            problems += [Problem(self.label, f"empty cell: the sign of {into} is read from it",
                                 row, header) for row in raw.index[raw == ""]]
        return mapped.where(mapped != "", None).to_numpy(dtype=object), problems


def _label_value(rows: list[readers.Row], label: str) -> str | None:
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


def _blank_if(raw: pd.Series, pattern: str | None) -> pd.Series:
    """Cells ``empty_if`` is found in are empty."""
    if pattern is None:
        return raw
    return raw.where(~raw.str.contains(pattern, regex=True), "")


def _filled(body: list[readers.Row], position: int) -> pd.Series:
    """A column's cells over every row below the header, empty ones taking the last value."""
    cells = pd.Series([cells[position] if position < len(cells) else "" for _, cells in body],
                      index=[number for number, _ in body], dtype="str")
    return cells.where(cells != "").ffill().fillna("")


def _extract(raw: pd.Series, rule: ColumnRule) -> tuple[pd.Series, list[tuple[object, str]]]:
    """The part of each cell ``extract`` captures; unmatched cells are errors or empty."""
    compiled = re.compile(rule.extract)
    pattern = rule.extract if compiled.groups else f"({rule.extract})"
    found = raw.str.extract(pattern, expand=False)
    matched = {text: compiled.search(text) is not None for text in raw.unique()}
    unmatched = (raw != "") & ~raw.map(matched).astype(bool)
    problems = []
    if rule.unmatched == "error":
        problems = [(row, f"{text!r} does not have the expected form (the profile's pattern "
                          f"{rule.extract!r})") for row, text in raw[unmatched].items()]
    return found.fillna("").astype("str").str.strip(values.STRIP), problems


def _mapped(raw: pd.Series, rule: ColumnRule) -> tuple[pd.Series, list[tuple[object, str]]]:
    """``map`` or ``patterns`` applied to non-empty cells; unknown values are problems unless
    ``map_default`` names their value. Empty cells stay empty."""
    empty = raw == ""
    problems: list[tuple[object, str]] = []
    if rule.map is not None:
        known = raw.isin(list(rule.map))
        mapped = raw.map(rule.map).where(known, "")
        accepted = ", ".join(repr(k) for k in rule.map)
    else:
        table = {}
        for text in raw[~empty].unique():
            table[text] = next((v for p, v in rule.patterns if re.search(p, text)), None)
        known = raw.map(lambda t: table.get(t) is not None)
        mapped = raw.map(lambda t: table.get(t) or "")
        accepted = "values matching " + ", ".join(repr(p) for p, _ in rule.patterns)
    unknown = ~known & ~empty
    if rule.map_default is not None:
        mapped = mapped.where(~unknown, rule.map_default)
    else:
        problems += [(row, f"unexpected value {text!r}; accepted: {accepted}")
                     for row, text in raw[unknown].items()]
    return mapped.astype("str"), problems


def _province(raw: pd.Series, rule: ColumnRule) -> tuple[pd.Series, list[tuple[object, str]]]:
    """``province_from: city``: each place name (成都市, 安徽省安庆市) becomes its province's short
    name (四川, 安徽). A name recon does not know is a problem, unless ``unmatched: empty``."""
    known = {text: geo.province_of(text) or "" for text in raw.unique() if text}
    out = raw.map(known).fillna("").astype("str")
    problems: list[tuple[object, str]] = []
    if rule.unmatched == "error":
        unknown = (raw != "") & (out == "")
        problems = [(row, f"{text!r} is not a province, nor a city of mainland China recon knows "
                          f"(prefecture-level cities, 地区, 自治州 and 盟: {geo.CITIES_FILE}); "
                          "write its province in the file, or set unmatched: empty in the "
                          "profile to leave such cells without a province")
                    for row, text in raw[unknown].items()]
    return out, problems


def _group(group: GroupBy, tbl: schema.Table, data: dict[str, np.ndarray], lines: np.ndarray,
           sheet: _Sheet) -> tuple[dict[str, np.ndarray], np.ndarray, list[Problem]]:
    """``group_by``: one line per key value, at its first row. ``sum`` columns add up (empty cells
    count as nothing; all empty stays empty); every other column takes the group's value, and
    rows of a group that disagree on one are a problem. Rows without a key stay lines of their
    own (the required check names them)."""
    keys = pd.Series(data[group.key], dtype=object)
    codes, _ = pd.factorize(keys, use_na_sentinel=True)
    lone = codes < 0
    codes[lone] = codes.max(initial=-1) + 1 + np.arange(int(lone.sum()))
    _, first = np.unique(codes, return_index=True)  # first row of each group, by group code
    order = np.sort(first)  # groups in the order they first appear
    group_of = codes[order]
    by = pd.Series(codes)
    problems: list[Problem] = []
    out: dict[str, np.ndarray] = {}
    for name, column in data.items():
        series = pd.Series(column, dtype=object)
        if name in group.sum:
            type_ = tbl.column(name).type
            numbers = pd.to_numeric(series, errors="coerce")
            total = numbers.groupby(by).sum(min_count=1).reindex(group_of).to_numpy()
            out[name] = np.array([_typed_number(v, type_) for v in total], dtype=object)
            continue
        if not series.notna().any():
            out[name] = np.full(len(order), None, dtype=object)
            continue
        if name != group.key:
            values_per_group = series.groupby(by).nunique(dropna=True)
            clash = values_per_group.index[values_per_group > 1]
            for code in clash[:waybills.SHOWN]:
                rows = np.flatnonzero(codes == code)
                seen = series.iloc[rows].dropna().unique()
                header = sheet.headers.get(name, name)
                problems.append(Problem(
                    sheet.label, f"{group.key} {keys.iloc[rows[0]]!r}: its rows "
                                 f"{', '.join(str(lines[r]) for r in rows)} give different "
                                 f"values for {name} ({', '.join(repr(str(v)) for v in seen[:5])});"
                                 f" one line is made per {group.key} (group_by): add {name} to "
                                 "group_by.sum if the rows' values add up", int(lines[rows[0]]),
                    header))
            if len(clash) > waybills.SHOWN:
                problems.append(Problem(sheet.label, f"... and {len(clash) - waybills.SHOWN:,} "
                                                     f"more {group.key} with different {name}"))
        firsts = series.groupby(by).first().reindex(group_of)
        out[name] = firsts.astype(object).where(firsts.notna(), None).to_numpy(dtype=object)
    return out, lines[order], problems


def _typed_number(value: float, type_: str) -> object:
    """A group's sum (a float of exact parts) as the column's value: int, or Decimal at scale."""
    if value is None or np.isnan(value):
        return None
    if values.kind(type_) == "int":
        return int(round(value))
    scale = values.decimal_shape(type_)[1]
    return Decimal(f"{value:.{scale}f}")


def _combine(parsed: np.ndarray, terms: list[tuple[np.ndarray, int]], signs: np.ndarray | None,
             negate: bool) -> np.ndarray:
    """value - minus + plus (an empty term is 0; all empty is empty), then sign and negate."""
    out = parsed.copy()
    if terms:
        for i in range(len(out)):
            parts = [out[i]] + [t[i] * f if t[i] is not None else None for t, f in terms]
            present = [v for v in parts if v is not None]
            out[i] = sum(present[1:], present[0]) if present else None
    flip = np.full(len(out), negate)
    if signs is not None:
        flip ^= signs == "-"
    for i in np.flatnonzero(flip):
        if out[i] is not None:
            out[i] = -out[i]
    for i, value in enumerate(out):
        if value is not None and value == 0:
            out[i] = abs(value)  # no -0.00
    return out


def _skip_by_sign(sheet: _Sheet, profile: Profile, numbers: list[int],
                  records: list[list[str]]) -> tuple[list[int], list[list[str]], list[Problem]]:
    """Rows a ``sign`` rule maps to ``skip`` are not loaded (and their cells not read)."""
    keep = np.ones(len(numbers), dtype=bool)
    problems: list[Problem] = []
    for name, rule in profile.columns.items():
        if rule.sign is None:
            continue
        signs, found = sheet.signs(rule.sign, name, numbers, records)
        keep &= signs != "skip"
        problems += found
    if keep.all():
        return numbers, records, problems
    log.debug("%s: %d row(s) not loaded (sign: skip)", sheet.label, int((~keep).sum()))
    return ([n for n, k in zip(numbers, keep, strict=True) if k],
            [r for r, k in zip(records, keep, strict=True) if k], problems)


def _extra_lines(extras: tuple[ExtraLine, ...], tbl: schema.Table, sheet: _Sheet,
                 data: dict[str, np.ndarray], numbers: list[int], records: list[list[str]]
                 ) -> tuple[dict[str, np.ndarray], np.ndarray, list[Problem]]:
    """Each row's line, followed by the row's extra lines that hold a value."""
    problems: list[Problem] = []
    parts = [(data, np.arange(len(numbers)), 0)]
    for k, extra in enumerate(extras, start=1):
        own: dict[str, np.ndarray] = {}
        for name, rule in extra.columns.items():
            own[name], found = sheet.column(rule, tbl.column(name), numbers, records)
            problems += found
        for name, text in extra.constants.items():
            own[name] = _constant(text, tbl.column(name), len(numbers))
        made = np.ones(len(numbers), dtype=bool)
        for name in extra.columns:
            if values.kind(tbl.column(name).type) in ("decimal", "int"):
                made &= np.array([v is not None and v != 0 for v in own[name]], dtype=bool)
        rows = np.flatnonzero(made)
        lines = {name: own.get(name, column)[rows].copy()
                 for name, column in data.items()}
        for name, suffix in extra.suffix.items():
            lines[name] = np.array([None if v is None else f"{v}{suffix}" for v in lines[name]],
                                   dtype=object)
        parts.append((lines, rows, k))
    order = np.lexsort((np.concatenate([np.full(len(r), k) for _, r, k in parts]),
                        np.concatenate([r for _, r, _ in parts])))
    merged = {name: np.concatenate([p[name] for p, _, _ in parts])[order] for name in data}
    rows = np.concatenate([r for _, r, _ in parts])[order]
    return merged, np.array(numbers, dtype=object)[rows], problems


def _number_repeats(column: np.ndarray) -> np.ndarray:
    """The 2nd, 3rd... occurrence of a value get #2, #3... (the first keeps its text)."""
    seen: dict[object, int] = {}
    out = column.copy()
    for i, value in enumerate(column):
        if value is None:
            continue
        seen[value] = seen.get(value, 0) + 1
        if seen[value] > 1:
            out[i] = f"{value}#{seen[value]}"
    return out


def _missing(label: str, wanted: tuple[str, ...], where: str, into: str, header_row: int,
             header_cells: list[str]) -> Problem:
    text = " or ".join(repr(h) for h in wanted)
    return Problem(label, f"missing column {text}{where} (read into {into}); the header row "
                          f"has: {', '.join(c for c in header_cells if c)}",
                   header_row, wanted[0])


def _cells(records: list[list[str]], position: int, index: pd.Index) -> pd.Series:
    return pd.Series([r[position] if position < len(r) else "" for r in records], index=index,
                     dtype="str")


def _body_rows(rows: list[readers.Row], profile: Profile,
               positions: dict[str, int]) -> list[readers.Row]:
    """The non-blank rows below the header, up to the trailer: the first blank row (with
    ``stop_at_blank_row``) or the first row ``stop_at_row`` matches."""
    stops = []
    for header, pattern in profile.stop_at_row.items():
        position = positions.get(values.header_key(header))
        if position is not None:
            stops.append((position, re.compile(pattern)))
        else:
            log.debug("stop_at_row: header %r is not in the file; rule ignored", header)
    out = []
    for number, cells in rows:
        if not any(cells):
            if profile.stop_at_blank_row:
                break  # everything below the first blank row is a trailer
            continue
        if any(p < len(cells) and rx.search(cells[p]) for p, rx in stops):
            break
        out.append((number, cells))
    return out


def _data_rows(rows: list[readers.Row], profile: Profile, positions: dict[str, int],
               skip: Set[int] = frozenset()) -> tuple[list[int], list[list[str]]]:
    """Body rows without dropped summary rows and totals rows."""
    drops = []
    for header, pattern in profile.drop_rows.items():
        position = positions.get(values.header_key(header))
        if position is not None:
            drops.append((position, re.compile(pattern)))
        else:
            log.debug("drop_rows: header %r is not in the file; rule ignored", header)
    numbers, records = [], []
    for number, cells in rows:
        if number in skip or any(p < len(cells) and rx.search(cells[p]) for p, rx in drops):
            continue
        numbers.append(number)
        records.append(cells)
    return numbers, records


# -- unpivot, private columns, totals ---------------------------------------------------------
def _unpivot(unpivot: Unpivot, tbl: schema.Table, sheet: _Sheet, numbers: list[int],
             records: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Problem]]:
    """One line per kept fee cell: (the physical row of each line as a position into the rows,
    the lines' values, the lines' types, problems). A row's lines stay together, in the
    profile's order of fee columns."""
    index = pd.Index(numbers)
    value_type = tbl.column(unpivot.value_column).type
    type_col = tbl.column(unpivot.type_column)
    problems: list[Problem] = []
    wide = np.full((len(index), len(unpivot.columns)), None, dtype=object)
    kinds = np.full((len(index), len(unpivot.columns)), None, dtype=object)
    for i, (header, target) in enumerate(unpivot.columns.items()):
        position = sheet.position((header,))
        if position is None:
            if header not in unpivot.optional:
                problems += sheet.missing((header,), unpivot.value_column)
            continue
        wide[:, i], found = values.parse(_cells(records, position, index), value_type)
        problems += [Problem(sheet.label, message, row, sheet.header_cells[position])
                     for row, message in found]
        if isinstance(target, ColumnRule):
            kinds[:, i], found = sheet.column(target, type_col, numbers, records)
            problems += found
        else:
            kinds[:, i] = _constant(target, type_col, len(numbers))
    keep = np.array([v is not None and not (unpivot.skip_zero and v == 0) for v in wide.flat],
                    dtype=bool).reshape(wide.shape)
    rows, fees = np.nonzero(keep)  # row-major order
    return rows, wide[rows, fees], kinds[rows, fees], problems


def _personal_headers(profile: Profile) -> tuple[str, ...]:
    """The headers a profile reads customers' names, phones and addresses from: private in every
    message, like its ``private`` columns, although they are loaded (and masked when shown)."""
    from recon_lib.privacy import PERSONAL_COLUMNS

    return tuple(header for column, rule in profile.columns.items() if column in PERSONAL_COLUMNS
                 for header in rule.from_)


def _hide_private(problems: list[Problem], private: tuple[str, ...], positions: dict[str, int],
                  numbers: list[int], records: list[list[str]]) -> list[Problem]:
    """Problems never quote a row's personal data, even when it strayed into a read column.

    A value of one of the row's private cells is shown as ``'<private>'``, however the message
    quotes it (as typed, or escaped by ``repr``); a cell the parser already left unquoted ("a
    text value", see ``recon_lib.privacy.looks_personal``) is named ``'<private>'`` too when it
    holds one of them, so the reader learns that personal data strayed into the column."""
    from recon_lib.privacy import TEXT_VALUE

    where = [positions[k] for k in map(values.header_key, private) if k in positions]
    rows = dict(zip(numbers, records, strict=True))
    secrets = {number: sorted({cells[p] for p in where if p < len(cells) and cells[p]},
                              key=len, reverse=True)
               for number, cells in rows.items()}
    out = []
    for problem in problems:
        message, found = problem.message, secrets.get(problem.row, ())
        if found and TEXT_VALUE in message and problem.column is not None:
            at = positions.get(values.header_key(problem.column))
            cells = rows.get(problem.row, [])
            if at is not None and at < len(cells) and any(s in cells[at] for s in found):
                message = message.replace(TEXT_VALUE, repr(PRIVATE_MARK), 1)
        for secret in found:
            for form in dict.fromkeys((secret, repr(secret)[1:-1])):
                message = message.replace(form, PRIVATE_MARK)
        out.append(dataclasses.replace(problem, message=message))
    return out


def _totals_rows(grid: readers.Grid, header_index: int, profile: Profile, label: str,
                 where: str, positions: dict[str, int]
                 ) -> tuple[list[tuple[Totals, readers.Row]], list[Problem]]:
    """The totals row of each ``totals`` entry with ``row``: exactly one row must match."""
    found, problems = [], []
    for totals in profile.totals:
        if totals.row is None:
            continue
        above = totals.row == "above"
        rows = grid.rows[:header_index] if above else grid.rows[header_index + 1:]
        rx = re.compile(totals.label)
        if totals.label_header is not None:
            at = positions.get(values.header_key(totals.label_header))
            if at is None:
                problems.append(Problem(label, f"totals: no column {totals.label_header!r} in "
                                               f"the header row{where}"))
                continue
            hits = [(n, cells) for n, cells in rows
                    if at < len(cells) and cells[at] and rx.search(cells[at])]
        else:
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


def _blank_row_hint(problems: list[Problem], below: list[readers.Row],
                    body: list[readers.Row]) -> list[Problem]:
    """A totals difference when reading stopped at a blank row with rows below it: say so."""
    if not body or len(body) >= len(below):
        return problems
    stop = next((i for i, (n, cells) in enumerate(below) if not any(cells)), None)
    if stop is None or stop != len(body):  # the data ended before it (stop_at_row)
        return problems
    rest = [n for n, cells in below[stop + 1:] if any(cells)]
    if not rest:
        return problems
    hint = (f"; the data was read up to the blank row {below[stop][0]} (stop_at_blank_row), and "
            f"{len(rest):,} non-blank row(s) below it (rows {rest[0]}-{rest[-1]}) were not "
            "read: if they are data, the profile needs stop_at_blank_row: false")
    return [dataclasses.replace(p, message=p.message + hint)
            if p.message.startswith("total ") else p for p in problems]


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


def _column(raw: pd.Series, rule: ColumnRule | None, col: schema.Column,
            period: Period) -> tuple[np.ndarray, list[tuple[object, str]]]:
    """Map, default and parse one column's (shaped) cells. ``negate`` is applied later."""
    problems: list[tuple[object, str]] = []
    if rule is None:
        return np.full(len(raw), None, dtype=object), problems
    empty = raw == ""
    if values.kind(col.type) != "text":
        empty |= raw.isin(values.PLACEHOLDERS)
    if rule.province_from is not None:
        raw, problems = _province(raw.where(~empty, ""), rule)
    if rule.map is not None or rule.patterns:
        raw, problems = _mapped(raw.where(~empty, ""), rule)
    if rule.default is not None:
        raw = raw.where(~empty, rule.default)
    parsed, found = values.parse(raw, col.type, formats=rule.formats, period=period,
                                 decimal=rule.decimal, timezone=rule.timezone)
    return parsed, problems + found


# -- a period ---------------------------------------------------------------------------------
def period_folders(data_dir: str | Path, period: Period) -> list[tuple[Period, Path]]:
    """The raw-data folders a run of ``period`` loads: its own (``<data_dir>/<label>/``) and
    those of every shorter period inside it (the days of a week, the days and weeks of a
    month...), earliest first. Folders whose names are not periods are ignored."""
    root = Path(data_dir)
    found = []
    if root.is_dir():
        for path in root.iterdir():
            if not path.is_dir():
                continue
            try:
                inner = parse_period(path.name)
            except InputError:
                continue
            if inner.label == path.name and period.covers(inner):
                found.append((inner, path))
    return sorted(found, key=lambda item: (item[0].start, -item[0].days))


def load_period(db: Database, period: Period, data_dir: str | Path | None = None,
                profiles: Mapping[str, Profile] | Iterable[Profile] | None = None,
                require: Iterable[str] = ()) -> LoadReport:
    """Load every raw file of the period's folders (see :func:`period_folders`).

    All files are recognised, read and checked first; any problem anywhere raises one
    InputError listing them all and leaves the database untouched. Otherwise each folder's rows
    are replaced in every canonical table in one transaction. Rows are tagged with the label of
    the folder they came from, so loading a day and later the week holding it stores them once.
    Two folders (or a folder and rows already stored) whose days overlap may not fill the same
    table: the same records would count twice. A load of reference data only, or one without
    rows of a table in ``require``, is refused before anything is stored.
    """
    started = time.perf_counter()
    root = Path(data_dir if data_dir is not None else config.RAW_DIR)
    folders = period_folders(root, period)
    if not folders:
        where = root / period.label
        inside = (" or a folder of a period inside it (e.g. "
                  f"{root / period.start.isoformat()})" if period.days > 1 else "")
        raise InputError(f"no data for period {period.label}: folder {where} does not exist"
                         f"{inside}", [Problem(str(where), "folder does not exist")])
    if profiles is None:
        profiles = load_profiles(profile_dirs())

    several = len(folders) > 1
    problems: list[Problem] = []
    reports: list[FileReport] = []
    batches: list[tuple[Period, dict[str, pd.DataFrame]]] = []
    empty: list[Path] = []
    paths: dict[str, Path] = {}
    loaded: list[tuple[str, dict[str, pd.DataFrame]]] = []  # (prefix, tables) of each folder
    for inner, folder in folders:
        prefix = f"{folder.name}/" if several else ""
        scan = scan_folder(folder, root=root)  # files it cannot read are problems, not skipped
        problems += [Problem(prefix + p.file, p.message) for p in scan.problems]
        files = list(scan.files)
        paths |= {prefix + _label(path, folder): path for path in files}
        if not files:
            empty.append(folder)
            continue
        tables, found, read = _read_folder(folder, files, inner, profiles, prefix)
        problems += found
        reports += read
        batches.append((inner, tables))
        loaded.append((prefix, tables))
    if len(empty) == len(folders) and not problems:
        names = ", ".join(str(f) for f in empty)
        raise InputError(f"no data for period {period.label}: folder {names} has no "
                         ".csv, .txt, .xlsx or .xls file",
                         [Problem(str(f), "no data files in the folder") for f in empty])
    for folder in empty:  # e.g. a month folder holding only the answer key of its days
        log.info("%s has no .csv, .txt, .xlsx or .xls file", folder)
    have = {r.table for r in reports if r.rows}
    for name in dict.fromkeys(n.partition(".")[0] for n in require):
        if name in schema.TABLES and not schema.table(name).master and name not in have:
            problems.append(Problem(name, f"required source {name} has no rows in this load "
                                          "(--require / require: in recon.yml)"))
    if not problems and not any(not schema.table(r.table).master for r in reports):
        # replacing the period with reference data alone would delete its stored records
        kinds = ", ".join(sorted({r.table for r in reports}))
        raise InputError(
            f"period {period.label} was not loaded: its files hold only reference data ({kinds}),"
            " no orders, shipments, movements, bills, returns, settlements or bank lines; "
            "nothing was changed", [Problem(r.file, f"reference data ({r.table}) only")
                                    for r in reports])
    problems += _overlaps(db, batches)
    problems += _same_lines(reports, paths, loaded)
    if problems:
        count = len({p.file for p in problems})
        where = ", ".join(str(f) for _, f in folders)
        raise InputError(f"period {period.label} was not loaded ({where}): {len(problems)} "
                         f"problem(s) in {count} file(s); nothing was changed", problems)

    with db.transaction():
        for inner, tables in batches:
            for name in schema.TABLES:
                db.execute(schema.clear_period_sql(schema.table(name)), {"period": inner.label},
                           name=f"load: clear {name}")
            for name, frame in tables.items():
                _insert(db, name, frame)
    seconds = time.perf_counter() - started
    counts: dict[str, int] = {}
    for _, tables in batches:
        for name, frame in tables.items():
            counts[name] = counts.get(name, 0) + len(frame)
    report = LoadReport(period.label, folders[0][1], tuple(reports), seconds, counts,
                        tuple(f for _, f in folders))
    log.info("loaded period %s: %d folder(s), %d files, %d rows in %.2fs", period.label,
             len(folders), len(reports), report.rows, seconds)
    return report


def _read_folder(folder: Path, files: list[Path], period: Period,
                 profiles: Mapping[str, Profile] | Iterable[Profile], prefix: str,
                 ) -> tuple[dict[str, pd.DataFrame], list[Problem], list[FileReport]]:
    """Read and check one folder's files; problems name files as ``<prefix><file>``."""
    problems: list[Problem] = []
    reports: list[FileReport] = []
    frames: dict[str, list[pd.DataFrame]] = {}
    headers: dict[str, dict[str, str]] = {}
    unreadable: set[str] = set()  # tables with a file that could not be read at all
    unknown_file = False
    facts: list[pd.DataFrame] = []  # what each bill says about its waybills
    if not isinstance(profiles, Mapping):
        profiles = list(profiles)  # read more than once
    usable = profiles.values() if isinstance(profiles, Mapping) else profiles
    need_facts = any(p.from_bill for p in usable)  # read only when a profile will use them
    wanting: list[tuple[str, pd.DataFrame, Profile]] = []  # files with from_bill columns
    for path in files:
        stored = _label(path, folder)
        label = prefix + stored
        t0 = time.perf_counter()
        try:
            profile = detect(path, profiles, label=label)
        except InputError as exc:
            problems += exc.problems or [Problem(label, str(exc))]
            unknown_file = True
            continue
        result = _read(path, profile, period, label, facts=need_facts)
        problems += result.problems
        if result.frame is None:
            unreadable.add(profile.table)
            continue
        result.frame["source_file"] = stored  # lineage is the file in its own folder
        seconds = time.perf_counter() - t0
        rows = len(result.frame)
        frames.setdefault(profile.table, []).append(result.frame)
        if result.facts is not None:
            facts.append(result.facts)
        if profile.from_bill:
            wanting.append((label, result.frame, profile))
        headers[stored] = result.headers
        reports.append(FileReport(label, profile.name, profile.table, rows, seconds))
        log.info("read %s as %s -> %s: %d rows in %.2fs (%.0f rows/s)", label, profile.name,
                 profile.table, rows, seconds, rows / seconds if seconds else 0)
        if rows == 0:
            log.warning("%s has a header but no data rows", label)

    problems += _from_bills(wanting, facts)
    tables = {name: pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
              for name, parts in frames.items()}
    # A reference into a table whose file is missing from the load would only add noise.
    skip = set(schema.TABLES) if unknown_file else unreadable
    seen = {(p.file, p.row, p.column) for p in problems}
    for found in checks.check_tables(tables, skip_references_to=skip, period=period):
        found = _with_header(found, headers)
        if prefix:
            found = Problem(prefix + found.file, found.message, found.row, found.column)
        if (found.file, found.row, found.column) not in seen:  # a bad cell is reported once
            problems.append(found)
    return tables, problems, reports


def _from_bills(wanting: list[tuple[str, pd.DataFrame, Profile]],
                facts: list[pd.DataFrame]) -> list[Problem]:
    """Fill the ``from_bill`` columns (a dispatch list's carrier, service...) of the folder's
    files from what its courier bills say about their waybills; see ``load.waybills``."""
    if not wanting:
        return []
    known = waybills.bill_facts(facts)
    problems: list[Problem] = []
    for label, frame, profile in wanting:
        problems += waybills.fill(frame, profile.from_bill, known, label)
    return problems


OVERLAP_LINES = 10
OVERLAP_SHARE = 0.05
"""Two files of a table without a key (courier bill lines, tracking events) overlap when one
holds nothing but lines the other has too, or when they share at least ``OVERLAP_LINES`` lines
making at least ``OVERLAP_SHARE`` of the smaller file. Fewer shared lines can be a courier
billing a parcel on two bills: that loads, and the freight reconciliation reports it."""


def _same_lines(reports: list[FileReport], paths: Mapping[str, Path],
                loaded: list[tuple[str, dict[str, pd.DataFrame]]]) -> list[Problem]:
    """Files of one table whose parsed lines repeat another file's in the same load: a download
    saved twice (``bill (1).csv``), the same bill saved again as .xlsx or with other line ends,
    or an export of days another file already covers. Loading both would count the shared
    records twice: every line of a courier bill a duplicate charge. A line is the canonical row
    without its lineage (file, row, period); identical lines inside one file are real double
    billing and load. Reference data (rate cards, products) may repeat, as in every folder of a
    month's days: it replaces by key. ``loaded`` holds each folder's tables and file prefix."""
    by_table: dict[str, list[FileReport]] = {}
    for report in reports:
        if report.rows and not schema.table(report.table).master:
            by_table.setdefault(report.table, []).append(report)
    problems = []
    for name, files in by_table.items():
        if len(files) < 2:
            continue
        tbl = schema.table(name)
        frames = [(prefix, tables[name]) for prefix, tables in loaded if name in tables]
        owners = np.concatenate([(prefix + frame["source_file"]).to_numpy(dtype=object)
                                 for prefix, frame in frames])
        hashes = _line_hashes(pd.concat([frame for _, frame in frames], ignore_index=True)
                              if len(frames) > 1 else frames[0][1])
        shared = _shared_counts(hashes, owners)
        copies: set[str] = set()
        for i, b in enumerate(files):
            for a in files[:i]:
                n = shared.get((a.file, b.file), 0)
                if a.file in copies or not n:
                    continue
                if n == a.rows == b.rows:
                    problems.append(Problem(b.file, _copy_message(a, b, paths)))
                    copies.add(b.file)
                    break
                if _overlapping(tbl, n, a.rows, b.rows):
                    problems.append(Problem(b.file, (
                        f"{a.file} and {b.file} share {n:,} of their lines ({a.file}: "
                        f"{a.rows:,} lines, {b.file}: {b.rows:,}): loading both would count "
                        "those records twice (an export of days another file already covers?); "
                        "keep one of the two, or export one again without the shared days")))
    return problems


def _shared_counts(hashes: np.ndarray, owners: np.ndarray) -> dict[tuple[str, str], int]:
    """Lines each two files have in common (only pairs that share any): each line as often as
    the file that has it less often. ``owners`` names the file of each line."""
    codes, names = pd.factorize(owners)
    lines = pd.DataFrame({"line": hashes, "file": codes}).value_counts().rename("n").reset_index()
    lines = lines[lines["line"].duplicated(keep=False)]  # lines of more than one file
    if lines.empty:
        return {}
    pairs = lines.merge(lines, on="line")
    pairs = pairs[pairs["file_x"] != pairs["file_y"]]
    pairs["n"] = np.minimum(pairs["n_x"], pairs["n_y"])
    return {(names[a], names[b]): int(n)
            for (a, b), n in pairs.groupby(["file_x", "file_y"])["n"].sum().items()}


def _overlapping(tbl: schema.Table, shared: int, a_rows: int, b_rows: int) -> bool:
    """A table with a key: any shared line (its key repeats too). Without: see OVERLAP_LINES."""
    if not shared:
        return False
    smaller = min(a_rows, b_rows)
    if tbl.key or shared == smaller:
        return True
    return shared >= OVERLAP_LINES and shared >= OVERLAP_SHARE * smaller


def _copy_message(a: FileReport, b: FileReport, paths: Mapping[str, Path]) -> str:
    if filecmp.cmp(paths[a.file], paths[b.file], shallow=False):
        return (f"the same content as {a.file}: loading both would count each of its "
                f"{b.rows:,} records twice; take one of the two out of the folder")
    return (f"the same {b.rows:,} lines as {a.file} once read (the same data saved again, e.g. "
            "as .xlsx and .csv or with other line ends): loading both would count each of them "
            "twice; take one of the two out of the folder")


def _overlaps(db: Database, batches: list[tuple[Period, dict[str, pd.DataFrame]]],
              ) -> list[Problem]:
    """Transaction tables that two overlapping periods would both fill (master data may)."""
    replaced = {inner.label for inner, _ in batches}
    problems = []
    for name, tbl in schema.TABLES.items():
        if tbl.master:
            continue
        filling = [inner for inner, tables in batches if len(tables.get(name, ()))]
        if not filling:
            continue
        stored = []
        for (label,) in db.execute(schema.loaded_periods_sql(tbl),
                                   name=f"load: periods in {name}").fetchall():
            if label in replaced:
                continue
            try:
                stored.append(parse_period(label))
            except InputError:
                continue
        for i, inner in enumerate(filling):
            for other in filling[i + 1:] + stored:
                if inner.start < other.end and other.start < inner.end:
                    where = ("already loaded" if other in stored
                             else f"folder {other.label} in this load")
                    problems.append(Problem(
                        f"{inner.label}/", f"{name}: the days of {inner.label} overlap "
                        f"{other.label} ({where}), which also has {name} rows: the same records "
                        "would count twice. Keep the files in one of the two folders."))
    return problems


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
        tbl = schema.table(table)
        if tbl.key and not tbl.master:
            # a record two periods' files both hold (an order placed on the 30th, paid on the
            # 1st) is stored once: under the period loaded last, never twice
            stored = db.execute(schema.stored_by_key_sql(tbl, view),
                                name=f"load: {table} stored before").fetchall()
            if stored:
                log.warning("%s: %s record(s) of this load were stored for %s; they now belong "
                            "to the period loaded last", table, f"{sum(n for _, n in stored):,}",
                            ", ".join(label for label, _ in stored))
        if tbl.key:  # one row per key: reference data whichever period loaded it last, too
            db.execute(schema.delete_by_key_sql(tbl, view), name=f"load: replace {table}")
        # Identifiers come from the schema only; the rows arrive as a registered Arrow table.
        db.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}", name=f"load: insert {table}")
    finally:
        db.con.unregister(view)
