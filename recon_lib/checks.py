"""Data contracts on loaded tables: not null, accepted values, unique keys, relationships,
quantities and line totals, and records outside the period of their folder.

The checks run on the frames of one load, before anything is written, and name the source file,
row and column of every offending row (dbt's ``not_null``, ``accepted_values``, ``unique`` and
``relationships`` tests, over pandas). The rules are declared per table in :mod:`recon_lib.schema`
(``required``, ``accepted``, ``key``, ``references``, ``quantities``, ``line_total``,
``period_date``); a rule that breaks a whole file (a September statement in October's folder, an
export whose quantities are all negative) lists a few rows of the file and counts the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recon_lib import geo, periods, schema
from recon_lib.errors import Problem
from recon_lib.periods import Period

ROWS_SHOWN = 5
"""Rows listed per file and rule before the rest are only counted (a September statement in
October's folder is one problem with a few examples, not 10,000)."""


def check_tables(frames: dict[str, pd.DataFrame], *, skip_references_to: Iterable[str] = (),
                 period: Period | None = None) -> list[Problem]:
    """Every contract violation in ``frames`` (canonical table name -> rows of one load).

    References into a table that has no frame, or is named in ``skip_references_to`` (its files
    could not be read), are not checked. With ``period`` (the period of the folder the frames
    were read from), rows dated outside it beyond their table's grace are problems too.
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
        problems += _quantities(tbl, frame, where)
        problems += _line_total(tbl, frame, where)
        if period is not None and tbl.period_date is not None:
            problems += _outside_period(tbl, frame, where, period)
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

    def by_file(self, flagged: pd.Series) -> Iterable[tuple[str, pd.Index]]:
        """The flagged rows' indexes, per source file, in row order."""
        index = flagged.index[flagged.fillna(False).astype(bool).to_numpy()]
        if self.files is None:
            if len(index):
                yield self.table, index
            return
        for file, rows in pd.Series(index, index=index).groupby(self.files[index], sort=False):
            yield str(file), pd.Index(rows.to_numpy())

    def capped(self, flagged: pd.Series, column: str, message, summary) -> list[Problem]:
        """A problem for each of the first ROWS_SHOWN flagged rows of every file, and one more
        counting the rest: ``message(index)`` says what is wrong with a row, ``summary(file,
        rows)`` what is wrong with the file's ``rows`` (all its flagged indexes)."""
        out = []
        for file, rows in self.by_file(flagged):
            out += [self.problem(index, message(index), column) for index in rows[:ROWS_SHOWN]]
            if len(rows) > ROWS_SHOWN:
                out.append(Problem(file, summary(file, rows), None, column))
        return out


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


def _is_in(series: pd.Series, values) -> np.ndarray:
    """``series.isin(values)`` through Arrow: pandas' isin on Arrow strings builds a Python list
    of the look-up values, which at a million ids is most of a reference check."""
    try:
        found = pc.is_in(pa.array(series, from_pandas=True),
                         value_set=pa.array(values, from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, TypeError):
        return series.isin(values).to_numpy()  # mixed types: pandas compares them as it can
    return found.to_numpy(zero_copy_only=False)


def _reference(col: str, frame: pd.DataFrame, ref_table: str, ref_values: pd.Series,
               where: _Where) -> list[Problem]:
    series = frame[col]
    bad = series.notna() & ~_is_in(series, ref_values.dropna().unique())
    return [where.problem(index, f"{col} {value!r} is not in {ref_table} "
                                 f"(no row of {ref_table} has it)", col)
            for index, value in series[bad].items()]


# -- quantities and line totals ------------------------------------------------------------------
def _quantities(tbl: schema.Table, frame: pd.DataFrame, where: _Where) -> list[Problem]:
    """Counts above 0, but where the table declares 0 or a negative count a business event."""
    out = []
    for q in tbl.quantities:
        if q.column not in frame:
            continue
        values = pd.to_numeric(frame[q.column], errors="coerce")
        bad = values <= 0
        expected = "a quantity above 0"
        for when, allowed, what in ((q.zero_when, values == 0, "0"),
                                    (q.negative_when, values < 0, "below 0")):
            if when is not None and when[0] in frame:
                bad &= ~(allowed & frame[when[0]].isin(when[1]))
                expected += f" ({what} only for {when[0]} {', '.join(when[1])})"
        out += where.capped(
            bad, q.column,
            lambda index, col=q.column, expected=expected:
                f"expected {expected}, got {_shown(frame.at[index, col])}",
            lambda file, rows, col=q.column, expected=expected:
                f"{len(rows):,} rows of the file have {col} of 0 or below, expected {expected}; "
                f"the first {ROWS_SHOWN} are listed: a sign or column mapped the wrong way?")
    return out


CENT, HALF_CENT = Decimal("0.01"), Decimal("0.005")


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _decimals(values: np.ndarray) -> np.ndarray:
    """An object array of numbers as exact numbers: Decimals, and ints, which Decimal arithmetic
    takes exactly as they are (anything else converted as :func:`_decimal` does)."""
    out = values.copy()
    other = np.fromiter((type(v) is not Decimal and type(v) is not int for v in values),
                        dtype=bool, count=len(values))
    out[other] = [_decimal(v) for v in values[other]]
    return out


def _line_total(tbl: schema.Table, frame: pd.DataFrame, where: _Where) -> list[Problem]:
    """total = qty x price, give or take half a cent per unit (a unit price printed to the cent
    from the line's total), and at least a cent."""
    rule = tbl.line_total
    if rule is None or any(c not in frame for c in (rule.total, rule.qty, rule.price)):
        return []
    filled = frame[[rule.total, rule.qty, rule.price]].notna().all(axis=1).to_numpy()
    # Exact Decimal arithmetic, element by element in numpy's loop rather than Python's.
    qty, price, total = (_decimals(frame[c].to_numpy(dtype=object)[filled])
                         for c in (rule.qty, rule.price, rule.total))
    product = qty * price
    slack = np.abs(qty) * HALF_CENT
    slack = np.where(slack > CENT, slack, CENT)  # max(CENT, |qty| x HALF_CENT)
    off = np.abs(product - total) > slack if len(product) else np.zeros(0, dtype=bool)
    off = off.astype(bool)
    expected = dict(zip(frame.index[filled][off], zip(product[off], slack[off], strict=True),
                        strict=True))
    flagged = pd.Series(frame.index.isin(list(expected)), index=frame.index)

    def message(index) -> str:
        product, slack = expected[index]
        return (f"expected {rule.qty} x {rule.price} = {_shown(frame.at[index, rule.qty])} x "
                f"{frame.at[index, rule.price]} = {product} (give or take {_shown(slack)}), got "
                f"{frame.at[index, rule.total]}")

    return where.capped(flagged, rule.total, message, lambda file, rows: (
        f"{len(rows):,} rows of the file have a {rule.total} other than {rule.qty} x "
        f"{rule.price}; the first {ROWS_SHOWN} are listed: is {rule.total} after a discount, "
        "or is another column mapped to it?"))


# -- records outside the period -------------------------------------------------------------------
_SAME_KIND = {"month": periods.month, "week": periods.week, "day": periods.day}


def _outside_period(tbl: schema.Table, frame: pd.DataFrame, where: _Where,
                    period: Period) -> list[Problem]:
    """Rows whose period date is outside ``period`` beyond the table's grace, and every row of a
    file none of whose rows is in the period (a file of another period, whatever the grace); see
    docs/periods.md, "Records outside the period"."""
    rule = tbl.period_date
    columns = [c for c in rule.columns if c in frame]
    if not columns or frame.empty:
        return []
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    low = start - pd.Timedelta(days=rule.days_before)
    high = end + pd.Timedelta(days=rule.days_after)
    moments = pd.DataFrame({c: pd.to_datetime(frame[c], errors="coerce") for c in columns},
                           index=frame.index)
    dated = moments.notna().any(axis=1)
    in_period = ((moments >= start) & (moments < end)).any(axis=1)
    in_grace = ((moments >= low) & (moments < high)).any(axis=1)
    files = where.files if where.files is not None else pd.Series(tbl.name, index=frame.index)
    ours = in_period.groupby(files.to_numpy()).transform("any")  # rows of a file of the period
    outside = dated & ~(in_grace & ours)
    edges = f"period {period.label}" + (f" ({period.start}..{period.last_day})"
                                        if period.kind in ("month", "week") else "")
    types = {c: tbl.column(c).type for c in columns}

    def shown(col: str, moment: pd.Timestamp) -> str:
        return str(moment.date()) if types[col] == "DATE" else str(moment)

    def message(index) -> str:
        row = moments.loc[index].dropna()
        graced = bool(ours[index])
        before, after = (low, high) if graced else (start, end)
        side = "before" if (row < before).all() else "after" if (row >= after).all() \
            else "outside"
        grace = {"before": rule.days_before, "after": rule.days_after}.get(side, 0)
        if graced and grace:
            side = f"more than {_days(grace)} {side}"
        said = " and ".join(f"{c} {shown(c, m)}" for c, m in row.items())
        verb = "is" if len(row) == 1 else "are"
        return f"{said} {verb} {side} {edges}; {_elsewhere(row.iloc[0], row.iloc[0], period)}"

    def summary(file: str, rows: pd.Index) -> str:
        of_file = (files == file).to_numpy()
        first = moments.loc[of_file, columns[0]].dropna()
        span = f"its {columns[0]} spans {first.min().date()}..{first.max().date()}"
        total = int(of_file.sum())
        hint = _elsewhere(first.min(), first.max(), period)
        hint = f"the first {ROWS_SHOWN} are listed. {hint[0].upper()}{hint[1:]}"
        if not ours[of_file].any():
            return f"none of the file's {total:,} rows is dated in {edges}: {span}; {hint}"
        grace = " and ".join(f"{_days(n)} {side}" for n, side in (
            (rule.days_before, "before"), (rule.days_after, "after")) if n)
        grace = f", even with the {grace} it for {rule.why}" if grace else ""
        return (f"{len(rows):,} of the file's {total:,} rows are dated outside {edges}{grace}: "
                f"{span}; {hint}")

    return where.capped(outside, ", ".join(columns), message, summary)


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _elsewhere(first: pd.Timestamp, last: pd.Timestamp, period: Period) -> str:
    """Where the file of dates ``first``..``last`` belongs, said as a hint."""
    kind = _SAME_KIND.get(period.kind)
    if kind is not None:
        home = kind(first.date())
        if home == kind(last.date()) and home != period:
            return (f"a file of another period? put it in the folder {home.label}/ next to "
                    f"{period.label}/")
    return ("a file of another period? each folder holds the files of its own period: split "
            "the export by period or take it out")


# -- rules of one table -------------------------------------------------------------------------
def _shown(value) -> str:
    """A number as the user wrote it: 3 and 0.05, not 3.000000 and 0.050000."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _bad_numbers(frame: pd.DataFrame, where: _Where, rules: dict[str, tuple]) -> list[Problem]:
    """rules: column -> (test that flags a bad value, what was expected)."""
    out = []
    for col, (bad, expected) in rules.items():
        if col not in frame:
            continue
        values = frame[col]
        flagged = values.notna() & values.map(lambda v, bad=bad: v is not None and bad(v))
        for index in frame.index[flagged]:
            out.append(where.problem(index, f"expected {expected}, got {_shown(values[index])}",
                                     col))
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


def _rebate_rules(frame: pd.DataFrame, where: _Where) -> list[Problem]:
    """Rates are shares, tiers rise, the credit comes on the month's bill or the next, schemes run
    in whole months, one per courier at a time."""
    tiers = range(1, schema.REBATE_TIERS + 1)
    problems = _bad_numbers(frame, where, {
        **{f"tier{n}_from": (lambda v: v < 0, "a volume of 0 or more") for n in tiers},
        **{f"tier{n}_rate": (lambda v: not 0 <= v <= 1, "a share from 0 to 1 (0.03 = 3%)")
           for n in tiers},
        "credit_lag_months": (lambda v: v not in (0, 1), "0 (当月: credited on the month's own "
                                                         "bill) or 1 (次月: on the next month's bill)"),
    })
    for index in frame.index:
        problems += _rebate_tiers(frame, where, index)
    problems += _whole_months(frame, where)
    return problems + _overlaps(frame, where, ["carrier"],
                                "courier (a courier has one rebate scheme at a time)")


def _rebate_tiers(frame: pd.DataFrame, where: _Where, index) -> list[Problem]:
    """One scheme's tiers: filled from tier 1 up, each above the one before, giving no less."""
    def cell(column):
        value = frame.at[index, column] if column in frame else None
        return None if value is None or pd.isna(value) else value

    out = []
    below = None  # (tier, from, rate) of the last complete tier
    empty = None  # the first empty tier
    for n in range(1, schema.REBATE_TIERS + 1):
        start, rate = cell(f"tier{n}_from"), cell(f"tier{n}_rate")
        if start is None and rate is None:
            empty = empty or n
            continue
        if empty is not None and empty > 1:  # an empty tier 1 is reported as required
            out.append(where.problem(index, f"tier {n} follows the empty tier {empty}: fill the "
                                            "tiers from 1 up", f"tier{n}_from"))
        if start is None or rate is None:
            missing = "from" if start is None else "rate"
            what = "volume it starts from" if start is None else "rate"
            out.append(where.problem(index, f"tier {n} has no {what}", f"tier{n}_{missing}"))
            continue
        if cell("basis") == "parcels" and start != int(start):
            out.append(where.problem(index, "expected a whole number of parcels, got "
                                            f"{_shown(start)}", f"tier{n}_from"))
        if below is not None and start <= below[1]:
            out.append(where.problem(
                index, f"tier {n} starts at {_shown(start)}, not above tier {below[0]} "
                       f"({_shown(below[1])}): "
                       "tiers must be listed from the lowest volume up and may not overlap",
                f"tier{n}_from"))
        elif below is not None and rate < below[2]:
            out.append(where.problem(
                index, f"tier {n} gives {_shown(rate)}, less than tier {below[0]} below it "
                       f"({_shown(below[2])}): a higher tier must give at least as much",
                f"tier{n}_rate"))
        below = (n, start, rate)
    return out


def _whole_months(frame: pd.DataFrame, where: _Where) -> list[Problem]:
    """Rebates are judged per calendar month: a scheme starts on a 1st and ends on a month end."""
    out = []
    for index in frame.index:
        start, end = frame.at[index, "effective_from"], frame.at[index, "effective_to"]
        start = None if start is None or pd.isna(start) else start
        end = None if end is None or pd.isna(end) else end
        if start is not None and start.day != 1:
            out.append(where.problem(index, "expected the first day of a month (rebates are "
                                            f"judged per calendar month), got {start}",
                                     "effective_from"))
        if end is not None and (end + timedelta(days=1)).day != 1:
            out.append(where.problem(index, "expected the last day of a month (rebates are "
                                            f"judged per calendar month), got {end}",
                                     "effective_to"))
        elif end is not None and start is not None and end < start:
            out.append(where.problem(index, f"effective to {end} is before effective from "
                                            f"{start}", "effective_to"))
    return out


def _compensation_rules(frame: pd.DataFrame, where: _Where) -> list[Problem]:
    """Multiples and caps not negative, a deadline of a day or more, one rule per courier,
    incident and insurance at a time (docs/claims.md)."""
    problems = _bad_numbers(frame, where, {
        "multiple": (lambda v: v < 0, "a multiple of 0 or more (3 = three times the basis)"),
        "cap": (lambda v: v < 0, "an amount of 0 or more"),
        "claim_days": (lambda v: v < 1, "a number of days of 1 or more"),
    })
    return problems + _overlaps(frame, where, ["carrier", "incident", "insured"],
                                "courier, incident and insurance")


TABLE_RULES = {"rate_cards": _rate_card_rules, "rate_card_surcharges": _surcharge_rules,
               "fee_schedules": _fee_schedule_rules, "rate_card_rebates": _rebate_rules,
               "compensation_rules": _compensation_rules}
