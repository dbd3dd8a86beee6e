"""Compile a :class:`MatchSpec` to SQL, in small pure functions.

Keyed mode runs as three statements (``engine.run_match``), each in CTE style:

1. :func:`keyed_units_sql` -- ``CREATE TEMPORARY TABLE match_units AS WITH ...``, the quick
   pass, which reads each side once (a side may be a view):

       left_source / right_source    the columns the spec uses, keys normalised   (source_sql)
       stacked                       both sides' rows, one under the other        (stacked_sql)
       grouped                       one row per key: rows and values per side;   (grouped_sql)
                                     this single hash aggregation pairs the sides
       units                         every per-key result row to be, narrow (no   (quick_units_sql)
                                     text); keys with an empty part or repeated
                                     on a one side are flagged ``pending``        (pending_sql)
       diffs, statuses, classified   difference, tolerance, status per check;     (diffs_sql, ...)
                                     state and per-check reason
       scored                        reason code and amount                        (scored_sql)

   It keeps the units to store one by one and the matched units as one tally row
   (:func:`kept_sql`).

   1b. :func:`keyed_pending_sql`, only when there are pending units -- ``INSERT INTO
   match_units``: the full pass over the records of the pending keys and those with an empty
   key part (``pending_source_sql``), which also needs

       <side>_copies                 keys with several rows on a one side          (copies_sql)
       <side>_extra, <side>_first    the few rows that do not pair by key: empty   (extra_sql)
                                     keys, copies of a repeated key (ranked here)
       units                         all their units                               (units_sql)

   after which the pending units are deleted (:func:`delete_pending_sql`).
2. ``sql/match_insert_unit_stats.sql`` -- ``match_stats`` from ``match_units``.
3. :func:`keyed_results_sql` -- ``INSERT INTO match_results``: the stored units with their ids
   (looked up by key for these few units only), explanation and details (``final_sql``).

No window function, sort or list aggregation runs over a whole side; text, JSON and id lists
are built only for the rows stored.

Unkeyed mode (``sql_unkeyed.py``) reuses the sources and helpers here.

Identifiers come only from the validated spec (quoted by the dialect). Every value -- tolerances,
window bounds, reason codes, labels, texts of explanations, the spec name and run id -- is bound
through :class:`Params`; the functions return ``(sql, params)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from recon_lib.match.dialect import DUCKDB, Dialect
from recon_lib.match.spec import Compare, MatchSpec, Side, Tolerance

RESULT_COLUMNS: tuple[str, ...] = (
    "run_id",
    "spec",
    "state",
    "reason_code",
    "key",
    "left_ids",
    "right_ids",
    "left_values",
    "right_values",
    "amount",
    "explanation",
    "details",
)
RESULTS_TABLE = "match_results"
PENDING = "pending"
"""State of a unit the quick pass leaves to the full pass (never stored, never counted)."""

FULLWIDTH_FROM = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
FULLWIDTH_TO = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
US_PER_SECOND = 1_000_000

FAIL_STATUSES = ("over", "under", "different", "missing_value")
UNCHECKED = "unchecked"
"""Status of a comparison that could not be made (a value missing, ``Compare.if_missing="skip"``):
neither failing nor agreeing."""
WINDOW_FAIL_STATUSES = ("early", "late", "missing_value")
SIDES = ("left", "right")


# -- parameters and small text helpers ---------------------------------------------------------------
@dataclass
class Params:
    """Collects bound values; returns the placeholder (cast to a fixed type) to put in the SQL."""

    dialect: Dialect = DUCKDB
    values: dict[str, Any] = field(default_factory=dict)

    def bind(self, name: str, value: Any) -> str:
        if name in self.values and self.values[name] != value:
            raise ValueError(f"parameter {name!r} bound twice with different values")
        self.values[name] = value
        return self.dialect.param(name)

    def text(self, name: str, value: str | None) -> str:
        return self.dialect.text(self.bind(name, value))

    def number(self, name: str, value: Decimal) -> str:
        return f"CAST({self.bind(name, value)} AS DECIMAL(38,10))"

    def integer(self, name: str, value: int) -> str:
        return f"CAST({self.bind(name, value)} AS BIGINT)"


def format_number(value: Decimal) -> str:
    """``Decimal('1.50')`` -> ``1.5``; never scientific notation."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def format_duration(td: timedelta) -> str:
    """``2 days 03:00:00``, ``1 day``, ``00:30:00``; ``0`` for no time."""
    if td == timedelta(0):
        return "0"
    sign, td = ("-", -td) if td < timedelta(0) else ("", td)
    parts = []
    if td.days:
        parts.append(f"{td.days} day" + ("s" if td.days != 1 else ""))
    seconds = td.seconds
    if seconds or td.microseconds:
        clock = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        if td.microseconds:
            clock += f".{td.microseconds:06d}"
        parts.append(clock)
    return sign + " ".join(parts)


def tolerance_text(tol: Tolerance) -> str:
    """``0.5``, ``2%``, ``0.5 + 2%`` (of the right value), or a duration."""
    if tol.is_duration:
        return format_duration(tol.abs)
    if tol.rel == 0:
        return format_number(tol.abs)
    pct = format_number(tol.rel * 100) + "%"
    return pct if tol.abs == 0 else f"{format_number(tol.abs)} + {pct}"


def window_text(spec: MatchSpec) -> str:
    w = spec.window
    assert w is not None
    return f"from {format_duration(w.before)} before to {format_duration(w.after)} after"


def micros(td: timedelta) -> int:
    return (td.days * 86400 + td.seconds) * US_PER_SECOND + td.microseconds


def cte(name: str, body: str) -> str:
    return f"{name} AS (\n{indent(body)}\n)"


def with_ctes(ctes: Sequence[str], select: str) -> str:
    return "WITH\n" + ",\n".join(ctes) + "\n" + select


def indent(text: str, n: int = 2) -> str:
    return "\n".join(" " * n + line if line else line for line in text.splitlines())


def concat(*parts: str) -> str:
    """SQL string concatenation (NULL if any part is NULL)."""
    return " || ".join(parts)


def _in(expr: str, words: Sequence[str]) -> str:
    quoted = ", ".join(f"'{w}'" for w in words)  # fixed words of the engine, never data
    return f"{expr} IN ({quoted})"


def _any(conditions: Sequence[str]) -> str:
    return " OR ".join(f"({c})" for c in conditions) if conditions else "FALSE"


def side_of(spec: MatchSpec, name: str) -> Side:
    return spec.left if name == "left" else spec.right


# -- build context ------------------------------------------------------------------------------------
@dataclass
class Ctx:
    spec: MatchSpec
    dialect: Dialect = DUCKDB
    params: Params = field(default_factory=Params)

    def __post_init__(self) -> None:
        self.params.dialect = self.dialect

    @property
    def q(self):
        return self.dialect.quote

    def label(self, side: str) -> str:
        return self.params.text(f"{side}_label", side_of(self.spec, side).label)

    def text(self, expr: str) -> str:
        return self.dialect.text(expr)


