"""Unkeyed mode: groups of "many" records that sum to one "one" record, no key linking them.

Two queries, both CTE chains over the same sources as keyed mode (``sql_builder.source_sql``):

    left_source / right_source   compared amount ``c0``, window date ``w`` and ``w_us``
    one_src / many_src           roles by cardinality; ``seq`` orders them by date then id
    pairs                        every (one, many) inside the date window, equal keys if any
    counts                       candidates per one record

1. :func:`unkeyed_candidates_sql` -- the candidates of the one records that have at most
   ``max_candidates`` of them, pulled into Python for the bounded search (``subset.py``).
2. :func:`unkeyed_insert_sql` -- given the groups found (bound as list parameters), one result
   row per one record (with its group) and per many record left out of every group.

Every value is bound, as in ``sql_builder``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from recon_lib.match.dialect import DUCKDB, Dialect
from recon_lib.match.spec import MatchSpec
from recon_lib.match.sql_builder import (
    RESULT_COLUMNS,
    Ctx,
    concat,
    cte,
    indent,
    insert_sql,
    key_columns,
    key_text_sql,
    micros,
    side_column,
    side_of,
    source_sql,
    tolerance_sql,
    tolerance_text,
    with_ctes,
)


def roles(spec: MatchSpec) -> tuple[str, str]:
    """(one side, many side) of an unkeyed spec: the many side's records group into one."""
    return ("left", "right") if spec.cardinality == "one_to_many" else ("right", "left")


def id_check_sql(side: str, spec: MatchSpec, dialect: Dialect = DUCKDB) -> str:
    """Rows and distinct non-NULL ids of a side (unkeyed mode needs ids to be unique)."""
    s, q = side_of(spec, side), dialect.quote
    return (
        f"SELECT COUNT(*) AS n, COUNT(DISTINCT {dialect.text(q(s.id))}) AS n_ids "
        f"FROM {q(s.relation)}"
    )


def _unkeyed_ctes(ctx: Ctx) -> list[str]:
    """Sources, then ``pairs`` (every one/many candidate inside the window with equal keys,
    if any) and ``counts`` (candidates per one record)."""
    one, many = roles(ctx.spec)
    left_alias, right_alias = ("m", "o") if many == "left" else ("o", "m")
    w = ctx.spec.window
    assert w is not None
    before = ctx.params.integer("window_before_us", micros(w.before))
    after = ctx.params.integer("window_after_us", micros(w.after))
    on = [f"o.{k} = m.{k}" for k in key_columns(ctx)]
    on += [
        f"{right_alias}.w_us >= {left_alias}.w_us - {before}",
        f"{right_alias}.w_us <= {left_alias}.w_us + {after}",
        "m.c0 IS NOT NULL",
    ]
    seq = "ROW_NUMBER() OVER (ORDER BY w NULLS LAST, id_ord NULLS LAST, id) AS seq"
    return [
        cte("left_source", source_sql("left", ctx)),
        cte("right_source", source_sql("right", ctx)),
        cte("one_src", f"SELECT *, {key_text_sql(ctx)} AS key_text, {seq} FROM {one}_source"),
        cte("many_src", f"SELECT *, {key_text_sql(ctx)} AS key_text, {seq} FROM {many}_source"),
        cte(
            "pairs",
            "SELECT o.id AS one_id, m.id AS many_id, o.seq AS one_seq, m.seq AS many_seq,\n"
            "  o.c0 AS one_value, m.c0 AS many_value\n"
            "FROM one_src AS o\nJOIN many_src AS m\n  ON " + "\n  AND ".join(on),
        ),
        cte("counts", "SELECT one_id, COUNT(*) AS n_candidates FROM pairs GROUP BY one_id"),
    ]


