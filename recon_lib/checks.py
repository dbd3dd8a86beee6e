"""Data contracts on loaded tables: not null, accepted values, unique keys, relationships.

The checks run on the frames of one load, before anything is written, and name the source file,
row and column of every offending row (dbt's ``not_null``, ``accepted_values``, ``unique`` and
``relationships`` tests, over pandas).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from recon_lib import schema
from recon_lib.errors import Problem


def check_tables(frames: dict[str, pd.DataFrame], *,
                 skip_references_to: Iterable[str] = ()) -> list[Problem]:
    """Every contract violation in ``frames`` (canonical table name -> rows of one load).

    References into a table that has no frame, or is named in ``skip_references_to`` (its files
    could not be read), are not checked.
    """
    skip = set(skip_references_to)
    problems: list[Problem] = []
    for name, frame in frames.items():
        tbl = schema.table(name)
        where = _Where(name, frame)
        problems += _required(tbl, frame, where)
        problems += _accepted(tbl, frame, where)
        problems += _unique(tbl, frame, where)
        for col, (ref_table, ref_col) in tbl.references.items():
            if ref_table in frames and ref_table not in skip and col in frame:
                problems += _reference(col, frame, ref_table, frames[ref_table][ref_col], where)
    return problems


class _Where:
    """Source file and row of a frame's rows (lineage columns when present)."""

    def __init__(self, table: str, frame: pd.DataFrame):
        self.files = frame.get("source_file")
        self.rows = frame.get("source_row")
        self.table = table

    def file(self, index) -> str:
        return str(self.files[index]) if self.files is not None else self.table

    def row(self, index) -> int | None:
        return int(self.rows[index]) if self.rows is not None else None

    def problem(self, index, message: str, column: str) -> Problem:
        return Problem(self.file(index), message, self.row(index), column)


def _required(tbl: schema.Table, frame: pd.DataFrame, where: _Where) -> list[Problem]:
    out = []
    for col in tbl.columns:
        if not col.required:
            continue
        if col.name not in frame:
            out.append(Problem(tbl.name, f"required column {col.name} is missing", None, col.name))
            continue
        for index in frame.index[frame[col.name].isna()]:
            out.append(where.problem(index, f"{col.name} is required but empty", col.name))
    return out


def _accepted(tbl: schema.Table, frame: pd.DataFrame, where: _Where) -> list[Problem]:
    out = []
    for col in tbl.columns:
        if not col.accepted or col.name not in frame:
            continue
        series = frame[col.name]
        bad = series.notna() & ~series.isin(col.accepted)
        for index, value in series[bad].items():
            out.append(where.problem(
                index, f"{col.name} {value!r} is not accepted; one of: {', '.join(col.accepted)}",
                col.name))
    return out


def _unique(tbl: schema.Table, frame: pd.DataFrame, where: _Where) -> list[Problem]:
    key = list(tbl.key)
    if not key or any(k not in frame for k in key) or frame.empty:
        return []
    keyed = frame.loc[frame[key].notna().all(axis=1), key]  # null keys are not_null's business
    repeated = keyed.duplicated(keep="first")
    if not repeated.any():
        return []
    group = keyed.groupby(key, sort=False).ngroup()
    first_of_group = pd.Series(keyed.index[~repeated], index=group[~repeated].to_numpy())
    out = []
    for index in keyed.index[repeated]:
        first = first_of_group[group[index]]
        shown = ", ".join(f"{k}={frame.at[index, k]!s}" for k in key)
        at = f"{where.file(first)} row {where.row(first)}" if where.rows is not None else \
            f"row {first + 1}"
        out.append(where.problem(index, f"duplicate key {shown}: first seen in {at}",
                                 ", ".join(key)))
    return out


def _reference(col: str, frame: pd.DataFrame, ref_table: str, ref_values: pd.Series,
               where: _Where) -> list[Problem]:
    series = frame[col]
    bad = series.notna() & ~series.isin(ref_values.dropna().unique())
    return [where.problem(index, f"{col} {value!r} is not in {ref_table} "
                                 f"(no row of {ref_table} has it)", col)
            for index, value in series[bad].items()]