# -- sources ------------------------------------------------------------------------------------------
def normalize_sql(expr: str, steps: Sequence[str], ctx: Ctx) -> str:
    """A key (or text value) as VARCHAR after the steps, NULL when empty.

    Steps are applied in the fixed order fullwidth, trim, upper, leading_zeros; an all-zero
    value keeps one ``0``.
    """
    d = ctx.dialect
    out = d.text(expr)
    if "fullwidth" in steps:
        src = ctx.params.text("fullwidth_from", FULLWIDTH_FROM)
        dst = ctx.params.text("fullwidth_to", FULLWIDTH_TO)
        out = d.translate(out, src, dst)
    if "trim" in steps:
        out = d.trim_blanks(out)
    if "upper" in steps:
        out = f"UPPER({out})"
    if "leading_zeros" in steps:
        # only values starting with 0 change (and keep one 0 if made only of zeros)
        out = (
            f"CASE WHEN {out} LIKE '0%' "
            f"THEN COALESCE(NULLIF(TRIM(LEADING '0' FROM {out}), ''), '0') ELSE {out} END"
        )
    return f"NULLIF({out}, '')"


def side_column(cmp: Compare, side: str) -> str:
    return cmp.left if side == "left" else cmp.right  # type: ignore[return-value]


def empty_sql(expr: str, ctx: Ctx) -> str:
    """TRUE when ``expr`` is empty after the spec's normalisation, without normalising it.

    Only ``trim`` can make a non-empty value empty (``fullwidth`` maps one character to one,
    ``upper`` never removes one, ``leading_zeros`` keeps one ``0``), and only a value starting
    with a blank (after ``fullwidth``: also the ideographic space) can be trimmed to nothing.
    """
    steps = ctx.spec.normalize_steps()
    text = ctx.dialect.text(expr)
    if "trim" not in steps:
        return f"NULLIF({text}, '') IS NULL"
    blank = ctx.dialect.starts_with_blank(text, ideographic="fullwidth" in steps)
    trimmed = normalize_sql(expr, [s for s in steps if s in ("fullwidth", "trim")], ctx)
    return f"({text} IS NULL OR {text} = '' OR ({blank} AND {trimmed} IS NULL))"


def empty_key_where(side: str, ctx: Ctx) -> str:
    """Condition on a side's raw rows: some key part is empty after normalisation."""
    keys = side_of(ctx.spec, side).keys
    return " OR ".join(empty_sql(ctx.q(k), ctx) for k in keys)


def raw_keys(ctx: Ctx) -> bool:
    """Whether the quick pass may use the keys as they are (as text): the spec normalises
    nothing, so a key differs from its normalised form only when it is empty (``''``), which
    the quick pass leaves pending. A key column that is already text is then read as it is,
    and the database can push a lookup of a few keys down to where the side's rows come from.
    """
    return not ctx.spec.normalize_steps()


def source_sql(side: str, ctx: Ctx, where: str | None = None, quick: bool = False) -> str:
    """One side's rows with the internal names the later steps use.

    ``id`` (text) and ``id_ord`` (for ordering), ``k<i>`` normalised keys, ``c<i>`` the compared
    values (text ones normalised like keys), ``w`` the window date (``w_us`` in microseconds in
    unkeyed mode), ``amt`` the amount (NULL when this side lacks the amount column).
    ``quick``: keys as text without normalisation when :func:`raw_keys` allows it (an empty
    key is then ``''`` rather than NULL: only for the quick pass and key lookups).
    """
    spec, q, d = ctx.spec, ctx.q, ctx.dialect
    s = side_of(spec, side)
    steps = spec.normalize_steps()
    cols = [f"{d.text(q(s.id))} AS id", f"{q(s.id)} AS id_ord"]
    if quick and raw_keys(ctx):
        cols += [f"{d.text(q(k))} AS k{i}" for i, k in enumerate(s.keys)]
    else:
        cols += [f"{normalize_sql(q(k), steps, ctx)} AS k{i}" for i, k in enumerate(s.keys)]
    for i, cmp in enumerate(spec.compare):
        expr = q(side_column(cmp, side))
        if cmp.kind == "text":
            expr = normalize_sql(expr, steps, ctx)
        cols.append(f"{expr} AS c{i}")
    if spec.window is not None:
        wcol = q(spec.window.left if side == "left" else spec.window.right)
        cols.append(f"{wcol} AS w")
        if spec.mode == "unkeyed":
            cols.append(f"{d.micros(wcol)} AS w_us")
    if spec.amount is not None and spec.amount in s.columns:
        cols.append(f"{q(spec.amount)} AS amt")
    else:
        cols.append("CAST(NULL AS DECIMAL(18,2)) AS amt")
    sql = "SELECT\n" + indent(",\n".join(cols)) + f"\nFROM {q(s.relation)}"
    return sql + (f"\nWHERE {where}" if where else "")


def key_columns(ctx: Ctx, prefix: str = "") -> list[str]:
    return [f"{prefix}k{i}" for i in range(len(ctx.spec.left.keys))]


def has_amount(ctx: Ctx, side: str) -> bool:
    spec = ctx.spec
    return spec.amount is not None and spec.amount in side_of(spec, side).columns


def _value_cols(ctx: Ctx) -> list[str]:
    cols = [f"c{i}" for i in range(len(ctx.spec.compare))]
    if ctx.spec.window is not None:
        cols.append("w")
    return [*cols, "amt"]


def _side_value_cols(ctx: Ctx, side: str) -> list[str]:
    """The value columns a side really carries (``amt`` only when it has the amount column)."""
    return [c for c in _value_cols(ctx) if c != "amt" or has_amount(ctx, side)]


def key_ok_sql(ctx: Ctx, prefix: str = "") -> str:
    return " AND ".join(f"{k} IS NOT NULL" for k in key_columns(ctx, prefix)) or "FALSE"


def key_text_sql(ctx: Ctx, prefix: str = "") -> str:
    """The normalised key shown in results: parts joined by ``|``; NULL if any part is empty."""
    keys = key_columns(ctx, prefix)
    if not keys:
        return ctx.dialect.text("NULL")
    joined = " || '|' || ".join(keys)
    return f"CASE WHEN {key_ok_sql(ctx, prefix)} THEN {joined} END"


def _same_key(a: str, b: str, ctx: Ctx, b_prefix: str = "") -> str:
    return " AND ".join(f"{a}.{k} = {b}.{b_prefix}{k}" for k in key_columns(ctx))


def one_sides(ctx: Ctx) -> list[str]:
    """Sides holding at most one record per key (their extra copies are duplicates)."""
    return [side for side in SIDES if side != ctx.spec.many_side]