def unkeyed_candidates_sql(
    spec: MatchSpec, dialect: Dialect = DUCKDB
) -> tuple[str, dict[str, Any]]:
    """Candidates of the one records that have at most ``max_candidates`` of them, in order."""
    ctx = Ctx(spec, dialect)
    limit = ctx.params.integer("max_candidates", spec.max_candidates)
    sql = with_ctes(
        _unkeyed_ctes(ctx),
        "SELECT p.one_id, p.many_id, p.one_value, p.many_value\n"
        "FROM pairs AS p\nJOIN counts AS c ON c.one_id = p.one_id\n"
        f"WHERE c.n_candidates <= {limit}\nORDER BY p.one_seq, p.many_seq",
    )
    return sql, ctx.params.values


def unkeyed_select_sql(
    spec: MatchSpec,
    assignments: Sequence[tuple[str, str]],
    open_ones: Sequence[str],
    dialect: Dialect = DUCKDB,
) -> tuple[str, dict[str, Any]]:
    """Result rows of an unkeyed run, given the groups found: ``(one_id, many_id)`` pairs and
    the one records whose search was not exhaustive (``open_ones``: unresolved)."""
    ctx = Ctx(spec, dialect)
    p, d = ctx.params, dialect
    one, many = roles(spec)
    o, m = one[0], many[0]
    limit = p.integer("max_candidates", spec.max_candidates)
    rows_from = d.rows_from_lists(
        [
            ("one_id", p.bind("assign_one", [a for a, _ in assignments]), "VARCHAR"),
            ("many_id", p.bind("assign_many", [b for _, b in assignments]), "VARCHAR"),
        ]
    )
    open_from = d.rows_from_lists([("one_id", p.bind("open_ones", list(open_ones)), "VARCHAR")])
    ctes = _unkeyed_ctes(ctx) + [
        cte("assign", rows_from),
        cte(
            "unresolved_ones",
            f"SELECT one_id FROM counts WHERE n_candidates > {limit}\nUNION\n{open_from}",
        ),
        cte(
            "grouped",
            f"SELECT a.one_id, {d.list_agg('m.id', ['m.seq'])} AS ids, COUNT(*) AS n_rows,\n"
            "  SUM(m.c0) AS c0, MIN(m.w) AS w, SUM(m.amt) AS amt\n"
            "FROM assign AS a\nJOIN many_src AS m ON m.id = a.many_id\nGROUP BY a.one_id",
        ),
        cte(
            "candidate_of_unresolved",
            "SELECT DISTINCT p.many_id FROM pairs AS p\n"
            "JOIN unresolved_ones AS u ON u.one_id = p.one_id",
        ),
        cte(
            "units",
            f"SELECT {d.list_of('x.id')} AS {o}_ids, 1 AS {o}_n_rows, x.c0 AS {o}_c0,"
            f" x.w AS {o}_w, x.amt AS {o}_amt,\n"
            f"  g.ids AS {m}_ids, g.n_rows AS {m}_n_rows, g.c0 AS {m}_c0, g.w AS {m}_w,"
            f" g.amt AS {m}_amt,\n"
            "  x.key_text, 'one' AS role, COALESCE(c.n_candidates, 0) AS n_candidates,\n"
            "  CASE WHEN g.one_id IS NOT NULL THEN 'group'"
            " WHEN u.one_id IS NOT NULL THEN 'unresolved' ELSE 'none' END AS outcome\n"
            "FROM one_src AS x\nLEFT JOIN grouped AS g ON g.one_id = x.id\n"
            "LEFT JOIN counts AS c ON c.one_id = x.id\n"
            "LEFT JOIN unresolved_ones AS u ON u.one_id = x.id\n"
            "UNION ALL\n"
            f"SELECT NULL, NULL, NULL, NULL, NULL,\n"
            f"  {d.list_of('y.id')}, 1, y.c0, y.w, y.amt,\n"
            "  y.key_text, 'many', NULL,\n"
            "  CASE WHEN y.id IN (SELECT many_id FROM candidate_of_unresolved)"
            " THEN 'unresolved' ELSE 'none' END\n"
            "FROM many_src AS y\nWHERE y.id NOT IN (SELECT many_id FROM assign)",
        ),
    ]
    ctes += [
        cte("diffs", _unkeyed_diffs_sql(ctx)),
        cte("classified", _unkeyed_classified_sql(ctx)),
        cte("final", _unkeyed_final_sql(ctx)),
    ]
    sql = with_ctes(ctes, f"SELECT {', '.join(RESULT_COLUMNS)} FROM final")
    return sql, p.values


