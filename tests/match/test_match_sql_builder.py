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


def test_keyed_sql_is_a_chain_of_ctes_ending_in_final():
    sql, _ = sb.keyed_insert_sql(SPEC)
    assert sql.startswith("INSERT INTO match_results (run_id, spec, state, reason_code, key,")
    assert cte_names(sql) == [
        "left_source", "left_ranked", "left_units",
        "right_source", "right_ranked", "right_units",
        "joined", "diffs", "statuses", "classified", "final",
    ]
    assert "FULL OUTER JOIN right_units AS r\n    ON l.pk0 = r.pk0 AND l.pk1 = r.pk1" in sql
    assert sql.rstrip().endswith("FROM final")


def test_every_value_is_a_bound_parameter():
    sql, params = sb.keyed_insert_sql(SPEC)
    # each placeholder has a value and each value is used (DuckDB refuses extras)
    assert set(params) == placeholders(sql)
    for value in ("SHIP_OVER", "SHIP_PARTIAL", "SHIP_LATE", "SHIP_UNSHIPPED", "shipping",
                  "order line", "shipment line", "0.25", "0.125", "172800"):
        assert value not in sql, f"{value!r} pasted into the SQL"
    assert params["c0_abs"] == Decimal("0.25") and params["c0_rel"] == Decimal("0.125")
    assert params["window_after_us"] == 48 * 3600 * 1_000_000
    assert params["window_before_us"] == 0
    assert params["c0_reason_under"] == "SHIP_PARTIAL"
    assert params["spec"] == "shipping" and params["run_id"] is None  # bound by run_match


def test_identifiers_are_quoted():
    sql, _ = sb.keyed_select_sql(SPEC)
    assert 'FROM "v_lines"' in sql and 'FROM "v_ships"' in sql
    assert '"qty" AS c0' in sql and '"ship_time" AS w' in sql
    assert DUCKDB.quote("main.orders") == '"main"."orders"'


def test_only_the_many_side_is_aggregated():
    sql, _ = sb.keyed_select_sql(SPEC)
    left_units = sb.units_sql("left", sb.Ctx(SPEC))
    right_units = sb.units_sql("right", sb.Ctx(SPEC))
    assert "GROUP BY" not in left_units
    assert "GROUP BY k0, k1" in right_units
    assert "SUM(c0) AS c0" in right_units and "MIN(w) AS w" in right_units
    assert "WHERE NOT key_ok" in right_units  # empty keys stay single, unpaired
    assert sb.cte("right_units", right_units) in sql


def test_duplicates_are_ranked_by_id_within_each_key():
    ranked = sb.ranked_sql("left", sb.Ctx(SPEC))
    assert "ROW_NUMBER() OVER (PARTITION BY k0, k1 ORDER BY id_ord NULLS LAST, id," in ranked
    assert "COUNT(*) OVER (PARTITION BY k0, k1) AS copies" in ranked


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


def test_normalize_applies_steps_in_a_fixed_order():
    ctx = sb.Ctx(SPEC)
    a = sb.normalize_sql("x", ("leading_zeros", "trim"), ctx)
    b = sb.normalize_sql("x", ("trim", "leading_zeros"), ctx)
    assert a == b and a.index("trim(") > a.index("TRIM(LEADING")  # trim is inside (first)


def test_fullwidth_table_maps_every_printable_ascii():
    assert len(sb.FULLWIDTH_FROM) == len(sb.FULLWIDTH_TO) == 95
    assert sb.FULLWIDTH_FROM[0] == "\uff01" and sb.FULLWIDTH_TO[0] == "!"
    assert sb.FULLWIDTH_FROM[-1] == "\u3000" and sb.FULLWIDTH_TO[-1] == " "


def test_select_runs_and_yields_result_columns(db):
    db.execute("CREATE TABLE v_lines AS SELECT 'L1' AS line_id, 'O1' AS order_id, "
               "'A' AS sku, 2 AS qty, TIMESTAMP '2026-10-01' AS paid_at, 9.5 AS line_amount")
    db.execute("CREATE TABLE v_ships AS SELECT 'S1' AS ship_id, ' o1' AS order_id, "
               "'\uff41' AS sku, 2 AS qty, TIMESTAMP '2026-10-02' AS ship_time")
    sql, params = sb.keyed_select_sql(SPEC)
    frame = db.df(sql, {**params, "run_id": "t"})
    assert list(frame.columns) == list(sb.RESULT_COLUMNS)
    assert frame["state"].tolist() == ["matched"]
    assert frame["key"].tolist() == ["O1|A"]


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