# -- keyed: units ------------------------------------------------------------------------------------
def stacked_sql(ctx: Ctx) -> str:
    """The rows of both sides, one under the other.

    Each side's values get their own columns (``l_c0`` / ``r_c0`` ...), NULL on the other side's
    rows, so the two sides keep their own types. ``l_row`` / ``r_row`` are 1 on that side's rows.
    Rows with an empty key are not filtered out here (the filter would compute the normalised
    key a second time): they fall into groups with a NULL key part, which are then ignored.
    """
    cols: list[tuple[str, str, str]] = [(k, k, k) for k in key_columns(ctx)]
    cols += [("l_row", "1", "NULL"), ("r_row", "NULL", "1")]
    for side in SIDES:
        a = side[0]
        for c in _side_value_cols(ctx, side):
            cols.append((f"{a}_{c}", c, "NULL") if side == "left" else (f"{a}_{c}", "NULL", c))
    branches = []
    for i, side in enumerate(SIDES):
        select = ",\n".join(f"{expr[i]} AS {name}" for name, *expr in cols)
        branches.append("SELECT\n" + indent(select) + f"\nFROM {side}_source")
    return "\nUNION ALL\n".join(branches)


def _aggregate(ctx: Ctx, col: str, expr: str) -> str:
    """How the many side combines value column ``col``: numbers and amounts summed, else the
    smallest (earliest) value."""
    if col.startswith("c"):
        number = ctx.spec.compare[int(col[1:])].kind == "number"
    else:
        number = col == "amt"
    return f"SUM({expr})" if number else f"MIN({expr})"


def grouped_sql(ctx: Ctx) -> str:
    """One row per usable key: rows per side (``l_n``, ``r_n``) and each side's values.

    A single hash aggregation does the work of a full outer join: a key is paired when both
    counts are positive. On the many side the values are aggregated (``_aggregate``); on a one
    side any value will do, as it is exact when the side has one row for the key (keys with
    several rows there take their first copy's values from ``<side>_extra``).
    """
    d, keys = ctx.dialect, key_columns(ctx)
    cols = [*keys, "COUNT(l_row) AS l_n", "COUNT(r_row) AS r_n"]
    for side in SIDES:
        a = side[0]
        for c in _side_value_cols(ctx, side):
            if ctx.spec.many_side == side:
                agg = _aggregate(ctx, c, f"{a}_{c}")
            else:
                agg = d.any_value(f"{a}_{c}")
            cols.append(f"{agg} AS {a}_{c}")
    return (
        "SELECT\n" + indent(",\n".join(cols)) + f"\nFROM stacked\nGROUP BY {', '.join(keys)}"
    )


def copies_sql(side: str, ctx: Ctx) -> str:
    """Keys with more than one row on a one side (few: their rows are ranked)."""
    return (
        f"SELECT {', '.join(key_columns(ctx))}, {side[0]}_n AS copies\n"
        f"FROM grouped\nWHERE {side[0]}_n > 1 AND {key_ok_sql(ctx)}"
    )


def extra_sql(side: str, ctx: Ctx) -> str:
    """The side's rows that do not simply pair by key: empty keys, and on a one side every copy
    of a key that occurs more than once, numbered by id (then the values) to pick the first.

    Only this small subset is ranked; no window function runs over the whole side. The side is
    read again here (not from ``<side>_source``, which would then have to be kept in memory):
    rows with an empty key by a cheap test on the raw values, copies by a join with
    ``<side>_copies`` (when no key repeats, that join has nothing to look up and stops early).
    Rows with an empty key are numbered too (per partial key), so that every unit is told apart
    by its key parts and copy numbers.
    """
    keys = ", ".join(f"s.{k}" for k in key_columns(ctx))
    order = ", ".join(
        ["s.id_ord NULLS LAST", "s.id", *(f"s.{c} NULLS LAST" for c in _value_cols(ctx))]
    )
    copy_no = f"ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY {order}) AS copy_no"
    empty = source_sql(side, ctx, where=empty_key_where(side, ctx))
    empty_rows = (
        f"SELECT\n  s.*,\n  FALSE AS key_ok,\n  {copy_no},\n  1 AS copies\n"
        f"FROM (\n{indent(empty, 4)}\n  ) AS s"
    )
    if side == ctx.spec.many_side:
        return empty_rows
    return (
        f"SELECT\n  s.*,\n  TRUE AS key_ok,\n  {copy_no},\n  c.copies\n"
        f"FROM {side}_copies AS c\n"
        f"JOIN (\n{indent(source_sql(side, ctx), 4)}\n  ) AS s\n"
        f"  ON {_same_key('s', 'c', ctx)}\n"
        f"UNION ALL\n{empty_rows}"
    )


def first_copy_sql(side: str) -> str:
    return f"SELECT * FROM {side}_extra WHERE key_ok AND copy_no = 1"


UNIT_FIELDS = ("id", "single", "n_rows")
UNIT_FLAGS = ("key_ok", "copy_no", "copies")


def unit_columns(ctx: Ctx) -> list[str]:
    """Columns of a unit (one result row to be), per side, then the presence flags.

    ``<a>_single``: the unit is one known record (``<a>_id``); otherwise its ids are the side's
    records with the unit's key, looked up only for the rows that are stored.
    """
    cols = [
        f"{a}_{c}"
        for a in ("l", "r")
        for c in (*UNIT_FIELDS, *key_columns(ctx), *_value_cols(ctx), *UNIT_FLAGS)
    ]
    return [*cols, "l_present", "r_present"]


def _keyed_unit_side(side: str, ctx: Ctx, first: bool = True) -> list[str]:
    """A side's unit columns on a per-key row of ``grouped`` (``g``), in ``unit_columns`` order.

    On a one side, a key with several rows takes its first copy's id and values from
    ``<side>_first`` (``f<a>``); without ``first`` (the quick pass, where such keys are only
    flagged) the id is NULL and the values are the group's.
    """
    a, many = side[0], ctx.spec.many_side == side
    present = f"g.{a}_n > 0"
    dup = f"g.{a}_n > 1"
    first = first and not many
    cols = [
        f"f{a}.id" if first else ctx.dialect.text("NULL"),
        "FALSE" if many else dup,
        f"CASE WHEN {present} THEN {f'g.{a}_n' if many else '1'} END",
        *(f"CASE WHEN {present} THEN g.{k} END" for k in key_columns(ctx)),
    ]
    for c in _value_cols(ctx):
        if c == "amt" and not has_amount(ctx, side):
            cols.append("CAST(NULL AS DECIMAL(18,2))")
        elif first:
            cols.append(f"CASE WHEN {dup} THEN f{a}.{c} ELSE g.{a}_{c} END")
        else:
            cols.append(f"g.{a}_{c}")
    copies = "1" if many else f"g.{a}_n"
    cols += [
        f"CASE WHEN {present} THEN TRUE END",
        f"CASE WHEN {present} THEN 1 END",
        f"CASE WHEN {present} THEN {copies} END",
    ]
    return cols