def unkeyed_insert_sql(
    spec: MatchSpec,
    assignments: Sequence[tuple[str, str]],
    open_ones: Sequence[str],
    dialect: Dialect = DUCKDB,
) -> tuple[str, dict[str, Any]]:
    sql, params = unkeyed_select_sql(spec, assignments, open_ones, dialect)
    return insert_sql(sql), params


def _unkeyed_diffs_sql(ctx: Ctx) -> str:
    return f"SELECT *, r_c0 - l_c0 AS d0, {tolerance_sql(0, ctx, 'r_c0')} AS t0\nFROM units"


def _unkeyed_classified_sql(ctx: Ctx) -> str:
    one, many = roles(ctx.spec)
    one_missing = "missing_left" if one == "right" else "missing_right"
    many_missing = "missing_right" if many == "left" else "missing_left"
    state = (
        "CASE\n  WHEN outcome = 'unresolved' THEN 'unresolved'\n"
        f"  WHEN outcome = 'none' AND role = 'one' THEN '{one_missing}'\n"
        f"  WHEN outcome = 'none' THEN '{many_missing}'\n"
        "  WHEN d0 = 0 THEN 'matched'\n  WHEN ABS(d0) <= t0 THEN 'matched_tolerance'\n"
        "  ELSE 'mismatched'\nEND"
    )
    return f"SELECT *, {state} AS state\nFROM diffs"


