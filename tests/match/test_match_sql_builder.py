"""The SQL builder: structure of the generated SQL, values bound not pasted, pieces run."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from recon_lib.match import Compare, DateWindow, MatchSpec, Side, Tolerance
from recon_lib.match import sql_builder as sb
from recon_lib.match import sql_unkeyed as su
from recon_lib.match.dialect import DUCKDB
from recon_lib.match.spec import NORMALIZE_STEPS

LINES = Side("v_lines", ("order_id", "sku"), ("line_id", "order_id", "sku", "qty", "paid_at",
                                                  "line_amount"), "line_id", "order line")
SHIPS = Side("v_ships", ("order_id", "sku"), ("ship_id", "order_id", "sku", "qty",
                                                     "ship_time"), "ship_id", "shipment line")
SPEC = MatchSpec(
    "shipping",
    LINES,
    SHIPS,
    compare=(Compare("qty", tolerance=Tolerance(abs=Decimal("0.25"), rel=Decimal("0.125")),
                     reason_over="SHIP_OVER", reason_under="SHIP_PARTIAL"),),
    window=DateWindow("paid_at", "ship_time", after=timedelta(hours=48), reason="SHIP_LATE"),
    cardinality="one_to_many",
    normalize=("trim", "upper", "fullwidth", "leading_zeros"),
    reason_missing_left="SHIP_UNKNOWN_ORDER",
    reason_missing_right="SHIP_UNSHIPPED",
    amount="line_amount",
)


def cte_names(sql: str) -> list[str]:
    return re.findall(r"^(\w+) AS \($", sql, flags=re.MULTILINE)


def placeholders(sql: str) -> set[str]:
    return set(re.findall(r"\$(\w+)", sql))


QUICK_CTES = [
    "left_source", "right_source", "stacked", "grouped",
    "units", "diffs", "statuses", "classified", "scored",
]
PENDING_CTES = [
    "pending", "left_source", "right_source", "stacked", "grouped", "left_copies",
    "left_extra", "right_extra", "left_first",
    "units", "diffs", "statuses", "classified", "scored",
]


def test_keyed_units_statement_is_a_chain_of_ctes_into_a_temporary_table():
    sql, _ = sb.keyed_units_sql(SPEC)
    assert sql.startswith('CREATE OR REPLACE TEMPORARY TABLE temp."match_units" AS\nWITH\n')
    assert cte_names(sql) == QUICK_CTES
    assert "GROUP BY k0, k1" in sb.grouped_sql(sb.Ctx(SPEC))
    # the sides pair in one aggregation, not a join of the whole sides; each is read once
    assert "JOIN" not in sql
    assert sql.count('FROM "v_lines"') == sql.count('FROM "v_ships"') == 1


def test_quick_pass_leaves_empty_and_repeated_keys_pending():
    ctx = sb.Ctx(SPEC)
    # one_to_many: only the left (one) side can repeat a key
    assert sb.pending_sql(ctx) == "g.k0 IS NULL OR g.k1 IS NULL OR g.l_n > 1"
    assert "WHEN pending THEN 'pending'" in sb.classified_sql(ctx, quick=True)
    # without normalisation the quick pass reads the keys as they are; '' is then pending too
    plain = MatchSpec("s", LINES, SHIPS, compare=(Compare("qty"),), normalize=())
    assert "g.k0 = ''" in sb.pending_sql(sb.Ctx(plain))
    assert "NULLIF" not in sb.source_sql("left", sb.Ctx(plain), quick=True)
    assert "NULLIF" in sb.source_sql("left", sb.Ctx(plain))


def test_pending_statement_redoes_only_the_pending_keys_and_empty_keys():
    sql, _ = sb.keyed_pending_sql(SPEC)
    assert sql.startswith('INSERT INTO temp."match_units"\nWITH\n')
    assert cte_names(sql) == PENDING_CTES
    assert "WHERE state = 'pending'" in sql
    source = sb.pending_source_sql("left", sb.Ctx(SPEC))
    assert "WHERE s.k0 IS NULL OR s.k1 IS NULL" in source
    assert "EXISTS (SELECT 1 FROM pending AS p WHERE p.k0 = s.k0 AND p.k1 = s.k1)" in source
    assert sb.delete_pending_sql() == 'DELETE FROM temp."match_units" WHERE state = \'pending\''


def test_keyed_results_statement_reads_the_units_and_ends_in_final():
    sql, _ = sb.keyed_results_sql(SPEC)
    assert sql.startswith("INSERT INTO match_results (run_id, spec, state, reason_code, key,")
    assert cte_names(sql) == [
        "left_source", "right_source", "stored", "left_ids", "right_ids", "classified", "final",
    ]
    assert 'FROM temp."match_units" WHERE origin IS NOT NULL' in sql  # not the tally rows
    assert sql.rstrip().endswith("FROM final")


def test_one_to_one_ranks_copies_on_both_sides():
    spec = MatchSpec("s", LINES, SHIPS, compare=(Compare("qty"),))
    sql, _ = sb.keyed_pending_sql(spec)
    assert cte_names(sql) == [
        "pending", "left_source", "right_source", "stacked", "grouped", "left_copies",
        "right_copies", "left_extra", "right_extra", "left_first", "right_first",
        "units", "diffs", "statuses", "classified", "scored",
    ]
    assert sb.pending_sql(sb.Ctx(spec)).endswith("OR g.l_n > 1 OR g.r_n > 1")


def test_every_value_is_a_bound_parameter():
    for sql, params in (sb.keyed_units_sql(SPEC), sb.keyed_pending_sql(SPEC),
                        sb.keyed_results_sql(SPEC)):
        # each placeholder has a value and each value is used (DuckDB refuses extras)
        assert set(params) == placeholders(sql)
        for value in ("SHIP_OVER", "SHIP_PARTIAL", "SHIP_LATE", "SHIP_UNSHIPPED", "shipping",
                      "order line", "shipment line", "0.25", "0.125", "172800"):
            assert value not in sql, f"{value!r} pasted into the SQL"
    _, params = sb.keyed_units_sql(SPEC)
    assert params["c0_abs"] == Decimal("0.25") and params["c0_rel"] == Decimal("0.125")
    assert params["window_after_us"] == 48 * 3600 * 1_000_000
    assert params["window_before_us"] == 0
    assert params["c0_reason_under"] == "SHIP_PARTIAL"
    _, params = sb.keyed_results_sql(SPEC)
    assert params["spec"] == "shipping" and params["run_id"] is None  # bound by run_match


def test_identifiers_are_quoted():
    sql, _ = sb.keyed_units_sql(SPEC)
    assert 'FROM "v_lines"' in sql and 'FROM "v_ships"' in sql
    assert '"qty" AS c0' in sql and '"ship_time" AS w' in sql
    assert DUCKDB.quote("main.orders") == '"main"."orders"'


def test_only_the_many_side_is_aggregated():
    grouped = sb.grouped_sql(sb.Ctx(SPEC))
    assert "COUNT(l_row) AS l_n" in grouped and "COUNT(r_row) AS r_n" in grouped
    assert "SUM(r_c0) AS r_c0" in grouped and "MIN(r_w) AS r_w" in grouped
    assert "any_value(l_c0) AS l_c0" in grouped  # one row per key on the left: its value
    assert "r_amt" not in grouped  # the right side has no amount column
    mirror = MatchSpec("m", LINES, SHIPS, compare=(Compare("qty"),), cardinality="many_to_one",
                       amount="line_amount")
    grouped = sb.grouped_sql(sb.Ctx(mirror))
    assert "SUM(l_c0) AS l_c0" in grouped and "SUM(l_amt) AS l_amt" in grouped
    assert "any_value(r_c0) AS r_c0" in grouped


def test_no_window_function_sort_or_list_over_a_whole_side():
    quick, _ = sb.keyed_units_sql(SPEC)
    assert " OVER (" not in quick and "list(" not in quick and "ORDER BY" not in quick
    sql, _ = sb.keyed_pending_sql(SPEC)
    # copy numbers only: for the copies and the empty keys of the left, the empty keys of the right
    assert sql.count(" OVER (") == 3
    extras = sql.split("\nleft_extra AS (")[1].split("\nleft_first AS (")[0]
    assert extras.count(" OVER (") == 3
    assert "list(" not in sql and "json" not in sql.lower() and "ORDER BY" not in sql.replace(
        "ORDER BY s.id_ord", "")
    ctx = sb.Ctx(SPEC)
    one_side = sb.extra_sql("left", ctx)  # copies of a repeated key, and empty keys
    assert "FROM left_copies AS c\nJOIN (" in one_side and "\nUNION ALL\n" in one_side
    many_side = sb.extra_sql("right", ctx)  # only empty keys: nothing is a duplicate there
    assert "JOIN" not in many_side and "IS NULL" in many_side


def test_duplicates_are_ranked_by_id_within_each_key():
    extra = sb.extra_sql("left", sb.Ctx(SPEC))
    assert "ROW_NUMBER() OVER (PARTITION BY s.k0, s.k1 ORDER BY s.id_ord NULLS LAST, s.id," in extra
    assert "ON s.k0 = c.k0 AND s.k1 = c.k1" in extra


def test_matched_units_are_kept_as_one_tally_row():
    ctx = sb.Ctx(SPEC)
    kept = sb.kept_sql(ctx, keep_matched=False)
    assert kept.endswith(
        "GROUP BY state, reason_code, g_l_k0, g_l_k1, g_l_copy_no, g_r_k0, g_r_k1, g_r_copy_no")
    assert "CASE WHEN state <> 'matched' THEN l_k0 END AS g_l_k0" in kept
    assert "SUM(amount) AS amount" in kept and "COUNT(*) AS n" in kept
    assert sb.kept_sql(ctx, keep_matched=True).endswith("1 AS n\nFROM scored")


def test_tolerance_formula():
    ctx = sb.Ctx(SPEC)
    assert sb.tolerance_sql(0, ctx, "r_c0") == (
        "CAST($c0_abs AS DECIMAL(38,10)) + CAST($c0_rel AS DECIMAL(38,10)) * ABS(r_c0)"
    )
    status = sb.status_sql(0, ctx)
    assert "WHEN ABS(d0) <= t0 THEN 'within'" in status  # inclusive at the bound


def test_check_order_decides_the_reason():
    two = MatchSpec("s", LINES, SHIPS, compare=(Compare("qty", reason="SHIP_PARTIAL"),
                                                Compare("sku", kind="text",
                                                        reason="SHIP_WRONG_SKU")))
    code = sb.reason_code_sql(sb.Ctx(two))
    assert "WHEN 'mismatched' THEN COALESCE(rc0, rc1)" in code


@pytest.mark.parametrize(
    ("steps", "raw", "expected"),
    [
        (("trim",), " \tO12 \t", "O12"),
        (("trim",), "   ", None),
        ((), "", None),
        ((), " O12", " O12"),
        (("upper",), "o12-ab", "O12-AB"),
        (("fullwidth",), "\uff2f\uff11\uff12\u3000", "O12 "),
        (("fullwidth", "trim"), "\u3000\uff2f\uff11\uff12\u3000", "O12"),
        (("leading_zeros",), "000120", "120"),
        (("leading_zeros",), "0000", "0"),
        (("trim", "upper", "fullwidth", "leading_zeros"), " \uff10\uff10\uff41b ", "AB"),
    ],
)
def test_normalize_sql_runs(db, steps, raw, expected):
    ctx = sb.Ctx(SPEC)
    expr = sb.normalize_sql("x", steps, ctx)
    got = db.scalar(f"SELECT {expr} FROM (SELECT $raw AS x)", {**ctx.params.values, "raw": raw})
    assert got == expected


def test_normalize_applies_steps_in_a_fixed_order(db):
    ctx = sb.Ctx(SPEC)
    a = sb.normalize_sql("x", ("leading_zeros", "trim"), ctx)
    b = sb.normalize_sql("x", ("trim", "leading_zeros"), ctx)
    assert a == b
    # trim first: the zeros behind the blank are leading zeros once it is gone
    assert db.scalar(f"SELECT {a} FROM (SELECT ' 007' AS x)") == "7"


def test_empty_normalisation_only_casts():
    assert sb.normalize_sql("x", (), sb.Ctx(SPEC)) == "NULLIF(CAST(x AS VARCHAR), '')"


RAW_KEYS = [None, "", " ", "\t", "  \t ", "\u3000", " \u3000\t", "\u3000a", "a\u3000", "a ",
            "0", "000", " 0 ", "a", " a\t", "\uff41", "007", "\t7 ", "O-1", "\uff2f\uff11"]


@pytest.mark.parametrize("steps", [(), ("trim",), ("fullwidth",), ("fullwidth", "trim"),
                                   ("upper", "leading_zeros"), NORMALIZE_STEPS])
def test_the_empty_key_test_agrees_with_the_normalised_key(db, steps):
    """``empty_key_where`` skips the steps that cannot empty a value; it must agree."""
    spec = MatchSpec("k", Side("t", ("x",), ("i", "x"), "i"), Side("t", ("x",), ("i", "x"), "i"),
                     normalize=steps)
    ctx = sb.Ctx(spec)
    full = sb.normalize_sql('"x"', spec.normalize_steps(), ctx)
    empty = sb.empty_key_where("left", ctx)
    for raw in RAW_KEYS:
        is_empty, tested_empty = db.execute(
            f"SELECT ({full}) IS NULL, {empty} FROM (SELECT $raw AS x)",
            {**ctx.params.values, "raw": raw}).fetchone()
        assert is_empty == tested_empty, (steps, raw)


def test_fullwidth_table_maps_every_printable_ascii():
    assert len(sb.FULLWIDTH_FROM) == len(sb.FULLWIDTH_TO) == 95
    assert sb.FULLWIDTH_FROM[0] == "\uff01" and sb.FULLWIDTH_TO[0] == "!"
    assert sb.FULLWIDTH_FROM[-1] == "\u3000" and sb.FULLWIDTH_TO[-1] == " "


def test_statements_run_and_yield_result_columns(db):
    db.execute("CREATE TABLE v_lines AS SELECT 'L1' AS line_id, 'O1' AS order_id, "
               "'A' AS sku, 2 AS qty, TIMESTAMP '2026-10-01' AS paid_at, 9.5 AS line_amount")
    db.execute("CREATE TABLE v_ships AS SELECT 'S1' AS ship_id, ' o1' AS order_id, "
               "'\uff41' AS sku, 2 AS qty, TIMESTAMP '2026-10-02' AS ship_time")
    db.run("match_create")
    for keep, expected in ((True, ["matched"]), (False, [])):
        sql, params = sb.keyed_units_sql(SPEC, keep_matched=keep)
        db.execute(sql, params)
        units = db.execute("SELECT state, n, origin FROM temp.match_units").fetchall()
        # kept: the unit itself; otherwise one tally row (no origin: not a unit to store)
        assert units == [("matched", 1, "both" if keep else None)]
        sql, params = sb.keyed_results_sql(SPEC)
        db.execute("DELETE FROM match_results")
        db.execute(sql, {**params, "run_id": "t"})
        frame = db.df("SELECT * FROM match_results")
        assert list(frame.columns) == list(sb.RESULT_COLUMNS)
        assert frame["state"].tolist() == expected
        if keep:
            assert frame["key"].tolist() == ["O1|A"]
        db.execute(sb.drop_units_sql())


@pytest.mark.parametrize(
    ("td", "text"),
    [(timedelta(0), "0"), (timedelta(days=2), "2 days"), (timedelta(days=1), "1 day"),
     (timedelta(hours=26, minutes=5), "1 day 02:05:00"), (timedelta(seconds=-90), "-00:01:30")],
)
def test_format_duration(td, text):
    assert sb.format_duration(td) == text


def test_tolerance_text():
    assert sb.tolerance_text(Tolerance()) == "0"
    assert sb.tolerance_text(Tolerance(abs=Decimal("0.50"))) == "0.5"
    assert sb.tolerance_text(Tolerance(rel=0.02)) == "2%"
    assert sb.tolerance_text(Tolerance(abs=1, rel=0.005)) == "1 + 0.5%"
    assert sb.tolerance_text(Tolerance(abs=timedelta(hours=1))) == "01:00:00"


def test_unkeyed_sql_pulls_only_bounded_candidates():
    spec = MatchSpec(
        "pay",
        Side("payouts", (), ("payout_id", "paid_on", "amount"), "payout_id"),
        Side("deposits", (), ("txn_id", "booked_on", "amount"), "txn_id"),
        compare=(Compare("amount"),),
        window=DateWindow("paid_on", "booked_on", before=timedelta(days=1),
                          after=timedelta(days=3)),
        cardinality="many_to_one", mode="unkeyed", max_candidates=9,
    )
    sql, params = su.unkeyed_candidates_sql(spec)
    assert cte_names(sql) == ["left_source", "right_source", "one_src", "many_src", "pairs",
                              "counts"]
    assert "WHERE c.n_candidates <= CAST($max_candidates AS BIGINT)" in sql
    assert "o.w_us >= m.w_us - CAST($window_before_us AS BIGINT)" in sql  # right=one, left=many
    assert params["max_candidates"] == 9 and params["window_after_us"] == 3 * 86400 * 10**6
    assert set(params) == placeholders(sql)
    insert, iparams = su.unkeyed_insert_sql(spec, [("D1", "P1"), ("D1", "P2")], ["D2"])
    assert iparams["assign_one"] == ["D1", "D1"] and iparams["assign_many"] == ["P1", "P2"]
    assert iparams["open_ones"] == ["D2"]
    assert set(iparams) | {"run_id"} == placeholders(insert) | {"run_id"}
    assert "D1" not in insert and "P1" not in insert