def _single_unit_side(side: str, ctx: Ctx, src: str | None) -> list[str]:
    """A side's unit columns for one record of ``<side>_extra`` (``src``), or all NULL."""
    names = [*UNIT_FIELDS, *key_columns(ctx), *_value_cols(ctx), *UNIT_FLAGS]
    if src is None:
        return ["NULL"] * len(names)
    values = {"id": f"{src}.id", "single": "TRUE", "n_rows": "1"}
    return [values.get(n, f"{src}.{n}") for n in names]


def units_sql(ctx: Ctx) -> str:
    """Every unit: one per usable key (paired when both sides have it), plus one per record
    with an empty key and per extra copy of a key on a one side (never paired)."""
    names = unit_columns(ctx)
    keyed = [*_keyed_unit_side("left", ctx), *_keyed_unit_side("right", ctx)]
    keyed += ["g.l_n > 0", "g.r_n > 0"]
    joins = "".join(
        f"\nLEFT JOIN {side}_first AS f{side[0]}\n  ON {_same_key(f'f{side[0]}', 'g', ctx)}"
        for side in one_sides(ctx)
    )
    parts = [
        "SELECT\n"
        + indent(",\n".join(f"{e} AS {n}" for e, n in zip(keyed, names, strict=True)))
        + "\nFROM grouped AS g"
        + joins
        + f"\nWHERE {key_ok_sql(ctx, 'g.')}"
    ]
    for side in SIDES:
        left = _single_unit_side("left", ctx, "e" if side == "left" else None)
        right = _single_unit_side("right", ctx, "e" if side == "right" else None)
        flags = ["TRUE", "FALSE"] if side == "left" else ["FALSE", "TRUE"]
        parts.append(
            "SELECT\n"
            + indent(",\n".join([*left, *right, *flags]))
            + f"\nFROM {side}_extra AS e\nWHERE NOT e.key_ok OR e.copy_no > 1"
        )
    return "\nUNION ALL\n".join(parts)


def pending_sql(ctx: Ctx) -> str:
    """TRUE for a per-key row of ``grouped`` the quick pass cannot settle: some key part is
    empty (its records are units of their own), or a one side has several rows for the key
    (the first is paired, the others are duplicates)."""
    conditions = [f"g.{k} IS NULL" for k in key_columns(ctx)]
    if raw_keys(ctx):
        conditions += [f"g.{k} = ''" for k in key_columns(ctx)]
    conditions += [f"g.{side[0]}_n > 1" for side in one_sides(ctx)]
    return " OR ".join(conditions)


def quick_units_sql(ctx: Ctx) -> str:
    """One unit per row of ``grouped``, straight from the aggregation; ``pending`` flags the
    rows that the full pass (``units_sql``) has to redo. Reads nothing but ``grouped``."""
    names = [*unit_columns(ctx), "pending"]
    cols = [*_keyed_unit_side("left", ctx, False), *_keyed_unit_side("right", ctx, False)]
    cols += ["g.l_n > 0", "g.r_n > 0", pending_sql(ctx)]
    return (
        "SELECT\n"
        + indent(",\n".join(f"{e} AS {n}" for e, n in zip(cols, names, strict=True)))
        + "\nFROM grouped AS g"
    )


# -- checks -------------------------------------------------------------------------------------------
def tolerance_sql(i: int, ctx: Ctx, right: str) -> str:
    """The allowed difference of compare ``i``: ``abs + rel * |right|`` (microseconds for dates)."""
    cmp = ctx.spec.compare[i]
    tol = ctx.spec.tolerance_for(cmp)
    if cmp.kind == "date":
        return ctx.params.integer(f"c{i}_tol_us", micros(tol.abs))  # type: ignore[arg-type]
    a = ctx.params.number(f"c{i}_abs", tol.abs)  # type: ignore[arg-type]
    r = ctx.params.number(f"c{i}_rel", tol.rel)  # type: ignore[arg-type]
    return f"{a} + {r} * ABS({right})"


def diffs_sql(ctx: Ctx) -> str:
    """``d<i>`` = right - left (microseconds for dates), ``t<i>`` the tolerance, ``dw`` window."""
    d, cols = ctx.dialect, ["*"]
    for i, cmp in enumerate(ctx.spec.compare):
        left, right = f"l_c{i}", f"r_c{i}"
        if cmp.kind == "number":
            cols += [f"{right} - {left} AS d{i}", f"{tolerance_sql(i, ctx, right)} AS t{i}"]
        elif cmp.kind == "date":
            cols += [
                f"{d.micros(right)} - {d.micros(left)} AS d{i}",
                f"{tolerance_sql(i, ctx, right)} AS t{i}",
            ]
    if ctx.spec.window is not None:
        cols.append(f"{d.micros('r_w')} - {d.micros('l_w')} AS dw")
    return "SELECT\n" + indent(",\n".join(cols)) + "\nFROM units"


def status_sql(i: int, ctx: Ctx) -> str:
    """Status of compare ``i`` on a pair: equal, within, over, under, different, missing_value,
    or ``unchecked`` (a value missing on either side, when the compare skips missing values)."""
    cmp, left, right = ctx.spec.compare[i], f"l_c{i}", f"r_c{i}"
    if cmp.if_missing == "skip":
        nulls = f"  WHEN {left} IS NULL OR {right} IS NULL THEN '{UNCHECKED}'\n"
    else:
        nulls = (
            f"  WHEN {left} IS NULL AND {right} IS NULL THEN 'equal'\n"
            f"  WHEN {left} IS NULL OR {right} IS NULL THEN 'missing_value'\n"
        )
    head = "CASE\n  WHEN NOT (l_present AND r_present) THEN NULL\n" + nulls
    if cmp.kind == "text":
        return head + f"  WHEN {left} = {right} THEN 'equal'\n  ELSE 'different'\nEND"
    return (
        head + f"  WHEN d{i} = 0 THEN 'equal'\n"
        f"  WHEN ABS(d{i}) <= t{i} THEN 'within'\n"
        f"  WHEN d{i} > 0 THEN 'over'\n  ELSE 'under'\nEND"
    )


def window_status_sql(ctx: Ctx) -> str:
    """``ok`` when ``-before <= right - left <= after``; else early, late or missing_value."""
    w = ctx.spec.window
    assert w is not None
    before = ctx.params.integer("window_before_us", micros(w.before))
    after = ctx.params.integer("window_after_us", micros(w.after))
    return (
        "CASE\n  WHEN NOT (l_present AND r_present) THEN NULL\n"
        "  WHEN l_w IS NULL OR r_w IS NULL THEN 'missing_value'\n"
        f"  WHEN dw < 0 - {before} THEN 'early'\n"
        f"  WHEN dw > {after} THEN 'late'\n  ELSE 'ok'\nEND"
    )


def statuses_sql(ctx: Ctx) -> str:
    cols = ["*"] + [f"{status_sql(i, ctx)} AS s{i}" for i in range(len(ctx.spec.compare))]
    if ctx.spec.window is not None:
        cols.append(f"{window_status_sql(ctx)} AS sw")
    return "SELECT\n" + indent(",\n".join(cols)) + "\nFROM diffs"


