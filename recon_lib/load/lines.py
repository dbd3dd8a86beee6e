"""From a file's rows to its canonical lines: number terms and signs, ``unpivot``,
``extra_lines``, ``group_by`` and ``number_repeats``.

Columns are numpy object arrays of canonical values (None when empty), one per row of data;
these steps combine them, and make more lines (or fewer) than rows.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from recon_lib import schema
from recon_lib.errors import Problem
from recon_lib.load import values, waybills
from recon_lib.load.cells import Cells
from recon_lib.load.profile import ColumnRule, ExtraLine, GroupBy, Unpivot

if TYPE_CHECKING:
    from recon_lib.load.sheet import Sheet


def present(column: np.ndarray) -> np.ndarray:
    """Where an object column holds a value (is not None)."""
    return np.fromiter((v is not None for v in column), dtype=bool, count=len(column))


def nonzero(column: np.ndarray) -> np.ndarray:
    """Where a number column holds a value other than 0 (a number is false only when 0; this
    asks no Decimal to compare itself with an int)."""
    return np.fromiter((v is not None and bool(v) for v in column), dtype=bool,
                       count=len(column))


def constant(text: str, col: schema.Column, n: int) -> np.ndarray:
    return np.full(n, _constant_value(text, col.type), dtype=object)


@functools.lru_cache(maxsize=1024)
def _constant_value(text: str, type_: str) -> object:
    value, _ = values.parse(pd.Series([text]), type_)  # checked when the profile loaded
    return value[0]


def combine(parsed: np.ndarray, terms: list[tuple[np.ndarray, int]], signs: np.ndarray | None,
            negate: bool) -> np.ndarray:
    """value - minus + plus (an empty term is 0; all empty is empty), then sign and negate."""
    if not terms and signs is None and not negate:
        return parsed  # nothing to add or flip (and ``values.parse`` never gives -0)
    out = parsed.copy()
    for term, factor in terms:  # added left to right, as sum() would
        have = present(term)
        part = term[have] * factor
        both = have & present(out)
        only = have & ~both
        out[both] = out[both] + part[both[have]]
        out[only] = part[only[have]]
    flip = np.full(len(out), negate)
    if signs is not None:
        flip ^= signs == "-"
    flip &= present(out)
    out[flip] = -out[flip]
    zero = np.fromiter((v is not None and not v for v in out), dtype=bool, count=len(out))
    out[zero] = np.abs(out[zero])  # no -0.00
    return out


def unpivot(up: Unpivot, tbl: schema.Table, sheet: Sheet, rows: Cells,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Problem]]:
    """One line per kept fee cell: (the physical row of each line as a position into the rows,
    the lines' values, the lines' types, problems). A row's lines stay together, in the
    profile's order of fee columns."""
    index = pd.Index(rows.numbers)
    value_type = tbl.column(up.value_column).type
    type_col = tbl.column(up.type_column)
    problems: list[Problem] = []
    wide = np.full((len(index), len(up.columns)), None, dtype=object)
    kinds = np.full((len(index), len(up.columns)), None, dtype=object)
    for i, (header, target) in enumerate(up.columns.items()):
        position = sheet.position((header,))
        if position is None:
            if header not in up.optional:
                problems += sheet.missing((header,), up.value_column)
            continue
        wide[:, i], found = values.parse(rows.text(position, index), value_type)
        problems += [Problem(sheet.label, message, row, sheet.header_cells[position])
                     for row, message in found]
        if isinstance(target, ColumnRule):
            kinds[:, i], found = sheet.column(target, type_col, rows)
            problems += found
        else:
            kinds[:, i] = constant(target, type_col, len(rows))
    keep = (nonzero(wide.ravel()) if up.skip_zero else present(wide.ravel())).reshape(wide.shape)
    picked, fees = np.nonzero(keep)  # row-major order
    return picked, wide[picked, fees], kinds[picked, fees], problems


