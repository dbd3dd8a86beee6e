"""Compile a :class:`MatchSpec` to SQL, in small pure functions.

Keyed mode is one ``INSERT INTO match_results ... WITH ... SELECT`` in CTE style::

    left_source / right_source    the columns the spec uses, keys normalised   (source_sql)
    left_ranked / right_ranked    key_ok, copy number and copies per key       (ranked_sql)
    left_units  / right_units     one row per record, or per key on the many   (units_sql)
                                  side; pk* is the key only for pairable rows
    joined                        FULL OUTER JOIN on pk*                        (joined_sql)
    diffs, statuses, classified   difference, tolerance, status per check;     (diffs_sql, ...)
                                  state and per-check reason
    final                         the result row: explanation and details      (final_sql)

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

FULLWIDTH_FROM = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
FULLWIDTH_TO = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
US_PER_SECOND = 1_000_000

FAIL_STATUSES = ("over", "under", "different", "missing_value")
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
        return f"CAST({self.bind(name, value)} AS VARCHAR)"

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
        out = (
            f"COALESCE(NULLIF(TRIM(LEADING '0' FROM {out}), ''), "
            f"CASE WHEN {out} <> '' THEN '0' END)"
        )
    return f"NULLIF({out}, '')"


def side_column(cmp: Compare, side: str) -> str:
    return cmp.left if side == "left" else cmp.right  # type: ignore[return-value]


def source_sql(side: str, ctx: Ctx) -> str:
    """One side's rows with the internal names the later steps use.

    ``id`` (text) and ``id_ord`` (for ordering), ``k<i>`` normalised keys, ``c<i>`` the compared
    values (text ones normalised like keys), ``w`` the window date (``w_us`` in microseconds in
    unkeyed mode), ``amt`` the amount (NULL when this side lacks the amount column).
    """
    spec, q, d = ctx.spec, ctx.q, ctx.dialect
    s = side_of(spec, side)
    steps = spec.normalize_steps()
    cols = [f"{d.text(q(s.id))} AS id", f"{q(s.id)} AS id_ord"]
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
    return "SELECT\n" + indent(",\n".join(cols)) + f"\nFROM {q(s.relation)}"


def key_columns(ctx: Ctx, prefix: str = "") -> list[str]:
    return [f"{prefix}k{i}" for i in range(len(ctx.spec.left.keys))]


def _value_cols(ctx: Ctx) -> list[str]:
    cols = [f"c{i}" for i in range(len(ctx.spec.compare))]
    if ctx.spec.window is not None:
        cols.append("w")
    return [*cols, "amt"]


def key_ok_sql(ctx: Ctx, prefix: str = "") -> str:
    return " AND ".join(f"{k} IS NOT NULL" for k in key_columns(ctx, prefix)) or "FALSE"


def key_text_sql(ctx: Ctx, prefix: str = "") -> str:
    """The normalised key shown in results: parts joined by ``|``; NULL if any part is empty."""
    keys = key_columns(ctx, prefix)
    if not keys:
        return "CAST(NULL AS VARCHAR)"
    joined = " || '|' || ".join(keys)
    return f"CASE WHEN {key_ok_sql(ctx, prefix)} THEN {joined} END"


def ranked_sql(side: str, ctx: Ctx) -> str:
    """Flag rows with a usable key and number the copies of each key (first by id)."""
    keys = ", ".join(key_columns(ctx))
    order = ", ".join(["id_ord NULLS LAST", "id", *(f"{c} NULLS LAST" for c in _value_cols(ctx))])
    return (
        f"SELECT\n  *,\n  {key_ok_sql(ctx)} AS key_ok,\n"
        f"  ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY {order}) AS copy_no,\n"
        f"  COUNT(*) OVER (PARTITION BY {keys}) AS copies\n"
        f"FROM {side}_source"
    )


def _aggregate(ctx: Ctx, col: str) -> str:
    if col.startswith("c"):
        kind = ctx.spec.compare[int(col[1:])].kind
        return f"SUM({col})" if kind == "number" else f"MIN({col})"
    return "SUM(amt)" if col == "amt" else f"MIN({col})"


def units_sql(side: str, ctx: Ctx) -> str:
    """One row per record (``ids`` a one-element list), or on the many side one row per key.

    ``pk<i>`` repeats the key only on rows that may pair (usable key, first copy); elsewhere it
    is NULL, so those rows come out of the full outer join unpaired.
    """
    d, keys, values = ctx.dialect, key_columns(ctx), _value_cols(ctx)
    single = [
        f"{d.list_of('id')} AS ids",
        "1 AS n_rows",
        *keys,
        *values,
        "key_ok",
        "copy_no",
        "copies",
        f"{key_text_sql(ctx)} AS key_text",
    ]
    if ctx.spec.many_side != side:
        pks = [f"CASE WHEN key_ok AND copy_no = 1 THEN {k} END AS p{k}" for k in keys]
        return "SELECT\n" + indent(",\n".join(single + pks)) + f"\nFROM {side}_ranked"
    grouped = [
        f"{d.list_agg('id', ['id_ord NULLS LAST', 'id'])} AS ids",
        "COUNT(*) AS n_rows",
        *keys,
        *(f"{_aggregate(ctx, c)} AS {c}" for c in values),
        "TRUE AS key_ok",
        "1 AS copy_no",
        "1 AS copies",
        f"{key_text_sql(ctx)} AS key_text",
        *(f"{k} AS p{k}" for k in keys),
    ]
    empty_key_rows = single + [f"CAST(NULL AS VARCHAR) AS p{k}" for k in keys]
    return (
        "SELECT\n"
        + indent(",\n".join(grouped))
        + f"\nFROM {side}_ranked\nWHERE key_ok\nGROUP BY {', '.join(keys)}\n"
        + "UNION ALL\nSELECT\n"
        + indent(",\n".join(empty_key_rows))
        + f"\nFROM {side}_ranked\nWHERE NOT key_ok"
    )


def unit_columns(ctx: Ctx) -> list[str]:
    return [
        "ids",
        "n_rows",
        *key_columns(ctx),
        *_value_cols(ctx),
        "key_ok",
        "copy_no",
        "copies",
        "key_text",
    ]


def joined_sql(ctx: Ctx) -> str:
    """Pair the units on the pairing key; unpairable rows come through on their side only."""
    cols = [f"{a}.{c} AS {a}_{c}" for a in ("l", "r") for c in unit_columns(ctx)]
    cols += ["l.ids IS NOT NULL AS l_present", "r.ids IS NOT NULL AS r_present"]
    on = " AND ".join(f"l.p{k} = r.p{k}" for k in key_columns(ctx))
    return (
        "SELECT\n"
        + indent(",\n".join(cols))
        + f"\nFROM left_units AS l\nFULL OUTER JOIN right_units AS r\n  ON {on}"
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
    return "SELECT\n" + indent(",\n".join(cols)) + "\nFROM joined"


def status_sql(i: int, ctx: Ctx) -> str:
    """Status of compare ``i`` on a pair: equal, within, over, under, different, missing_value."""
    cmp, left, right = ctx.spec.compare[i], f"l_c{i}", f"r_c{i}"
    head = (
        "CASE\n  WHEN NOT (l_present AND r_present) THEN NULL\n"
        f"  WHEN {left} IS NULL AND {right} IS NULL THEN 'equal'\n"
        f"  WHEN {left} IS NULL OR {right} IS NULL THEN 'missing_value'\n"
    )
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


def classified_sql(ctx: Ctx) -> str:
    cols = [
        "*",
        "CASE WHEN l_present AND r_present THEN 'both' WHEN l_present THEN 'left' "
        "ELSE 'right' END AS origin",
        f"{state_sql(ctx)} AS state",
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
    missing = concat(
        name,
        "' has no value on the '",
        f"CASE WHEN l_c{i} IS NULL THEN {ctx.label('left')} ELSE {ctx.label('right')} END",
        "' side'",
    )
    differs, within = concat(name, "' differs: '"), concat(name, "' within tolerance: '")
    if cmp.kind == "text":
        return (
            f"CASE s{i} WHEN 'different' THEN {concat(differs, values)}"
            f" WHEN 'missing_value' THEN {missing} END"
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
        f"  WHEN 'missing_value' THEN {missing}\nEND"
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
        f"{reason_code_sql(ctx)} AS reason_code",
        "COALESCE(l_key_text, r_key_text) AS key",
        "l_ids AS left_ids",
        "r_ids AS right_ids",
        f"{values_sql('left', ctx)} AS left_values",
        f"{values_sql('right', ctx)} AS right_values",
        "CAST(COALESCE(l_amt, r_amt) AS DECIMAL(18,2)) AS amount",
        f"{explanation_sql(ctx)} AS explanation",
        f"{details_sql(ctx)} AS details",
    ]
    return "SELECT\n" + indent(",\n".join(cols)) + "\nFROM classified"


def insert_sql(select_sql: str, table: str = RESULTS_TABLE) -> str:
    return f"INSERT INTO {table} ({', '.join(RESULT_COLUMNS)})\n{select_sql}"


def keyed_select_sql(spec: MatchSpec, dialect: Dialect = DUCKDB) -> tuple[str, dict[str, Any]]:
    """The result rows of a keyed spec as one SELECT; ``run_id`` is left for the caller to bind."""
    if spec.mode != "keyed":
        raise ValueError(f"spec {spec.name!r} is not keyed")
    ctx = Ctx(spec, dialect)
    ctes = []
    for side in SIDES:
        ctes += [
            cte(f"{side}_source", source_sql(side, ctx)),
            cte(f"{side}_ranked", ranked_sql(side, ctx)),
            cte(f"{side}_units", units_sql(side, ctx)),
        ]
    ctes += [
        cte("joined", joined_sql(ctx)),
        cte("diffs", diffs_sql(ctx)),
        cte("statuses", statuses_sql(ctx)),
        cte("classified", classified_sql(ctx)),
        cte("final", final_sql(ctx)),
    ]
    sql = with_ctes(ctes, f"SELECT {', '.join(RESULT_COLUMNS)} FROM final")
    return sql, ctx.params.values


def keyed_insert_sql(spec: MatchSpec, dialect: Dialect = DUCKDB) -> tuple[str, dict[str, Any]]:
    sql, params = keyed_select_sql(spec, dialect)
    return insert_sql(sql), params