def check_reason_sql(i: int, ctx: Ctx) -> str:
    """The reason compare ``i`` gives when it fails: direction-specific code, else ``reason``."""
    cmp, p = ctx.spec.compare[i], ctx.params
    fallback = p.text(f"c{i}_reason", cmp.reason)
    if cmp.kind == "text":
        return f"CASE WHEN {_in(f's{i}', FAIL_STATUSES)} THEN {fallback} END"
    over = p.text(f"c{i}_reason_over", cmp.reason_over)
    under = p.text(f"c{i}_reason_under", cmp.reason_under)
    return (
        f"CASE s{i} WHEN 'over' THEN COALESCE({over}, {fallback}) "
        f"WHEN 'under' THEN COALESCE({under}, {fallback}) "
        f"WHEN 'missing_value' THEN {fallback} END"
    )


def _failing(ctx: Ctx) -> list[tuple[str, str]]:
    """(rule name, failing condition) of every check, in the order reasons are chosen."""
    out = [(f"compare[{i}]", _in(f"s{i}", FAIL_STATUSES)) for i in range(len(ctx.spec.compare))]
    if ctx.spec.window is not None:
        out.append(("window", _in("sw", WINDOW_FAIL_STATUSES)))
    return out


def state_sql(ctx: Ctx) -> str:
    within = [f"s{i} = 'within'" for i, c in enumerate(ctx.spec.compare) if c.kind != "text"]
    return (
        "CASE\n  WHEN l_present AND r_present THEN CASE\n"
        f"    WHEN {_any([c for _, c in _failing(ctx)])} THEN 'mismatched'\n"
        f"    WHEN {_any(within)} THEN 'matched_tolerance'\n"
        "    ELSE 'matched' END\n"
        "  WHEN l_present THEN CASE WHEN l_key_ok AND l_copy_no > 1 THEN 'duplicate'"
        " ELSE 'missing_right' END\n"
        "  ELSE CASE WHEN r_key_ok AND r_copy_no > 1 THEN 'duplicate' ELSE 'missing_left' END\n"
        "END"
    )


def classified_sql(ctx: Ctx, quick: bool = False) -> str:
    """Origin, state and per-check reasons; in the quick pass, flagged units are ``pending``."""
    state = state_sql(ctx)
    if quick:
        state = f"CASE WHEN pending THEN '{PENDING}' ELSE {state} END"
    cols = [
        "*",
        "CASE WHEN l_present AND r_present THEN 'both' WHEN l_present THEN 'left' "
        "ELSE 'right' END AS origin",
        f"{state} AS state",
    ]
    cols += [f"{check_reason_sql(i, ctx)} AS rc{i}" for i in range(len(ctx.spec.compare))]
    if ctx.spec.window is not None:
        reason = ctx.params.text("window_reason", ctx.spec.window.reason)
        cols.append(f"CASE WHEN {_in('sw', WINDOW_FAIL_STATUSES)} THEN {reason} END AS rcw")
    return "SELECT\n" + indent(",\n".join(cols)) + "\nFROM statuses"


def reason_code_sql(ctx: Ctx) -> str:
    p, spec = ctx.params, ctx.spec
    check_reasons = [f"rc{i}" for i in range(len(spec.compare))]
    if spec.window is not None:
        check_reasons.append("rcw")
    mismatch = f"COALESCE({', '.join(check_reasons)})" if check_reasons else "NULL"
    return (
        f"CASE state\n  WHEN 'mismatched' THEN {mismatch}\n"
        f"  WHEN 'missing_left' THEN {p.text('reason_missing_left', spec.reason_missing_left)}\n"
        f"  WHEN 'missing_right' THEN {p.text('reason_missing_right', spec.reason_missing_right)}\n"
        "  WHEN 'duplicate' THEN CASE origin"
        f" WHEN 'left' THEN {p.text('reason_duplicate_left', spec.reason_duplicate_left)}"
        f" ELSE {p.text('reason_duplicate_right', spec.reason_duplicate_right)} END\n"
        "END"
    )


def fired_sql(ctx: Ctx) -> str:
    """The rule behind the state: first failing check, or what made the record unpaired."""
    first = " ".join(f"WHEN {cond} THEN '{name}'" for name, cond in _failing(ctx))
    mismatch = f"CASE {first} END" if first else "NULL"
    return (
        f"CASE state\n  WHEN 'mismatched' THEN {mismatch}\n"
        "  WHEN 'matched_tolerance' THEN 'within_tolerance'\n"
        "  WHEN 'matched' THEN 'all_equal'\n"
        "  WHEN 'duplicate' THEN 'duplicate_' || origin\n"
        "  WHEN 'missing_right' THEN CASE WHEN l_key_ok THEN 'no_counterpart' ELSE 'empty_key' END\n"
        "  ELSE CASE WHEN r_key_ok THEN 'no_counterpart' ELSE 'empty_key' END\n"
        "END"
    )


# -- explanations and details ----------------------------------------------------------------------
_AGG_WORD = {"number": "sum", "date": "earliest", "text": "first"}


def _value_text(side: str, i: int, ctx: Ctx) -> str:
    """``order line 3`` (plus ``(sum of 2 rows)`` on an aggregated side)."""
    a = side[0]
    text = concat(ctx.label(side), "' '", ctx.text(f"{a}_c{i}"))
    if ctx.spec.many_side == side:
        word = _AGG_WORD[ctx.spec.compare[i].kind]
        suffix = f"CASE WHEN {a}_n_rows > 1 THEN ' ({word} of ' || {ctx.text(f'{a}_n_rows')} || ' rows)' END"
        text = concat(text, f"COALESCE({suffix}, '')")
    return text


def compare_explanation_sql(i: int, ctx: Ctx) -> str:
    """One clause per compare that is not equal, e.g.
    ``qty differs: order line 3, shipment line 2 (difference -1, tolerance 0)``."""
    cmp, p = ctx.spec.compare[i], ctx.params
    name = p.text(f"c{i}_name", cmp.name)
    values = concat(_value_text("left", i, ctx), "', '", _value_text("right", i, ctx))
    empty_side = f"CASE WHEN l_c{i} IS NULL THEN {ctx.label('left')} ELSE {ctx.label('right')} END"
    missing = concat(name, "' has no value on the '", empty_side, "' side'")
    unchecked = concat(name, "' not checked: no value on the '", empty_side, "' side'")
    differs, within = concat(name, "' differs: '"), concat(name, "' within tolerance: '")
    if cmp.kind == "text":
        return (
            f"CASE s{i} WHEN 'different' THEN {concat(differs, values)}"
            f" WHEN 'missing_value' THEN {missing}"
            f" WHEN '{UNCHECKED}' THEN {unchecked} END"
        )
    tol = ctx.spec.tolerance_for(cmp)
    tol_text = p.text(f"c{i}_tol_text", tolerance_text(tol))
    if cmp.kind == "number" and tol.rel != 0:
        tol_text = concat(tol_text, "' of '", ctx.text(f"ABS(r_c{i})"))
    diff = ctx.dialect.duration_text(f"d{i}") if cmp.kind == "date" else ctx.text(f"d{i}")
    body = concat(values, "' (difference '", diff, "', tolerance '", tol_text, "')'")
    return (
        f"CASE s{i}\n"
        f"  WHEN 'within' THEN {concat(within, body)}\n"
        f"  WHEN 'over' THEN {concat(differs, body)}\n"
        f"  WHEN 'under' THEN {concat(differs, body)}\n"
        f"  WHEN 'missing_value' THEN {missing}\n"
        f"  WHEN '{UNCHECKED}' THEN {unchecked}\nEND"
    )