def extra_lines(extras: tuple[ExtraLine, ...], tbl: schema.Table, sheet: Sheet,
                data: dict[str, np.ndarray], rows: Cells,
                ) -> tuple[dict[str, np.ndarray], np.ndarray, list[Problem]]:
    """Each row's line, followed by the row's extra lines that hold a value."""
    problems: list[Problem] = []
    parts = [(data, np.arange(len(rows)), 0)]
    for k, extra in enumerate(extras, start=1):
        own: dict[str, np.ndarray] = {}
        for name, rule in extra.columns.items():
            own[name], found = sheet.column(rule, tbl.column(name), rows)
            problems += found
        for name, text in extra.constants.items():
            own[name] = constant(text, tbl.column(name), len(rows))
        made = np.ones(len(rows), dtype=bool)
        for name in extra.columns:
            if values.kind(tbl.column(name).type) in ("decimal", "int"):
                made &= nonzero(own[name])
        picked = np.flatnonzero(made)
        lines = {name: own.get(name, column)[picked].copy()
                 for name, column in data.items()}
        for name, suffix in extra.suffix.items():
            lines[name] = np.array([None if v is None else f"{v}{suffix}" for v in lines[name]],
                                   dtype=object)
        parts.append((lines, picked, k))
    order = np.lexsort((np.concatenate([np.full(len(r), k) for _, r, k in parts]),
                        np.concatenate([r for _, r, _ in parts])))
    merged = {name: np.concatenate([p[name] for p, _, _ in parts])[order] for name in data}
    picked = np.concatenate([r for _, r, _ in parts])[order]
    return merged, rows.numbers.astype(object)[picked], problems


def group(by: GroupBy, tbl: schema.Table, data: dict[str, np.ndarray], lines: np.ndarray,
          sheet: Sheet) -> tuple[dict[str, np.ndarray], np.ndarray, list[Problem]]:
    """``group_by``: one line per key value, at its first row. ``sum`` columns add up (empty cells
    count as nothing; all empty stays empty); every other column takes the group's value, and
    rows of a group that disagree on one are a problem. Rows without a key stay lines of their
    own (the required check names them)."""
    keys = pd.Series(data[by.key], dtype=object)
    codes, _ = pd.factorize(keys, use_na_sentinel=True)
    lone = codes < 0
    codes[lone] = codes.max(initial=-1) + 1 + np.arange(int(lone.sum()))
    _, first = np.unique(codes, return_index=True)  # first row of each group, by group code
    order = np.sort(first)  # groups in the order they first appear
    group_of = codes[order]
    codes_ = pd.Series(codes)
    problems: list[Problem] = []
    out: dict[str, np.ndarray] = {}
    for name, column in data.items():
        series = pd.Series(column, dtype=object)
        if name in by.sum:
            type_ = tbl.column(name).type
            numbers = pd.to_numeric(series, errors="coerce")
            total = numbers.groupby(codes_).sum(min_count=1).reindex(group_of).to_numpy()
            out[name] = np.array([typed_number(v, type_) for v in total], dtype=object)
            continue
        if not series.notna().any():
            out[name] = np.full(len(order), None, dtype=object)
            continue
        if name != by.key:
            values_per_group = series.groupby(codes_).nunique(dropna=True)
            clash = values_per_group.index[values_per_group > 1]
            for code in clash[:waybills.SHOWN]:
                at = np.flatnonzero(codes == code)
                seen = series.iloc[at].dropna().unique()
                header = sheet.headers.get(name, name)
                problems.append(Problem(
                    sheet.label, f"{by.key} {keys.iloc[at[0]]!r}: its rows "
                                 f"{', '.join(str(lines[r]) for r in at)} give different "
                                 f"values for {name} ({', '.join(repr(str(v)) for v in seen[:5])});"
                                 f" one line is made per {by.key} (group_by): add {name} to "
                                 "group_by.sum if the rows' values add up", int(lines[at[0]]),
                    header))
            if len(clash) > waybills.SHOWN:
                problems.append(Problem(sheet.label, f"... and {len(clash) - waybills.SHOWN:,} "
                                                     f"more {by.key} with different {name}"))
        firsts = series.groupby(codes_).first().reindex(group_of)
        out[name] = firsts.astype(object).where(firsts.notna(), None).to_numpy(dtype=object)
    return out, lines[order], problems


def typed_number(value: float, type_: str) -> object:
    """A group's sum (a float of exact parts) as the column's value: int, or Decimal at scale."""
    if value is None or np.isnan(value):
        return None
    if values.kind(type_) == "int":
        return int(round(value))
    scale = values.decimal_shape(type_)[1]
    return Decimal(f"{value:.{scale}f}")


def number_repeats(column: np.ndarray) -> np.ndarray:
    """The 2nd, 3rd... occurrence of a value get #2, #3... (the first keeps its text)."""
    have = present(column)
    nth = pd.Series(column[have]).groupby(column[have], sort=False).cumcount().to_numpy() + 1
    out = column.copy()
    at = np.flatnonzero(have)[nth > 1]
    out[at] = [f"{value}#{n}" for value, n in zip(column[at], nth[nth > 1], strict=True)]
    return out