def _unkeyed_final_sql(ctx: Ctx) -> str:
    spec, p, d = ctx.spec, ctx.params, ctx.dialect
    one, many = roles(spec)
    o, m = one[0], many[0]
    cmp = spec.compare[0]
    max_group = ctx.text(p.integer("max_group", spec.group_limit))
    limit = ctx.text(p.integer("max_candidates", spec.max_candidates))
    one_label, many_label = ctx.label(one), ctx.label(many)
    one_id, many_ids = d.list_text(f"{o}_ids"), d.list_text(f"{m}_ids")
    tol = spec.tolerance_for(cmp)
    tol_text = p.text("c0_tol_text", tolerance_text(tol))
    if tol.rel != 0:
        tol_text = concat(tol_text, "' of '", ctx.text("ABS(r_c0)"))
    group = concat(
        many_label, "' '", many_ids, "' total '", ctx.text(f"{m}_c0"), "'; '",
        one_label, "' '", one_id, "' is '", ctx.text(f"{o}_c0"),
        "' (difference '", ctx.text("d0"), "', tolerance '", tol_text, "')'",
    )  # fmt: skip
    none_one = concat(
        "'no group of up to '", max_group, "' '", many_label,
        "' rows inside the date window sums to '", one_label, "' '", one_id,
        "' ('", f"COALESCE({ctx.text(f'{o}_c0')}, 'no amount')", "'); '",
        ctx.text("n_candidates"), "' candidates searched'",
    )  # fmt: skip
    too_many = concat(
        one_label, "' '", one_id, "': '", ctx.text("n_candidates"), "' '", many_label,
        "' candidates inside the date window, more than max_candidates '", limit,
        "'; not searched, to be reviewed by hand'",
    )  # fmt: skip
    open_ = concat(
        one_label, "' '", one_id, "': no group of up to '", max_group, "' of its '",
        ctx.text("n_candidates"), "' candidates sums to '", ctx.text(f"{o}_c0"),
        "'; larger groups were not searched'",
    )  # fmt: skip
    none_many = concat(
        many_label, "' '", many_ids, "' ('", f"COALESCE({ctx.text(f'{m}_c0')}, 'no amount')",
        "') is not part of any group matching a '", one_label,
    )  # fmt: skip
    unresolved_many = concat(
        many_label, "' '", many_ids, "' is a candidate of a '", one_label,
        "' that could not be resolved'",
    )  # fmt: skip
    explanation = (
        "CASE\n"
        f"  WHEN role = 'one' AND outcome = 'group' THEN {group}\n"
        f"  WHEN role = 'one' AND outcome = 'none' THEN {none_one}\n"
        f"  WHEN role = 'one' AND n_candidates > {p.integer('max_candidates', spec.max_candidates)}"
        f" THEN {too_many}\n"
        f"  WHEN role = 'one' THEN {open_}\n"
        f"  WHEN outcome = 'unresolved' THEN {unresolved_many}\n"
        f"  ELSE {none_many}\nEND"
    )
    reason = p.text("c0_reason", cmp.reason)
    over = p.text("c0_reason_over", cmp.reason_over)
    under = p.text("c0_reason_under", cmp.reason_under)
    reason_code = (
        "CASE state\n"
        f"  WHEN 'missing_left' THEN {p.text('reason_missing_left', spec.reason_missing_left)}\n"
        f"  WHEN 'missing_right' THEN {p.text('reason_missing_right', spec.reason_missing_right)}\n"
        f"  WHEN 'mismatched' THEN CASE WHEN d0 > 0 THEN COALESCE({over}, {reason})"
        f" ELSE COALESCE({under}, {reason}) END\nEND"
    )
    rule = (
        "CASE\n  WHEN outcome = 'group' THEN 'group_sum'\n"
        "  WHEN outcome = 'none' AND role = 'one' THEN 'no_group_found'\n"
        "  WHEN outcome = 'none' THEN 'not_in_any_group'\n"
        f"  WHEN role = 'one' AND n_candidates > {p.integer('max_candidates', spec.max_candidates)}"
        " THEN 'too_many_candidates'\n"
        "  WHEN role = 'one' THEN 'search_not_exhaustive'\n"
        "  ELSE 'candidate_of_unresolved'\nEND"
    )
    details = d.json_object(
        [
            ("rule", rule),
            ("role", "role"),
            ("field", p.text("c0_name", cmp.name)),
            ("left", "l_c0"),
            ("right", "r_c0"),
            ("difference", "d0"),
            ("tolerance", "t0"),
            ("candidates", "n_candidates"),
            ("group_size", f"{m}_n_rows"),
            ("max_candidates", p.integer("max_candidates", spec.max_candidates)),
            ("max_group", p.integer("max_group", spec.group_limit)),
        ]
    )
    cols = [
        f"{p.text('run_id', None)} AS run_id",
        f"{p.text('spec', spec.name)} AS spec",
        "state",
        f"{reason_code} AS reason_code",
        "key_text AS key",
        "l_ids AS left_ids",
        "r_ids AS right_ids",
        f"{values_json_sql('left', ctx)} AS left_values",
        f"{values_json_sql('right', ctx)} AS right_values",
        "CAST(COALESCE(l_amt, r_amt) AS DECIMAL(18,2)) AS amount",
        f"{explanation} AS explanation",
        f"{details} AS details",
    ]
    return "SELECT\n" + indent(",\n".join(cols)) + "\nFROM classified"


def values_json_sql(side: str, ctx: Ctx) -> str:
    """The side's amount, date and amount-column values as JSON keyed by its column names."""
    spec, a = ctx.spec, side[0]
    pairs: dict[str, str] = {side_column(spec.compare[0], side): f"{a}_c0"}
    assert spec.window is not None
    pairs.setdefault(spec.window.left if side == "left" else spec.window.right, f"{a}_w")
    if spec.amount is not None and spec.amount in side_of(spec, side).columns:
        pairs.setdefault(spec.amount, f"{a}_amt")
    items = [("_rows", f"{a}_n_rows"), *pairs.items()]
    return f"CASE WHEN {a}_ids IS NOT NULL THEN {ctx.dialect.json_object(items)} END"
