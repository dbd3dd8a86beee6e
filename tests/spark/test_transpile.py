"""The DuckDB queries spelled for Spark: the fixes sqlglot needs, each on a small query."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("sqlglot")

from recon_lib.spark.transpile import TranspileError, named, to_spark  # noqa: E402


def test_parameters_and_list_index_are_spelled_for_spark():
    sql = to_spark("select r.left_ids[1] as id from match_results as r where run_id = $run_id")
    assert ":run_id" in sql.query and "$run_id" not in sql.query
    assert "left_ids[0]" in sql.query.replace("r.", "")


def test_a_temp_table_is_split_into_its_name_and_query():
    sql = to_spark("create or replace temp table staged as with final as (select 1 as x) "
                   "select * from final")
    assert (sql.kind, sql.name) == ("table", "staged")
    assert sql.query.upper().startswith("WITH") and "CREATE" not in sql.query.upper()


def test_an_ordered_list_keeps_its_order():
    sql = to_spark("select list(s.id order by s.at) as ids from s group by s.k").query
    assert "ARRAY_SORT(COLLECT_LIST(STRUCT(s.at AS k0, s.id AS v)))" in sql


def test_a_descending_ordered_list_is_refused_naming_the_query():
    with pytest.raises(TranspileError, match="query q: list"):
        to_spark("select list(s.id order by s.at desc) from s", "q")


def test_id_cuts_gets_its_spark_spelling():
    sql = to_spark("select unnest(id_cuts(x.id)) as cut from x").query.upper()
    assert "ID_CUTS" not in sql and "TRANSFORM(FILTER(SEQUENCE(1" in sql


def test_another_macro_is_refused():
    with pytest.raises(TranspileError, match="short_province"):
        to_spark("select short_province(p) from x", "q")


def test_to_json_keeps_null_fields_and_duckdb_timestamps():
    sql = to_spark("select to_json({'a': x.a}) from x").query
    assert "'ignoreNullFields', 'false'" in sql and "yyyy-MM-dd HH:mm:ss" in sql


@pytest.mark.parametrize("name", [
    "shipping_due", "shipping_ordered_lines", "shipping_ordered", "shipping_packed",
    "shipping_shipped", "shipping_discrepancies", "outbound_lines", "outbound_shipped",
    "outbound_posted", "outbound_discrepancies", "spark_match_unit_stats",
])
def test_the_queries_of_shipping_and_outbound_transpile(name):
    sql = named(name)
    assert sql.query and not re.search(r"\$[a-z_]", sql.query)   # '$.qty' is a JSON path