def window_explanation_sql(ctx: Ctx) -> str:
    w, p = ctx.spec.window, ctx.params
    assert w is not None
    wl = concat(ctx.label("left"), "' '", p.text("window_left_name", w.left))
    wr = concat(ctx.label("right"), "' '", p.text("window_right_name", w.right))
    outside = concat(
        "'outside the date window: '",
        wl,
        "' '",
        ctx.text("l_w"),
        "', '",
        wr,
        "' '",
        ctx.text("r_w"),
        "' (difference '",
        ctx.dialect.duration_text("dw"),
        "', allowed '",
        p.text("window_text", window_text(ctx.spec)),
        "')'",
    )
    missing = concat(
        "'date window cannot be checked: '",
        f"CASE WHEN l_w IS NULL THEN {wl} ELSE {wr} END",
        "' is empty'",
    )
    return f"CASE WHEN sw IN ('early', 'late') THEN {outside} WHEN sw = 'missing_value' THEN {missing} END"


def key_description_sql(side: str, ctx: Ctx) -> str:
    """``order_id O123, sku A-1`` from this side's key names and normalised values."""
    s, a = side_of(ctx.spec, side), side[0]
    parts = [
        concat(ctx.params.text(f"{a}k{i}_name", k), "' '", f"{a}_k{i}")
        for i, k in enumerate(s.keys)
    ]
    return ctx.dialect.concat_ws("', '", parts)


def empty_key_sql(side: str, ctx: Ctx) -> str:
    s, a = side_of(ctx.spec, side), side[0]
    parts = [
        f"CASE WHEN {a}_k{i} IS NULL THEN {ctx.params.text(f'{a}k{i}_name', k)} END"
        for i, k in enumerate(s.keys)
    ]
    return ctx.dialect.concat_ws("', '", parts)


def unpaired_explanation_sql(side: str, ctx: Ctx) -> str:
    """Why a record of ``side`` has no counterpart: empty key, duplicate, or none found."""
    a, other = side[0], "right" if side == "left" else "left"
    ids = ctx.dialect.list_text(f"{a}_ids")
    empty = concat(
        ctx.label(side),
        "' '",
        ids,
        "' has an empty key ('",
        empty_key_sql(side, ctx),
        "'); it cannot be matched'",
    )
    duplicate = concat(
        "'key '",
        f"{a}_key_text",
        "' appears '",
        ctx.text(f"{a}_copies"),
        f"' times on the {side} ('",
        ctx.label(side),
        "'); this is copy '",
        ctx.text(f"{a}_copy_no"),
    )
    group = f"CASE WHEN {a}_n_rows > 1 THEN ' (' || {ctx.text(f'{a}_n_rows')} || ' rows: ' || {ids} || ')' END"
    missing = concat(
        "'no '",
        ctx.label(other),
        "' for '",
        key_description_sql(side, ctx),
        f"COALESCE({group}, '')",
    )
    return (
        f"CASE WHEN NOT {a}_key_ok THEN {empty}\n"
        f"  WHEN state = 'duplicate' THEN {duplicate}\n  ELSE {missing} END"
    )


def matched_text(spec: MatchSpec) -> str:
    names = [c.name for c in spec.compare]
    if spec.window is not None:
        names.append("date window")
    return f"{', '.join(names)} agree" if names else "found on both sides"


def explanation_sql(ctx: Ctx) -> str:
    clauses = [compare_explanation_sql(i, ctx) for i in range(len(ctx.spec.compare))]
    if ctx.spec.window is not None:
        clauses.append(window_explanation_sql(ctx))
    agreed = ctx.params.text("matched_text", matched_text(ctx.spec))
    joined = ctx.dialect.concat_ws("'; '", clauses) if clauses else None
    paired = f"COALESCE(NULLIF({joined}, ''), {agreed})" if joined else agreed
    return (
        f"CASE origin\n  WHEN 'both' THEN {paired}\n"
        f"  WHEN 'left' THEN {unpaired_explanation_sql('left', ctx)}\n"
        f"  ELSE {unpaired_explanation_sql('right', ctx)}\nEND"
    )


def values_sql(side: str, ctx: Ctx) -> str:
    """The side's compared, window and amount values as JSON keyed by its column names."""
    spec, a = ctx.spec, side[0]
    pairs: dict[str, str] = {}
    for i, cmp in enumerate(spec.compare):
        pairs.setdefault(side_column(cmp, side), f"{a}_c{i}")
    if spec.window is not None:
        pairs.setdefault(spec.window.left if side == "left" else spec.window.right, f"{a}_w")
    if spec.amount is not None and spec.amount in side_of(spec, side).columns:
        pairs.setdefault(spec.amount, f"{a}_amt")
    items = [("_rows", f"{a}_n_rows"), *pairs.items()]
    return f"CASE WHEN {a}_present THEN {ctx.dialect.json_object(items)} END"


def check_details_sql(i: int, ctx: Ctx) -> str:
    cmp, d = ctx.spec.compare[i], ctx.dialect
    items = [
        ("field", ctx.params.text(f"c{i}_name", cmp.name)),
        ("kind", f"'{cmp.kind}'"),
        ("left", f"l_c{i}"),
        ("right", f"r_c{i}"),
    ]
    if cmp.kind == "number":
        items += [("difference", f"d{i}"), ("tolerance", f"t{i}")]
    elif cmp.kind == "date":
        items += [
            ("difference_seconds", f"d{i} / {US_PER_SECOND}.0"),
            ("tolerance_seconds", f"t{i} / {US_PER_SECOND}.0"),
        ]
    items += [("status", f"s{i}"), ("reason", f"rc{i}")]
    return d.json_object(items)


def window_details_sql(ctx: Ctx) -> str:
    w, p = ctx.spec.window, ctx.params
    assert w is not None
    before = p.integer("window_before_us", micros(w.before))
    after = p.integer("window_after_us", micros(w.after))
    return ctx.dialect.json_object(
        [
            ("left_field", p.text("window_left_name", w.left)),
            ("right_field", p.text("window_right_name", w.right)),
            ("left", "l_w"),
            ("right", "r_w"),
            ("difference_seconds", f"dw / {US_PER_SECOND}.0"),
            ("before_seconds", f"{before} / {US_PER_SECOND}.0"),
            ("after_seconds", f"{after} / {US_PER_SECOND}.0"),
            ("status", "sw"),
            ("reason", "rcw"),
        ]
    )


