"""Data contracts on loaded tables: not null, accepted values, unique keys, relationships.

The checks run on the frames of one load, before anything is written, and name the source file,
row and column of every offending row (dbt's ``not_null``, ``accepted_values``, ``unique`` and
``relationships`` tests, over pandas).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from recon_lib import geo, schema
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
        if name in TABLE_RULES:
            problems += TABLE_RULES[name](frame, where)
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


# -- rules of one table -------------------------------------------------------------------------
def _bad_numbers(frame: pd.DataFrame, where: _Where, rules: dict[str, tuple]) -> list[Problem]:
    """rules: column -> (test that flags a bad value, what was expected)."""
    out = []
    for col, (bad, expected) in rules.items():
        if col not in frame:
            continue
        values = frame[col]
        flagged = values.notna() & values.map(lambda v, bad=bad: v is not None and bad(v))
        for index in frame.index[flagged]:
            out.append(where.problem(index, f"expected {expected}, got {values[index]}", col))
    return out


def _rate_card_rules(frame: pd.DataFrame, where: _Where) -> list[Problem]:
    """Prices not negative, steps positive; no overlapping effective ranges; every province."""
    problems = _bad_numbers(frame, where, {
        "first_price": (lambda v: v < 0, "a price of 0 or more"),
        "additional_price": (lambda v: v < 0, "a price of 0 or more"),
        "first_weight_kg": (lambda v: v < 0, "a weight of 0 or more"),
        "additional_unit_kg": (lambda v: v <= 0, "a weight step above 0"),
        "rounding_unit_kg": (lambda v: v <= 0, "a rounding step above 0"),
        "rounding_unit_above_kg": (lambda v: v <= 0, "a rounding step above 0"),
        "volumetric_divisor": (lambda v: v <= 0, "a divisor above 0 (cm³ per kg, e.g. 6000)"),
        "discount_rate": (lambda v: not 0 <= v < 1, "a share from 0 to below 1 (0.1 = 10% off)"),
    })
    for index in frame.index[frame["rounding_threshold_kg"].notna()
                             & frame["rounding_unit_above_kg"].isna()]:
        problems.append(where.problem(index, "a rounding threshold needs the rounding step above "
                                             "it", "rounding_unit_above_kg"))
    known = set(geo.PROVINCES)
    for index in frame.index[~frame["dest_province"].isin(known)]:
        problems.append(where.problem(
            index, f"unknown province {frame.at[index, 'dest_province']!r}; expected a short "
                   "name such as 广东 or 内蒙古", "dest_province"))
    problems += _overlaps(frame, where, ["carrier", "service", "dest_province"],
                          "carrier, service and province")
    for _, group in frame.groupby(["carrier", "service", "effective_from"], sort=False):
        missing = [p for p in geo.PROVINCES if p not in set(group["dest_province"])]
        if missing:
            first = group.index[0]
            problems.append(where.problem(
                first, f"the card of {group.at[first, 'carrier']} {group.at[first, 'service']} "
                       f"from {group.at[first, 'effective_from']} has no price for "
                       f"{len(missing)} province(s): {', '.join(missing)}", "dest_province"))
    return problems


def _surcharge_rules(frame: pd.DataFrame, where: _Where) -> list[Problem]:
    problems = _bad_numbers(frame, where, {
        "rate": (lambda v: v < 0, "a rate of 0 or more"),
        "min_amount": (lambda v: v < 0, "an amount of 0 or more"),
    })
    share = frame["basis"] == "share_of_declared"
    for index in frame.index[share & frame["rate"].map(lambda v: v is not None and v > 1)]:
        problems.append(where.problem(index, f"expected a share of the declared value (0.005 = "
                                             f"0.5%), got {frame.at[index, 'rate']}", "rate"))
    return problems


def _overlaps(frame: pd.DataFrame, where: _Where, by: list[str], what: str) -> list[Problem]:
    """Rows of the same ``by`` group whose effective ranges overlap."""
    problems = []
    far_future = pd.Timestamp.max.date()
    keyed = frame.assign(**{c: frame[c].fillna("(all)") for c in by})
    for _, group in keyed.groupby(by, sort=False):
        ordered = group.sort_values("effective_from")
        ends = ordered["effective_to"].map(lambda d: far_future if d is None or pd.isna(d) else d)
        for prev, prev_end, index in zip(ordered.index[:-1], ends.iloc[:-1], ordered.index[1:],
                                         strict=True):
            if frame.at[index, "effective_from"] <= prev_end:
                problems.append(where.problem(
                    index, f"effective from {frame.at[index, 'effective_from']} overlaps the "
                           f"range of row {where.row(prev)} for the same {what}",
                    "effective_from"))
    return problems


def _fee_schedule_rules(frame: pd.DataFrame, where: _Where) -> list[Problem]:
    """Rates are shares from 0 to below 1, fixed fees not negative, no overlapping ranges."""
    problems = _bad_numbers(frame, where, {
        "rate": (lambda v: not 0 <= v < 1, "a share from 0 to below 1 (0.05 = 5%)"),
        "fixed_amount": (lambda v: v < 0, "an amount of 0 or more"),
        "settlement_days": (lambda v: v < 0, "a number of days of 0 or more"),
    })
    return problems + _overlaps(frame, where, ["channel", "category", "line_type"],
                                "channel, category and fee type")


TABLE_RULES = {"rate_cards": _rate_card_rules, "rate_card_surcharges": _surcharge_rules,
               "fee_schedules": _fee_schedule_rules}
