"""Shipping and outbound on Spark give exactly the DuckDB findings, on one demo month."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("sqlglot")

from recon_lib.config import Settings  # noqa: E402
from recon_lib.db import Database  # noqa: E402
from recon_lib.demo import build_month  # noqa: E402
from recon_lib.demo.frames import insert_month  # noqa: E402
from recon_lib.match.dialect import DUCKDB, SPARK  # noqa: E402
from recon_lib.periods import parse_period  # noqa: E402
from recon_lib.recons import outbound, shipping  # noqa: E402
from recon_lib.recons.base import RunContext  # noqa: E402
from recon_lib.spark.engine import NotOnSpark, SparkDatabase  # noqa: E402
from recon_lib.spark.tables import export_tables, register_tables  # noqa: E402

OCT = parse_period("2026-10")
FINDINGS = ("SELECT reason_code, key, order_id, amount, explanation, CAST(details AS VARCHAR) "
            "AS details FROM discrepancies WHERE recon = $recon ORDER BY reason_code, key")
STATS = ("SELECT state, reason_code, n, amount FROM match_stats WHERE run_id = $run_id "
         "AND spec = $spec ORDER BY state, reason_code")


@pytest.fixture(scope="module")
def both(spark, tmp_path_factory):
    """A 3,000-order demo month reconciled on DuckDB, then on Spark: findings of each."""
    db = Database(":memory:")
    insert_month(db, build_month(OCT, orders=3000, seed=11))
    out = {}
    for recon in (shipping, outbound):
        recon.reconcile(RunContext(db, OCT, "duck", Settings()))
        out[recon.RECON] = {"duckdb": db.df(FINDINGS, {"recon": recon.RECON})}
    folder = tmp_path_factory.mktemp("parquet")
    counts = export_tables(db, folder)
    register_tables(spark, folder)
    on_spark = SparkDatabase(db, spark)
    for recon in (shipping, outbound):
        recon.reconcile(RunContext(on_spark, OCT, "spark", Settings()))
        out[recon.RECON]["spark"] = db.df(FINDINGS, {"recon": recon.RECON})
    yield db, on_spark, out, (counts, folder)
    db.close()


def _rows(frame, columns):
    return [tuple(r) for r in frame[list(columns)].astype(object).where(frame.notna(), None)
            .itertuples(index=False)]


@pytest.mark.parametrize("recon", ["shipping", "outbound"])
def test_findings_on_spark_are_the_duckdb_findings(both, recon):
    _, _, out, _ = both
    duck, spark = out[recon]["duckdb"], out[recon]["spark"]
    assert len(duck) >= 25   # every code of the reconciliation is injected several times
    columns = ("reason_code", "key", "order_id", "amount", "explanation")
    assert _rows(spark, columns) == _rows(duck, columns)


@pytest.mark.parametrize("recon", ["shipping", "outbound"])
def test_details_on_spark_hold_the_same_values(both, recon):
    _, _, out, _ = both
    duck, spark = out[recon]["duckdb"], out[recon]["spark"]
    # the same JSON values; Spark writes an engine-made object's keys in sorted order
    assert [json.loads(d) for d in spark["details"]] == [json.loads(d) for d in duck["details"]]


@pytest.mark.parametrize("spec", ["shipping", "outbound"])
def test_match_statistics_on_spark_are_the_duckdb_statistics(both, spec):
    db, _, _, _ = both
    duck = db.df(STATS, {"run_id": "duck", "spec": spec})
    spark = db.df(STATS, {"run_id": "spark", "spec": spec})
    assert len(duck) > 1 and _rows(spark, duck.columns) == _rows(duck, duck.columns)


def test_every_table_was_exported_partitioned_by_period(both):
    _, _, _, (counts, folder) = both
    assert counts["shipments"] > 0 and counts["orders"] > 0
    assert (folder / "shipments" / "period=2026-10").is_dir()


def test_an_unkeyed_spec_is_refused_on_spark(both):
    from recon_lib.recons import payments

    _, on_spark, _, _ = both
    with pytest.raises(NotOnSpark, match="unkeyed matching"):
        on_spark.run_match(payments.bank_spec(3), "x")


@pytest.mark.parametrize("us", [0, 1, 3_600_000_000, -3_600_000_000, 108_000_000_000,
                                -108_000_000_000, 86_400_000_000, 172_800_000_001,
                                -86_400_500_000, 59_000_000])
def test_duration_text_is_duckdbs(spark, us):
    duck = Database(":memory:")
    try:
        expected = duck.scalar(f"SELECT {DUCKDB.duration_text(str(us))}")
    finally:
        duck.close()
    assert spark.sql(f"SELECT {SPARK.duration_text(f'CAST({us} AS BIGINT)')}").first()[0] == expected