def details_sql(ctx: Ctx) -> str:
    d = ctx.dialect
    items = [("rule", fired_sql(ctx)), ("origin", "origin")]
    if ctx.spec.compare:
        checks = d.json_array([check_details_sql(i, ctx) for i in range(len(ctx.spec.compare))])
        items.append(("checks", f"CASE WHEN origin = 'both' THEN {checks} END"))
    if ctx.spec.window is not None:
        items.append(("window", f"CASE WHEN origin = 'both' THEN {window_details_sql(ctx)} END"))
    items += [
        ("left_rows", "l_n_rows"),
        ("right_rows", "r_n_rows"),
        ("copy", "CASE state WHEN 'duplicate' THEN COALESCE(l_copy_no, r_copy_no) END"),
        ("copies", "CASE state WHEN 'duplicate' THEN COALESCE(l_copies, r_copies) END"),
    ]
    return d.json_object(items)


def final_sql(ctx: Ctx) -> str:
    p = ctx.params
    cols = [
        f"{p.text('run_id', None)} AS run_id",
        f"{p.text('spec', ctx.spec.name)} AS spec",
        "state",
        "reason_code",
        "COALESCE(l_key_text, r_key_text) AS key",
        "l_ids AS left_ids",
        "r_ids AS right_ids",
        f"{values_sql('left', ctx)} AS left_values",
        f"{values_sql('right', ctx)} AS right_values",
        "CAST(amount AS DECIMAL(18,2)) AS amount",
        f"{explanation_sql(ctx)} AS explanation",
        f"{details_sql(ctx)} AS details",
    ]
    return "SELECT\n" + indent(",\n".join(cols)) + "\nFROM classified"


def insert_sql(select_sql: str, table: str = RESULTS_TABLE) -> str:
    return f"INSERT INTO {table} ({', '.join(RESULT_COLUMNS)})\n{select_sql}"


# -- keyed: the statements ---------------------------------------------------------------------------
UNITS_TABLE = "match_units"
"""Temporary table of one keyed run: the units to store, and one tally row for the matched ones."""


def scored_columns(ctx: Ctx) -> list[str]:
    """Columns of ``scored`` (and of the units table, plus ``n``), in order."""
    spec = ctx.spec
    cols = unit_columns(ctx)
    for i, cmp in enumerate(spec.compare):
        if cmp.kind != "text":
            cols += [f"d{i}", f"t{i}"]
    if spec.window is not None:
        cols.append("dw")
    cols += [f"s{i}" for i in range(len(spec.compare))]
    if spec.window is not None:
        cols.append("sw")
    cols += ["origin", "state", *(f"rc{i}" for i in range(len(spec.compare)))]
    if spec.window is not None:
        cols.append("rcw")
    return [*cols, "reason_code", "amount"]


def scored_sql(ctx: Ctx) -> str:
    """The classified units with the two things statistics need: reason code and amount."""
    return (
        f"SELECT\n  *,\n  {indent(reason_code_sql(ctx))} AS reason_code,\n"
        "  CAST(COALESCE(l_amt, r_amt) AS DECIMAL(18,2)) AS amount\nFROM classified"
    )


def unit_identity(ctx: Ctx) -> list[str]:
    """Columns that tell every unit apart: per side the key parts and the copy number.

    A paired or unpaired key is unique among per-key units; extra copies differ by copy number;
    rows with an empty key are numbered within their (partial) key on their side.
    """
    return [f"{a}_{c}" for a in ("l", "r") for c in (*key_columns(ctx), "copy_no")]


def kept_sql(ctx: Ctx, keep_matched: bool) -> str:
    """Units to store, one row each (``n`` = 1); matched units only as one tally row
    (``n`` = how many, ``amount`` their total, everything else NULL), unless ``keep_matched``.

    One aggregation does both: a stored unit is a group of its own (by its identity), all
    matched units fall in one group. (Selecting the two parts separately would read the units
    twice.)
    """
    cols = scored_columns(ctx)
    if keep_matched:
        return f"SELECT {', '.join(cols)}, 1 AS n\nFROM scored"
    stored = "state <> 'matched'"
    identity = unit_identity(ctx)
    group_cols = ["state", "reason_code", *identity]
    out = []
    for c in cols:
        if c in ("state", "reason_code"):
            out.append(c)
        elif c == "amount":
            out.append("SUM(amount) AS amount")
        elif c in identity:
            out.append(f"g_{c} AS {c}")
        else:
            out.append(f"{ctx.dialect.any_value(f'CASE WHEN {stored} THEN {c} END')} AS {c}")
    tagged = ", ".join(f"CASE WHEN {stored} THEN {c} END AS g_{c}" for c in identity)
    groups = ", ".join(c if c not in identity else f"g_{c}" for c in group_cols)
    return (
        "SELECT\n"
        + indent(",\n".join([*out, "COUNT(*) AS n"]))
        + f"\nFROM (SELECT *, {tagged} FROM scored) AS t\nGROUP BY {groups}"
    )


def _classify_ctes(ctx: Ctx, quick: bool = False) -> list[str]:
    return [
        cte("diffs", diffs_sql(ctx)),
        cte("statuses", statuses_sql(ctx)),
        cte("classified", classified_sql(ctx, quick)),
        cte("scored", scored_sql(ctx)),
    ]


def _quick_ctes(ctx: Ctx) -> list[str]:
    ctes = [cte(f"{side}_source", source_sql(side, ctx, quick=True)) for side in SIDES]
    ctes += [cte("stacked", stacked_sql(ctx)), cte("grouped", grouped_sql(ctx))]
    return [*ctes, cte("units", quick_units_sql(ctx)), *_classify_ctes(ctx, quick=True)]


def pending_source_sql(side: str, ctx: Ctx) -> str:
    """The side's records the full pass redoes: those with an empty key part, and those whose
    key the quick pass left ``pending``."""
    keys = key_columns(ctx)
    empty = " OR ".join(f"s.{k} IS NULL" for k in keys)
    return (
        f"SELECT s.*\nFROM (\n{indent(source_sql(side, ctx), 2)}\n) AS s\n"
        f"WHERE {empty}\n"
        f"   OR EXISTS (SELECT 1 FROM pending AS p WHERE {_same_key('p', 's', ctx)})"
    )


def _pending_ctes(ctx: Ctx) -> list[str]:
    keys = ", ".join(f"COALESCE(l_{k}, r_{k}) AS {k}" for k in key_columns(ctx))
    ctes = [
        cte(
            "pending",
            f"SELECT DISTINCT {keys}\nFROM {ctx.dialect.temp_table(UNITS_TABLE)}\n"
            f"WHERE state = '{PENDING}'",
        )
    ]
    ctes += [cte(f"{side}_source", pending_source_sql(side, ctx)) for side in SIDES]
    ctes += [cte("stacked", stacked_sql(ctx)), cte("grouped", grouped_sql(ctx))]
    for side in one_sides(ctx):
        ctes.append(cte(f"{side}_copies", copies_sql(side, ctx)))
    ctes += [cte(f"{side}_extra", extra_sql(side, ctx)) for side in SIDES]
    ctes += [cte(f"{side}_first", first_copy_sql(side)) for side in one_sides(ctx)]
    return [*ctes, cte("units", units_sql(ctx)), *_classify_ctes(ctx)]


def keyed_units_sql(
    spec: MatchSpec, dialect: Dialect = DUCKDB, *, keep_matched: bool = False
) -> tuple[str, dict[str, Any]]:
    """Statement 1 of a keyed run: classify every unit into the temporary ``match_units``.

    The heavy part (pairing by key, comparing, classifying) runs once over narrow rows: no id
    lists, text or JSON. Only the units to be stored come out one by one. Each side is read
    once, so a side may be a view: a key with an empty part, or with several rows on a one
    side, is only flagged (state ``pending``) for :func:`keyed_pending_sql`.
    """
    if spec.mode != "keyed":
        raise ValueError(f"spec {spec.name!r} is not keyed")
    select, params = keyed_units_select(spec, dialect, keep_matched=keep_matched)
    return dialect.temp_table_as(UNITS_TABLE, select), params


def keyed_units_select(
    spec: MatchSpec, dialect: Dialect = DUCKDB, *, keep_matched: bool = False
) -> tuple[str, dict[str, Any]]:
    """The query of :func:`keyed_units_sql` alone (an engine that keeps ``match_units``
    another way, e.g. a cached Spark view, runs it itself)."""
    if spec.mode != "keyed":
        raise ValueError(f"spec {spec.name!r} is not keyed")
    ctx = Ctx(spec, dialect)
    return with_ctes(_quick_ctes(ctx), kept_sql(ctx, keep_matched)), ctx.params.values


def keyed_pending_sql(
    spec: MatchSpec, dialect: Dialect = DUCKDB, *, keep_matched: bool = False
) -> tuple[str, dict[str, Any]]:
    """Statement 1b, only when statement 1 left ``pending`` units: the full pass over the
    records of those keys and the records with an empty key part, into ``match_units``.

    It reads the sides again (the few rows concerned: ``pending_source_sql``) and ranks the
    copies of a repeated key and the records with an empty key (``extra_sql``); its matched
    units come as a second tally row. The caller then deletes the pending units
    (:func:`delete_pending_sql`).
    """
    if spec.mode != "keyed":
        raise ValueError(f"spec {spec.name!r} is not keyed")
    select, params = keyed_pending_select(spec, dialect, keep_matched=keep_matched)
    return f"INSERT INTO {dialect.temp_table(UNITS_TABLE)}\n{select}", params


def keyed_pending_select(
    spec: MatchSpec, dialect: Dialect = DUCKDB, *, keep_matched: bool = False
) -> tuple[str, dict[str, Any]]:
    """The query of :func:`keyed_pending_sql` alone: the units replacing the pending ones."""
    if spec.mode != "keyed":
        raise ValueError(f"spec {spec.name!r} is not keyed")
    ctx = Ctx(spec, dialect)
    return with_ctes(_pending_ctes(ctx), kept_sql(ctx, keep_matched)), ctx.params.values


def count_pending_sql(dialect: Dialect = DUCKDB) -> str:
    return f"SELECT COUNT(*) FROM {dialect.temp_table(UNITS_TABLE)} WHERE state = '{PENDING}'"


def delete_pending_sql(dialect: Dialect = DUCKDB) -> str:
    return f"DELETE FROM {dialect.temp_table(UNITS_TABLE)} WHERE state = '{PENDING}'"


def ids_sql(side: str, ctx: Ctx) -> str:
    """The ids of the stored units that stand for every record of their key on ``side``."""
    a, d = side[0], ctx.dialect
    keys = key_columns(ctx)
    wanted = f"SELECT DISTINCT {', '.join(f'{a}_{k}' for k in keys)}\nFROM stored\n"
    wanted += f"WHERE {a}_present AND NOT {a}_single"
    return (
        f"SELECT {', '.join(f's.{k}' for k in keys)},"
        f" {d.list_agg('s.id', ['s.id_ord NULLS LAST', 's.id'])} AS ids\n"
        f"FROM {side}_source AS s\n"
        f"JOIN ({indent(wanted)}) AS u\n  ON {_same_key('s', 'u', ctx, f'{a}_')}\n"
        f"GROUP BY {', '.join(f's.{k}' for k in keys)}"
    )


def labelled_sql(ctx: Ctx) -> str:
    """Stored units with their id lists and key texts: what the explanations are made of."""
    d = ctx.dialect
    cols = ["u.*"]
    for side in SIDES:
        a = side[0]
        cols.append(
            f"CASE WHEN u.{a}_single THEN {d.list_of(f'u.{a}_id')} "
            f"WHEN u.{a}_present THEN {a}i.ids END AS {a}_ids"
        )
    cols += [f"{key_text_sql(ctx, f'u.{a}_')} AS {a}_key_text" for a in ("l", "r")]
    joins = "".join(
        f"\nLEFT JOIN {side}_ids AS {side[0]}i\n"
        f"  ON {_same_key(f'{side[0]}i', 'u', ctx, f'{side[0]}_')}"
        for side in SIDES
    )
    return "SELECT\n" + indent(",\n".join(cols)) + "\nFROM stored AS u" + joins


def keyed_results_sql(spec: MatchSpec, dialect: Dialect = DUCKDB) -> tuple[str, dict[str, Any]]:
    """Statement 3 of a keyed run: the stored units of ``match_units`` into ``match_results``,
    with ids (looked up by key for the few units stored), explanations and details.
    ``run_id`` is left for the caller to bind."""
    select, params = keyed_results_select(spec, dialect)
    return insert_sql(select), params


def keyed_results_select(spec: MatchSpec, dialect: Dialect = DUCKDB) -> tuple[str, dict[str, Any]]:
    """The query of :func:`keyed_results_sql` alone: the rows to store, ``RESULT_COLUMNS``."""
    if spec.mode != "keyed":
        raise ValueError(f"spec {spec.name!r} is not keyed")
    ctx = Ctx(spec, dialect)
    # stored keys are never empty (empty-key records are units of their own, with their id)
    ctes = [cte(f"{side}_source", source_sql(side, ctx, quick=True)) for side in SIDES]
    ctes.append(
        cte("stored", f"SELECT * FROM {dialect.temp_table(UNITS_TABLE)} WHERE origin IS NOT NULL")
    )
    ctes += [cte(f"{side}_ids", ids_sql(side, ctx)) for side in SIDES]
    ctes += [cte("classified", labelled_sql(ctx)), cte("final", final_sql(ctx))]
    return with_ctes(ctes, f"SELECT {', '.join(RESULT_COLUMNS)} FROM final"), ctx.params.values


def drop_units_sql(dialect: Dialect = DUCKDB) -> str:
    return dialect.drop_temp_table(UNITS_TABLE)
